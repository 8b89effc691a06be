"""The feature asset checks fail on the breaches they describe (not only pass on good data)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import polars as pl

from tft_assets.defs.features import checks
from tft_assets.features import LABELS_SCHEMA, SNAPSHOT_SCHEMA


def _results(results) -> dict[str, bool]:
    return {r.check_name: r.passed for r in results}


def _snapshot(frame: pl.DataFrame):
    return SimpleNamespace(frame=frame, correlated_pairs=())


def test_snapshot_contract_fails_on_a_leaked_column_and_a_wrong_dtype() -> None:
    good = pl.DataFrame(schema=SNAPSHOT_SCHEMA)
    name = checks.CHECK_FEATURE_SNAPSHOTS_CONTRACT
    assert _results(checks.feature_snapshot_checks({"d": _snapshot(good)}))[name]
    leaked = good.with_columns(pl.lit(None, dtype=pl.Float64).alias("gt_hype"))
    assert not _results(checks.feature_snapshot_checks({"d": _snapshot(leaked)}))[name]
    retyped = good.with_columns(pl.col("missing_pct").cast(pl.String))
    assert not _results(checks.feature_snapshot_checks({"d": _snapshot(retyped)}))[name]


def _sequence(steps: list[int], days: list[int]) -> pl.DataFrame:
    start = dt.date(2024, 1, 1)
    dates = [start + dt.timedelta(days=d) for d in days]
    return pl.DataFrame(
        {"ticker": "AAA", "end_date": dates[-1], "step": steps, "date": dates, "ret_1d": 0.0}
    )


def test_sequence_shape_fails_on_repeated_steps_and_falling_dates() -> None:
    name = checks.CHECK_FEATURE_SEQUENCES_SHAPE
    ok = _sequence([0, 1, 2], [0, 1, 2])
    assert _results(checks.feature_sequence_checks({"k": ok}))[name]
    repeated = _sequence([0, 0, 2], [0, 1, 2])  # as many rows as max step + 1
    assert not _results(checks.feature_sequence_checks({"k": repeated}))[name]
    falling = _sequence([0, 1, 2], [0, 2, 1]).with_columns(
        pl.lit(dt.date(2024, 1, 2)).alias("end_date")
    )
    assert not _results(checks.feature_sequence_checks({"k": falling}))[name]


def test_label_check_fails_on_an_inconsistent_label_and_a_wrong_schema() -> None:
    name = checks.CHECK_LABELS_CONSISTENT
    good = pl.DataFrame(
        {"ticker": ["A", "B"], "date": [dt.date(2024, 1, 2)] * 2, "fwd_return": [0.1, -0.1],
         "label_up": [True, False]},
        schema=LABELS_SCHEMA,
    )  # fmt: skip
    assert _results(checks.label_checks({"k": good}))[name]
    wrong = good.with_columns(pl.lit(True).alias("label_up"))
    assert not _results(checks.label_checks({"k": wrong}))[name]
    retyped = good.with_columns(pl.col("fwd_return").cast(pl.Float32))
    assert not _results(checks.label_checks({"k": retyped}))[name]


def _features(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` snapshot rows of independent random features."""
    import numpy as np

    from tft_assets.features import FEATURE_NAMES

    rng = np.random.default_rng(seed)
    return pl.DataFrame({f: rng.normal(size=n) for f in FEATURE_NAMES}).with_columns(
        missing_pct=pl.lit(0.0), ticker=pl.int_range(n).cast(pl.String), snapshot_id=pl.lit("s")
    )


def _correlated(frames: list[pl.DataFrame]):
    name = checks.CHECK_FEATURE_SNAPSHOTS_CORRELATED
    snaps = {str(i): _snapshot(f) for i, f in enumerate(frames)}
    return next(r for r in checks.feature_snapshot_checks(snaps) if r.check_name == name)


def test_correlated_pairs_pool_the_run_and_leave_price_levels_out() -> None:
    import numpy as np

    days = [_features(10, seed=s) for s in range(8)]  # 8 days x 10 tickers = 80 rows
    clean = _correlated(days)
    assert clean.passed and clean.metadata["evaluated"].value is True
    assert clean.metadata["rows"].value == 80
    # price levels move together by construction: not a finding
    levels = [f.with_columns((pl.col("sma_10") * 1.01).alias("sma_50")) for f in days]
    assert _correlated(levels).passed
    # a scale-free feature that copies another (a pipeline bug) is, pooled over the days
    noise = np.random.default_rng(1).normal(0, 0.01, 10)
    copied = [f.with_columns((pl.col("rsi_14") * 2 + noise).alias("bb_pct_b")) for f in days]
    flagged = _correlated(copied)
    assert not flagged.passed
    assert [p[:2] for p in flagged.metadata["pairs_over_threshold"].value] == [
        ["rsi_14", "bb_pct_b"]
    ]


def test_correlated_pairs_need_a_minimum_sample() -> None:
    few = _features(12)
    tiny = _correlated([few.with_columns(pl.col("rsi_14").alias("bb_pct_b"))])
    assert tiny.passed and tiny.metadata["evaluated"].value is False
    assert "not evaluated" in tiny.metadata["note"].value

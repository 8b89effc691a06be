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

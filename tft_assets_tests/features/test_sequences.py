from __future__ import annotations

import datetime as dt
import io

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tft_assets.calendar import trading_days
from tft_assets.features import (
    FEATURE_NAMES,
    build_sequences,
    iter_sequences,
    load_sequences,
    sequence_feature_names,
    window_sessions,
)

END = dt.date(2021, 6, 30)
SESSIONS = trading_days(dt.date(2021, 1, 4), END)


def _snapshots(
    n_tickers: int, sessions: list[dt.date], seed: int, drop: float = 0.0, null: float = 0.0
) -> pl.DataFrame:
    """Snapshot-like rows with random values; ``drop`` removes rows, ``null`` blanks values."""
    rng = np.random.default_rng(seed)
    tick = [f"T{i:02d}" for i in range(n_tickers)]
    n = n_tickers * len(sessions)
    values = rng.normal(size=(n, len(FEATURE_NAMES)))
    values[rng.random(values.shape) < null] = np.nan
    df = pl.DataFrame(
        {"ticker": np.repeat(tick, len(sessions)), "date": sessions * n_tickers,
         **{f: pl.Series(values[:, j], nan_to_null=True) for j, f in enumerate(FEATURE_NAMES)}},
        schema_overrides={"date": pl.Date},
    )  # fmt: skip
    keep = (rng.random(n) >= drop) | (df["date"] == sessions[-1]).to_numpy()
    return df.filter(pl.Series(keep)).with_columns(pl.lit("x").alias("snapshot_id"))


def test_shape_index_and_dates() -> None:
    win = SESSIONS[-30:]
    seq = build_sequences(_snapshots(4, SESSIONS[-40:], 0), END)
    assert seq.X.shape == (4, 30, len(FEATURE_NAMES)) and seq.X.dtype == np.float32
    assert seq.index.columns == ["ticker", "end_date"] and seq.index["ticker"].to_list() == [
        "T00",
        "T01",
        "T02",
        "T03",
    ]
    assert list(seq.dates) == win and seq.dropped == 0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), drop=st.floats(0, 0.5), length=st.integers(2, 30))
def test_windows_preserve_every_input_row(seed: int, drop: float, length: int) -> None:
    day = SESSIONS[-1]
    snaps = _snapshots(5, SESSIONS[-45:], seed, drop=drop)
    seq = build_sequences(snaps, day, length=length, max_missing=1.0, ffill_limit=0)
    win = window_sessions(day, length)
    rows = snaps.filter(pl.col("date").is_between(win[0], day))
    assert seq.X.shape[0] == 5
    pos = {t: i for i, t in enumerate(seq.index["ticker"].to_list())}
    step = {d: j for j, d in enumerate(win)}
    x = rows.select(FEATURE_NAMES).to_numpy().astype(np.float32)
    got = np.stack(
        [seq.X[pos[t], step[d]] for t, d in zip(rows["ticker"], rows["date"], strict=True)]
    )
    np.testing.assert_array_equal(got, x)  # every row, at its (ticker, step), unchanged
    # Cells without an input row are missing (no ffill here), and nothing else is.
    assert np.isnan(seq.X).sum() == (5 * length - rows.height) * len(FEATURE_NAMES)


@pytest.mark.parametrize(
    ("max_missing", "expect_dropped"),
    [(1.0, 0), (0.2, 1), (0.0, 2)],
)
def test_missing_windows_are_dropped_and_counted(max_missing: float, expect_dropped: int) -> None:
    snaps = _snapshots(3, SESSIONS[-30:], 1)
    # T01 misses 9/30 sessions (30 %), T02 one value (tiny share); T00 is complete.
    snaps = snaps.filter(~((pl.col("ticker") == "T01") & pl.col("date").is_in(SESSIONS[-30:-21])))
    snaps = snaps.with_columns(
        pl.when((pl.col("ticker") == "T02") & (pl.col("date") == SESSIONS[-5]))
        .then(None)
        .otherwise(pl.col("rsi_14"))
        .alias("rsi_14")
    )
    seq = build_sequences(snaps, END, max_missing=max_missing, ffill_limit=0)
    assert seq.dropped == expect_dropped
    assert seq.X.shape[0] == 3 - expect_dropped
    if expect_dropped:
        assert "T01" in seq.dropped_tickers


def test_forward_fill_respects_the_limit() -> None:
    snaps = _snapshots(1, SESSIONS[-30:], 2)
    gap = SESSIONS[-20:-14]  # six consecutive missing sessions
    snaps = snaps.filter(~pl.col("date").is_in(gap))
    seq = build_sequences(snaps, END, max_missing=1.0, ffill_limit=4)
    x = seq.X[0, :, FEATURE_NAMES.index("macd")]
    before = snaps.filter(pl.col("date") == SESSIONS[-21])["macd"].item()
    filled = x[10:16]  # window steps of the gap
    np.testing.assert_array_equal(filled[:4], np.float32(before))
    assert np.isnan(filled[4:]).all()


def test_long_form_round_trips_through_parquet_and_the_loader() -> None:
    days = SESSIONS[-3:]
    snaps = _snapshots(6, SESSIONS[-40:], 3, drop=0.05, null=0.02)
    parts = list(iter_sequences(snaps, days, max_missing=0.5))
    frame = pl.concat([p.to_frame() for p in parts])
    assert frame.columns[:4] == ["ticker", "end_date", "step", "date"]
    buf = io.BytesIO()
    frame.write_parquet(buf)
    back = pl.read_parquet(io.BytesIO(buf.getvalue()))
    x, index = load_sequences(back)
    assert sequence_feature_names(back) == FEATURE_NAMES
    np.testing.assert_array_equal(x, np.concatenate([p.X for p in parts]))
    assert index.equals(pl.concat([p.index for p in parts]))
    with pytest.raises(ValueError, match="ragged"):
        load_sequences(back.filter(pl.col("step") != 3))


def test_iter_sequences_matches_build_sequences_and_skips_non_trading_days() -> None:
    snaps = _snapshots(4, SESSIONS, 4, drop=0.1)
    days = [dt.date(2021, 6, 25), dt.date(2021, 6, 26), dt.date(2021, 6, 28)]
    got = list(iter_sequences(snaps, days))
    assert [g.end_date for g in got] == days
    assert got[1].X.shape[0] == 0  # Saturday
    for g in (got[0], got[2]):
        ref = build_sequences(snaps, g.end_date)
        np.testing.assert_array_equal(g.X, ref.X)
        assert g.index.equals(ref.index) and g.dropped == ref.dropped


def test_only_registry_features_enter_a_sequence() -> None:
    snaps = _snapshots(2, SESSIONS[-30:], 5)
    with pytest.raises(AssertionError, match="registry features"):
        build_sequences(
            snaps.with_columns(pl.lit(0.0).alias("gt_hype")),
            END,
            feature_names=[*FEATURE_NAMES, "gt_hype"],
        )

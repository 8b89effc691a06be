"""Information cutoff (DESIGN.md §3): nothing after D's close reaches the features of D."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tft_assets.calendar import market_close_utc, trading_days
from tft_assets.features import (
    FEATURE_NAMES,
    FeatureConfig,
    build_feature_snapshot,
    build_feature_snapshots,
    build_sequences,
    compute_features,
)
from tft_assets_tests.features.synth import make_posts, make_prices

START, END = dt.date(2021, 1, 4), dt.date(2021, 6, 30)
SESSIONS = trading_days(START, END)
CFG = FeatureConfig(isolation_trees=5)
TICKERS = ["T000", "T001", "T002"]


@lru_cache(maxsize=1)
def _world() -> tuple[pl.DataFrame, pl.DataFrame]:
    return make_prices(3, START, END, seed=3), make_posts(
        TICKERS, START - dt.timedelta(days=3), END, per_day=8, seed=4
    )


def _rows_at(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return frame.filter(pl.col("date") == day).sort("ticker")


def _perturb_future(prices: pl.DataFrame, posts: pl.DataFrame, day: dt.date, seed: int):
    rng = np.random.default_rng(seed)
    fut = pl.col("date") > day
    scale = pl.Series(rng.uniform(0.2, 5.0, prices.height))
    prices2 = prices.with_columns(
        *[
            pl.when(fut).then(pl.col(c) * scale).otherwise(pl.col(c)).alias(c)
            for c in ("open", "high", "low", "close", "adj_close")
        ],
        pl.when(fut).then(pl.col("volume") * 7).otherwise(pl.col("volume")).alias("volume"),
    )
    late = pl.col("created_utc") >= market_close_utc(day)
    posts2 = posts.with_columns(
        pl.when(late).then(-pl.col("sentiment")).otherwise(pl.col("sentiment")).alias("sentiment"),
        pl.when(late)
        .then(pl.col("ticker_sentiment").list.eval(-pl.element()))
        .otherwise(pl.col("ticker_sentiment"))
        .alias("ticker_sentiment"),
        pl.when(late).then(pl.lit(True)).otherwise(pl.col("is_quality")).alias("is_quality"),
        pl.when(late)
        .then(pl.lit(["T000", "T001", "T002"]))
        .otherwise(pl.col("tickers"))
        .alias("tickers_all"),
    )
    # Late posts now mention every ticker (sentiment list padded to match).
    posts2 = posts2.with_columns(
        pl.when(late).then(pl.col("tickers_all")).otherwise(pl.col("tickers")).alias("tickers"),
        pl.when(late)
        .then(pl.lit([0.99, 0.99, 0.99]))
        .otherwise(pl.col("ticker_sentiment"))
        .alias("ticker_sentiment"),
    ).drop("tickers_all")
    extra = pl.DataFrame(  # brand-new posts exactly at and after the close
        {
            "post_id": ["late0", "late1"],
            "kind": ["comment", "submission"],
            "created_utc": [market_close_utc(day), market_close_utc(day) + dt.timedelta(hours=3)],
            "quality_score": [90.0, 90.0],
            "quality_tier": ["excellent", "excellent"],
            "is_quality": [True, True],
            "tickers": [TICKERS, TICKERS],
            "sentiment": [1.0, -1.0],
            "ticker_sentiment": [[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]],
        },
        schema=posts.schema,
    )
    return prices2, pl.concat([posts2, extra])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(idx=st.integers(min_value=0, max_value=len(SESSIONS) - 2), seed=st.integers(0, 10_000))
def test_changing_anything_after_the_cutoff_never_changes_features_at_d(
    idx: int, seed: int
) -> None:
    prices, posts = _world()
    day = SESSIONS[idx]
    before = _rows_at(compute_features(prices, posts, CFG), day)
    prices2, posts2 = _perturb_future(prices, posts, day, seed)
    after_all = compute_features(prices2, posts2, CFG)
    assert before.equals(_rows_at(after_all, day))  # bit-for-bit, nulls included
    # ... and the perturbation is real: the next session does change.
    nxt = SESSIONS[idx + 1]
    assert not _rows_at(compute_features(prices, posts, CFG), nxt).equals(_rows_at(after_all, nxt))


@settings(max_examples=25, deadline=None)
@given(idx=st.integers(min_value=1, max_value=len(SESSIONS) - 1), minutes=st.integers(1, 600))
def test_a_post_just_before_the_close_feeds_d_and_just_after_feeds_the_next_session(
    idx: int, minutes: int
) -> None:
    prices, posts = _world()
    day = SESSIONS[idx]
    close = market_close_utc(day)
    base = compute_features(prices, posts, CFG)

    def with_post(ts: dt.datetime) -> pl.DataFrame:
        extra = pl.DataFrame(
            {"post_id": ["x"], "kind": ["comment"], "created_utc": [ts], "quality_score": [80.0], "quality_tier": ["good"],
             "is_quality": [True], "tickers": [["T001"]], "sentiment": [0.5], "ticker_sentiment": [[0.5]]},
            schema=posts.schema,
        )  # fmt: skip
        return compute_features(prices, pl.concat([posts, extra]), CFG)

    def count(frame: pl.DataFrame, d: dt.date) -> float:
        return frame.filter((pl.col("ticker") == "T001") & (pl.col("date") == d))[
            "mention_count"
        ].item()

    before_close = with_post(close - dt.timedelta(minutes=min(minutes, 60)))
    assert count(before_close, day) == count(base, day) + 1
    at_close = with_post(close + dt.timedelta(minutes=minutes - 1))
    assert count(at_close, day) == count(base, day)
    if idx + 1 < len(SESSIONS):
        assert count(at_close, SESSIONS[idx + 1]) == count(base, SESSIONS[idx + 1]) + 1


def test_snapshot_is_unchanged_by_future_data() -> None:
    prices, posts = _world()
    day = SESSIONS[60]
    snap = build_feature_snapshot(prices, posts, day, CFG)
    prices2, posts2 = _perturb_future(prices, posts, day, 1)
    snap2 = build_feature_snapshot(prices2, posts2, day, CFG)
    assert snap2.frame.equals(snap.frame)
    assert (snap2.snapshot_id, snap2.content_checksum) == (snap.snapshot_id, snap.content_checksum)
    assert snap2.lineage.equals(snap.lineage)


@settings(max_examples=5, deadline=None)
@given(idx=st.integers(min_value=40, max_value=len(SESSIONS) - 6))
def test_a_future_return_canary_never_reaches_a_snapshot_or_sequence(idx: int) -> None:
    prices, posts = _world()
    day = SESSIONS[idx]
    fwd = (pl.col("close").shift(-5) / pl.col("close") - 1).over("ticker", order_by="date")
    with_canary = prices.with_columns(fwd.alias("canary_fwd_return"), fwd.alias("gt_fwd_return"))
    snap = build_feature_snapshot(with_canary, posts, day, CFG)
    plain = build_feature_snapshot(prices, posts, day, CFG)
    assert not {"canary_fwd_return", "gt_fwd_return"} & set(snap.frame.columns)
    assert snap.frame.equals(plain.frame)
    # No feature column carries the canary's values either.
    canary = (
        with_canary.filter(pl.col("date") == day).sort("ticker")["canary_fwd_return"].to_numpy()
    )
    for f in FEATURE_NAMES:
        vals = snap.frame[f].to_numpy()
        assert not np.allclose(vals, canary, equal_nan=False), f
    built = build_feature_snapshots(with_canary, posts, SESSIONS[idx - 2 : idx + 1], CFG)
    window = pl.concat([s.frame for s in built.values()])
    seq = build_sequences(
        window.with_columns(pl.lit(1.0).alias("canary_fwd_return")), day, length=3, max_missing=1.0
    )
    assert "canary_fwd_return" not in seq.feature_names
    assert "canary_fwd_return" not in seq.to_frame().columns

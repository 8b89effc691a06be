from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

import polars as pl
import pytest

from tft_assets.calendar import trading_days
from tft_assets.features import (
    FEATURE_NAMES,
    LINEAGE_SCHEMA,
    SNAPSHOT_SCHEMA,
    FeatureConfig,
    build_feature_snapshot,
    build_feature_snapshots,
    rebuild_snapshot,
)
from tft_assets_tests.features.synth import make_posts, make_prices

START, END = dt.date(2021, 1, 4), dt.date(2021, 5, 28)
CFG = FeatureConfig(isolation_trees=5)
TICKERS = [f"T{i:03d}" for i in range(8)]


@lru_cache(maxsize=1)
def _world() -> tuple[pl.DataFrame, pl.DataFrame]:
    return make_prices(8, START, END, seed=11), make_posts(TICKERS, START, END, per_day=15, seed=12)


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=True)
    return buf.getvalue()


def test_same_inputs_give_byte_identical_parquet_and_equal_checksum() -> None:
    prices, posts = _world()
    day = dt.date(2021, 4, 15)
    a = build_feature_snapshot(prices, posts, day, CFG)
    # Shuffled input rows are the same inputs.
    b = build_feature_snapshot(
        prices.sample(fraction=1.0, seed=1), posts.sample(fraction=1.0, seed=2), day, CFG
    )
    assert _parquet_bytes(a.frame) == _parquet_bytes(b.frame)
    assert _parquet_bytes(a.lineage) == _parquet_bytes(b.lineage)
    assert (a.snapshot_id, a.content_checksum, a.input_checksum) == (
        b.snapshot_id,
        b.content_checksum,
        b.input_checksum,
    )
    assert a.frame.schema == pl.Schema(SNAPSHOT_SCHEMA)
    assert a.frame.height == len(TICKERS) and a.frame["snapshot_id"].unique().to_list() == [
        a.snapshot_id
    ]


@pytest.mark.parametrize("ragged", [False, True])
def test_range_builder_matches_single_day_byte_for_byte(ragged: bool) -> None:
    prices, posts = _world()
    if ragged:  # a late listing, a delisting and a missing day: the non-rectangular path
        prices = prices.filter(
            ~((pl.col("ticker") == "T007") & (pl.col("date") < dt.date(2021, 3, 10)))
            & ~((pl.col("ticker") == "T006") & (pl.col("date") > dt.date(2021, 3, 20)))
            & ~((pl.col("ticker") == "T001") & (pl.col("date") == dt.date(2021, 3, 2)))
        )
    days = [dt.date(2021, 3, 1) + dt.timedelta(days=i) for i in range(0, 60, 7)] + [
        dt.date(2021, 3, 6)
    ]
    many = build_feature_snapshots(prices, posts, days, CFG)
    assert sorted(many) == sorted(days)
    for day in days:
        one = build_feature_snapshot(prices, posts, day, CFG)
        assert _parquet_bytes(many[day].frame) == _parquet_bytes(one.frame), day
        assert many[day].lineage.equals(one.lineage)
        assert (
            many[day].content_checksum == one.content_checksum
            and many[day].snapshot_id == one.snapshot_id
        )


def test_non_trading_day_is_an_empty_snapshot_that_says_so() -> None:
    prices, posts = _world()
    snap = build_feature_snapshot(prices, posts, dt.date(2021, 4, 3), CFG)  # a Saturday
    assert snap.frame.is_empty() and snap.frame.schema == pl.Schema(SNAPSHOT_SCHEMA)
    assert snap.lineage.is_empty() and snap.lineage.schema == pl.Schema(LINEAGE_SCHEMA)
    assert snap.metadata()["trading_day"] is False and snap.metadata()["rows"] == 0


@pytest.mark.parametrize(
    "change",
    ["past_price", "past_post", "config"],
)
def test_snapshot_id_tracks_inputs_and_config(change: str) -> None:
    prices, posts = _world()
    day = dt.date(2021, 4, 15)
    base = build_feature_snapshot(prices, posts, day, CFG)
    cfg = CFG
    if change == "past_price":
        prices = prices.with_columns(
            pl.when(pl.col("date") == dt.date(2021, 2, 1))
            .then(pl.col("close") * 1.01)
            .otherwise(pl.col("close"))
            .alias("close")
        )
    elif change == "past_post":
        pid = posts.filter(pl.col("is_quality"))["post_id"][10]  # a quality post well before D
        posts = posts.with_columns(
            pl.when(pl.col("post_id") == pid)
            .then(99.5)
            .otherwise(pl.col("quality_score"))
            .alias("quality_score")
        )
    else:
        cfg = FeatureConfig(isolation_trees=5, rsi_window_sessions=10)
    other = build_feature_snapshot(prices, posts, day, cfg)
    assert other.snapshot_id != base.snapshot_id


def test_lineage_lists_the_quality_posts_in_the_influence_window() -> None:
    prices, posts = _world()
    day = dt.date(2021, 4, 15)
    snap = build_feature_snapshot(prices, posts, day, CFG)
    assert snap.lineage.columns == list(LINEAGE_SCHEMA) and snap.lineage.height > 0
    used = set(snap.lineage["post_id"].to_list())
    quality = set(posts.filter(pl.col("is_quality"))["post_id"].to_list())
    assert used <= quality
    sessions = trading_days(START, day)[-CFG.sentiment_lookback_sessions :]
    from tft_assets.features import assign_sessions

    s = posts.with_columns(assign_sessions(posts["created_utc"]).alias("session"))
    expected = s.filter(
        pl.col("is_quality") & pl.col("session").is_between(sessions[0], sessions[-1])
    )
    assert used == set(expected["post_id"].to_list())
    # A post mentioning T003 on D appears under T003.
    todays = expected.filter(pl.col("session") == day).explode("tickers")
    pairs = set(zip(snap.lineage["ticker"], snap.lineage["post_id"], strict=True))
    assert all((t, p) in pairs for t, p in zip(todays["tickers"], todays["post_id"], strict=True))


def test_anomaly_flags_and_missing_pct() -> None:
    prices, posts = _world()
    day = dt.date(2021, 4, 15)
    hit = (pl.col("ticker") == "T005") & (pl.col("date") == day)
    spiked = prices.with_columns(
        pl.when(hit).then(pl.col("volume") * 200).otherwise(pl.col("volume")).alias("volume"),
        *[
            pl.when(hit).then(pl.col(c) * 3).otherwise(pl.col(c)).alias(c)
            for c in ("high", "low", "close", "adj_close")
        ],
    )
    snap = build_feature_snapshot(spiked, posts, day, FeatureConfig(isolation_trees=100))
    row = snap.frame.filter(pl.col("ticker") == "T005")
    assert "volume_ratio_20" in row["anomaly_features"].item().split(",")
    assert snap.frame["anomaly_count"].sum() >= 1
    assert snap.frame["isolation_score"].null_count() == 0
    scores = snap.frame.sort("isolation_score")["ticker"].to_list()
    assert scores[0] == "T005"  # the injected outlier is the most isolated row
    assert (
        snap.frame.filter(pl.col("ticker") != "T005")["anomaly_features"]
        .str.contains("volume_ratio_20")
        .sum()
        == 0
    )
    expected_missing = snap.frame.select(
        pl.sum_horizontal([pl.col(f).is_null() for f in FEATURE_NAMES]) / len(FEATURE_NAMES)
    )
    assert snap.frame["missing_pct"].to_list() == expected_missing.to_series().to_list()
    # 8 tickers: below corr_min_rows, no pair is called redundant on so small a sample
    assert snap.correlated_pairs == ()


def test_rebuild_from_a_parquet_round_trip_matches_and_detects_tampering() -> None:
    prices, posts = _world()
    day = dt.date(2021, 4, 15)
    snap = build_feature_snapshot(prices, posts, day, CFG)
    stored = pl.read_parquet(io.BytesIO(_parquet_bytes(snap.frame)))
    result = rebuild_snapshot(stored, prices, posts)
    assert result.matches, result.describe()
    tampered = stored.with_columns((pl.col("rsi_14") + 1e-9).alias("rsi_14"))
    bad = rebuild_snapshot(tampered, prices, posts)
    assert not bad.matches and "checksum mismatch" in bad.describe()
    changed = prices.with_columns(pl.col("volume") + 1)
    moved = rebuild_snapshot(stored, changed, posts)
    assert not moved.matches and "inputs changed" in moved.describe()

"""End-to-end lookahead test on the demo world: ingestion -> scoring -> features -> labels.

In a null world (signal strength 0) future returns are independent of everything knowable at
D's close, so no feature may predict the label better than chance: a feature that does has seen
the future. In the default world (strength 1) the sentiment features must carry the planted
edge. A canary built from the future return shows that the measurement itself catches leakage.
"""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tft_assets.calendar import day_bounds_utc
from tft_assets.features import FEATURE_NAMES, compute_features, compute_labels_range
from tft_assets.ingest import ingest_posts
from tft_assets.posts import score_posts
from tft_assets.schemas import ground_truth_columns
from tft_assets.sources.demo import DemoPostsSource, DemoPricesSource, DemoWorld, DemoWorldConfig

START, END = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
#: |Spearman corr(feature, forward 5-day return)| allowed in the null world: ~5,000 overlapping
#: (ticker, day) rows give a standard error of about 0.03, so 0.1 is a 3-sigma bound.
NULL_MAX_ABS_CORR = 0.1
#: Sign hit rate of a feature in the null world stays within this of 50 %.
NULL_MAX_HIT_RATE_GAP = 0.03


def _world_table(strength: float) -> pl.DataFrame:
    world = DemoWorld(DemoWorldConfig(seed=11, n_tickers=20, signal_strength=strength))
    raw = DemoPostsSource(world).fetch_posts(day_bounds_utc(START)[0], day_bounds_utc(END)[1]).frame
    keys = [(START + dt.timedelta(days=i)).isoformat() for i in range((END - START).days + 1)]
    posts = pl.concat(
        [f for f in ingest_posts(raw, keys, author_salt="t").partitions.values() if f.height]
    )
    scored = score_posts(posts.drop(ground_truth_columns(posts)))
    prices = (
        DemoPricesSource(world)
        .fetch_prices(world.tickers, START, END + dt.timedelta(days=14))
        .frame
    )
    prices = prices.drop(ground_truth_columns(prices))
    features = compute_features(prices.filter(pl.col("date") <= END), scored)
    labels = compute_labels_range(prices, sorted(set(features["date"].to_list())))
    label_rows = pl.concat([f for f in labels.values() if f.height])
    return features.join(label_rows, on=["ticker", "date"]).drop_nulls("fwd_return")


def _rank_corr(table: pl.DataFrame, column: str) -> float:
    sub = table.select(pl.col(column).rank(), pl.col("fwd_return").rank()).drop_nulls()
    return float(sub.select(pl.corr(column, "fwd_return")).item())


def _hit_rate(table: pl.DataFrame, column: str) -> float:
    sub = table.filter(pl.col(column).is_not_null() & (pl.col(column) != 0))
    return float(sub.select(((pl.col(column) > 0) == pl.col("label_up")).mean()).item())


@pytest.fixture(scope="module")
def null_world() -> pl.DataFrame:
    return _world_table(0.0)


@pytest.fixture(scope="module")
def default_world() -> pl.DataFrame:
    return _world_table(1.0)


def test_no_feature_predicts_the_future_in_a_null_world(null_world):
    assert null_world.height > 4000
    corr = {f: _rank_corr(null_world, f) for f in FEATURE_NAMES}
    leaking = {f: round(c, 3) for f, c in corr.items() if abs(c) > NULL_MAX_ABS_CORR}
    assert not leaking, leaking
    for f in ("sentiment_mean", "ret_5d", "macd_hist"):
        assert abs(_hit_rate(null_world, f) - 0.5) < NULL_MAX_HIT_RATE_GAP, f


def test_the_measurement_catches_a_canary_built_from_the_future(null_world):
    rng = np.random.default_rng(0)
    noisy = null_world["fwd_return"].to_numpy() + rng.normal(
        0, null_world["fwd_return"].std(), null_world.height
    )
    table = null_world.with_columns(pl.Series("canary", noisy))
    assert _rank_corr(table, "canary") > 0.5
    assert _hit_rate(table, "canary") > 0.7
    # the null-world test's own criteria flag it (its thresholds are not too loose)
    assert abs(_rank_corr(table, "canary")) > NULL_MAX_ABS_CORR
    assert abs(_hit_rate(table, "canary") - 0.5) >= NULL_MAX_HIT_RATE_GAP


def test_sentiment_features_carry_the_planted_edge(default_world):
    assert _rank_corr(default_world, "sentiment_mean") > 0.15
    assert _hit_rate(default_world, "sentiment_mean") > 0.55

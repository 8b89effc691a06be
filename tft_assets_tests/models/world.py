"""Small demo worlds as ModelData, built with the pipeline's own domain functions (no Dagster):
demo sources -> ingestion -> scoring -> features -> 30-session sequences -> labels."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import polars as pl

from tft_assets.calendar import day_bounds_utc, trading_days
from tft_assets.features import compute_features, compute_labels_range, iter_sequences
from tft_assets.ingest import ingest_posts
from tft_assets.models import ModelData, model_data
from tft_assets.posts import score_posts
from tft_assets.schemas import ground_truth_columns
from tft_assets.sources.demo import DemoPostsSource, DemoPricesSource, DemoWorld, DemoWorldConfig
from tft_assets.sources.demo.observable import observable_frame

WARMUP_DAYS = 120


@lru_cache(maxsize=4)
def demo_model_data(
    strength: float, seed: int, tickers: int, start: dt.date, end: dt.date
) -> tuple[ModelData, pl.DataFrame]:
    """Samples of every session ``start..end``, and ``ticker, end_date, p_oracle, p_observable``:
    the oracle's and the observable ceiling's P(up) (:mod:`tft_assets.sources.demo.observable`)."""
    world = DemoWorld(DemoWorldConfig(seed=seed, n_tickers=tickers, signal_strength=strength))
    first = start - dt.timedelta(days=WARMUP_DAYS)
    raw = DemoPostsSource(world).fetch_posts(day_bounds_utc(first)[0], day_bounds_utc(end)[1]).frame
    keys = [(first + dt.timedelta(days=i)).isoformat() for i in range((end - first).days + 1)]
    posts = pl.concat(
        [f for f in ingest_posts(raw, keys, author_salt="t").partitions.values() if f.height]
    )
    scored = score_posts(posts.drop(ground_truth_columns(posts)))
    prices = (
        DemoPricesSource(world)
        .fetch_prices(world.tickers, first, end + dt.timedelta(days=14))
        .frame
    )
    prices = prices.drop(ground_truth_columns(prices))
    features = compute_features(prices.filter(pl.col("date") <= end), scored)
    days = sorted(d for d in set(features["date"].to_list()) if start <= d <= end)
    seqs = pl.concat([s.to_frame() for s in iter_sequences(features, days) if s.X.shape[0]])
    labels = compute_labels_range(prices, days)
    label_rows = pl.concat([f for f in labels.values() if f.height])
    observable = observable_frame(
        raw, world.tickers, trading_days(first, end), strength=strength, horizon_days=5
    ).select("ticker", "date", pl.col("p_up").alias("p_observable"))
    oracle = (
        world.oracle_frame(start, end)
        .join(observable, on=["ticker", "date"], how="left")
        .select(
            "ticker",
            pl.col("date").alias("end_date"),
            pl.col("p_up").alias("p_oracle"),
            "p_observable",
        )
    )
    return model_data(seqs, label_rows), oracle

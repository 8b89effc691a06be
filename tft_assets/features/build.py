"""The full feature table (prices + posts) for every (ticker, session) with a price row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from tft_assets.calendar import trading_days
from tft_assets.features.config import FeatureConfig
from tft_assets.features.price import (
    assert_no_ground_truth,
    prepare_prices,
    price_features_from_prepared,
)
from tft_assets.features.registry import FEATURE_NAMES
from tft_assets.features.sentiment_series import (
    MENTIONS_SCHEMA,
    quality_mentions,
    sentiment_features_from_mentions,
)


@dataclass(frozen=True)
class FeatureInputs:
    """What the feature computation actually read (for checksums and lineage)."""

    prices: pl.DataFrame  # prepare_prices output: ticker, date, P, H, L, V
    mentions: pl.DataFrame  # quality_mentions output within the grid's sessions
    sessions: tuple[dt.date, ...]  # the session grid (sorted)


def _session_grid(dates: pl.Series) -> list[dt.date]:
    """NYSE sessions spanned by ``dates`` plus the dates themselves (a source may trade off-calendar)."""
    lo, hi = dates.min(), dates.max()
    return sorted(set(trading_days(lo, hi)) | set(dates.unique().to_list()))


def compute_features_with_inputs(
    prices: pl.DataFrame,
    scored_posts: pl.DataFrame | None = None,
    config: FeatureConfig | None = None,
    end: dt.date | None = None,
) -> tuple[pl.DataFrame, FeatureInputs]:
    """:func:`compute_features` plus the inputs it read (see there)."""
    config = config or FeatureConfig()
    if end is not None:
        prices = prices.filter(pl.col("date").cast(pl.Date) <= end)
    px = prepare_prices(prices, config)
    price_feats = price_features_from_prepared(px, config)
    if px.is_empty():
        empty = pl.DataFrame(
            schema={
                "ticker": pl.String,
                "date": pl.Date,
                **dict.fromkeys(FEATURE_NAMES, pl.Float64),
            }
        )
        return empty.with_columns(pl.lit(None, pl.Float64).alias("missing_pct")), FeatureInputs(
            px, pl.DataFrame(schema=MENTIONS_SCHEMA), ()
        )
    sessions = _session_grid(px["date"])
    tickers = px["ticker"].unique().sort().to_list()
    if scored_posts is None or scored_posts.is_empty():
        mentions = pl.DataFrame(schema=MENTIONS_SCHEMA)
    else:
        # Every quality mention of the grid's sessions, whatever the ticker: the input checksum
        # must not depend on which tickers happen to be priced by the last day of the history.
        mentions = quality_mentions(scored_posts).filter(
            pl.col("session").is_between(sessions[0], sessions[-1])
        )
    sent = sentiment_features_from_mentions(mentions, sessions, tickers, config)
    if (
        sent.height == price_feats.height
        and sent["date"].equals(price_feats["date"])
        and sent["ticker"].equals(price_feats["ticker"])
    ):
        # Every ticker priced on every session (the common case): the grids align row by row.
        joined = pl.concat([price_feats, sent.drop("ticker", "date")], how="horizontal")
    else:
        joined = price_feats.join(sent, on=["ticker", "date"], how="left", maintain_order="left")
    frame = joined.with_columns(
        (
            pl.col("sentiment_trend_7d") - (config.divergence_price_scale * pl.col("ret_5d")).tanh()
        ).alias("sentiment_divergence")
    )
    frame = frame.select(
        "ticker", "date", *[pl.col(f).cast(pl.Float64) for f in FEATURE_NAMES]
    ).with_columns(
        (
            pl.sum_horizontal([pl.col(f).is_null() for f in FEATURE_NAMES]) / len(FEATURE_NAMES)
        ).alias("missing_pct")
    )
    assert_no_ground_truth(frame.columns, "compute_features")
    return frame, FeatureInputs(px, mentions, tuple(sessions))  # sorted by (ticker, date) like px


def compute_features(
    prices: pl.DataFrame,
    scored_posts: pl.DataFrame | None = None,
    config: FeatureConfig | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """Every feature of the registry for each (ticker, date) price row, in registry order.

    ``prices``: long OHLCV rows (see :func:`compute_price_features`); ``scored_posts``: rows of
    ``SCORED_POSTS_SCHEMA`` or None (then counts are 0 and sentiment features null); ``end``:
    drop prices after this date and posts feeding later sessions. Returns ``ticker, date``,
    :data:`FEATURE_NAMES` (Float64) and ``missing_pct`` (share of null features, 0..1), sorted by
    (ticker, date). The value at (ticker, D) depends only on prices dated <= D and posts
    assigned to sessions <= D.
    """
    return compute_features_with_inputs(prices, scored_posts, config, end)[0]

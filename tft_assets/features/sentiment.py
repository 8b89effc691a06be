"""Sentiment time series per ticker from quality posts, on a dense (ticker x session) grid.

Session assignment follows DESIGN.md §3 (vectorised :func:`tft_assets.calendar.session_of`): a
post created strictly before a session's 16:00 ET close, and at or after the previous session's
close, belongs to that session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from tft_assets.calendar import market_close_utc, trading_days
from tft_assets.features.config import FeatureConfig
from tft_assets.features.price import assert_no_ground_truth
from tft_assets.features.registry import FEATURE_SPECS

#: Posts-only sentiment features (``sentiment_divergence`` also needs prices: see ``compute_features``).
POSTS_ONLY_FEATURES: tuple[str, ...] = (
    "mention_count",
    "mention_zscore",
    "sentiment_mean",
    "sentiment_trend_3d",
    "sentiment_trend_7d",
    "sentiment_volatility",
    "sentiment_momentum",
    "sentiment_extreme_pos",
    "sentiment_extreme_neg",
)
_FFILL = frozenset(f.name for f in FEATURE_SPECS if f.missing == "ffill")
MENTIONS_SCHEMA: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "ticker": pl.String(),
    "session": pl.Date(),
    "weight": pl.Float64(),
    "sentiment": pl.Float64(),
}
_POST_COLUMNS = (
    "post_id",
    "created_utc",
    "quality_score",
    "is_quality",
    "tickers",
    "sentiment",
    "ticker_sentiment",
)
# Slack after the last post day when looking up the next session (covers any holiday run).
_SESSION_LOOKUP_SLACK_DAYS = 15


def assign_sessions(created_utc: pl.Series) -> pl.Series:
    """Trading session (Date) each timestamp feeds; vectorised ``calendar.session_of``.

    A timestamp belongs to the first session whose 16:00 ET close is strictly after it, which is
    the same as: strictly before D's close and at or after the previous session's close -> D.
    ``created_utc``: Datetime (UTC, or naive meaning UTC). Nulls stay null.
    """
    ts = created_utc
    if ts.dtype.time_zone is None:  # type: ignore[union-attr]
        ts = ts.dt.replace_time_zone("UTC")
    micros = ts.dt.convert_time_zone("UTC").dt.epoch("us")
    valid = micros.drop_nulls()
    if valid.is_empty():
        return pl.Series(created_utc.name, [None] * len(ts), dtype=pl.Date)
    lo = dt.datetime.fromtimestamp(valid.min() / 1e6, dt.UTC).date() - dt.timedelta(
        days=_SESSION_LOOKUP_SLACK_DAYS
    )
    hi = dt.datetime.fromtimestamp(valid.max() / 1e6, dt.UTC).date() + dt.timedelta(
        days=_SESSION_LOOKUP_SLACK_DAYS
    )
    sessions = trading_days(lo, hi)
    closes = np.array(
        [int(market_close_utc(d).timestamp()) * 1_000_000 for d in sessions], dtype=np.int64
    )
    idx = np.searchsorted(closes, micros.fill_null(0).to_numpy(), side="right")
    out = pl.Series(
        created_utc.name,
        np.array(sessions, dtype="datetime64[D]")[np.minimum(idx, len(sessions) - 1)],
    ).cast(pl.Date)
    return out.set(micros.is_null(), None) if micros.null_count() else out


def quality_mentions(scored_posts: pl.DataFrame) -> pl.DataFrame:
    """One row per (quality post, ticker mentioned): ``post_id, ticker, session, weight, sentiment``.

    ``weight`` = quality_score / 100; ``sentiment`` is the post's per-ticker sentiment, or the
    post-level sentiment where that is missing. Sorted by (session, ticker, post_id).
    """
    missing = [c for c in _POST_COLUMNS if c not in scored_posts.columns]
    if missing:
        raise ValueError(f"scored posts are missing columns {missing}")
    assert_no_ground_truth(list(_POST_COLUMNS), "quality_mentions")
    posts = scored_posts.select(_POST_COLUMNS).filter(
        pl.col("is_quality").fill_null(False) & pl.col("created_utc").is_not_null()
    )
    if posts.is_empty():
        return pl.DataFrame(schema=MENTIONS_SCHEMA)
    tick_len = pl.col("tickers").list.len()
    aligned = pl.col("ticker_sentiment").list.len() == tick_len
    posts = posts.with_columns(
        pl.when(aligned.fill_null(False))
        .then(pl.col("ticker_sentiment"))
        .otherwise(
            pl.col("tickers").list.eval(
                pl.when(pl.element().is_null() & pl.element().is_not_null()).then(0.0)
            )
        )
        .alias("ticker_sentiment"),
        assign_sessions(posts["created_utc"]).alias("session"),
    )
    has_repeats = posts.select(
        (pl.col("tickers").list.n_unique() != pl.col("tickers").list.len()).any()
    ).item()
    mentions = (
        posts.explode(["tickers", "ticker_sentiment"])
        .filter(pl.col("tickers").is_not_null())
        .select(
            pl.col("post_id").cast(pl.String),
            pl.col("tickers").str.to_uppercase().alias("ticker"),
            "session",
            (pl.col("quality_score").cast(pl.Float64).fill_null(0.0) / 100.0)
            .clip(0.0, 1.0)
            .alias("weight"),
            pl.coalesce(pl.col("ticker_sentiment"), pl.col("sentiment"))
            .cast(pl.Float64)
            .alias("sentiment"),
        )
    )
    if has_repeats:  # a symbol listed twice in one post counts once
        mentions = mentions.unique(["post_id", "ticker"], keep="first", maintain_order=True)
    return mentions.sort("session", "ticker", "post_id")


def sentiment_features_from_mentions(
    mentions: pl.DataFrame,
    sessions: Sequence[dt.date],
    tickers: Sequence[str],
    config: FeatureConfig,
) -> pl.DataFrame:
    """Posts-only features on the dense grid ``tickers x sessions`` (sorted), from :func:`quality_mentions`.

    Returns ``ticker, date`` + :data:`POSTS_ONLY_FEATURES`, sorted by (ticker, date). Mentions on a
    session outside ``sessions`` or of a ticker outside ``tickers`` are ignored.
    """
    c = config
    tick = pl.Series("ticker", sorted(set(tickers)), dtype=pl.String)
    sess = np.array(sorted(set(sessions)), dtype="datetime64[D]")
    n_t, n_s = tick.len(), len(sess)
    thr = c.sentiment_extreme
    # Daily aggregates, scattered into the dense (ticker-major, session-minor) grid by position.
    known = mentions.filter(
        pl.col("ticker").is_in(tick.implode())
        & pl.col("session").is_in(pl.Series(sess).cast(pl.Date).implode())
    )
    daily = (
        known.with_columns(
            pl.col("ticker").cast(pl.Enum(tick)).to_physical().cast(pl.Int64).alias("_ti")
        )
        .group_by("_ti", "session")
        .agg(
            pl.len().alias("n"),
            (pl.col("weight") * pl.col("sentiment"))
            .filter(pl.col("sentiment").is_not_null())
            .sum()
            .alias("sw"),
            pl.col("weight").filter(pl.col("sentiment").is_not_null()).sum().alias("w"),
            pl.col("sentiment").is_not_null().sum().alias("ns"),
            (pl.col("sentiment") > thr).sum().alias("xp"),
            (pl.col("sentiment") < -thr).sum().alias("xn"),
        )
    )
    pos = daily["_ti"].to_numpy() * n_s + np.searchsorted(sess, daily["session"].to_numpy())
    cols: dict[str, np.ndarray] = {}
    for name, dtype in (
        ("n", np.int64),
        ("ns", np.int64),
        ("xp", np.int64),
        ("xn", np.int64),
        ("sw", np.float64),
        ("w", np.float64),
    ):
        arr = np.zeros(n_t * n_s, dtype=dtype)
        arr[pos] = daily[name].to_numpy()
        cols[name] = arr
    df = pl.DataFrame(
        {
            "_tid": np.repeat(np.arange(n_t, dtype=np.int32), n_s),
            "date": pl.Series(np.tile(sess, n_t)).cast(pl.Date),
            **cols,
        }
    )
    g = "_tid"
    n = pl.col("n").cast(pl.Float64)
    zw = c.mention_z_window_sessions
    prev_mean = n.shift(1).rolling_mean(zw).over(g)
    prev_std = n.shift(1).rolling_std(zw, ddof=1).over(g)
    lim = c.ffill_limit_sessions

    def pooled(window: int) -> pl.Expr:
        ns = pl.col("ns").rolling_sum(window).over(g)
        w = pl.col("w").rolling_sum(window).over(g)
        sw = pl.col("sw").rolling_sum(window).over(g)
        return pl.when((ns > 0) & (w > 0)).then(sw / w)

    daily_mean = pl.when((pl.col("ns") > 0) & (pl.col("w") > 0)).then(pl.col("sw") / pl.col("w"))
    s, lg = c.sentiment_short_sessions, c.sentiment_long_sessions
    out = df.with_columns(
        pl.col("n").cast(pl.Float64).alias("mention_count"),
        ((n - prev_mean) / pl.max_horizontal(prev_std, pl.lit(c.mention_z_min_std))).alias(
            "mention_zscore"
        ),
        daily_mean.alias("sentiment_mean"),
        pooled(s).alias("sentiment_trend_3d"),
        pooled(lg).alias("sentiment_trend_7d"),
        pl.col("xp").cast(pl.Float64).alias("sentiment_extreme_pos"),
        pl.col("xn").cast(pl.Float64).alias("sentiment_extreme_neg"),
    ).with_columns(
        daily_mean.rolling_std(lg, ddof=1, min_samples=2).over(g).alias("sentiment_volatility"),
    )
    # Missing-data strategy from the registry: "ffill" features carry forward at most `lim` sessions.
    out = out.with_columns(
        [pl.col(f).forward_fill(limit=lim).over(g) for f in POSTS_ONLY_FEATURES if f in _FFILL]
    )
    out = out.with_columns(
        (pl.col("sentiment_trend_3d") - pl.col("sentiment_trend_3d").shift(s))
        .over(g)
        .alias("sentiment_momentum")
    )
    return out.select(
        tick.gather(out["_tid"].to_numpy()).alias("ticker"),
        "date",
        *[pl.col(f).cast(pl.Float64) for f in POSTS_ONLY_FEATURES],
    )


def compute_sentiment_features(
    scored_posts: pl.DataFrame,
    sessions: Sequence[dt.date],
    config: FeatureConfig | None = None,
    tickers: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Posts-only sentiment features for every (ticker, session) of the grid.

    ``scored_posts``: rows of ``SCORED_POSTS_SCHEMA`` (only ``is_quality`` posts count);
    ``sessions``: the trading days of the grid; ``tickers``: the universe (default: every ticker
    mentioned). Returns ``ticker, date`` + :data:`POSTS_ONLY_FEATURES` (Float64).
    """
    config = config or FeatureConfig()
    mentions = quality_mentions(scored_posts)
    universe = list(tickers) if tickers is not None else mentions["ticker"].unique().to_list()
    return sentiment_features_from_mentions(mentions, sessions, universe, config)

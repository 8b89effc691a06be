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
    shape = (n_t, n_s)
    n, ns = cols["n"].reshape(shape), cols["ns"].reshape(shape)
    sw, w = cols["sw"].reshape(shape), cols["w"].reshape(shape)
    s, lg, zw = c.sentiment_short_sessions, c.sentiment_long_sessions, c.mention_z_window_sessions

    # Attention shock: today's count against the previous `zw` sessions (integer sums: exact).
    prev_n = _shift(n.astype(np.float64), 1)
    prev_sum = _rolling_sum(prev_n, zw)
    prev_sq = _rolling_sum(prev_n * prev_n, zw)
    with np.errstate(invalid="ignore", divide="ignore"):
        prev_mean = prev_sum / zw
        prev_var = np.maximum((prev_sq - prev_sum * prev_mean) / (zw - 1), 0.0)
        zscore = (n - prev_mean) / np.maximum(np.sqrt(prev_var), c.mention_z_min_std)
        daily_mean = np.where((ns > 0) & (w > 0), sw / np.where(w > 0, w, 1.0), np.nan)

    def pooled(window: int) -> np.ndarray:
        cnt, wsum, swsum = (_rolling_sum(a.astype(np.float64), window) for a in (ns, w, sw))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((cnt > 0) & (wsum > 0), swsum / wsum, np.nan)

    feats = {
        "mention_count": n.astype(np.float64),
        "mention_zscore": zscore,
        "sentiment_mean": daily_mean,
        "sentiment_trend_3d": pooled(s),
        "sentiment_trend_7d": pooled(lg),
        "sentiment_volatility": _rolling_std(daily_mean, lg, min_samples=2),
        "sentiment_extreme_pos": cols["xp"].reshape(shape).astype(np.float64),
        "sentiment_extreme_neg": cols["xn"].reshape(shape).astype(np.float64),
    }
    # Missing-data strategy from the registry: "ffill" features carry forward at most `lim` sessions.
    for f in _FFILL & feats.keys():
        feats[f] = _ffill(feats[f], c.ffill_limit_sessions)
    feats["sentiment_momentum"] = feats["sentiment_trend_3d"] - _shift(
        feats["sentiment_trend_3d"], s
    )
    return pl.DataFrame(
        {
            "ticker": tick.gather(np.repeat(np.arange(n_t), n_s)),
            "date": pl.Series(np.tile(sess, n_t)).cast(pl.Date),
            **{
                f: pl.Series(f, feats[f].ravel(), dtype=pl.Float64, nan_to_null=True)
                for f in POSTS_ONLY_FEATURES
            },
        }
    )


# Dense-grid helpers: rows are tickers, columns sessions; every output column t depends only on
# columns <= t of the same row, and each window is reduced from its own values (no running sums),
# so a value is the same whatever history precedes or follows its window.


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    if k < x.shape[1]:
        out[:, k:] = x[:, : x.shape[1] - k]
    return out


def _window_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Sums of each full trailing window (shape (rows, cols - window + 1)), added in a fixed order."""
    m = x.shape[1] - window + 1
    acc = x[:, 0:m].copy()
    for k in range(1, window):
        acc += x[:, k : k + m]
    return acc


def _rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing-window sum; NaN where the window is incomplete or holds NaN."""
    out = np.full(x.shape, np.nan)
    if x.shape[1] >= window:
        out[:, window - 1 :] = _window_sum(x, window)
    return out


def _rolling_std(x: np.ndarray, window: int, min_samples: int) -> np.ndarray:
    """Sample std (ddof=1) of the non-NaN values in each trailing window (NaN below ``min_samples``)."""
    padded = np.concatenate([np.full((x.shape[0], window - 1), np.nan), x], axis=1)
    valid = ~np.isnan(padded)
    values = np.where(valid, padded, 0.0)
    count = _window_sum(valid.astype(np.float64), window)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _window_sum(values, window) / count
        m = x.shape[1]
        sq = np.zeros_like(mean)
        for k in range(window):
            dev = np.where(valid[:, k : k + m], values[:, k : k + m] - mean, 0.0)
            sq += dev * dev
        var = sq / (count - 1)
    return np.where(count >= min_samples, np.sqrt(var), np.nan)


def _ffill(x: np.ndarray, limit: int) -> np.ndarray:
    """Forward-fill NaN along columns, at most ``limit`` columns past the last value."""
    cols = np.arange(x.shape[1])
    last = np.maximum.accumulate(np.where(~np.isnan(x), cols, -1), axis=1)
    rows = np.arange(x.shape[0])[:, None]
    filled = np.where(last >= 0, x[rows, np.maximum(last, 0)], np.nan)
    return np.where(cols - last <= limit, filled, np.nan)


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

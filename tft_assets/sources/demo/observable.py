"""The observable ceiling: the best P(up) that the demo world's posts allow, from their truth.

The oracle (:func:`~tft_assets.sources.demo.latent.oracle_p_up_from_hype`) knows the latent hype
``s[t]``. A model sees it only through the posts, and each ticker post that is not neutral is
bullish with probability ``sigmoid(a * s)`` (``a`` = :data:`STANCE_HYPE_COEF`), a handful a day.
The Bayes-optimal forecaster that reads every clean post's true stance (``gt_sentiment``),
knows the model's constants and sees nothing after the session's close runs the exact filter

    prior(s[t] | posts < t) = integral N(s[t]; phi * s[t-1], 1 - phi**2) posterior(s[t-1]) ds[t-1]
    posterior(s[t] | posts <= t) ~ prior * sigmoid(a s)**bullish * (1 - sigmoid(a s))**bearish

on a grid of :data:`GRID_POINTS` values of ``s``, and says ``P(R > 0) = E[Phi(slope * s / sd)]``
under the posterior. No model of the posts can beat it in expectation, so its accuracy on the
same (ticker, day) pairs is the ceiling of what is learnable, between 50 % and the oracle's.

What it leaves out, on purpose: neutral posts (no sign), the post count (the attention channel
carries ``|s|``, not its sign), prices (``r[t+1]`` carries ``0.18 * s[t]`` against unit noise,
next to nothing) and spam and defective rows (it knows them; a model has to find them).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from tft_assets.sources.demo.latent import (
    HYPE_PERSISTENCE_PHI,
    forward_return_moments,
    standard_normal_cdf,
)
from tft_assets.sources.demo.post_draws import STANCE_HYPE_COEF

#: Points of the hype grid, spanning +/- GRID_SPAN (the stationary law is N(0, 1)).
GRID_POINTS = 241
GRID_SPAN = 5.0


def observable_p_up(
    bullish: np.ndarray, bearish: np.ndarray, *, strength: float, horizon_days: int
) -> np.ndarray:
    """The filter's ``P(forward return > 0)`` at each session's close, from the counts of
    bullish and bearish posts of every (ticker, session): arrays ``(n_tickers, n_sessions)``,
    sessions consecutive and in order. Output ``t`` depends on columns ``<= t`` only; a ticker
    with no post at all stays at exactly 0.5."""
    bull = np.asarray(bullish, dtype=np.float64)
    bear = np.asarray(bearish, dtype=np.float64)
    if bull.shape != bear.shape or bull.ndim != 2:
        raise ValueError(
            f"bullish and bearish must be the same 2-D shape, got {bull.shape}, {bear.shape}"
        )
    phi = HYPE_PERSISTENCE_PHI
    grid = np.linspace(-GRID_SPAN, GRID_SPAN, GRID_POINTS)
    step = np.exp(-((grid[None, :] - phi * grid[:, None]) ** 2) / (2.0 * (1.0 - phi * phi)))
    step /= step.sum(axis=1, keepdims=True)  # row k: law of s[t] given s[t-1] = grid[k]
    log_up = -np.logaddexp(0.0, -STANCE_HYPE_COEF * grid)  # log sigmoid(a s)
    log_down = -np.logaddexp(0.0, STANCE_HYPE_COEF * grid)
    slope, sd = forward_return_moments(strength=strength, horizon_days=horizon_days)
    if slope == 0.0:  # a null world: the posts say nothing about the returns
        return np.full(bull.shape, 0.5)
    p_up_at = standard_normal_cdf(slope * grid / sd)
    post = np.exp(-(grid**2) / 2.0)
    post = np.broadcast_to(post / post.sum(), (bull.shape[0], GRID_POINTS)).copy()
    out = np.empty(bull.shape)
    for t in range(bull.shape[1]):
        log_w = np.log(np.maximum(post @ step, 1e-300))
        log_w += bull[:, t, None] * log_up + bear[:, t, None] * log_down
        w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
        post = w / w.sum(axis=1, keepdims=True)
        out[:, t] = post @ p_up_at
    return out


def stance_counts(
    raw_posts: pl.DataFrame, tickers: Sequence[str], sessions: Sequence[dt.date]
) -> tuple[np.ndarray, np.ndarray]:
    """Bullish and bearish counts ``(n_tickers, n_sessions)`` of the clean, non-spam ticker
    posts of ``raw_posts`` (the demo's rows with their ``gt_*`` columns), by the session each
    post feeds (the pipeline's own cutoff: the first session of ``sessions`` whose 16:00 ET close
    is strictly after it) and its primary ticker."""
    from tft_assets.calendar import market_close_utc

    need = {"created_utc", "gt_tickers", "gt_sentiment", "gt_is_spam", "gt_defect"}
    missing = sorted(need - set(raw_posts.columns))
    if missing:
        raise ValueError(f"the observable ceiling needs the demo's ground truth: missing {missing}")
    clean = raw_posts.filter(
        pl.col("gt_defect").is_null()
        & ~pl.col("gt_is_spam").fill_null(True)
        & pl.col("created_utc").is_not_null()
        & (pl.col("gt_sentiment") != 0)
    )
    rows = clean.select(
        pl.col("gt_tickers").list.first().alias("ticker"),
        pl.col("created_utc").dt.convert_time_zone("UTC").dt.epoch("us").alias("us"),
        (pl.col("gt_sentiment") > 0).alias("bullish"),
    )
    tick = {t: i for i, t in enumerate(tickers)}
    days = sorted(sessions)
    closes = np.array([int(market_close_utc(d).timestamp()) * 1_000_000 for d in days])
    bull, bear = np.zeros((len(tick), len(days))), np.zeros((len(tick), len(days)))
    ti = np.array([tick.get(t, -1) for t in rows["ticker"].to_list()], dtype=np.int64)
    us = rows["us"].to_numpy()
    si = np.searchsorted(closes, us, side="right")
    ok = (ti >= 0) & (si < len(days))  # after the last close: no session of the grid
    up = rows["bullish"].to_numpy()
    np.add.at(bull, (ti[ok & up], si[ok & up]), 1.0)
    np.add.at(bear, (ti[ok & ~up], si[ok & ~up]), 1.0)
    return bull, bear


def observable_frame(
    raw_posts: pl.DataFrame,
    tickers: Sequence[str],
    sessions: Sequence[dt.date],
    *,
    strength: float,
    horizon_days: int,
) -> pl.DataFrame:
    """``ticker, date, p_up`` of the filter for every ticker x session (``sessions``: every
    session from the first post on, consecutive; the filter starts at the stationary law)."""
    days = sorted(sessions)
    bull, bear = stance_counts(raw_posts, tickers, days)
    p = observable_p_up(bull, bear, strength=strength, horizon_days=horizon_days)
    return pl.DataFrame(
        {
            "ticker": pl.Series(
                np.repeat(np.array(list(tickers), dtype=object), len(days)).tolist(),
                dtype=pl.String,
            ),
            "date": pl.Series(np.tile(np.array(days, dtype="datetime64[D]"), len(tickers))).cast(
                pl.Date
            ),
            "p_up": p.ravel(),
        }
    )


def edge_share(accuracy: float, ceiling: float) -> float:
    """``(accuracy - 0.5) / (ceiling - 0.5)``: the share of a ceiling's edge above a coin flip
    (NaN when the ceiling has no edge)."""
    edge = ceiling - 0.5
    return (accuracy - 0.5) / edge if edge > 0 else math.nan

"""Seeded synthetic prices and scored posts for feature tests and benchmarks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tft_assets.calendar import market_close_utc, trading_days
from tft_assets.schemas import SCORED_POSTS_SCHEMA


def make_prices(n_tickers: int, start: dt.date, end: dt.date, seed: int = 0) -> pl.DataFrame:
    """Geometric random-walk OHLCV rows (RAW_PRICES_SCHEMA columns) on NYSE sessions."""
    rng = np.random.default_rng(seed)
    days = trading_days(start, end)
    n = len(days)
    tickers = [f"T{i:03d}" for i in range(n_tickers)]
    rets = rng.normal(0.0005, 0.02, size=(n_tickers, n))
    close = 20.0 * np.exp(np.cumsum(rets, axis=1)) * rng.uniform(0.5, 5.0, size=(n_tickers, 1))
    open_ = close * np.exp(rng.normal(0, 0.005, size=close.shape))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.01, size=close.shape)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.01, size=close.shape)))
    volume = rng.integers(100_000, 5_000_000, size=close.shape)
    return pl.DataFrame(
        {
            "date": pl.Series(np.tile(np.array(days, dtype="datetime64[D]"), n_tickers)).cast(
                pl.Date
            ),
            "ticker": np.repeat(tickers, n),
            "open": open_.ravel(),
            "high": high.ravel(),
            "low": low.ravel(),
            "close": close.ravel(),
            "adj_close": close.ravel(),
            "volume": volume.ravel().astype(np.int64),
            "split_ratio": np.ones(n_tickers * n),
            "source": ["synthetic"] * (n_tickers * n),
        }
    )


def make_posts(
    tickers: list[str], start: dt.date, end: dt.date, per_day: int = 20, seed: int = 0
) -> pl.DataFrame:
    """Scored posts (SCORED_POSTS_SCHEMA) spread over each calendar day, some around the close."""
    rng = np.random.default_rng(seed)
    rows = []
    day = start
    k = 0
    while day <= end:
        close = market_close_utc(day)
        offsets = rng.uniform(-20 * 3600, 8 * 3600, size=per_day)
        for off in offsets:
            n_t = int(rng.integers(1, 3))
            tk = sorted(set(rng.choice(tickers, size=n_t).tolist()))
            q = float(rng.uniform(0, 100))
            rows.append(
                {
                    "post_id": f"p{k}",
                    "kind": "submission" if k % 3 == 0 else "comment",
                    "created_utc": close + dt.timedelta(seconds=float(off)),
                    "quality_score": q,
                    "quality_tier": "good",
                    "is_quality": q >= 30,
                    "tickers": tk,
                    "sentiment": float(rng.uniform(-1, 1)),
                    "ticker_sentiment": [float(rng.uniform(-1, 1)) for _ in tk],
                }
            )
            k += 1
        day += dt.timedelta(days=1)
    return pl.DataFrame(rows, schema=SCORED_POSTS_SCHEMA)

"""Feature benchmarks: all features for 500 tickers x 3 years, against pandas + `ta` in the same run,
and 30-session sequences for every day of 3 years with the peak RSS of a fresh process.

``run()`` returns measured figures only; targets: features < 1.5 s and >= 10x faster than the
pandas + ta price features; sequence memory bounded: the peak RSS increase while building and
writing every day's sequences (measured from the RSS after the inputs are loaded, in a fresh
child process) for 3 years of days stays within 1.5x that of 1 year (max with a 16 MiB noise
floor), although 3x as many windows are produced.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import polars as pl

N_TICKERS = 500
YEARS = 3
START = dt.date(2021, 1, 4)
POSTS_PER_DAY = 300
FEATURES_TARGET_S = 1.5
SPEEDUP_TARGET = 10.0
RSS_GROWTH_TARGET = 1.5
SEQUENCE_REPEATS = 2
RSS_NOISE_MB = 16.0  # allocator noise floor when comparing small peak increases
REPEATS = 3
SNAPSHOT_DAYS = 10


def synthetic_prices(n_tickers: int, years: int, seed: int = 0) -> pl.DataFrame:
    """Random-walk OHLCV on NYSE sessions (RAW_PRICES_SCHEMA columns)."""
    from tft_assets.calendar import trading_days

    rng = np.random.default_rng(seed)
    days = np.array(
        trading_days(START, START + dt.timedelta(days=365 * years - 1)), dtype="datetime64[D]"
    )
    n = len(days)
    close = 30.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (n_tickers, n)), axis=1))
    open_ = close * np.exp(rng.normal(0, 0.005, close.shape))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.01, close.shape)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.01, close.shape)))
    return pl.DataFrame(
        {
            "date": pl.Series(np.tile(days, n_tickers)).cast(pl.Date),
            "ticker": np.repeat([f"T{i:04d}" for i in range(n_tickers)], n),
            "open": open_.ravel(),
            "high": high.ravel(),
            "low": low.ravel(),
            "close": close.ravel(),
            "adj_close": close.ravel(),
            "volume": rng.integers(10_000, 5_000_000, close.size).astype(np.int64),
            "split_ratio": np.ones(close.size),
            "source": "synthetic",
        }
    )


def synthetic_posts(tickers: list[str], years: int, per_day: int, seed: int = 1) -> pl.DataFrame:
    """Scored posts (SCORED_POSTS_SCHEMA) at random times, one or two tickers each."""
    from tft_assets.schemas import SCORED_POSTS_SCHEMA

    rng = np.random.default_rng(seed)
    n = per_day * 365 * years
    t0 = np.datetime64(dt.datetime(START.year, START.month, START.day), "us")
    created = t0 + rng.integers(0, 365 * years * 86_400_000_000, n).astype("timedelta64[us]")
    first = rng.integers(0, len(tickers), n)
    second = rng.integers(0, len(tickers), n)
    two = rng.random(n) < 0.3
    tk = pl.Series(tickers, dtype=pl.String)
    frame = pl.DataFrame(
        {
            "post_id": pl.int_range(n, eager=True).cast(pl.String),
            "kind": "comment",
            "created_utc": pl.Series(created).dt.replace_time_zone("UTC"),
            "quality_score": rng.uniform(0, 100, n),
            "quality_tier": "good",
            "sentiment": rng.uniform(-1, 1, n),
            "_a": tk.gather(first),
            "_b": tk.gather(second).set(pl.Series(~(two & (second != first))), None),
            "_sa": rng.uniform(-1, 1, n),
            "_sb": rng.uniform(-1, 1, n),
        }
    ).with_columns(
        (pl.col("quality_score") >= 30).alias("is_quality"),
        pl.concat_list("_a", "_b").list.drop_nulls().alias("tickers"),
        pl.when(pl.col("_b").is_null())
        .then(pl.concat_list("_sa"))
        .otherwise(pl.concat_list("_sa", "_sb"))
        .alias("ticker_sentiment"),
    )
    return frame.select(list(SCORED_POSTS_SCHEMA)).cast(SCORED_POSTS_SCHEMA)  # type: ignore[arg-type]


def pandas_ta_price_features(prices: pl.DataFrame):
    """The same price features with pandas groupby + the `ta` package (the baseline)."""
    import pandas as pd
    import ta

    df = prices.select("ticker", "date", "high", "low", "close", "volume").to_pandas()
    out = []
    for _, g in df.sort_values(["ticker", "date"]).groupby("ticker", sort=False):
        c, h, lo, v = g["close"], g["high"], g["low"], g["volume"].astype(float)
        f = pd.DataFrame({"ticker": g["ticker"], "date": g["date"]})
        f["ret_1d"] = c.pct_change(1)
        f["ret_5d"] = c.pct_change(5)
        f["ret_20d"] = c.pct_change(20)
        f["rsi_14"] = ta.momentum.RSIIndicator(c, 14).rsi()
        m = ta.trend.MACD(c, 26, 12, 9)
        f["macd"], f["macd_signal"], f["macd_hist"] = m.macd(), m.macd_signal(), m.macd_diff()
        bb = ta.volatility.BollingerBands(c, 20, 2)
        f["bb_pct_b"], f["bb_bandwidth"] = bb.bollinger_pband(), bb.bollinger_wband() / 100
        s10 = ta.trend.SMAIndicator(c, 10).sma_indicator()
        s50 = ta.trend.SMAIndicator(c, 50).sma_indicator()
        f["sma_10"], f["sma_50"], f["sma_cross"], f["sma_distance"] = (
            s10,
            s50,
            np.sign(s10 - s50),
            s10 / s50 - 1,
        )
        atr = ta.volatility.AverageTrueRange(h, lo, c, 14).average_true_range()
        f["atr_14"], f["atr_pct_14"] = atr, atr / c
        f["realized_vol_20"] = np.log(c).diff().rolling(20).std() * math.sqrt(252)
        f["volume_ratio_20"] = v / v.rolling(20).mean()
        out.append(f)
    return pd.concat(out)


def _best(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _proc_status_mb(field: str) -> float:
    """A memory line of /proc/self/status (VmRSS, VmHWM) in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the next peak covers one stage only."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _sequences_child(years: int) -> dict:
    """Build and write the sequences of every session of ``years`` years; report peak RSS (child)."""
    import gc

    from tft_assets.features import FEATURE_NAMES, FeatureConfig, compute_features, iter_sequences

    prices = synthetic_prices(N_TICKERS, years)
    snaps = compute_features(prices, None, FeatureConfig())
    del prices
    gc.collect()
    peak_inputs = _proc_status_mb("VmHWM")
    _reset_peak_rss()
    rss_before = _proc_status_mb("VmRSS")
    days = snaps["date"].unique().sort().to_list()
    t = time.perf_counter()
    n_seq = dropped = 0
    out_bytes = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seq in iter_sequences(snaps, days, max_missing=1.0):
            path = os.path.join(tmp, f"{seq.end_date}.parquet")
            seq.to_frame().write_parquet(path)
            out_bytes += os.path.getsize(path)
            n_seq += seq.X.shape[0]
            dropped += seq.dropped
            os.remove(path)
    elapsed = time.perf_counter() - t
    return {
        "years": years,
        "days": len(days),
        "sequences": n_seq,
        "seconds": round(elapsed, 2),
        "peak_rss_inputs_mb": round(peak_inputs, 1),
        "rss_before_sequences_mb": round(rss_before, 1),
        "peak_rss_sequences_mb": round(_proc_status_mb("VmHWM"), 1),
        "peak_rss_increase_mb": round(_proc_status_mb("VmHWM") - rss_before, 1),
        "all_windows_in_memory_mb": round(n_seq * 30 * len(FEATURE_NAMES) * 4 / 2**20, 1),
        "parquet_mb_written": round(out_bytes / 2**20, 1),
    }


def _run_child(years: int) -> dict:
    res = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--sequences-child", str(years)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def run() -> dict:
    from tft_assets.features import (
        FeatureConfig,
        build_feature_snapshots,
        compute_features,
        compute_price_features,
    )

    prices = synthetic_prices(N_TICKERS, YEARS)
    tickers = prices["ticker"].unique().sort().to_list()
    posts = synthetic_posts(tickers, YEARS, POSTS_PER_DAY)
    cfg = FeatureConfig()
    compute_features(prices, posts, cfg)  # warm-up: calendar load, polars thread pool

    all_s = _best(lambda: compute_features(prices, posts, cfg))
    price_s = _best(lambda: compute_price_features(prices, cfg))
    baseline_s = _best(lambda: pandas_ta_price_features(prices), repeats=1)
    days = prices["date"].unique().sort().to_list()[-SNAPSHOT_DAYS:]
    t = time.perf_counter()
    build_feature_snapshots(prices, posts, days, cfg)
    snap_s = time.perf_counter() - t

    # each size twice, in fresh processes; the lower peak drops one-off allocator spikes
    seq_1y, seq_3y = (
        min(
            (_run_child(y) for _ in range(SEQUENCE_REPEATS)),
            key=lambda r: r["peak_rss_increase_mb"],
        )
        for y in (1, YEARS)
    )
    inc_1y, inc_3y = seq_1y["peak_rss_increase_mb"], seq_3y["peak_rss_increase_mb"]
    bounded = inc_3y <= RSS_GROWTH_TARGET * max(inc_1y, RSS_NOISE_MB)
    speedup = baseline_s / price_s
    return {
        "rows": prices.height,
        "tickers": N_TICKERS,
        "sessions": len(prices["date"].unique()),
        "posts": posts.height,
        "cpu_count": os.cpu_count(),
        "polars_threads": pl.thread_pool_size(),
        "all_features_s": round(all_s, 3),
        "price_features_s": round(price_s, 3),
        "pandas_ta_price_features_s": round(baseline_s, 3),
        "speedup_vs_pandas_ta": round(speedup, 1),
        "all_features_vs_pandas_ta_price_only": round(baseline_s / all_s, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "snapshots_range_days": SNAPSHOT_DAYS,
        "snapshots_range_s": round(snap_s, 2),
        "sequences_1y": seq_1y,
        "sequences_3y": seq_3y,
        "sequences_peak_rss_increase_1y_mb": inc_1y,
        "sequences_peak_rss_increase_3y_mb": inc_3y,
        "targets": {
            "all_features_s": FEATURES_TARGET_S,
            "speedup_vs_pandas_ta": SPEEDUP_TARGET,
            "sequences_peak_rss_increase_3y_over_1y_max": RSS_GROWTH_TARGET,
        },
        "met": {
            "all_features_s": all_s < FEATURES_TARGET_S,
            "speedup_vs_pandas_ta": speedup >= SPEEDUP_TARGET,
            "sequences_bounded_memory": bounded,
        },
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sequences-child":
        print(json.dumps(_sequences_child(int(sys.argv[2]))))
    else:
        print(json.dumps(run(), indent=2))

"""Reference-oracle tests: every price indicator against the `ta` package (or pandas) on real prices."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tft_assets.features import FeatureConfig, compute_price_features

REAL_PRICES = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "real"
    / "prices_daily_wsb_tickers.csv"
)
TOL = 1e-6


@pytest.fixture(scope="module")
def real() -> tuple[pl.DataFrame, pl.DataFrame]:
    if not REAL_PRICES.exists():
        pytest.skip(f"real prices not available at {REAL_PRICES}")
    prices = pl.read_csv(REAL_PRICES, try_parse_dates=True)
    # As-traded basis: the oracle sees the same close/high/low series.
    feats = compute_price_features(prices, FeatureConfig(use_adj_close=False))
    return prices.sort("ticker", "date"), feats


def _oracle(ticker_prices, name: str):
    import pandas as pd
    import ta

    close = pd.Series(ticker_prices["close"].to_numpy())
    high = pd.Series(ticker_prices["high"].to_numpy())
    low = pd.Series(ticker_prices["low"].to_numpy())
    volume = pd.Series(ticker_prices["volume"].to_numpy().astype(float))
    if name == "rsi_14":
        return ta.momentum.RSIIndicator(close, window=14).rsi()
    if name in ("macd", "macd_signal", "macd_hist"):
        m = ta.trend.MACD(close, window_slow=26, window_fast=12, window_sign=9)
        return {"macd": m.macd, "macd_signal": m.macd_signal, "macd_hist": m.macd_diff}[name]()
    if name in ("bb_pct_b", "bb_bandwidth"):
        bb = ta.volatility.BollingerBands(close, window=20, window_dev=2)
        return bb.bollinger_pband() if name == "bb_pct_b" else bb.bollinger_wband() / 100.0
    if name == "sma_10":
        return ta.trend.SMAIndicator(close, window=10).sma_indicator()
    if name == "sma_50":
        return ta.trend.SMAIndicator(close, window=50).sma_indicator()
    if name == "atr_14":
        atr = ta.volatility.AverageTrueRange(high, low, close, window=14).average_true_range()
        return atr.where(atr.index >= 13)  # ta writes 0.0 during warm-up; we write null
    if name == "ret_1d":
        return ta.others.DailyReturnIndicator(close).daily_return() / 100.0
    if name == "ret_5d":
        return close.pct_change(5)
    if name == "ret_20d":
        return close.pct_change(20)
    if name == "realized_vol_20":
        return np.log(close).diff().rolling(20).std(ddof=1) * math.sqrt(252)
    if name == "volume_ratio_20":
        return volume / volume.rolling(20).mean()
    if name == "sma_cross":
        s10, s50 = close.rolling(10).mean(), close.rolling(50).mean()
        return np.sign(s10 - s50).where(s50.notna())
    if name == "sma_distance":
        return close.rolling(10).mean() / close.rolling(50).mean() - 1
    if name == "atr_pct_14":
        atr = ta.volatility.AverageTrueRange(high, low, close, window=14).average_true_range()
        return (atr / close).where(atr.index >= 13)
    raise KeyError(name)


ORACLE_FEATURES = [
    "ret_1d", "ret_5d", "ret_20d", "rsi_14", "macd", "macd_signal", "macd_hist", "bb_pct_b",
    "bb_bandwidth", "sma_10", "sma_50", "sma_cross", "sma_distance", "atr_14", "atr_pct_14",
    "realized_vol_20", "volume_ratio_20",
]  # fmt: skip


@pytest.mark.parametrize("ticker", ["GME", "AMC", "SPY", "BB", "PLTR"])
@pytest.mark.parametrize("name", ORACLE_FEATURES)
def test_indicator_matches_reference(real, ticker: str, name: str) -> None:
    prices, feats = real
    tp = prices.filter(pl.col("ticker") == ticker)
    ours = feats.filter(pl.col("ticker") == ticker)[name].to_numpy().astype(float)
    ref = np.asarray(_oracle(tp, name), dtype=float)
    assert len(ours) == len(ref) == tp.height
    ours_nan, ref_nan = np.isnan(ours), np.isnan(ref)
    np.testing.assert_array_equal(
        ours_nan, ref_nan, err_msg=f"{name}: warm-up/null pattern differs"
    )
    assert (~ours_nan).sum() > 0
    np.testing.assert_allclose(ours[~ours_nan], ref[~ref_nan], rtol=0, atol=TOL, err_msg=name)


def test_every_price_feature_has_an_oracle() -> None:
    from tft_assets.features import PRICE_FEATURES

    assert sorted(PRICE_FEATURES) == sorted(ORACLE_FEATURES)

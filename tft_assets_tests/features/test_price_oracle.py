"""Reference-oracle tests: every price indicator against the `ta` package (or pandas) on real prices."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from tft_assets.features import FeatureConfig, compute_price_features
from tft_assets_tests.conftest import REAL_DATA, require_real_data

REAL_PRICES = REAL_DATA / "prices_daily_wsb_tickers.csv"
TOL = 1e-6


@pytest.fixture(scope="module")
def real() -> tuple[pl.DataFrame, pl.DataFrame]:
    require_real_data(REAL_PRICES)
    prices = pl.read_csv(REAL_PRICES, try_parse_dates=True)
    # As-traded basis: the oracle sees the same close/high/low series.
    feats = compute_price_features(prices, FeatureConfig(use_adj_close=False))
    return prices.sort("ticker", "date"), feats


def _atr(high, low, close):
    import ta

    atr = ta.volatility.AverageTrueRange(high, low, close, window=14).average_true_range()
    return atr.where(atr.index >= 13)  # ta writes 0.0 during warm-up; we write null


def _references() -> dict:
    """Feature name -> reference implementation over (close, high, low, volume) pandas Series."""
    import ta

    def macd(c):
        return ta.trend.MACD(c, window_slow=26, window_fast=12, window_sign=9)

    def bands(c):
        return ta.volatility.BollingerBands(c, window=20, window_dev=2)

    return {
        "rsi_14": lambda c, h, lo, v: ta.momentum.RSIIndicator(c, window=14).rsi(),
        "macd": lambda c, h, lo, v: macd(c).macd(),
        "macd_signal": lambda c, h, lo, v: macd(c).macd_signal(),
        "macd_hist": lambda c, h, lo, v: macd(c).macd_diff(),
        "bb_pct_b": lambda c, h, lo, v: bands(c).bollinger_pband(),
        "bb_bandwidth": lambda c, h, lo, v: bands(c).bollinger_wband() / 100.0,
        "sma_10": lambda c, h, lo, v: ta.trend.SMAIndicator(c, window=10).sma_indicator(),
        "sma_50": lambda c, h, lo, v: ta.trend.SMAIndicator(c, window=50).sma_indicator(),
        "atr_14": lambda c, h, lo, v: _atr(h, lo, c),
        "ret_1d": lambda c, h, lo, v: ta.others.DailyReturnIndicator(c).daily_return() / 100.0,
        "ret_5d": lambda c, h, lo, v: c.pct_change(5),
        "ret_20d": lambda c, h, lo, v: c.pct_change(20),
        "realized_vol_20": lambda c, h, lo, v: (
            np.log(c).diff().rolling(20).std(ddof=1) * math.sqrt(252)
        ),
        "volume_ratio_20": lambda c, h, lo, v: v / v.rolling(20).mean(),
        "sma_cross": lambda c, h, lo, v: np.sign(c.rolling(10).mean() - c.rolling(50).mean()).where(
            c.rolling(50).mean().notna()
        ),
        "sma_distance": lambda c, h, lo, v: c.rolling(10).mean() / c.rolling(50).mean() - 1,
        "atr_pct_14": lambda c, h, lo, v: _atr(h, lo, c) / c,
    }


def _oracle(ticker_prices, name: str):
    import pandas as pd

    series = [pd.Series(ticker_prices[col].to_numpy()) for col in ("close", "high", "low")]
    volume = pd.Series(ticker_prices["volume"].to_numpy().astype(float))
    return _references()[name](*series, volume)


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

"""Price/volume features, vectorised in Polars over all tickers at once.

Every expression is causal: the value at row ``(ticker, t)`` depends only on that ticker's rows
up to ``t``. EWM-based indicators (RSI, MACD, ATR) are seeded at the ticker's first row, so
results depend on where the given history starts: pass the same history to get the same bytes.
"""

from __future__ import annotations

import math

import polars as pl

from tft_assets.features.config import FeatureConfig
from tft_assets.features.registry import PRICE_FEATURES
from tft_assets.schemas import GROUND_TRUTH_PREFIX

#: Columns read from a prices frame; everything else (``gt_*`` included) is ignored.
PRICE_INPUT_COLUMNS: tuple[str, ...] = ("date", "ticker", "open", "high", "low", "close", "volume")


def assert_no_ground_truth(columns: list[str] | tuple[str, ...], where: str) -> None:
    """Fail loudly if a ``gt_*`` column reaches feature code (DESIGN.md: the pipeline never reads them)."""
    leaked = [c for c in columns if c.startswith(GROUND_TRUTH_PREFIX)]
    assert not leaked, f"{where}: ground-truth columns must never be feature input: {leaked}"


def prepare_prices(prices: pl.DataFrame, config: FeatureConfig) -> pl.DataFrame:
    """Select and normalise the price columns, sorted by (ticker, date).

    Returns ``ticker, date, P, H, L, V``: the split-consistent close, high, low and volume. With
    ``use_adj_close`` and an ``adj_close`` column, ``factor = adj_close / close`` rescales
    high/low (times factor) and volume (divided by factor), so a split is not a fake return.
    Rows without a positive close are dropped (no feature can be computed from them).
    Raises ValueError on missing columns or duplicate (ticker, date) rows.
    """
    missing = [c for c in PRICE_INPUT_COLUMNS if c not in prices.columns]
    if missing:
        raise ValueError(f"prices are missing columns {missing} (have {prices.columns})")
    cols = list(PRICE_INPUT_COLUMNS)
    use_adj = config.use_adj_close and "adj_close" in prices.columns
    if use_adj:
        cols.append("adj_close")
    assert_no_ground_truth(cols, "prepare_prices")
    df = prices.select(cols).with_columns(
        pl.col("date").cast(pl.Date),
        pl.col("ticker").cast(pl.String),
        *[pl.col(c).cast(pl.Float64) for c in ("open", "high", "low", "close", "volume")],
    )
    if use_adj:
        factor = (
            (pl.col("adj_close").cast(pl.Float64) / pl.col("close")).fill_null(1.0).fill_nan(1.0)
        )
    else:
        factor = pl.lit(1.0)
    df = (
        df.filter(pl.col("close") > 0)
        .with_columns(factor.alias("_f"))
        .select(
            "ticker",
            "date",
            (pl.col("close") * pl.col("_f")).alias("P"),
            (pl.col("high") * pl.col("_f")).alias("H"),
            (pl.col("low") * pl.col("_f")).alias("L"),
            (pl.col("volume") / pl.col("_f")).alias("V"),
        )
        .sort("ticker", "date")
    )
    if df.select(pl.struct("ticker", "date").is_duplicated().any()).item():
        raise ValueError("prices hold duplicate (ticker, date) rows")
    return df


def price_feature_exprs(config: FeatureConfig) -> list[pl.Expr]:
    """Polars expressions (over a frame sorted by ticker, date with P/H/L/V) for every price feature."""
    c = config
    g = "ticker"
    P, H, L, V = pl.col("P"), pl.col("H"), pl.col("L"), pl.col("V")

    diff = P.diff()
    up = pl.when(diff > 0).then(diff).otherwise(0.0)
    down = pl.when(diff < 0).then(-diff).otherwise(0.0)
    a_rsi = 1.0 / c.rsi_window_sessions
    ema_up = up.ewm_mean(alpha=a_rsi, adjust=False, min_samples=c.rsi_window_sessions).over(g)
    ema_dn = down.ewm_mean(alpha=a_rsi, adjust=False, min_samples=c.rsi_window_sessions).over(g)
    rsi = pl.when(ema_dn == 0).then(100.0).otherwise(100.0 - 100.0 / (1.0 + ema_up / ema_dn))

    ema_fast = P.ewm_mean(span=c.macd_fast_sessions, adjust=False, min_samples=c.macd_fast_sessions)
    ema_slow = P.ewm_mean(span=c.macd_slow_sessions, adjust=False, min_samples=c.macd_slow_sessions)
    macd = (ema_fast - ema_slow).over(g)

    mavg = P.rolling_mean(c.bb_window_sessions).over(g)
    mstd = P.rolling_std(c.bb_window_sessions, ddof=0).over(g)
    width = 2.0 * c.bb_num_std * mstd

    sma_f = P.rolling_mean(c.sma_fast_sessions).over(g)
    sma_s = P.rolling_mean(c.sma_slow_sessions).over(g)

    prev_close = P.shift(1).over(g)
    tr = pl.max_horizontal(H - L, (H - prev_close).abs(), (L - prev_close).abs())
    w = c.atr_window_sessions
    row = pl.int_range(pl.len()).over(g)
    tr_seeded = (
        pl.when(row < w - 1)
        .then(None)
        .when(row == w - 1)
        .then(tr.rolling_mean(w).over(g))
        .otherwise(tr)
    )
    atr = tr_seeded.ewm_mean(alpha=1.0 / w, adjust=False).over(g)

    log_ret = (P / prev_close).log()
    return [
        (P / P.shift(1) - 1.0).over(g).alias("ret_1d"),
        (P / P.shift(5) - 1.0).over(g).alias("ret_5d"),
        (P / P.shift(20) - 1.0).over(g).alias("ret_20d"),
        rsi.alias("rsi_14"),
        macd.alias("macd"),
        macd.ewm_mean(span=c.macd_signal_sessions, adjust=False, min_samples=c.macd_signal_sessions)
        .over(g)
        .alias("macd_signal"),
        pl.lit(None, pl.Float64).alias("macd_hist"),  # filled below from macd and macd_signal
        pl.when(width > 0).then((P - (mavg - 0.5 * width)) / width).alias("bb_pct_b"),
        (width / mavg).alias("bb_bandwidth"),
        sma_f.alias("sma_10"),
        sma_s.alias("sma_50"),
        (sma_f - sma_s).sign().alias("sma_cross"),
        (sma_f / sma_s - 1.0).alias("sma_distance"),
        atr.alias("atr_14"),
        (atr / P).alias("atr_pct_14"),
        (
            log_ret.rolling_std(c.vol_window_sessions, ddof=1).over(g)
            * math.sqrt(c.trading_days_per_year)
        ).alias("realized_vol_20"),
        (V / V.rolling_mean(c.volume_window_sessions).over(g)).alias("volume_ratio_20"),
    ]


def compute_price_features(
    prices: pl.DataFrame, config: FeatureConfig | None = None
) -> pl.DataFrame:
    """All price/volume features for every (ticker, date) row of ``prices``.

    ``prices``: long frame with at least ``date, ticker, open, high, low, close, volume``
    (``adj_close`` used when ``config.use_adj_close``; other columns ignored). Returns
    ``ticker, date`` plus :data:`PRICE_FEATURES` (Float64), sorted by (ticker, date), one row per
    input row with a positive close. Warm-up rows hold nulls.
    """
    config = config or FeatureConfig()
    px = prepare_prices(prices, config)
    out = (
        px.with_columns(price_feature_exprs(config))
        .with_columns((pl.col("macd") - pl.col("macd_signal")).alias("macd_hist"))
        .select("ticker", "date", *[pl.col(n).cast(pl.Float64) for n in PRICE_FEATURES])
    )
    # NaN (0/0 on flat prices) is reported as missing, never as a number.
    return out.with_columns([pl.col(n).fill_nan(None) for n in PRICE_FEATURES])

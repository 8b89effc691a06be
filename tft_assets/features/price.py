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
    dup = (pl.col("ticker") == pl.col("ticker").shift(1)) & (
        pl.col("date") == pl.col("date").shift(1)
    )
    if df.select(dup.any()).item():
        raise ValueError("prices hold duplicate (ticker, date) rows")
    return df


def price_features_from_prepared(px: pl.DataFrame, config: FeatureConfig) -> pl.DataFrame:
    """Price features from :func:`prepare_prices` output (sorted by ticker, date).

    Computed in stages so that shared intermediates (previous close, true range, EMAs, rolling
    moments) are evaluated once; every window/EWM runs per ticker (``over``), so it is causal and
    never crosses tickers.
    """
    c = config
    g = "_tid"  # integer ticker id: grouping on it is cheaper than on the string
    P, H, L, V = pl.col("P"), pl.col("H"), pl.col("L"), pl.col("V")
    px = px.with_columns(
        (pl.col("ticker") != pl.col("ticker").shift(1)).fill_null(True).cum_sum().alias(g)
    )
    w_atr = c.atr_window_sessions
    s1 = px.with_columns(
        P.shift(1).over(g).alias("_prev"),
        P.shift(5).over(g).alias("_p5"),
        P.shift(20).over(g).alias("_p20"),
        pl.int_range(pl.len()).over(g).alias("_row"),
    )
    prev = pl.col("_prev")
    diff = P - prev
    s2 = s1.with_columns(
        pl.when(diff > 0).then(diff).otherwise(0.0).alias("_up"),
        pl.when(diff < 0).then(-diff).otherwise(0.0).alias("_dn"),
        pl.max_horizontal(H - L, (H - prev).abs(), (L - prev).abs()).alias("_tr"),
        (P / prev).log().alias("_logret"),
    )
    a_rsi = 1.0 / c.rsi_window_sessions
    s3 = s2.with_columns(
        pl.col("_up")
        .ewm_mean(alpha=a_rsi, adjust=False, min_samples=c.rsi_window_sessions)
        .over(g)
        .alias("_eu"),
        pl.col("_dn")
        .ewm_mean(alpha=a_rsi, adjust=False, min_samples=c.rsi_window_sessions)
        .over(g)
        .alias("_ed"),
        (
            P.ewm_mean(span=c.macd_fast_sessions, adjust=False, min_samples=c.macd_fast_sessions)
            - P.ewm_mean(span=c.macd_slow_sessions, adjust=False, min_samples=c.macd_slow_sessions)
        )
        .over(g)
        .alias("macd"),
        P.rolling_mean(c.bb_window_sessions).over(g).alias("_mavg"),
        P.rolling_std(c.bb_window_sessions, ddof=0).over(g).alias("_mstd"),
        P.rolling_mean(c.sma_fast_sessions).over(g).alias("sma_10"),
        P.rolling_mean(c.sma_slow_sessions).over(g).alias("sma_50"),
        pl.col("_tr").rolling_mean(w_atr).over(g).alias("_tr_mean"),
        pl.col("_logret").rolling_std(c.vol_window_sessions, ddof=1).over(g).alias("_vol"),
        V.rolling_mean(c.volume_window_sessions).over(g).alias("_vmean"),
    )
    # ATR (Wilder) = EWM(alpha=1/w, adjust=False) seeded with the mean of the first w true ranges.
    row = pl.col("_row")
    s4 = s3.with_columns(
        pl.col("macd")
        .ewm_mean(span=c.macd_signal_sessions, adjust=False, min_samples=c.macd_signal_sessions)
        .over(g)
        .alias("macd_signal"),
        pl.when(row < w_atr - 1)
        .then(None)
        .when(row == w_atr - 1)
        .then(pl.col("_tr_mean"))
        .otherwise(pl.col("_tr"))
        .ewm_mean(alpha=1.0 / w_atr, adjust=False)
        .over(g)
        .alias("atr_14"),
    )
    eu, ed = pl.col("_eu"), pl.col("_ed")
    width = 2.0 * c.bb_num_std * pl.col("_mstd")
    mavg = pl.col("_mavg")
    sma_f, sma_s = pl.col("sma_10"), pl.col("sma_50")
    return s4.select(
        "ticker",
        "date",
        (P / prev - 1.0).alias("ret_1d"),
        (P / pl.col("_p5") - 1.0).alias("ret_5d"),
        (P / pl.col("_p20") - 1.0).alias("ret_20d"),
        pl.when(ed == 0).then(100.0).otherwise(100.0 - 100.0 / (1.0 + eu / ed)).alias("rsi_14"),
        "macd",
        "macd_signal",
        (pl.col("macd") - pl.col("macd_signal")).alias("macd_hist"),
        pl.when(width > 0).then((P - (mavg - 0.5 * width)) / width).alias("bb_pct_b"),
        (width / mavg).alias("bb_bandwidth"),
        "sma_10",
        "sma_50",
        (sma_f - sma_s).sign().alias("sma_cross"),
        (sma_f / sma_s - 1.0).alias("sma_distance"),
        "atr_14",
        (pl.col("atr_14") / P).alias("atr_pct_14"),
        (pl.col("_vol") * math.sqrt(c.trading_days_per_year)).alias("realized_vol_20"),
        (V / pl.col("_vmean")).alias("volume_ratio_20"),
    ).with_columns([pl.col(n).cast(pl.Float64).fill_nan(None) for n in PRICE_FEATURES])


def compute_price_features(
    prices: pl.DataFrame, config: FeatureConfig | None = None
) -> pl.DataFrame:
    """All price/volume features for every (ticker, date) row of ``prices``.

    ``prices``: long frame with at least ``date, ticker, open, high, low, close, volume``
    (``adj_close`` used when ``config.use_adj_close``; other columns ignored). Returns
    ``ticker, date`` plus :data:`PRICE_FEATURES` (Float64), sorted by (ticker, date), one row per
    input row with a positive close. Warm-up rows hold nulls; NaN (0/0 on flat prices) is
    reported as null, never as a number.
    """
    config = config or FeatureConfig()
    return price_features_from_prepared(prepare_prices(prices, config), config)

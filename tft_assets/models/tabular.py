"""The tabular view of the 30-session sequences that the tree models train on.

Columns, in order:

* ``<f>``: the last step (session ``end_date``) of every **scale-free** feature;
* ``<f>_mean``, ``<f>_std``, ``<f>_slope``: window statistics over the ``L`` steps of the key
  features (:data:`WINDOW_FEATURES`), NaN-aware; the slope is the least-squares slope per step;
* ``macd_rel``, ``macd_signal_rel``, ``macd_hist_rel``: the MACD lines divided by ``sma_10``
  (the 10-session mean close, the price level the sequences carry).

Price-level features (the registry's :data:`PRICE_LEVEL_FEATURES`, unit "price units": ``sma_10``, ``sma_50``, ``atr_14``,
``macd``, ``macd_signal``, ``macd_hist``, in price units) are never inputs: a tree split on a
price level learns which ticker trades where, not what moves it. Their scale-free forms are
already features (``sma_distance``, ``atr_pct_14``) or are the ``*_rel`` ratios above.

Optional per-day cross-sectional normalisation (``"rank"``: percentile rank in (0, 1];
``"zscore"``) makes each column relative to the other tickers of the same ``end_date``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from tft_assets.features.registry import PRICE_LEVEL_FEATURES

#: MACD lines enter as ratios to this feature (the 10-session mean close).
MACD_LEVEL = "sma_10"
MACD_LINES = ("macd", "macd_signal", "macd_hist")
WINDOW_FEATURES = (
    "ret_1d",
    "rsi_14",
    "volume_ratio_20",
    "mention_count",
    "mention_zscore",
    "sentiment_mean",
    "sentiment_trend_3d",
    "bb_pct_b",
)
WINDOW_STATS = ("mean", "std", "slope")
NORMALISATIONS = ("none", "rank", "zscore")


@dataclass(frozen=True)
class TabularView:
    """How sequences become a table: which features, and the cross-sectional normalisation."""

    normalisation: str = "none"

    def __post_init__(self) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(
                f"normalisation must be one of {', '.join(NORMALISATIONS)}, got {self.normalisation!r}"
            )

    def columns(self, feature_names: tuple[str, ...]) -> tuple[str, ...]:
        """Names of the table's columns for sequences with ``feature_names``."""
        last = [f for f in feature_names if f not in PRICE_LEVEL_FEATURES]
        stats = [f"{f}_{s}" for f in WINDOW_FEATURES if f in feature_names for s in WINDOW_STATS]
        rel = [f"{m}_rel" for m in MACD_LINES if m in feature_names and MACD_LEVEL in feature_names]
        return (*last, *stats, *rel)

    def transform(
        self, x: np.ndarray, feature_names: tuple[str, ...], end_dates: np.ndarray | None = None
    ) -> np.ndarray:
        """float32 ``(n, len(columns))`` from sequences ``x`` ``(n, L, F)``; NaN stays NaN.

        ``end_dates`` (``(n,)``) is required for a cross-sectional normalisation.
        """
        assert x.ndim == 3 and x.shape[2] == len(feature_names), "x is (n, L, F)"
        col = {f: i for i, f in enumerate(feature_names)}
        x = x.astype(np.float64, copy=False)
        last = x[:, -1, :]
        parts = [last[:, [col[f] for f in feature_names if f not in PRICE_LEVEL_FEATURES]]]
        keys = [f for f in WINDOW_FEATURES if f in col]
        if keys:
            parts.append(_window_stats(x[:, :, [col[f] for f in keys]]))
        if MACD_LEVEL in col:
            level = last[:, col[MACD_LEVEL]]
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = [
                    np.where(level > 0, last[:, col[m]] / level, np.nan)
                    for m in MACD_LINES
                    if m in col
                ]
            if rel:
                parts.append(np.column_stack(rel))
        table = np.concatenate(parts, axis=1)
        if self.normalisation != "none":
            if end_dates is None:
                raise ValueError("a cross-sectional normalisation needs the end_date of every row")
            table = cross_sectional(table, np.asarray(end_dates), self.normalisation)
        return table.astype(np.float32)


def _window_stats(w: np.ndarray) -> np.ndarray:
    """``(n, 3K)``: per key feature the NaN-aware mean, std (ddof 0) and OLS slope per step."""
    n, length, k = w.shape
    valid = ~np.isnan(w)
    cnt = valid.sum(axis=1)
    filled = np.where(valid, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = filled.sum(axis=1) / cnt
        dev = np.where(valid, w - mean[:, None, :], 0.0)
        std = np.sqrt((dev**2).sum(axis=1) / cnt)
        t = np.broadcast_to(np.arange(length, dtype=np.float64)[None, :, None], w.shape)
        tbar = np.where(valid, t, 0.0).sum(axis=1) / cnt
        tdev = np.where(valid, t - tbar[:, None, :], 0.0)
        slope = (tdev * dev).sum(axis=1) / (tdev**2).sum(axis=1)
    slope = np.where(cnt >= 2, slope, np.nan)
    out = np.empty((n, 3 * k))
    out[:, 0::3], out[:, 1::3], out[:, 2::3] = mean, std, slope
    return out


def cross_sectional(table: np.ndarray, end_dates: np.ndarray, how: str) -> np.ndarray:
    """Normalise each column within each ``end_date``: ``rank`` (NaN-aware percentile rank in
    (0, 1], ties averaged) or ``zscore`` (``(v - mean) / std``, 0 when the day's std is 0)."""
    out = np.full(table.shape, np.nan)
    _, group = np.unique(end_dates, return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for rows in np.split(order, bounds):
        block = table[rows]
        if how == "rank":
            out[rows] = _rank_block(block)
        else:
            with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column stays NaN
                mu = np.nanmean(block, axis=0)
                sd = np.nanstd(block, axis=0)
                out[rows] = np.where(
                    sd > 0, (block - mu) / sd, np.where(np.isnan(block), np.nan, 0.0)
                )
    return out


def _rank_block(block: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    ranks = rankdata(block, axis=0, nan_policy="omit")
    counts = (~np.isnan(block)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isnan(block), np.nan, ranks / counts)

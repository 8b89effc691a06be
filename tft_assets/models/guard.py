"""The leakage guard, run before any fit: a partition fails, naming the column, when

* an input feature is not in the feature registry (an undocumented column has no proven
  information cutoff), or
* a column's rank correlation with the label on the training rows is implausibly high
  (``|Spearman rho| > max_abs_rho``, default 0.5). No honest daily feature predicts the sign of
  a 5-session return that well; a column that does was almost surely built from the future.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from tft_assets.features import FEATURE_NAMES

#: Fewer finite (feature, label) pairs than this and a correlation says nothing; it is skipped.
MIN_PAIRS = 30


class LeakageError(ValueError):
    """An input column fails the leakage guard (the message names it)."""


def check_registered(feature_names: Iterable[str], registry: Iterable[str] = FEATURE_NAMES) -> None:
    """Raise :class:`LeakageError` naming the first feature that is not in ``registry``."""
    known = set(registry)
    for name in feature_names:
        if name not in known:
            raise LeakageError(f"input column '{name}' is not in the feature registry")


def spearman_with_label(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each column of ``X`` ``(n, K)`` with ``y`` ``(n,)``, over the
    rows where both are finite; NaN for a column with fewer than :data:`MIN_PAIRS` such rows or
    no variation."""
    from scipy.stats import rankdata

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rho = np.full(X.shape[1], np.nan)
    y_ok = np.isfinite(y)
    for k in range(X.shape[1]):
        ok = y_ok & np.isfinite(X[:, k])
        if ok.sum() < MIN_PAIRS:
            continue
        a, b = rankdata(X[ok, k]), rankdata(y[ok])
        a, b = a - a.mean(), b - b.mean()
        denom = np.sqrt((a * a).sum() * (b * b).sum())
        if denom > 0:
            rho[k] = float((a * b).sum() / denom)
    return rho


def guard_inputs(
    feature_names: Sequence[str],
    X: np.ndarray,
    columns: Sequence[str],
    y: np.ndarray,
    registry: Iterable[str] = FEATURE_NAMES,
    max_abs_rho: float = 0.5,
) -> np.ndarray:
    """Check a training set before any fit; return the per-column ``rho`` when it passes.

    ``feature_names``: the registry features the model reads; ``X`` ``(n, K)`` with ``columns``
    its model-input columns (possibly derived from the features); ``y`` the training labels.
    """
    check_registered(feature_names, registry)
    if X.shape[1] != len(columns):
        raise ValueError(f"X has {X.shape[1]} columns, {len(columns)} names given")
    rho = spearman_with_label(X, y)
    worst = np.where(np.isfinite(rho), np.abs(rho), -1.0)
    k = int(np.argmax(worst)) if worst.size else -1
    if k >= 0 and worst[k] > max_abs_rho:
        raise LeakageError(
            f"input column '{columns[k]}' has rank correlation {rho[k]:+.3f} with the label on "
            f"the training rows (limit |rho| <= {max_abs_rho}): it looks built from the future"
        )
    return rho

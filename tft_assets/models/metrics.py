"""Classification metrics of a P(up) forecast, and intervals that respect overlapping labels.

The label of ``(ticker, t)`` is the sign of the forward ``h``-session return, so labels of
consecutive days share ``h - 1`` daily returns and all tickers of one day share that day's
market move: ``(ticker, day)`` outcomes are not independent. A binomial interval that treats
them as independent is too narrow (about 2x for ``h = 5``). :func:`block_bootstrap_ci`
resamples contiguous blocks of *days* instead, keeping each day's rows together.

scikit-learn has no expected calibration error; :func:`expected_calibration_error` is the
usual equal-width definition. scikit-learn is imported inside the functions.
"""

from __future__ import annotations

import numpy as np


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE of probabilities ``p`` against 0/1 outcomes ``y``: the row-weighted mean over
    ``bins`` equal-width bins of ``[0, 1]`` of ``|mean(y) - mean(p)|`` (a fraction, 0 = perfectly
    calibrated). ``p == 1.0`` falls in the last bin. Empty bins count for nothing."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.size == 0:
        raise ValueError("expected_calibration_error: no rows")
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    # per bin, count * |mean(y) - mean(p)| = |sum(y) - sum(p)|
    sum_y = np.bincount(idx, weights=y, minlength=bins)
    sum_p = np.bincount(idx, weights=p, minlength=bins)
    return float(np.abs(sum_y - sum_p).sum() / y.size)


def classification_metrics(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict[str, float | None]:
    """Accuracy (threshold 0.5), log loss (nats, ``p`` clipped to ``[1e-15, 1 - 1e-15]``), Brier
    score, ROC AUC and ECE of ``p`` against 0/1 ``y``, plus ``n`` and ``base_rate`` (share of 1s).

    ``auc`` is None when ``y`` holds one class only: it is undefined there, not 0.5.
    """
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.size == 0:
        raise ValueError("classification_metrics: no rows")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("classification_metrics: probabilities must be finite and in [0, 1]")
    q = np.clip(p, 1e-15, 1 - 1e-15)
    two_classes = 0 < y.sum() < y.size
    return {
        "n": int(y.size),
        "base_rate": float(y.mean()),
        "accuracy": float(((p > 0.5) == (y > 0.5)).mean()),
        "log_loss": float(-(y * np.log(q) + (1 - y) * np.log(1 - q)).mean()),
        "brier": float(((p - y) ** 2).mean()),
        "auc": float(roc_auc_score(y, p)) if two_classes else None,
        "ece": expected_calibration_error(y, p, bins),
    }


def base_rate_log_loss(y_train: np.ndarray, y_eval: np.ndarray) -> float:
    """Log loss (nats) on ``y_eval`` of always predicting the share of 1s in ``y_train``: the bar
    a model's validation log loss must beat to carry any information."""
    rate = float(np.clip(np.mean(y_train), 1e-15, 1 - 1e-15))
    y = np.asarray(y_eval, dtype=np.float64)
    return float(-(y * np.log(rate) + (1 - y) * np.log(1 - rate)).mean())


def log_loss_excess(
    y_train: np.ndarray,
    y_eval: np.ndarray,
    p_eval: np.ndarray,
    days: np.ndarray,
    block_days: int,
    seed: int = 0,
) -> dict[str, object]:
    """How much worse (nats per row) ``p_eval`` scores on ``y_eval`` than the base rate of
    ``y_train`` (:func:`base_rate_log_loss`), with the 95 % block-bootstrap interval over days
    of that difference: ``{"mean", "ci95": [low, high]}``. A positive ``low`` is a model worse
    than the base rate beyond the noise of the tail (outcomes of nearby days overlap, hence
    blocks of ``block_days``); a mean above 0 with ``low <= 0`` is not evidence of it."""
    y = np.asarray(y_eval, dtype=np.float64)
    rate = float(np.clip(np.mean(y_train), 1e-15, 1 - 1e-15))
    q = np.clip(np.asarray(p_eval, dtype=np.float64), 1e-15, 1 - 1e-15)
    model = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    base = -(y * np.log(rate) + (1 - y) * np.log(1 - rate))
    diff = model - base
    low, high = block_bootstrap_ci(diff, days, block_days=block_days, seed=seed)
    return {"mean": float(diff.mean()), "ci95": [low, high]}


def _per_day(values: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct day in time order: the sum and the count of ``values``."""
    _, inverse = np.unique(days, return_inverse=True)
    sums = np.bincount(inverse, weights=values)
    counts = np.bincount(inverse).astype(np.float64)
    return sums, counts


def block_bootstrap_ci(
    values: np.ndarray,
    days: np.ndarray,
    block_days: int = 5,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of the row mean of ``values`` (e.g. 0/1 hits) by a circular
    moving-block bootstrap over days.

    Rows are grouped by ``days`` (any sortable labels, one per row); each replicate draws
    ``ceil(D / block_days)`` blocks of ``block_days`` consecutive days (wrapping round) and
    takes ``sum / count`` over every row of the drawn days. Use ``block_days >= h`` for labels
    that overlap by ``h - 1`` sessions.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("block_bootstrap_ci: no rows")
    sums, counts = _per_day(values, np.asarray(days))
    n_days = sums.size
    block = max(1, min(block_days, n_days))
    n_blocks = -(-n_days // block)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n_days, size=(n_boot, n_blocks))
    picks = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1) % n_days
    picks = picks[:, :n_days]
    drawn_sums, drawn_counts = sums[picks], counts[picks]
    replicates = drawn_sums.sum(axis=1) / drawn_counts.sum(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail])
    return float(low), float(high)


def accuracy_with_ci(
    y: np.ndarray, p: np.ndarray, days: np.ndarray, block_days: int, seed: int = 0
) -> dict[str, object]:
    """Directional accuracy of ``p`` (threshold 0.5) on 0/1 ``y`` with its 95 % block-bootstrap
    interval over days: ``{"n", "accuracy", "ci95": [low, high]}`` (fractions)."""
    hits = ((np.asarray(p) > 0.5) == (np.asarray(y) > 0.5)).astype(np.float64)
    low, high = block_bootstrap_ci(hits, days, block_days=block_days, seed=seed)
    return {"n": int(hits.size), "accuracy": float(hits.mean()), "ci95": [low, high]}


def reliability_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """The reliability diagram's points: per non-empty equal-width bin of ``p``, the mean
    predicted probability, the observed frequency of ``y == 1`` and the row count."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        rows = idx == b
        if rows.any():
            out.append(
                {
                    "p_mean": float(p[rows].mean()),
                    "observed": float(y[rows].mean()),
                    "count": float(rows.sum()),
                }
            )
    return out

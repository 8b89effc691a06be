"""A sparse logistic regression on the tabular view: the ensemble's linear member.

Boosted trees fit a smooth, monotone signal with steps, and on a few thousand noisy rows they
spend their splits on noise; a linear model with an L1 penalty keeps the few columns that carry
the signal and shrinks the rest to zero. The ensemble weighs it against the trees and the TFT on
the validation tail, so it earns its weight by measurement (see the README's model section).

Fitting: NaNs are imputed with the fit rows' column medians (a column NaN throughout: 0), every
column is standardised with the fit rows' mean and standard deviation, and the penalty ``C``
(inverse strength) is chosen from :data:`C_GRID` by purged chronological folds inside the fit
rows: the fit sessions are cut into :data:`N_BLOCKS` blocks, and each of the last
``N_BLOCKS - 1`` blocks is scored (log loss) by a model fitted on the blocks before it, less
the ``horizon_days`` sessions before the block (their labels overlap the block's). The model is
then refitted on all fit rows with the chosen ``C``. liblinear's coordinate descent is seeded:
the same rows give the same model. The model serialises to JSON (no pickle).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

LINEAR_KIND = "linear"
#: Inverse L1 strengths tried, strongest penalty first (ties go to the sparser model).
C_GRID = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
#: Chronological blocks of the fit sessions for choosing ``C``.
N_BLOCKS = 4
_EPS = 1e-12


@dataclass(frozen=True)
class LinearModel:
    """P(up) = sigmoid(intercept + coef . standardised(imputed(row))) over ``feature_names``."""

    feature_names: tuple[str, ...]
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    coef: np.ndarray
    intercept: float
    c: float
    kind: str = LINEAR_KIND

    @property
    def params(self) -> dict[str, Any]:
        return {"C": self.c, "penalty": "l1", "active_columns": int((self.coef != 0).sum())}

    def _z(self, table: np.ndarray) -> np.ndarray:
        x = np.asarray(table, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise ValueError(
                f"linear model expects (n, {len(self.feature_names)}) rows, got {x.shape}"
            )
        x = np.where(np.isfinite(x), x, self.medians)
        return (x - self.means) / self.scales

    def predict(self, table: np.ndarray) -> np.ndarray:
        """P(up), float64 ``(n,)``, for the rows of a tabular view ``(n, len(feature_names))``."""
        logit = self._z(table) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))

    def importance(self) -> dict[str, float]:
        """Share of each column in the sum of |coefficient| (standardised inputs, so the shares
        compare); all zero when the penalty kept no column."""
        weight = np.abs(self.coef)
        total = weight.sum()
        share = weight / total if total > 0 else weight
        return {f: float(v) for f, v in zip(self.feature_names, share, strict=True)}

    def to_bytes(self) -> bytes:
        payload = {
            "feature_names": list(self.feature_names),
            "medians": self.medians.tolist(),
            "means": self.means.tolist(),
            "scales": self.scales.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "c": self.c,
        }
        return json.dumps(payload, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, blob: bytes) -> LinearModel:
        d = json.loads(blob)
        arr = {
            k: np.asarray(d[k], dtype=np.float64) for k in ("medians", "means", "scales", "coef")
        }
        return cls(
            tuple(d["feature_names"]), intercept=float(d["intercept"]), c=float(d["c"]), **arr
        )


def _fit(z: np.ndarray, y: np.ndarray, c: float, seed: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    if np.unique(y).size < 2:  # one class: the base rate, no slope
        rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        return np.zeros(z.shape[1]), float(np.log(rate / (1 - rate)))
    model = LogisticRegression(
        C=c, l1_ratio=1.0, solver="liblinear", max_iter=1000, random_state=seed
    )
    model.fit(z, y)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-(y * np.log(q) + (1 - y) * np.log(1 - q)).mean())


def _prepare(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column medians (0 for a column NaN throughout), means and scales of ``x``'s rows."""
    finite = np.isfinite(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column NaN throughout: its median is 0
        medians = np.nanmedian(np.where(finite, x, np.nan), axis=0)
    medians = np.where(finite.any(axis=0), medians, 0.0)
    filled = np.where(finite, x, medians)
    scales = filled.std(axis=0)
    return medians, filled.mean(axis=0), np.where(scales > _EPS, scales, 1.0)


def _standardise(x: np.ndarray, stats: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    medians, means, scales = stats
    return (np.where(np.isfinite(x), x, medians) - means) / scales


def choose_c(
    x: np.ndarray, y: np.ndarray, ends: np.ndarray, horizon_days: int, seed: int = 0
) -> tuple[float, dict[float, float]]:
    """The ``C`` of :data:`C_GRID` with the lowest mean log loss over purged chronological folds
    (see the module; each fold imputes and standardises with its own training rows' statistics,
    so no fold sees its validation block), and that loss per ``C``; ``C_GRID``'s middle value
    when the sessions are too few for folds."""
    sessions = np.unique(ends)
    blocks = np.array_split(sessions, N_BLOCKS)
    folds = []
    for k in range(1, N_BLOCKS):
        if blocks[k].size == 0:
            continue
        first = blocks[k][0]
        before = sessions[sessions < first]
        cutoff = before[-horizon_days - 1] if before.size > horizon_days else None
        if cutoff is None:
            continue
        train = ends <= cutoff
        test = np.isin(ends, blocks[k])
        if np.unique(y[train]).size == 2 and test.any():
            folds.append((train, test))
    if not folds:
        return C_GRID[len(C_GRID) // 2], {}
    losses = {}
    for c in C_GRID:
        scores = []
        for train, test in folds:
            stats = _prepare(x[train])
            coef, b = _fit(_standardise(x[train], stats), y[train], c, seed)
            z_test = _standardise(x[test], stats)
            scores.append(_log_loss(y[test], 1.0 / (1.0 + np.exp(-(z_test @ coef + b)))))
        losses[c] = float(np.mean(scores))
    best = min(C_GRID, key=lambda c: (round(losses[c], 12), c))
    return best, losses


def fit_linear(
    table: np.ndarray,
    y: np.ndarray,
    feature_names: tuple[str, ...],
    *,
    ends: np.ndarray,
    horizon_days: int,
    seed: int = 0,
) -> LinearModel:
    """Fit the linear member on ``table`` ``(n, F)``, labels ``y`` in {0, 1} and each row's
    session ``ends`` (for the purged folds that choose ``C``)."""
    x = np.asarray(table, dtype=np.float64)
    y = (np.asarray(y, dtype=np.float64) > 0.5).astype(np.float64)
    if x.ndim != 2 or x.shape != (len(y), len(feature_names)):
        raise ValueError(f"table {x.shape} does not match {len(y)} labels x {len(feature_names)}")
    medians, means, scales = _prepare(x)
    z = _standardise(x, (medians, means, scales))
    c, _ = choose_c(x, y, np.asarray(ends), horizon_days, seed)
    coef, intercept = _fit(z, y, c, seed)
    return LinearModel(tuple(feature_names), medians, means, scales, coef, intercept, c)

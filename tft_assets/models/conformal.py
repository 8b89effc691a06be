"""Split-conformal intervals for the expected forward return.

Fitted on a calibration set the model did not train on (the chronological validation tail):
with absolute residuals ``r_i = |actual_i - pred_i|`` of ``n`` rows, the half-width is the
``ceil((n + 1)(1 - alpha))``-th smallest residual. Under exchangeability the interval
``pred ± q`` covers a new outcome with probability at least ``1 - alpha``; returns of a
drifting market are not exchangeable, which is why the pipeline reports walk-forward coverage
rather than assuming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Conformal:
    """Symmetric interval ``pred ± half_width`` (units of the target, here a return fraction)."""

    half_width: float
    alpha: float
    n_calibration: int

    def interval(self, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds for predictions ``pred``."""
        pred = np.asarray(pred, dtype=np.float64)
        return pred - self.half_width, pred + self.half_width

    def to_dict(self) -> dict[str, float | int]:
        return {"half_width": self.half_width, "alpha": self.alpha, "n": self.n_calibration}

    @classmethod
    def from_dict(cls, d: dict) -> Conformal:
        return cls(float(d["half_width"]), float(d["alpha"]), int(d["n"]))


def fit_conformal(pred: np.ndarray, actual: np.ndarray, alpha: float = 0.1) -> Conformal:
    """The split-conformal half-width of ``pred`` against ``actual`` at miscoverage ``alpha``.

    Rows with a non-finite prediction or outcome are ignored. Raises ``ValueError`` when fewer
    than ``ceil(1 / alpha) - 1`` rows remain: the quantile rank would exceed ``n`` and the only
    honest interval is infinite.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    pred = np.asarray(pred, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    ok = np.isfinite(pred) & np.isfinite(actual)
    residuals = np.sort(np.abs(actual[ok] - pred[ok]))
    n = residuals.size
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:
        raise ValueError(
            f"split conformal at alpha={alpha} needs at least {math.ceil(1 / alpha) - 1} "
            f"calibration rows, got {n}"
        )
    return Conformal(float(residuals[rank - 1]), alpha, n)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of finite ``actual`` values inside ``[low, high]`` (a fraction)."""
    actual = np.asarray(actual, dtype=np.float64)
    ok = np.isfinite(actual)
    if not ok.any():
        raise ValueError("coverage: no finite outcomes")
    inside = (actual >= low) & (actual <= high)
    return float(inside[ok].mean())

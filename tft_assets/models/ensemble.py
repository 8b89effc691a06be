"""The ensemble: non-negative weights over the members' P(up), then a calibration map.

Both are fitted on the chronological validation tail, which the members did not train on.
Fitting weights and calibrator on the same rows and then scoring on them would flatter, so the
tail is split in time: its first half fits the weights, its second half the calibrator. The
honest figures are the walk-forward ones, on days after the tail.

* Weights: non-negative least squares of ``y - 0.5`` on the member probabilities minus 0.5
  (``scipy.optimize.nnls``, no intercept for a member to imitate), normalised to sum to 1; all-zero weights (no member explains
  anything) fall back to equal weights, and the ensemble records that.
* Calibration: isotonic regression when the calibration half has at least ``min_isotonic``
  rows (scikit-learn's docs warn against isotonic on far fewer than 1,000), otherwise Platt
  scaling (a logistic regression on the logit of the weighted score) or temperature scaling
  (its slope alone). Every map is non-decreasing: a slope fitted below :data:`MIN_SLOPE` (on a
  short tail where the members happened to rank the wrong way round) is raised to it, so the
  tail can shrink the ensemble's confidence toward 0.5 but never turn its direction over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_EPS = 1e-6
#: Smallest slope of a Platt or temperature map on the logit of the weighted score.
MIN_SLOPE = 0.05


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


@dataclass(frozen=True)
class Ensemble:
    """Weights per member name, and the calibration map of the weighted score."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    calibration: str  # "isotonic" | "platt" | "temperature"
    params: dict = field(default_factory=dict)
    n_weights: int = 0
    n_calibration: int = 0
    equal_weight_fallback: bool = False

    def score(self, member_probs: np.ndarray) -> np.ndarray:
        """Weighted mean of the members' probabilities, shape ``(n,)``."""
        return np.asarray(member_probs, dtype=np.float64) @ np.asarray(self.weights)

    def predict(self, member_probs: np.ndarray) -> np.ndarray:
        """Calibrated P(up) in ``[0, 1]`` for ``member_probs`` of shape ``(n, M)``."""
        s = self.score(member_probs)
        if self.calibration == "isotonic":
            return np.interp(s, self.params["x"], self.params["y"])
        z = self.params["coef"] * _logit(s) + self.params["intercept"]
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict:
        """JSON-serialisable form; :meth:`from_dict` restores an identical ensemble."""
        return {
            "names": list(self.names),
            "weights": list(self.weights),
            "calibration": self.calibration,
            "params": dict(self.params),
            "n_weights": self.n_weights,
            "n_calibration": self.n_calibration,
            "equal_weight_fallback": self.equal_weight_fallback,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Ensemble:
        return cls(
            tuple(d["names"]),
            tuple(float(w) for w in d["weights"]),
            d["calibration"],
            dict(d["params"]),
            int(d["n_weights"]),
            int(d["n_calibration"]),
            bool(d["equal_weight_fallback"]),
        )


def _weights(member_probs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, bool]:
    from scipy.optimize import nnls

    # centred at 0.5, so that no member can stand in for an intercept: a member that always
    # says 0.5 (or says noise around it) carries no information and earns no weight
    w, _ = nnls(member_probs - 0.5, y - 0.5)
    if w.sum() <= 0:
        return np.full(member_probs.shape[1], 1.0 / member_probs.shape[1]), True
    return w / w.sum(), False


SMALL_CALIBRATIONS = ("platt", "temperature")


def _calibrator(
    score: np.ndarray, y: np.ndarray, min_isotonic: int, small: str
) -> tuple[str, dict]:
    if score.size >= min_isotonic:
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(score, y)
        return "isotonic", {
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        }
    from sklearn.linear_model import LogisticRegression

    # temperature scaling: no intercept, so the members' own base rate is kept and only their
    # confidence is rescaled (a short tail's up-share does not become the next days' prior)
    z = _logit(score)
    lr = LogisticRegression(C=1e6, fit_intercept=small == "platt")
    lr.fit(z[:, None], y.astype(int))
    coef, intercept = float(lr.coef_[0, 0]), float(np.ravel(lr.intercept_)[0])
    if coef < MIN_SLOPE:
        coef = MIN_SLOPE
        intercept = _offset(MIN_SLOPE * z, y) if small == "platt" else 0.0
    return small, {"coef": coef, "intercept": intercept}


def _offset(zs: np.ndarray, y: np.ndarray) -> float:
    """The maximum-likelihood intercept ``b`` of ``P(y) = sigmoid(zs + b)`` (slope held fixed):
    the root of ``mean(sigmoid(zs + b)) = mean(y)``, which is increasing in ``b``."""
    from scipy.optimize import brentq

    def excess(b: float) -> float:
        return float((1.0 / (1.0 + np.exp(-(zs + b)))).mean() - y.mean())

    return float(brentq(excess, -50.0, 50.0))


def fit_ensemble(
    member_probs: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    min_isotonic: int = 1000,
    small: str = "platt",
) -> Ensemble:
    """Fit weights on the first half of the tail and the calibrator on the second half:
    isotonic with at least ``min_isotonic`` calibration rows, else ``small`` (``platt``: slope
    and intercept on the logit; ``temperature``: slope only).

    ``member_probs``: ``(n, M)`` P(up) of each member on the tail, rows in time order;
    ``y``: 0/1 outcomes. Raises ``ValueError`` when either half holds one class only.
    """
    if small not in SMALL_CALIBRATIONS:
        raise ValueError(f"small must be one of {SMALL_CALIBRATIONS}, got {small!r}")
    p = np.asarray(member_probs, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if p.ndim != 2 or p.shape != (y.size, len(names)):
        raise ValueError(f"member_probs must be (n, {len(names)}), got {p.shape}")
    half = y.size // 2
    for part, rows in (("weights", y[:half]), ("calibration", y[half:])):
        if rows.size == 0 or rows.min() == rows.max():
            raise ValueError(f"ensemble {part} half of the tail holds one class only")
    w, fallback = _weights(p[:half], y[:half])
    score = p[half:] @ w
    calibration, params = _calibrator(score, y[half:], min_isotonic, small)
    return Ensemble(
        tuple(names),
        tuple(float(v) for v in w),
        calibration,
        params,
        n_weights=half,
        n_calibration=int(y.size - half),
        equal_weight_fallback=fallback,
    )

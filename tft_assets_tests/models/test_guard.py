import numpy as np
import pytest

from tft_assets.features import FEATURE_NAMES
from tft_assets.models.guard import LeakageError, guard_inputs, spearman_with_label


def _training_set(n: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    names = list(FEATURE_NAMES[:5])
    fwd = rng.normal(0, 0.03, size=n)
    y = (fwd > 0).astype(float)
    X = rng.normal(size=(n, len(names)))
    X[:, 0] += 2.0 * fwd  # a weak honest signal, rho ~ 0.05
    X[rng.uniform(size=X.shape) < 0.1] = np.nan
    return names, X, y, fwd


def test_honest_features_pass_and_report_their_correlations() -> None:
    names, X, y, _ = _training_set()
    rho = guard_inputs(names, X, names, y)
    assert np.isfinite(rho).all() and np.abs(rho).max() < 0.2


def test_canary_made_from_the_future_return_is_refused_by_name() -> None:
    names, X, y, fwd = _training_set()
    rng = np.random.default_rng(1)
    canary = fwd + rng.normal(0, 0.01, size=fwd.size)  # the future, lightly disguised
    X = np.column_stack([X, canary])
    columns = [*names, f"{names[1]}_mean"]  # posing as a derived column of a registered feature
    with pytest.raises(LeakageError, match=f"'{names[1]}_mean'"):
        guard_inputs(names, X, columns, y)


def test_an_unregistered_feature_is_refused_by_name() -> None:
    names, X, y, _ = _training_set()
    with pytest.raises(LeakageError, match="'close_tomorrow' is not in the feature registry"):
        guard_inputs([*names[:-1], "close_tomorrow"], X, names, y)


def test_spearman_matches_scipy_and_skips_thin_columns() -> None:
    from scipy.stats import spearmanr

    rng = np.random.default_rng(2)
    x = rng.normal(size=500)
    y = x + rng.normal(size=500)
    thin = np.full(500, np.nan)
    thin[:10] = 1.0
    rho = spearman_with_label(np.column_stack([x, thin]), y)
    assert rho[0] == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert np.isnan(rho[1])

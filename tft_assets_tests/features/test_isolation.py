"""The vectorised isolation forest against scikit-learn's ``IsolationForest``."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from tft_assets.features.isolation import average_path_length, isolation_scores


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 0.0), (1, 0.0), (2, 1.0), (3, 2 * (np.log(2) + 0.5772156649015329) - 4 / 3)],
)
def test_average_path_length(n, expected):
    assert average_path_length(n) == pytest.approx(expected)


def _cross_section(n: int, d: int, seed: int = 1) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d))
    x[0] += 4.0  # one planted outlier
    x[:, 1] = 1.0  # one constant feature (never split on)
    return x


@pytest.mark.parametrize(
    ("n", "d", "trees"),
    [(50, 26, 400), (600, 8, 200)],  # one tree sees every row / 256-row sub-samples
)
def test_scores_agree_with_scikit_learn(n, d, trees):
    from sklearn.ensemble import IsolationForest

    x = _cross_section(n, d)
    ours = isolation_scores(x, trees, seed=0)
    theirs = (
        IsolationForest(n_estimators=trees, max_samples=min(256, n), random_state=0)
        .fit(x)
        .score_samples(x)
    )
    assert ours.argmin() == theirs.argmin() == 0
    assert spearmanr(ours, theirs).statistic > 0.9
    assert np.abs(ours - theirs).mean() < 0.01


@pytest.mark.parametrize(
    ("n", "d"),
    [(1, 3), (2, 3), (3, 26), (50, 26)],
)
def test_scores_are_deterministic_and_in_range(n, d):
    x = _cross_section(n, d)
    a, b = isolation_scores(x, 25, seed=0), isolation_scores(x, 25, seed=0)
    assert a.shape == (n,) and np.array_equal(a, b)
    assert ((a >= -1.0) & (a <= 0.0)).all()


def test_identical_rows_are_equally_normal():
    x = np.ones((10, 4))
    scores = isolation_scores(x, 25, seed=0)
    assert np.allclose(scores, scores[0])  # no split possible: every row in the root leaf

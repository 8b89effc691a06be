"""Null world (signal strength 0): nothing knowable predicts the future, so the walk-forward of
the trees and their ensemble must score about 50 %, with honest intervals."""

import pytest

from tft_assets.models.evaluation import walk_forward_summary
from tft_assets_tests.models.honesty import labels_of, walk_forward_world


@pytest.fixture(scope="module")
def summary():
    pred, oracle = walk_forward_world(0.0)
    return walk_forward_summary(pred.drop("y", "fwd_return"), labels_of(pred), 5, oracle=oracle)


def test_accuracy_is_chance_over_at_least_5000_predictions(summary):
    assert summary["n"] >= 5000
    low, high = summary["ci95"]
    assert low <= 0.5 <= high, summary["ci95"]
    assert abs(summary["accuracy"] - 0.5) <= 0.03, summary["accuracy"]
    assert abs(summary["oracle_accuracy"] - 0.5) <= 0.03  # the oracle itself knows nothing here


def test_a_long_short_book_has_a_sharpe_interval_covering_zero(summary):
    low, high = summary["long_short"]["ci95"]
    assert low <= 0.0 <= high, summary["long_short"]


def test_the_block_bootstrap_interval_is_wider_than_the_naive_binomial_one(summary):
    block = summary["ci95"][1] - summary["ci95"][0]
    naive = summary["ci95_naive"][1] - summary["ci95_naive"][0]
    assert block > 1.05 * naive, (block, naive)

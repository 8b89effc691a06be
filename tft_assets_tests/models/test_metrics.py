import numpy as np
import pytest

from tft_assets.models.metrics import (
    accuracy_with_ci,
    base_rate_log_loss,
    block_bootstrap_ci,
    classification_metrics,
    expected_calibration_error,
    log_loss_excess,
)


def test_ece_matches_a_hand_computed_case() -> None:
    # bin [0.1, 0.2): p 0.1, 0.1, y 0, 1 -> |0.5 - 0.1| * 2 rows
    # bin [0.9, 1.0]: p 0.9, 1.0, y 1, 1 -> |1.0 - 0.95| * 2 rows (1.0 falls in the last bin)
    y = np.array([0, 1, 1, 1])
    p = np.array([0.1, 0.1, 0.9, 1.0])
    assert expected_calibration_error(y, p) == pytest.approx((0.4 * 2 + 0.05 * 2) / 4)


def test_ece_is_near_zero_for_calibrated_draws_and_large_for_overconfident_ones() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=200_000)
    y = (rng.uniform(size=p.size) < p).astype(float)
    assert expected_calibration_error(y, p) < 0.005
    overconfident = np.where(p > 0.5, 0.99, 0.01)
    assert expected_calibration_error(y, overconfident) > 0.2


def test_classification_metrics_values_and_undefined_auc() -> None:
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([0.8, 0.3, 0.4, 0.1])
    m = classification_metrics(y, p)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["brier"] == pytest.approx((0.04 + 0.09 + 0.36 + 0.01) / 4)
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.4, 0.9])))
    assert m["auc"] == pytest.approx(1.0)
    assert classification_metrics(np.ones(3), np.array([0.6, 0.7, 0.2]))["auc"] is None
    with pytest.raises(ValueError, match="finite"):
        classification_metrics(y, np.array([0.5, np.nan, 0.5, 0.5]))


def test_base_rate_log_loss_is_the_entropy_of_the_rate() -> None:
    y = np.array([1, 1, 1, 0])
    assert base_rate_log_loss(y, y) == pytest.approx(-(0.75 * np.log(0.75) + 0.25 * np.log(0.25)))


def test_log_loss_excess_interval_covers_the_expected_excess() -> None:
    """A model that knows nothing (the base rate plus noise) is worse than the base rate in
    expectation by a known amount; its point estimate on one 40-session tail scatters around
    that, often below 0, and the interval covers the true excess about 95 % of the time."""
    rng = np.random.default_rng(3)
    days = np.repeat(np.arange(40), 20)
    y_train = rng.integers(0, 2, 4000)
    rate = y_train.mean()
    covered, below = 0, 0
    reps = 100
    for rep in range(reps):
        truth = 0.5  # coin flips: no model can beat the rate in expectation
        y = (rng.random(days.size) < truth).astype(float)
        p = np.clip(rate + rng.normal(0, 0.03, days.size), 0.01, 0.99)
        expected = np.mean(
            -(truth * np.log(p) + (1 - truth) * np.log(1 - p))
            + (truth * np.log(rate) + (1 - truth) * np.log(1 - rate))
        )
        out = log_loss_excess(y_train, y, p, days, block_days=5, seed=rep)
        low, high = out["ci95"]
        assert low <= out["mean"] <= high
        covered += low <= expected <= high
        below += out["mean"] < 0
    assert covered / reps >= 0.88
    assert below >= 5  # one tail can show such a model better than the rate


def test_log_loss_excess_flags_a_confidently_wrong_model_and_not_a_good_one() -> None:
    rng = np.random.default_rng(4)
    days = np.repeat(np.arange(40), 20)
    y_train = rng.integers(0, 2, 4000)
    truth = np.where(rng.random(days.size) < 0.5, 0.35, 0.65)
    y = (rng.random(days.size) < truth).astype(float)
    wrong = 1.0 - truth  # confidently wrong by 15 points
    out = log_loss_excess(y_train, y, wrong, days, block_days=5)
    assert out["ci95"][0] > 0.02
    y_rate = np.clip(y_train.mean(), 1e-15, 1 - 1e-15)
    assert out["mean"] == pytest.approx(
        np.mean(-(y * np.log(wrong) + (1 - y) * np.log(1 - wrong)))
        + np.mean(y * np.log(y_rate) + (1 - y) * np.log(1 - y_rate)),
        abs=1e-12,
    )
    good = log_loss_excess(y_train, y, truth, days, block_days=5)
    assert good["ci95"][1] < 0  # the true probabilities beat the rate beyond the noise


def _overlapping_world(rng: np.random.Generator, n_days: int, n_tickers: int, h: int):
    """Hits of a coin-flip forecast on h-day forward returns that share a market factor."""
    daily_market = rng.normal(size=n_days + h)
    daily_idio = rng.normal(size=(n_days + h, n_tickers))
    daily = daily_market[:, None] + 0.5 * daily_idio
    fwd = np.stack([daily[t + 1 : t + 1 + h].sum(axis=0) for t in range(n_days)])
    hits = (fwd > 0).astype(float)  # the "always up" forecast: true accuracy 0.5
    days = np.repeat(np.arange(n_days), n_tickers)
    return hits.ravel(), days


def test_block_interval_is_wider_than_binomial_and_covers_the_truth() -> None:
    rng = np.random.default_rng(1)
    covered, ratios = 0, []
    reps = 100
    for rep in range(reps):
        hits, days = _overlapping_world(rng, n_days=500, n_tickers=10, h=5)
        low, high = block_bootstrap_ci(hits, days, block_days=10, n_boot=400, seed=rep)
        covered += low <= 0.5 <= high
        naive = 2 * 1.96 * np.sqrt(hits.mean() * (1 - hits.mean()) / hits.size)
        ratios.append((high - low) / naive)
    assert np.median(ratios) > 2.0
    # nominal 95 %; a percentile block bootstrap under-covers a little at 500 days (0.92 here),
    # a binomial interval (less than half as wide) would cover far less often
    assert covered / reps >= 0.87


def test_block_bootstrap_is_seeded_and_accuracy_with_ci_brackets_the_point() -> None:
    rng = np.random.default_rng(2)
    y = (rng.uniform(size=2000) < 0.5).astype(float)
    p = rng.uniform(size=2000)
    days = np.repeat(np.arange(200), 10)
    assert block_bootstrap_ci(y, days, seed=3) == block_bootstrap_ci(y, days, seed=3)
    out = accuracy_with_ci(y, p, days, block_days=5)
    assert out["n"] == 2000 and out["ci95"][0] < out["accuracy"] < out["ci95"][1]

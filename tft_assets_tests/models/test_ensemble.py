import json

import numpy as np
import pytest

from tft_assets.models.ensemble import Ensemble, fit_ensemble
from tft_assets.models.metrics import expected_calibration_error


def _world(n: int, seed: int):
    """A well-informed but overconfident member (p**3 of the truth, sharpened), and noise."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0.2, 0.8, size=n)
    y = (rng.uniform(size=n) < truth).astype(float)
    good = np.clip(0.5 + 2.0 * (truth - 0.5), 0.01, 0.99)  # right ranking, overconfident
    noise = rng.uniform(size=n)
    return np.column_stack([good, noise]), y


def test_weights_are_non_negative_sum_to_one_and_ignore_noise() -> None:
    probs, y = _world(6000, 0)
    ens = fit_ensemble(probs, y, ("good", "noise"))
    w = np.array(ens.weights)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)
    assert w[0] > 0.95 and not ens.equal_weight_fallback


def test_isotonic_from_the_row_threshold_platt_below() -> None:
    probs, y = _world(2000, 1)
    assert fit_ensemble(probs, y, ("good", "noise")).calibration == "isotonic"
    assert fit_ensemble(probs[:1998], y[:1998], ("good", "noise")).calibration == "platt"


@pytest.mark.parametrize("n", [800, 6000])
def test_calibration_lowers_ece_on_fresh_rows(n: int) -> None:
    probs, y = _world(n, 2)
    fresh_probs, fresh_y = _world(20_000, 3)
    ens = fit_ensemble(probs, y, ("good", "noise"))
    p = ens.predict(fresh_probs)
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    raw = expected_calibration_error(fresh_y, fresh_probs[:, 0])
    assert expected_calibration_error(fresh_y, p) < raw / 2


def test_round_trip_through_json_is_exact() -> None:
    probs, y = _world(3000, 4)
    for n in (3000, 900):
        ens = fit_ensemble(probs[:n], y[:n], ("good", "noise"))
        back = Ensemble.from_dict(json.loads(json.dumps(ens.to_dict())))
        np.testing.assert_array_equal(back.predict(probs), ens.predict(probs))


def test_one_class_half_is_refused() -> None:
    probs = np.full((10, 2), 0.5)
    with pytest.raises(ValueError, match="one class only"):
        fit_ensemble(probs, np.array([1.0] * 5 + [0.0, 1.0] * 2 + [0.0]), ("a", "b"))


@pytest.mark.parametrize("small", ["temperature", "platt"])
def test_a_tail_that_ranks_the_members_backwards_shrinks_them_but_never_flips_them(
    small: str,
) -> None:
    """On a short tail where the informed member happened to be wrong, a fitted logistic map
    has a negative slope and would turn every later prediction over; the map's slope is held
    at MIN_SLOPE instead, so the ensemble stays non-decreasing in its members and near 0.5."""
    from tft_assets.models.ensemble import MIN_SLOPE

    probs, y = _world(600, 5)
    probs, y = probs[:, :1], 1.0 - y  # one member, and a tail on which it is always wrong
    ens = fit_ensemble(probs, y, ("good",), small=small)
    assert ens.calibration == small and ens.params["coef"] == MIN_SLOPE
    grid = np.linspace(0.01, 0.99, 99)[:, None]
    p = ens.predict(grid)
    assert (np.diff(p) >= 0).all() and np.abs(p - p.mean()).max() < 0.15
    if small == "temperature":
        assert ens.params["intercept"] == 0.0
        np.testing.assert_array_equal(p > 0.5, ens.score(grid) > 0.5)
    else:  # the intercept is refitted with the slope held: the tail's up-share, on average
        assert ens.predict(probs[300:]).mean() == pytest.approx(y[300:].mean(), abs=1e-6)

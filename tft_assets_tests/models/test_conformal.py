import numpy as np
import pytest

from tft_assets.models.conformal import Conformal, coverage, fit_conformal


def test_half_width_is_the_finite_sample_rank_of_the_residuals() -> None:
    # n = 9, alpha = 0.2: rank ceil(10 * 0.8) = 8 -> the 8th smallest |residual|
    actual = np.arange(1.0, 10.0)
    c = fit_conformal(np.zeros(9), actual, alpha=0.2)
    assert c.half_width == 8.0 and c.n_calibration == 9


def test_too_few_rows_is_an_error_not_a_finite_interval() -> None:
    with pytest.raises(ValueError, match="at least 9 calibration rows"):
        fit_conformal(np.zeros(8), np.ones(8), alpha=0.1)


def test_coverage_on_fresh_exchangeable_rows_is_ninety_percent() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=40_000)
    y = 0.3 * x + rng.standard_t(df=4, size=x.size) * 0.02
    pred = 0.3 * x
    c = fit_conformal(pred[:20_000], y[:20_000], alpha=0.1)
    low, high = c.interval(pred[20_000:])
    assert coverage(y[20_000:], low, high) == pytest.approx(0.90, abs=0.01)


def test_non_finite_rows_are_ignored_and_round_trip_is_exact() -> None:
    pred = np.array([0.0, np.nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    actual = np.array([1.0, 5.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    c = fit_conformal(pred, actual, alpha=0.1)
    assert c.n_calibration == 10 and c.half_width == 10.0  # rank ceil(11 * 0.9) = 10
    assert Conformal.from_dict(c.to_dict()) == c

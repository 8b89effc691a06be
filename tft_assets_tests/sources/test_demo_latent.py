"""The demo world's latent model: closed-form oracle, determinism and speed of the recursion."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest

from tft_assets.sources.demo import (
    HYPE_EPOCH,
    DemoWorld,
    DemoWorldConfig,
    forward_return_moments,
    oracle_accuracy,
    oracle_p_up_from_hype,
    simulate_forward_returns,
)
from tft_assets.sources.demo.latent import (
    ar1_filter,
    build_latent_paths,
    standard_normal_cdf,
    ticker_params,
)


@pytest.mark.parametrize(
    ("hype0", "strength", "horizon"),
    [(0.0, 1.0, 5), (1.0, 1.0, 5), (-1.5, 1.0, 5), (2.0, 2.0, 3), (0.7, 0.5, 1), (-0.4, 3.0, 10)],
)
def test_closed_form_oracle_matches_monte_carlo(hype0, strength, horizon):
    rng = np.random.default_rng(12345)
    paths = simulate_forward_returns(
        hype0, n_paths=200_000, rng=rng, strength=strength, horizon_days=horizon
    )
    empirical = float((paths > 0).mean())
    closed = float(oracle_p_up_from_hype(hype0, strength=strength, horizon_days=horizon))
    assert abs(empirical - closed) < 0.01
    slope, sd = forward_return_moments(strength=strength, horizon_days=horizon)
    assert abs(paths.mean() - slope * hype0) < 0.03 * sd + 0.01
    assert abs(paths.std() - sd) < 0.02 * sd


def test_null_world_oracle_is_exactly_one_half():
    hype = np.linspace(-4, 4, 101)
    assert np.all(oracle_p_up_from_hype(hype, strength=0.0, horizon_days=5) == 0.5)
    world = DemoWorld(DemoWorldConfig(signal_strength=0.0, n_tickers=5))
    frame = world.oracle_frame(dt.date(2021, 1, 1), dt.date(2021, 3, 31))
    assert frame.height > 0 and (frame["p_up"] == 0.5).all()
    assert oracle_accuracy(strength=0.0, horizon_days=5) == 0.5


def test_default_strength_gives_about_sixty_percent():
    assert 0.58 <= oracle_accuracy(strength=1.0, horizon_days=5) <= 0.62
    # Stronger signal, more accuracy; the oracle is increasing in hype.
    assert oracle_accuracy(strength=2.0, horizon_days=5) > oracle_accuracy(
        strength=1.0, horizon_days=5
    )
    p = oracle_p_up_from_hype(np.linspace(-3, 3, 31), strength=1.0, horizon_days=5)
    assert np.all(np.diff(p) > 0)


def test_oracle_frame_agrees_with_point_lookup_and_hype():
    world = DemoWorld(DemoWorldConfig(n_tickers=4))
    frame = world.oracle_frame(dt.date(2021, 6, 1), dt.date(2021, 6, 10))
    latent = world.latent_frame(dt.date(2021, 6, 1), dt.date(2021, 6, 10))
    assert frame.columns == ["ticker", "date", "p_up"]
    for ticker, day, p in frame.head(8).iter_rows():
        assert world.oracle_p_up(ticker, day) == p
    expected = oracle_p_up_from_hype(latent["hype"].to_numpy(), strength=1.0, horizon_days=5)
    np.testing.assert_array_equal(frame["p_up"].to_numpy(), expected)


@pytest.mark.parametrize(
    ("ticker", "day", "message"),
    [
        ("XYZ", dt.date(2021, 6, 1), "not in this demo world"),
        ("GME", dt.date(2021, 6, 5), "not an NYSE session"),  # a Saturday
        ("GME", dt.date(2009, 6, 1), "starts at"),
    ],
)
def test_oracle_lookup_errors(ticker, day, message):
    with pytest.raises(ValueError, match=message):
        DemoWorld(DemoWorldConfig(n_tickers=3)).oracle_p_up(ticker, day)


def test_latent_paths_do_not_depend_on_how_far_they_reach():
    params = ticker_params(7)
    short = build_latent_paths(7, 1.0, 2020, params)
    long = build_latent_paths(7, 1.0, 2024, params)
    n = len(short.sessions)
    assert short.sessions[0] == np.datetime64(HYPE_EPOCH, "D")
    np.testing.assert_array_equal(short.hype, long.hype[:n])
    np.testing.assert_array_equal(short.log_price, long.log_price[:n])
    other = build_latent_paths(8, 1.0, 2020, ticker_params(8))
    assert not np.allclose(short.hype, other.hype)


def test_hype_is_a_stationary_ar1():
    latent = build_latent_paths(3, 1.0, 2024, ticker_params(3))
    s = latent.hype[:, :50]
    assert abs(s.mean()) < 0.1
    assert abs(s.var() - 1.0) < 0.1
    lag1 = np.mean([np.corrcoef(s[1:, i], s[:-1, i])[0, 1] for i in range(50)])
    assert abs(lag1 - 0.9) < 0.02


def test_null_world_returns_do_not_depend_on_hype():
    latent = build_latent_paths(5, 0.0, 2022, ticker_params(5))
    corr = np.corrcoef(latent.hype[:-1, :40].ravel(), latent.log_return[1:, :40].ravel())[0, 1]
    assert abs(corr) < 0.02
    strong = build_latent_paths(5, 1.0, 2022, ticker_params(5))
    corr1 = np.corrcoef(strong.hype[:-1, :40].ravel(), strong.log_return[1:, :40].ravel())[0, 1]
    assert corr1 > 0.12


def test_a_decade_of_latent_paths_is_fast():
    params = ticker_params(7)
    build_latent_paths(7, 1.0, 2019, params)  # warm the calendar and scipy imports
    t0 = time.perf_counter()
    build_latent_paths(7, 1.0, 2019, params)
    assert time.perf_counter() - t0 < 0.5


def test_ar1_filter_and_normal_cdf_match_scipy():
    from scipy.signal import lfilter
    from scipy.special import ndtr

    rng = np.random.default_rng(3)
    u, s0 = rng.standard_normal((500, 7)), rng.standard_normal(7)
    expected, _ = lfilter([1.0], [1.0, -0.9], u, axis=0, zi=(0.9 * s0)[None, :])
    np.testing.assert_allclose(ar1_filter(u, 0.9, s0), expected, rtol=0, atol=1e-12)
    x = np.linspace(-8, 8, 1001).reshape(7, 143)
    np.testing.assert_allclose(standard_normal_cdf(x), ndtr(x), rtol=1e-12, atol=1e-15)
    assert standard_normal_cdf(0.0) == 0.5

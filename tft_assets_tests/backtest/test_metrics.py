"""Backtest metrics against hand-computed values and known properties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tft_assets.backtest import metrics as m


def test_returns_total_return_and_cagr_by_hand() -> None:
    eq = np.array([110.0, 99.0, 121.0])
    assert m.session_returns(eq, 100.0).tolist() == pytest.approx([0.1, -0.1, 121 / 99 - 1])
    assert m.total_return(eq, 100.0) == pytest.approx(0.21)
    # 252 sessions that double the money: 100 % a year; 126 that double it: 300 %
    assert m.cagr(np.full(252, 200.0), 100.0) == pytest.approx(1.0)
    assert m.cagr(np.full(126, 200.0), 100.0) == pytest.approx(3.0)
    assert m.cagr(np.array([0.0]), 100.0) is None


def test_sharpe_sortino_and_volatility_by_hand() -> None:
    r = np.array([0.01, -0.01, 0.02, 0.0])
    sd = np.std(r, ddof=1)
    assert m.annual_volatility(r) == pytest.approx(sd * math.sqrt(252))
    assert m.sharpe(r) == pytest.approx(math.sqrt(252) * 0.005 / sd)
    assert m.sortino(r) == pytest.approx(math.sqrt(252) * 0.005 / math.sqrt(0.0001 / 4))
    assert m.sharpe(np.full(10, 0.01)) is None  # no variation: undefined, not infinite
    assert m.sortino(np.full(10, 0.01)) is None


def test_drawdown_depth_and_duration() -> None:
    eq = np.array([100, 120, 90, 96, 120, 130, 117], dtype=float)
    mdd, spell = m.max_drawdown(eq)
    assert mdd == pytest.approx(90 / 120 - 1)
    assert spell == 2  # under 120 at 90 and 96, back at 120 on the next session
    assert m.max_drawdown(np.array([100.0, 101, 102])) == (0.0, 0)
    # the initial equity counts as the first peak
    assert m.max_drawdown(np.array([90.0, 95.0]), initial=100.0) == (pytest.approx(-0.1), 2)
    assert m.calmar(eq, 100.0) == pytest.approx(m.cagr(eq, 100.0) / 0.25)


def test_trade_statistics() -> None:
    pnl = np.array([10.0, -5.0, 20.0, -5.0])
    assert m.win_rate(pnl) == 0.5
    assert m.profit_factor(pnl) == pytest.approx(3.0)
    assert m.profit_factor(np.array([1.0, 2.0])) is None
    assert m.expectancy(np.array([0.02, -0.01])) == pytest.approx(0.005)
    assert m.win_rate(np.array([])) is None and m.expectancy(np.array([])) is None
    assert m.exposure(np.array([0.0, 0.5, 1.0])) == pytest.approx(0.5)
    # 2 x equity traded over 252 sessions: turnover 2 a year
    assert m.turnover(np.full(252, 2 * 1000 / 252), np.full(252, 1000.0)) == pytest.approx(2.0)


def test_directional_accuracy_interval_covers_its_estimate() -> None:
    rng = np.random.default_rng(0)
    hits = rng.random(600) < 0.6
    days = np.repeat(np.arange(120), 5)
    out = m.directional_accuracy(hits, days, block_days=5)
    assert out["n"] == 600 and out["ci95"][0] < out["accuracy"] < out["ci95"][1]
    assert m.directional_accuracy(np.array([]), np.array([]), 5) is None


def test_probabilistic_sharpe_by_hand_for_normal_returns() -> None:
    from scipy.stats import norm

    rng = np.random.default_rng(1)
    r = rng.normal(0.001, 0.01, 1000)
    sr, skew, kurt = m._moments(r)
    want = norm.cdf(sr * math.sqrt(999) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2))
    assert m.probabilistic_sharpe(r) == pytest.approx(want)
    # a benchmark equal to the observed Sharpe: exactly one half
    assert m.probabilistic_sharpe(r, benchmark=sr) == pytest.approx(0.5)


def test_expected_max_sharpe_matches_simulated_maxima() -> None:
    rng = np.random.default_rng(2)
    n_trials, var = 50, 0.04
    draws = rng.normal(0, math.sqrt(var), (20_000, n_trials)).max(axis=1)
    assert m.expected_max_sharpe(n_trials, var) == pytest.approx(draws.mean(), rel=0.02)
    assert m.expected_max_sharpe(1, var) == 0.0


def test_deflation_grows_with_the_number_of_trials() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.0008, 0.01, 750)  # a Sharpe near 1.3 over three years
    one, many = m.deflated_sharpe(r, 1), m.deflated_sharpe(r, 200)
    assert one == pytest.approx(m.probabilistic_sharpe(r))
    assert many < one
    # skill-less returns: the best of 200 trials is not evidence of anything
    null = rng.normal(0.0, 0.01, 750)
    assert m.deflated_sharpe(null, 200) < 0.5


def test_summary_has_every_metric_and_is_json_ready() -> None:
    import json

    eq = 1000 * np.cumprod(1 + np.random.default_rng(4).normal(0.0005, 0.01, 300))
    s = m.summary(eq, 1000.0, gross_exposure=np.full(300, 0.8), traded_notional=np.full(300, 50.0),
                  pnl=np.array([5.0, -2.0]), trade_returns=np.array([0.05, -0.02]), n_trials=30)  # fmt: skip
    for key in ("total_return", "cagr", "volatility", "sharpe", "sortino", "calmar", "max_drawdown",
                "max_drawdown_sessions", "win_rate", "profit_factor", "expectancy", "exposure",
                "turnover", "n_trades", "probabilistic_sharpe", "deflated_sharpe"):  # fmt: skip
        assert key in s
    assert s["n_trades"] == 2 and s["n_trials"] == 30
    json.dumps(s)

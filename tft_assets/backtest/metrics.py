"""Backtest metrics: small pure functions of an equity curve or of closed trades.

Conventions: returns and drawdowns are fractions (0.05 = 5 %), per session unless a name says
annualised (``periods`` sessions a year, 252 by default); there is no risk-free rate (Sharpe
and Sortino are of raw returns, which for a cash-holding portfolio at 0 % is the excess return
over cash). A figure that is undefined (a flat curve's Sharpe, a profit factor without losses)
is ``None``, never 0 or infinity, so a report cannot mistake "no data" for a value.

The deflated Sharpe ratio follows Bailey and Lopez de Prado, *The Deflated Sharpe Ratio*
(2014): the probabilistic Sharpe ratio of the observed (per-session) Sharpe against the Sharpe
that the best of ``n_trials`` skill-less strategies would be expected to reach.
"""

from __future__ import annotations

import math

import numpy as np

from tft_assets.models.evaluation import sharpe_with_ci
from tft_assets.models.metrics import block_bootstrap_ci

PERIODS_PER_YEAR = 252
EULER_GAMMA = 0.5772156649015329


def session_returns(equity: np.ndarray, initial: float) -> np.ndarray:
    """Per-session simple returns (fractions) of ``equity``, the first against ``initial``."""
    e = np.asarray(equity, dtype=np.float64)
    prev = np.concatenate([[initial], e[:-1]])
    return e / prev - 1.0


def total_return(equity: np.ndarray, initial: float) -> float:
    """Final equity over ``initial``, less 1 (fraction)."""
    return float(equity[-1] / initial - 1.0) if len(equity) else 0.0


def cagr(equity: np.ndarray, initial: float, periods: int = PERIODS_PER_YEAR) -> float | None:
    """Compound annual growth rate (fraction a year) over ``len(equity)`` sessions; None for an
    empty curve or one that lost everything."""
    if len(equity) == 0 or equity[-1] <= 0:
        return None
    return float((equity[-1] / initial) ** (periods / len(equity)) - 1.0)


def annual_volatility(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float | None:
    """Sample standard deviation of per-session returns times sqrt(periods) (fraction a year)."""
    r = np.asarray(returns, dtype=np.float64)
    return float(r.std(ddof=1) * math.sqrt(periods)) if r.size > 1 else None


def sharpe(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float | None:
    """Annualised Sharpe ratio, ``sqrt(periods) * mean / std`` of per-session returns
    (dimensionless); None when the returns do not vary."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return None
    sd = r.std(ddof=1)
    flat = sd <= 1e-12 * max(1.0, abs(float(r.mean())))  # rounding noise is no variation
    return None if flat else float(math.sqrt(periods) * r.mean() / sd)


def sortino(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float | None:
    """Annualised Sortino ratio: ``sqrt(periods) * mean / downside deviation``, the downside
    deviation being ``sqrt(mean(min(r, 0)^2))`` over all sessions (dimensionless); None
    without a losing session."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return None
    dd = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    return float(math.sqrt(periods) * r.mean() / dd) if dd > 0 else None


def drawdown(equity: np.ndarray) -> np.ndarray:
    """Per-session drawdown from the running peak (fraction, <= 0)."""
    e = np.asarray(equity, dtype=np.float64)
    return e / np.maximum.accumulate(e) - 1.0 if e.size else e


def max_drawdown(equity: np.ndarray, initial: float | None = None) -> tuple[float, int]:
    """The deepest drawdown (fraction, <= 0) and the longest spell under a previous peak
    (sessions below it, up to the recovery or the end of the curve).
    ``initial``, when given, is the peak before the first session."""
    e = np.asarray(equity, dtype=np.float64)
    if initial is not None:
        e = np.concatenate([[initial], e])
    if e.size == 0:
        return 0.0, 0
    dd = drawdown(e)
    idx = np.arange(e.size)
    last_peak = np.maximum.accumulate(np.where(dd < 0, -1, idx))
    return float(dd.min()), int((idx - last_peak).max())


def calmar(equity: np.ndarray, initial: float, periods: int = PERIODS_PER_YEAR) -> float | None:
    """CAGR over the magnitude of the maximum drawdown (dimensionless); None without a drawdown."""
    growth = cagr(equity, initial, periods)
    mdd, _ = max_drawdown(equity, initial)
    return float(growth / -mdd) if growth is not None and mdd < 0 else None


def win_rate(pnl: np.ndarray) -> float | None:
    """Share of trades with a positive P&L, costs included (fraction); None without trades."""
    p = np.asarray(pnl, dtype=np.float64)
    return float((p > 0).mean()) if p.size else None


def profit_factor(pnl: np.ndarray) -> float | None:
    """Gross profit over gross loss of the trades (dimensionless); None without a losing trade."""
    p = np.asarray(pnl, dtype=np.float64)
    loss = -p[p < 0].sum()
    return float(p[p > 0].sum() / loss) if loss > 0 else None


def expectancy(trade_returns: np.ndarray) -> float | None:
    """Mean return per trade on its entry notional, costs included (fraction); None without
    trades."""
    r = np.asarray(trade_returns, dtype=np.float64)
    return float(r.mean()) if r.size else None


def exposure(gross_exposure: np.ndarray) -> float:
    """Mean gross market value over equity across sessions (fraction; 1.0 = fully invested)."""
    g = np.asarray(gross_exposure, dtype=np.float64)
    return float(g.mean()) if g.size else 0.0


def turnover(
    traded_notional: np.ndarray, equity: np.ndarray, periods: int = PERIODS_PER_YEAR
) -> float:
    """Annualised turnover: currency traded (both sides) over mean equity, per year (times a
    year; 2.0 = the book bought and sold once)."""
    t = np.asarray(traded_notional, dtype=np.float64)
    e = np.asarray(equity, dtype=np.float64)
    if t.size == 0 or e.mean() <= 0:
        return 0.0
    return float(t.sum() / e.mean() * periods / t.size)


def directional_accuracy(
    hits: np.ndarray, days: np.ndarray, block_days: int
) -> dict[str, object] | None:
    """Share of signals whose direction matched the realised forward return, with its 95 %
    moving-block bootstrap interval over signal days (fractions): ``{"n", "accuracy",
    "ci95"}``. Signals of nearby days share returns, hence blocks of ``block_days >= h``."""
    h = np.asarray(hits, dtype=np.float64)
    if h.size == 0:
        return None
    low, high = block_bootstrap_ci(h, np.asarray(days), block_days=block_days)
    return {"n": int(h.size), "accuracy": float(h.mean()), "ci95": [low, high]}


def _moments(returns: np.ndarray) -> tuple[float, float, float]:
    """Per-session Sharpe, skewness and (non-excess) kurtosis of ``returns``."""
    r = np.asarray(returns, dtype=np.float64)
    mu, sd = r.mean(), r.std(ddof=1)
    z = (r - mu) / r.std(ddof=0)
    return float(mu / sd), float(np.mean(z**3)), float(np.mean(z**4))


def probabilistic_sharpe(returns: np.ndarray, benchmark: float = 0.0) -> float | None:
    """Probability (0-1) that the true per-session Sharpe exceeds ``benchmark`` (per session),
    given the observed one, its length, skewness and kurtosis (Bailey and Lopez de Prado
    2012): ``Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR^2))``."""
    from scipy.stats import norm

    r = np.asarray(returns, dtype=np.float64)
    if r.size < 3 or r.std(ddof=1) == 0:
        return None
    sr, skew, kurt = _moments(r)
    denom = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr**2
    if denom <= 0:
        return None
    return float(norm.cdf((sr - benchmark) * math.sqrt(r.size - 1) / math.sqrt(denom)))


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum of ``n_trials`` skill-less Sharpe estimates of variance
    ``sharpe_variance`` (per session): ``sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))``
    with ``g`` the Euler-Mascheroni constant. Zero for a single trial."""
    from scipy.stats import norm

    if n_trials <= 1:
        return 0.0
    g = EULER_GAMMA
    z = (1 - g) * norm.ppf(1 - 1 / n_trials) + g * norm.ppf(1 - 1 / (n_trials * math.e))
    return float(math.sqrt(sharpe_variance) * z)


def deflated_sharpe(
    returns: np.ndarray, n_trials: int, sharpe_variance: float | None = None
) -> float | None:
    """The deflated Sharpe ratio (probability, 0-1): :func:`probabilistic_sharpe` against
    :func:`expected_max_sharpe` of ``n_trials``.

    ``sharpe_variance`` is the variance of the trials' per-session Sharpe ratios. The trials
    here are hyperparameter trials scored by log loss, not strategies with Sharpe ratios of
    their own, so by default it is the variance of the Sharpe estimator itself under the null,
    ``1 / (T - 1)``: what skill-less trials would scatter by.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 3:
        return None
    var = sharpe_variance if sharpe_variance is not None else 1.0 / (r.size - 1)
    return probabilistic_sharpe(r, expected_max_sharpe(max(1, int(n_trials)), var))


def summary(
    equity: np.ndarray,
    initial: float,
    *,
    gross_exposure: np.ndarray | None = None,
    traded_notional: np.ndarray | None = None,
    pnl: np.ndarray | None = None,
    trade_returns: np.ndarray | None = None,
    n_trials: int = 1,
    periods: int = PERIODS_PER_YEAR,
) -> dict[str, object]:
    """Every metric of one portfolio as a JSON-ready dict (units as in each function)."""
    r = session_returns(equity, initial)
    mdd, mdd_len = max_drawdown(equity, initial)
    pnl = np.asarray(pnl if pnl is not None else [], dtype=np.float64)
    tr = np.asarray(trade_returns if trade_returns is not None else [], dtype=np.float64)
    ci = sharpe_with_ci(r, periods_per_year=periods, block=10) if r.size > 2 else {"ci95": None}
    return {
        "sessions": int(len(equity)),
        "final_equity": float(equity[-1]) if len(equity) else initial,
        "total_return": total_return(equity, initial),
        "cagr": cagr(equity, initial, periods),
        "volatility": annual_volatility(r, periods),
        "sharpe": sharpe(r, periods),
        "sharpe_ci95": ci["ci95"],
        "sortino": sortino(r, periods),
        "calmar": calmar(equity, initial, periods),
        "max_drawdown": mdd,
        "max_drawdown_sessions": mdd_len,
        "n_trades": int(pnl.size),
        "win_rate": win_rate(pnl),
        "profit_factor": profit_factor(pnl),
        "expectancy": expectancy(tr),
        "exposure": exposure(gross_exposure) if gross_exposure is not None else None,
        "turnover": turnover(traded_notional, equity, periods)
        if traded_notional is not None
        else None,
        "probabilistic_sharpe": probabilistic_sharpe(r),
        "deflated_sharpe": deflated_sharpe(r, n_trials),
        "n_trials": int(n_trials),
    }

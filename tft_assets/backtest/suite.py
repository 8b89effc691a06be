"""The backtest suite: the signal portfolio and three alternatives on the same sessions, with costs.

* ``signals``: the model's predictions through the six risk rules (:class:`RiskPolicy`), from a
  fresh portfolio at the window's start, the stops, targets and horizon of the live book.
* ``top_k``: the ``k`` highest P(up) above 0.5 every session, each held ``h`` sessions, no
  rules and no stops (:class:`TopKPolicy`): what the model is worth without the risk manager.
* ``buy_and_hold``: equal weights of every ticker with a close on the first session, bought at
  the next open and held.
* ``momentum_20d``: the ``k`` highest positive 20-session returns (the ``ret_20d`` feature, known
  at the close), each held ``h`` sessions: the simplest price-only strategy.

A window is the sessions on which decisions are made, ``decision_start..decision_end``; the
simulation runs on to ``last_session``, ``h`` sessions later, so every horizon exit of a
decision in the window is inside it and its outcome known. Decisions after ``decision_end``
are not taken (their outcomes are not known yet).

Directional accuracy, on the same (ticker, day) pairs with a known label: ``signals`` scores
its approved signals; ``top_k`` scores every prediction of the window (P(up) > 0.5 says up);
``buy_and_hold`` always says up; ``momentum_20d`` says up when ``ret_20d > 0``. Each comes with
a 95 % moving-block bootstrap interval over days (blocks of ``h``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from tft_assets.backtest import metrics
from tft_assets.backtest.engine import (
    ExecutionConfig,
    Market,
    SimResult,
    market_from_prices,
    simulate,
)
from tft_assets.backtest.policies import BuyAndHoldPolicy, RiskPolicy, TopKPolicy
from tft_assets.risk.rules import RiskConfig

PORTFOLIOS = ("signals", "top_k", "buy_and_hold", "momentum_20d")


@dataclass(frozen=True)
class Window:
    decision_start: dt.date
    decision_end: dt.date
    last_session: dt.date


def trailing_window(sessions: list[dt.date], window_sessions: int, horizon: int) -> Window | None:
    """The latest window whose outcomes are known by the last of ``sessions`` (ascending): its
    decisions end ``horizon`` sessions before it and span ``window_sessions``. None when there
    are not ``horizon + 1`` sessions."""
    if len(sessions) <= horizon:
        return None
    end_i = len(sessions) - 1 - horizon
    return Window(sessions[max(0, end_i - window_sessions + 1)], sessions[end_i], sessions[-1])


@dataclass
class SuiteResult:
    window: Window
    market: Market
    runs: dict[str, SimResult]
    metrics: dict[str, dict]
    signal_days: int
    initial: float


def run_suite(
    window: Window,
    predictions: pl.DataFrame,
    prices: pl.DataFrame,
    features: pl.DataFrame,
    labels: pl.DataFrame,
    risk: RiskConfig,
    execution: ExecutionConfig,
    horizon: int,
    top_k: int,
    n_trials: int,
) -> SuiteResult:
    """Every portfolio of :data:`PORTFOLIOS` over ``window``.

    ``predictions``: ``ticker, date, p_up``; ``prices``: ``raw_prices`` rows; ``features``:
    ``ticker, date, atr_pct_14, ret_20d``; ``labels``: ``ticker, date, fwd_return``.
    ``n_trials`` (the tuning trials behind the models) deflates the Sharpe ratio of the two
    model portfolios; the baselines were not tuned (one trial).
    """
    px = prices.filter(pl.col("date").is_between(window.decision_start, window.last_session))
    market = market_from_prices(px)
    if not len(market.dates):
        raise ValueError(f"no prices between {window.decision_start} and {window.last_session}")
    in_window = pl.col("date").is_between(window.decision_start, window.decision_end)
    names = pl.col("ticker").is_in(list(market.tickers))
    preds = predictions.filter(in_window & names).unique(["ticker", "date"], keep="first")
    sessions = pl.col("date").is_in(market.dates.astype(dt.date).tolist())
    preds = preds.filter(sessions)
    feats = features.filter(in_window & names & sessions).unique(["ticker", "date"], keep="first")
    p_up = market.grid(preds, "p_up")
    present = np.zeros(p_up.shape, dtype=bool)
    if preds.height:
        present[market.cells(preds)] = True
    atr = market.grid(feats, "atr_pct_14") * market.close
    momentum = market.grid(feats, "ret_20d")
    costs = execution.costs
    policies = {
        "signals": RiskPolicy(market, p_up, atr, present, risk, costs, horizon),
        "top_k": TopKPolicy(p_up, top_k, horizon, costs, min_score=0.5),
        "buy_and_hold": BuyAndHoldPolicy(costs),
        "momentum_20d": TopKPolicy(momentum, top_k, horizon, costs, min_score=0.0),
    }
    runs = {name: simulate(market, policy, execution) for name, policy in policies.items()}
    hits = _accuracy_pairs(market, policies["signals"], preds, feats, labels)
    out = {}
    for name, run in runs.items():
        closed = run.log.closed
        out[name] = metrics.summary(
            run.equity,
            execution.initial_equity,
            gross_exposure=run.gross_exposure,
            traded_notional=run.traded_notional,
            pnl=run.log.pnl[closed],
            trade_returns=run.log.trade_return[closed],
            n_trials=n_trials if name in ("signals", "top_k") else 1,
        )
        h, days = hits[name]
        out[name]["accuracy"] = metrics.directional_accuracy(h, days, block_days=horizon)
    signal_days = len({j // len(market.tickers) for j in policies["signals"].approved})
    return SuiteResult(window, market, runs, out, signal_days, execution.initial_equity)


def _accuracy_pairs(
    market: Market,
    policy: RiskPolicy,
    preds: pl.DataFrame,
    feats: pl.DataFrame,
    labels: pl.DataFrame,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per portfolio, the 0/1 hits and their days (see the module docstring)."""
    known = labels.filter(pl.col("fwd_return").is_not_null()).select("ticker", "date", "fwd_return")
    pairs = preds.join(known, on=["ticker", "date"]).join(
        feats.select("ticker", "date", "ret_20d"), on=["ticker", "date"], how="left"
    )
    up = (pairs["fwd_return"] > 0).to_numpy()
    days = pairs["date"].to_numpy()
    n = len(market.tickers)
    approved = pl.DataFrame(
        {
            "date": [market.day(j // n) for j in policy.approved],
            "ticker": [market.tickers[j % n] for j in policy.approved],
            "direction": [int(policy.cands.direction[j]) for j in policy.approved],
        },
        schema={"date": pl.Date, "ticker": pl.String, "direction": pl.Int64},
    ).join(known, on=["ticker", "date"])
    signal_hits = np.sign(approved["fwd_return"].to_numpy()) == approved["direction"].to_numpy()
    momentum_up = pairs["ret_20d"].fill_null(0.0).to_numpy() > 0
    return {
        "signals": (signal_hits, approved["date"].to_numpy()),
        "top_k": ((pairs["p_up"].to_numpy() > 0.5) == up, days),
        "buy_and_hold": (up, days),
        "momentum_20d": (momentum_up == up, days),
    }


def metrics_frame(result: SuiteResult, day: dt.date) -> pl.DataFrame:
    """One row per portfolio: the window and every metric (columns of ``BACKTESTS_SCHEMA``)."""
    rows = []
    w = result.window
    for name in PORTFOLIOS:
        m = dict(result.metrics[name])
        acc = m.pop("accuracy") or {}
        ci = m.pop("sharpe_ci95") or [None, None]
        rows.append({
            "date": day, "portfolio": name, "decision_start": w.decision_start,
            "decision_end": w.decision_end, "last_session": w.last_session, **m,
            "sharpe_low": ci[0], "sharpe_high": ci[1], "accuracy": acc.get("accuracy"),
            "accuracy_low": (acc.get("ci95") or [None])[0],
            "accuracy_high": (acc.get("ci95") or [None, None])[1], "accuracy_n": acc.get("n", 0),
        })  # fmt: skip
    return pl.DataFrame(rows, infer_schema_length=None)

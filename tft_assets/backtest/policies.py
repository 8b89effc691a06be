"""Policies: what to order at a session's close. Each is a callable ``(t, state, market) ->
list[Order]`` for :func:`tft_assets.backtest.engine.simulate`.

* :class:`RiskPolicy`: the signal portfolio, the model's predictions through the six risk rules.
* :class:`TopKPolicy`: the k best scores every session, without risk rules, each held h sessions
  with ``equity / (k * h)`` per position (h overlapping cohorts during a session, h - 1 at its
  close);
  with P(up) it is the model portfolio without rules, with the 20-session return it is the
  momentum baseline.
* :class:`BuyAndHoldPolicy`: equal weights of the watchlist bought at the first fill, held.
* :class:`EntryPolicy`: replays a fixed entry matrix with fixed notional, stop and target (the
  configuration an external engine such as vectorbt can express too).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tft_assets.backtest.engine import Costs, Market
from tft_assets.risk.portfolio import Order, PortfolioState
from tft_assets.risk.rules import BIT, DRAWDOWN_HALT, RiskConfig, assess, decide

SignalId = Callable[[int, str, int], str]

#: A stop that never triggers (a long's stop at 0) and a target that is never reached.
NO_STOP, NO_TARGET = 1.0, math.inf


def default_signal_id(market: Market) -> SignalId:
    return lambda t, ticker, direction: f"{market.day(t)}:{ticker}:{direction:+d}"


def _free_cash(state: PortfolioState, entry_cost: float) -> float:
    return state.cash - sum(o.notional for o in state.pending) * (1.0 + entry_cost)


class RiskPolicy:
    """Orders the candidates that pass every rule; records every decision.

    ``p_up`` and ``atr`` are (T, N) grids aligned with the market (NaN: no value); ``present``
    marks the cells that had a prediction row (a NaN prediction is present, and rejected). Rules
    1-4 are evaluated once for the whole grid; rules 5 and 6 and the cash test per session.
    After the run, :attr:`approved` lists the flat indices approved and :attr:`mask` holds every
    cell's reason bits.
    """

    def __init__(
        self,
        market: Market,
        p_up: np.ndarray,
        atr: np.ndarray,
        present: np.ndarray,
        config: RiskConfig,
        costs: Costs,
        horizon: int | None,
        signal_id: SignalId | None = None,
    ) -> None:
        n_days, n = market.close.shape
        self.market, self.config, self.costs, self.horizon = market, config, costs, horizon
        self.present = present
        self.signal_id = signal_id or default_signal_id(market)
        self.cands = assess(
            np.tile(np.asarray(market.tickers, dtype=object), n_days),
            p_up.ravel(),
            market.close.ravel(),
            atr.ravel(),
            config,
            costs.round_trip,
            dedupe=False,
        )
        self.mask = self.cands.mask.copy()
        ok = (self.cands.mask == 0) & present.ravel()
        flat = np.flatnonzero(ok)
        self._by_day = np.split(flat, np.searchsorted(flat, np.arange(1, n_days) * n))
        self.approved: list[int] = []
        self.equity_at: dict[int, float] = {}

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        n = len(market.tickers)
        if state.drawdown >= self.config.max_drawdown:
            row = slice(t * n, (t + 1) * n)
            self.mask[row] |= np.where(self.present[t], BIT[DRAWDOWN_HALT], 0)
            return []
        idx = self._by_day[t]
        if idx.size == 0:
            return []
        chosen, mask = decide(self.cands.take(idx), state, self.config, self.costs.entry)
        self.mask[idx] = mask
        orders = []
        for j in idx[chosen]:
            c = self.cands
            ticker, d = c.ticker[j], int(c.direction[j])
            self.approved.append(int(j))
            self.equity_at[int(j)] = state.equity
            orders.append(
                Order(
                    signal_id=self.signal_id(t, ticker, d),
                    ticker=ticker,
                    direction=d,
                    signal_date=market.day(t),
                    notional=float(c.fraction[j] * state.equity),
                    stop_frac=float(c.stop_distance[j]),
                    take_profit_frac=float(abs(c.take_profit[j] - c.entry[j]) / c.entry[j]),
                    horizon=self.horizon,
                )
            )
        return orders


class TopKPolicy:
    """Long the ``k`` highest scores above ``min_score`` not already held, each held ``horizon``
    sessions with ``equity / (k * horizon)``; no stops, no targets, no risk rules."""

    def __init__(
        self, scores: np.ndarray, k: int, horizon: int, costs: Costs, min_score: float = -math.inf
    ) -> None:
        if k < 1 or horizon < 1:
            raise ValueError(f"k and horizon must be >= 1, got k={k}, horizon={horizon}")
        self.scores, self.k, self.horizon, self.costs = scores, k, horizon, costs
        self.min_score = min_score

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        s = self.scores[t]
        ok = np.isfinite(s) & (s > self.min_score) & (market.close[t] > 0)
        if not ok.any():
            return []
        held = state.tickers_held()
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(-s[idx], kind="stable")]
        notional = state.equity / (self.k * self.horizon)
        free = _free_cash(state, self.costs.entry)
        orders: list[Order] = []
        for i in idx:
            if len(orders) == self.k:
                break
            ticker = market.tickers[i]
            if ticker in held:
                continue
            if notional * (1.0 + self.costs.entry) > free:
                break
            free -= notional * (1.0 + self.costs.entry)
            orders.append(
                Order(f"{market.day(t)}:{ticker}", ticker, 1, market.day(t), notional,
                      NO_STOP, NO_TARGET, self.horizon)
            )  # fmt: skip
        return orders


class BuyAndHoldPolicy:
    """Equal weights of every ticker with a close on the first session, bought at the next open
    and held to the end."""

    def __init__(self, costs: Costs) -> None:
        self.costs = costs

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        if t != 0:
            return []
        idx = np.flatnonzero(market.close[0] > 0)
        if idx.size == 0:
            return []
        notional = state.equity / (idx.size * (1.0 + self.costs.entry))
        day = market.day(0)
        return [
            Order(f"{day}:{market.tickers[i]}", market.tickers[i], 1, day, notional,
                  NO_STOP, NO_TARGET, None)
            for i in idx
        ]  # fmt: skip


class EntryPolicy:
    """Orders a long of ``notional`` wherever ``entries[t, i]`` is set and the ticker is not held,
    with fixed stop and target distances (fractions of the fill) and an optional horizon."""

    def __init__(
        self,
        entries: np.ndarray,
        notional: float,
        stop_frac: float,
        take_profit_frac: float,
        horizon: int | None = None,
    ) -> None:
        self.entries, self.notional = entries, notional
        self.stop_frac, self.take_profit_frac, self.horizon = stop_frac, take_profit_frac, horizon

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        idx = np.flatnonzero(self.entries[t])
        if idx.size == 0:
            return []
        held = state.tickers_held()
        day = market.day(t)
        return [
            Order(f"{day}:{market.tickers[i]}", market.tickers[i], 1, day, self.notional,
                  self.stop_frac, self.take_profit_frac, self.horizon)
            for i in idx
            if market.tickers[i] not in held
        ]  # fmt: skip


def momentum_scores(market: Market, sessions: int = 20) -> np.ndarray:
    """The return over the last ``sessions`` sessions at each close (basis prices; NaN where
    either close is missing)."""
    c = market.close
    out = np.full_like(c, np.nan)
    if len(c) > sessions:
        with np.errstate(invalid="ignore", divide="ignore"):
            out[sessions:] = c[sessions:] / c[:-sessions] - 1.0
    return out

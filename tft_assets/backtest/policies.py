"""Policies: what to order at a session's close. Each is a callable ``(t, state, market) ->
list[Order]`` for :func:`tft_assets.backtest.engine.simulate`; those whose orders depend only on
cash, equity and which tickers are held also give them as arrays (``batch(t, holdings, market)
-> OrderBatch``), which the simulator prefers.

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

from tft_assets.backtest.engine import BatchPolicy, Costs, Holdings, Market, OrderBatch
from tft_assets.risk.portfolio import Order, PortfolioState
from tft_assets.risk.rules import BIT, DRAWDOWN_HALT, RiskConfig, assess, decide

SignalId = Callable[[int, str, int], str]

#: A stop that never triggers (a long's stop at 0) and a target that is never reached.
NO_STOP, NO_TARGET = 1.0, math.inf


def default_signal_id(market: Market) -> SignalId:
    return lambda t, ticker, direction: f"{market.day(t)}:{ticker}:{direction:+d}"


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

    def batch(self, t: int, holdings: Holdings, market: Market) -> OrderBatch | None:
        s = self.scores[t]
        ok = np.isfinite(s) & (s > self.min_score) & (market.close[t] > 0) & ~holdings.held
        if not ok.any():
            return None
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(-s[idx], kind="stable")]
        notional = holdings.equity / (self.k * self.horizon)
        cost = notional * (1.0 + self.costs.entry)
        free = holdings.cash - holdings.pending_notional * (1.0 + self.costs.entry)
        n, most = 0, min(self.k, idx.size)
        while n < most and not cost > free:
            free -= cost
            n += 1
        return _batch(idx[:n], notional, NO_STOP, NO_TARGET, self.horizon)

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        return _orders(self, t, state, market)


class BuyAndHoldPolicy:
    """Equal weights of every ticker with a close on the first session, bought at the next open
    and held to the end."""

    def __init__(self, costs: Costs) -> None:
        self.costs = costs

    def batch(self, t: int, holdings: Holdings, market: Market) -> OrderBatch | None:
        if t != 0:
            return None
        idx = np.flatnonzero(market.close[0] > 0)
        if idx.size == 0:
            return None
        notional = holdings.equity / (idx.size * (1.0 + self.costs.entry))
        return _batch(idx, notional, NO_STOP, NO_TARGET, None)

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        return _orders(self, t, state, market)


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

    def batch(self, t: int, holdings: Holdings, market: Market) -> OrderBatch | None:
        (idx,) = (self.entries[t] & ~holdings.held).nonzero()
        return _batch(idx, self.notional, self.stop_frac, self.take_profit_frac, self.horizon)

    def __call__(self, t: int, state: PortfolioState, market: Market) -> list[Order]:
        return _orders(self, t, state, market)


def _batch(
    idx: np.ndarray,
    notional: float,
    stop_frac: float,
    take_profit_frac: float,
    horizon: int | None,
) -> OrderBatch:
    """Longs of ``notional`` in the market's columns ``idx`` (signal ids ``{day}:{ticker}``)."""
    return OrderBatch(idx, notional, None, 1, stop_frac, take_profit_frac, horizon)


def _orders(policy: BatchPolicy, t: int, state: PortfolioState, market: Market) -> list[Order]:
    """A batch policy called as a :data:`~tft_assets.backtest.engine.Policy`."""
    b = policy.batch(t, Holdings.of(state, market), market)
    return [] if b is None else b.orders(market, t)


def momentum_scores(market: Market, sessions: int = 20) -> np.ndarray:
    """The return over the last ``sessions`` sessions at each close (basis prices; NaN where
    either close is missing)."""
    c = market.close
    out = np.full_like(c, np.nan)
    if len(c) > sessions:
        with np.errstate(invalid="ignore", divide="ignore"):
            out[sessions:] = c[sessions:] / c[:-sessions] - 1.0
    return out

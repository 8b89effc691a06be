"""The portfolio simulator: daily bars, orders decided at a close and filled at the next open.

One session ``t`` runs in this order:

1. **Fills.** Orders decided at the previous close fill at this session's open, worse by the
   slippage (a buy pays ``open * (1 + slippage)``), plus commission on the notional. ``qty`` is
   ``notional / open``. The stop and the target are placed at the order's distances from the
   fill. No open (a halted or delisted ticker) cancels the order with ``missing_price_at_entry``.
2. **Exits**, from the session's open, high and low, for each open position:
   a long whose stop is at or above the open gapped through it and exits at the open
   (``stop_gap``); else a low at or below the stop exits at the stop (``stop``); else an open at or
   above the target exits at the open (``take_profit_gap``); else a high at or above the target
   exits at the target (``take_profit``); else, on the session that ends its holding period, at
   the close (``horizon``); a position whose last session had no bar exits at the next open
   (``horizon_late``). Shorts mirror this. **When one bar touches both the stop and the target,
   the stop counts**: daily bars do not say which came first, and the pessimistic choice keeps
   the backtest from flattering. Exits pay slippage and commission too. A session without a
   bar for a ticker leaves its position untouched and marked at its last close.
   Positions filled this session are checked from this session's bar (``stops_from_entry_bar``);
   vectorbt arms stops from the next bar, which the engine can match for comparison.
3. **Mark** to the close; equity = cash + signed market value; the peak follows equity.
4. **Decide**: the policy sees the state after the close and returns the next session's orders.

Prices are in the split-consistent basis (see :mod:`tft_assets.risk.portfolio`), so a split
inside a holding period changes nothing.

The books are arrays (:mod:`tft_assets.backtest.ledger`): each session's fills, exits and mark
are NumPy operations over every open position at once, and the trades are kept as arrays
(:class:`TradeLog`) whose :class:`Trade` records are built when first read. A policy that can
give its orders as arrays (:class:`BatchPolicy`) sees only :class:`Holdings`; any other sees a
:class:`PortfolioState` with :class:`~tft_assets.risk.portfolio.Position` objects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np
import polars as pl

from tft_assets.backtest.ledger import Ledger
from tft_assets.backtest.trades import MISSING_PRICE_AT_ENTRY, Trade, TradeLog
from tft_assets.risk.portfolio import Order, PortfolioState

__all__ = [
    "MISSING_PRICE_AT_ENTRY",
    "BatchPolicy",
    "Costs",
    "ExecutionConfig",
    "Holdings",
    "Market",
    "OrderBatch",
    "Policy",
    "SimResult",
    "Trade",
    "TradeLog",
    "market_from_prices",
    "simulate",
]

EXIT_REASONS = ("stop_gap", "stop", "take_profit_gap", "take_profit", "horizon", "horizon_late")


@dataclass(frozen=True)
class Costs:
    """Trading costs, each a fraction: slippage of the price, commission of the notional, per side."""

    slippage: float = 0.0005
    commission: float = 0.0005

    def __post_init__(self) -> None:
        if not (0 <= self.slippage < 0.1 and 0 <= self.commission < 0.1):
            raise ValueError(f"costs must be small non-negative fractions, got {self}")

    @property
    def entry(self) -> float:
        """Cost of a long entry as a fraction of its notional: the fill pays
        ``(1 + slippage)`` and the commission is on the filled notional."""
        return (1.0 + self.slippage) * (1.0 + self.commission) - 1.0

    @property
    def round_trip(self) -> float:
        return 2.0 * self.entry


@dataclass(frozen=True)
class ExecutionConfig:
    costs: Costs = field(default_factory=Costs)
    initial_equity: float = 100_000.0
    stops_from_entry_bar: bool = True


@dataclass(frozen=True)
class Market:
    """Daily bars on a (session, ticker) grid, split-consistent basis; NaN where no bar."""

    dates: np.ndarray  # datetime64[D], ascending sessions
    tickers: tuple[str, ...]
    open: np.ndarray  # (T, N)
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    factor: np.ndarray  # basis / as-traded price

    def __post_init__(self) -> None:
        shape = (len(self.dates), len(self.tickers))
        bad = [
            n for n in ("open", "high", "low", "close", "factor") if getattr(self, n).shape != shape
        ]
        if bad:
            raise ValueError(
                f"Market: {', '.join(bad)} must have shape {shape} (sessions, tickers)"
            )

    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tickers)}

    def day(self, t: int) -> dt.date:
        return self.dates[t].astype(dt.date)

    def cells(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Grid indices of ``frame``'s rows (``date, ticker``; one row per pair, every date a
        session and every ticker one of :attr:`tickers`)."""
        ti = np.searchsorted(self.dates, frame["date"].to_numpy().astype("datetime64[D]"))
        ni = np.searchsorted(np.asarray(self.tickers, dtype=object), frame["ticker"].to_numpy())
        return ti, ni

    def grid(self, frame: pl.DataFrame, column: str) -> np.ndarray:
        """``frame[column]`` on the (session, ticker) grid; NaN elsewhere and for nulls."""
        out = np.full(self.close.shape, np.nan)
        if frame.height:
            out[self.cells(frame)] = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        return out

    def position_of(self, day: dt.date) -> int:
        """Index of session ``day`` (KeyError when it has no bars)."""
        i = int(np.searchsorted(self.dates, np.datetime64(day, "D")))
        if i >= len(self.dates) or self.dates[i] != np.datetime64(day, "D"):
            raise KeyError(day)
        return i


def market_from_prices(prices: pl.DataFrame, tickers: list[str] | None = None) -> Market:
    """A :class:`Market` from ``raw_prices`` rows (``date, ticker, open, high, low, close`` and
    optionally ``adj_close``). A row without a positive close or open is no bar. Duplicate
    (ticker, date) rows keep the last."""
    factor = (
        (pl.col("adj_close") / pl.col("close")).fill_null(1.0).fill_nan(1.0)
        if "adj_close" in prices.columns
        else pl.lit(1.0)
    )
    px = prices.select(
        pl.col("date").cast(pl.Date),
        pl.col("ticker").cast(pl.String),
        *[pl.col(c).cast(pl.Float64) for c in ("open", "high", "low", "close")],
        factor.cast(pl.Float64).alias("factor"),
    ).filter((pl.col("close") > 0) & (pl.col("open") > 0))
    names = sorted(set(tickers) if tickers is not None else set(px["ticker"].to_list()))
    px = px.filter(pl.col("ticker").is_in(names))
    dates = np.unique(px["date"].to_numpy().astype("datetime64[D]"))
    shape = (len(dates), len(names))
    grids = {c: np.full(shape, np.nan) for c in ("open", "high", "low", "close", "factor")}
    if px.height:
        ti = np.searchsorted(dates, px["date"].to_numpy().astype("datetime64[D]"))
        ni = np.searchsorted(np.asarray(names, dtype=object), px["ticker"].to_numpy())
        f = px["factor"].to_numpy()
        for c in ("open", "high", "low", "close"):
            grids[c][ti, ni] = px[c].to_numpy() * f
        grids["factor"][ti, ni] = f
    return Market(dates=dates, tickers=tuple(names), **grids)


@dataclass
class SimResult:
    dates: np.ndarray
    equity: np.ndarray
    cash: np.ndarray
    gross_exposure: np.ndarray  # gross market value / equity
    n_open: np.ndarray
    traded_notional: np.ndarray  # currency traded in the session (fills and exits)
    log: TradeLog  # the trades as arrays
    state: PortfolioState
    #: The state after each session's decisions (JSON), when asked for with ``snapshots``.
    states: list[str] = field(default_factory=list)

    @cached_property
    def trades(self) -> list[Trade]:
        """The trade log as records, in the order the trades happened."""
        return self.log.records()

    def closed(self) -> list[Trade]:
        return [t for t in self.trades if t.status == "closed"]


@dataclass(frozen=True)
class Holdings:
    """The portfolio after a session's close, as a :class:`BatchPolicy` sees it."""

    cash: float
    equity: float
    peak: float
    held: np.ndarray  # (N,) bool over the market's tickers: a position open or an order waiting
    pending_notional: float = 0.0  # currency of the orders waiting to fill

    @classmethod
    def of(cls, state: PortfolioState, market: Market) -> Holdings:
        held = np.zeros(len(market.tickers), dtype=bool)
        idx = market.index()
        for ticker in state.tickers_held():
            if ticker in idx:
                held[idx[ticker]] = True
        pending = sum(o.notional for o in state.pending)
        return cls(state.cash, state.equity, state.peak, held, pending)


@dataclass(frozen=True)
class OrderBatch:
    """Orders decided at one session's close, as arrays (one entry per order, in the order they
    fill); a scalar applies to every order. ``columns`` index the market's tickers; the signal
    date is the session's. Fields as in :class:`~tft_assets.risk.portfolio.Order`; without
    ``signal_ids`` each order's id is ``{signal date}:{ticker}``, built when first read."""

    columns: np.ndarray  # int
    notional: np.ndarray | float
    signal_ids: Sequence[str] | None = None
    direction: np.ndarray | int = 1
    stop_frac: np.ndarray | float = 1.0
    take_profit_frac: np.ndarray | float = math.inf
    horizon: int | None = None

    def orders(self, market: Market, t: int) -> list[Order]:
        """The batch as :class:`Order` objects, decided at session ``t``'s close."""
        k = len(self.columns)
        cols = np.asarray(self.columns).tolist()
        day = market.day(t)
        ids = (
            [f"{day}:{market.tickers[i]}" for i in cols]
            if self.signal_ids is None
            else self.signal_ids
        )
        field_lists = [
            np.broadcast_to(np.asarray(v, dtype=float), (k,)).tolist()
            for v in (self.notional, self.stop_frac, self.take_profit_frac)
        ]
        direction = np.broadcast_to(np.asarray(self.direction), (k,)).tolist()
        return [
            Order(sid, market.tickers[i], int(d), day, n, s, tp, self.horizon)
            for sid, i, d, n, s, tp in zip(ids, cols, direction, *field_lists, strict=True)
        ]


#: A policy: ``(t, state after session t's close, market) -> orders for session t + 1``.
Policy = Callable[[int, PortfolioState, Market], list[Order]]


class BatchPolicy(Protocol):
    """A policy that gives its orders as arrays, from :class:`Holdings` rather than the full
    state; :func:`simulate` calls ``batch`` when a policy has it."""

    def batch(self, t: int, holdings: Holdings, market: Market) -> OrderBatch | None: ...


def simulate(
    market: Market,
    policy: Policy | BatchPolicy,
    config: ExecutionConfig | None = None,
    state: PortfolioState | None = None,
    snapshots: bool = False,
) -> SimResult:
    """Run ``policy`` over every session of ``market``, from ``state`` (a fresh portfolio of
    ``config.initial_equity`` when None; updated in place and returned as the final state, with
    the orders of the last session still pending). Returns the daily curves and the trades;
    with ``snapshots``, also the state after every session, as JSON.

    A policy with a ``batch`` method (:class:`BatchPolicy`) is asked for an
    :class:`OrderBatch` each session; any other is called with the :class:`PortfolioState`
    after the close (the same object every session, its positions as
    :class:`~tft_assets.risk.portfolio.Position` objects) and returns :class:`Order` objects.
    """
    config = config or ExecutionConfig()
    state = state or PortfolioState.start(config.initial_equity)
    n_days = len(market.dates)
    day_numbers = market.dates.astype("datetime64[D]").astype(np.int64)
    ascending = bool((np.diff(day_numbers) > 0).all())
    days = day_numbers.astype(float).tolist()
    dates = market.dates.astype("datetime64[D]").astype(object).tolist()
    book = Ledger(market.tickers, config.costs.slippage, config.costs.commission)
    book.load(state)
    batch = getattr(policy, "batch", None)
    equity, cash = np.empty(n_days), np.empty(n_days)
    gross, n_open, traded = np.empty(n_days), np.empty(n_days, dtype=np.int64), np.zeros(n_days)
    states: list[str] = []
    op, hi, lo, cl = market.open, market.high, market.low, market.close
    orders: list[Order] = []
    from_entry_bar = config.stops_from_entry_bar
    for t in range(n_days):
        day, today, opens = dates[t], days[t], op[t]
        book.fill(day, today, opens)
        book.exit(today, (opens, hi[t], lo[t], cl[t]), from_entry_bar, ascending)
        equity[t], gross_value, traded[t] = book.mark()
        cash[t], n_open[t] = book.cash, book.pos.shape[1]
        gross[t] = gross_value / equity[t]
        if batch is not None:
            b = batch(t, Holdings(book.cash, book.equity, book.peak, book.held()), market)
            if b is not None:
                book.queue_columns(
                    b.columns, b.signal_ids, today, b.notional, b.direction, b.stop_frac,
                    b.take_profit_frac, b.horizon,
                )  # fmt: skip
            if snapshots:
                _settle(state, book, day, book.pending_orders())
                states.append(state.to_json())
        else:
            _settle(state, book, day, [])
            orders = list(policy(t, state, market))
            state.pending = orders
            book.queue_orders(orders)
            if snapshots:
                states.append(state.to_json())
    if n_days:
        _settle(state, book, dates[-1], orders if batch is None else book.pending_orders())
    return SimResult(market.dates, equity, cash, gross, n_open, traded, book.log(), state, states)


def _settle(state: PortfolioState, book: Ledger, day: dt.date, pending: list[Order]) -> None:
    """Write the ledger into ``state`` as of ``day``'s close."""
    state.cash, state.equity, state.peak = book.cash, book.equity, book.peak
    state.as_of = day
    state.positions = book.positions()
    state.pending = pending

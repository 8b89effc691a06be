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
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import polars as pl

from tft_assets.calendar import shift_trading_days
from tft_assets.risk.portfolio import Order, PortfolioState, Position

MISSING_PRICE_AT_ENTRY = "missing_price_at_entry"
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
class Trade:
    """A closed position, or an order cancelled before it filled (``status``)."""

    signal_id: str
    ticker: str
    direction: int
    signal_date: dt.date | None
    entry_date: dt.date | None
    entry_price: float | None
    qty: float
    exit_date: dt.date
    exit_price: float | None
    exit_reason: str
    pnl: float  # currency, both commissions included
    trade_return: float  # pnl / entry notional
    commission: float
    status: str  # closed | cancelled


@dataclass
class SimResult:
    dates: np.ndarray
    equity: np.ndarray
    cash: np.ndarray
    gross_exposure: np.ndarray  # gross market value / equity
    n_open: np.ndarray
    traded_notional: np.ndarray  # currency traded in the session (fills and exits)
    trades: list[Trade]
    state: PortfolioState
    #: The state after each session's decisions (JSON), when asked for with ``snapshots``.
    states: list[str] = field(default_factory=list)

    def closed(self) -> list[Trade]:
        return [t for t in self.trades if t.status == "closed"]


Policy = Callable[[int, PortfolioState, Market], list[Order]]


def simulate(
    market: Market,
    policy: Policy,
    config: ExecutionConfig | None = None,
    state: PortfolioState | None = None,
    snapshots: bool = False,
) -> SimResult:
    """Run ``policy`` over every session of ``market``, from ``state`` (a fresh portfolio of
    ``config.initial_equity`` when None). Returns the daily curves, the trades and the final
    state (with the orders of the last session still pending); with ``snapshots``, also the
    state after every session, as JSON."""
    config = config or ExecutionConfig()
    state = state or PortfolioState.start(config.initial_equity)
    slip, comm = config.costs.slippage, config.costs.commission
    idx = market.index()
    n_days = len(market.dates)
    equity, cash = np.empty(n_days), np.empty(n_days)
    gross, n_open, traded = np.empty(n_days), np.empty(n_days, dtype=np.int64), np.zeros(n_days)
    trades: list[Trade] = []
    states: list[str] = []
    op, hi, lo, cl = market.open, market.high, market.low, market.close
    for t in range(n_days):
        day = market.day(t)
        today = np.datetime64(day, "D")
        # 1. fills
        filled: list[Position] = []
        for order in state.pending:
            i = idx.get(order.ticker)
            o = op[t, i] if i is not None else math.nan
            if not o > 0:
                trades.append(_cancelled(order, day, MISSING_PRICE_AT_ENTRY))
                continue
            pos = _fill(order, o, day, slip, comm)
            state.cash -= pos.direction * pos.qty * pos.entry_price + pos.entry_commission
            traded[t] += pos.qty * pos.entry_price
            filled.append(pos)
        state.pending = []
        # 2. exits
        kept: list[Position] = []
        for pos in [*state.positions, *filled]:
            i = idx.get(pos.ticker)
            c = cl[t, i] if i is not None else math.nan
            if not c > 0:
                kept.append(pos)  # no bar: hold, marked at the last close
                continue
            armed = config.stops_from_entry_bar or pos.entry_date != day
            exit_px, reason = _exit(pos, op[t, i], hi[t, i], lo[t, i], c, armed, today)
            if reason is None:
                pos.last_price = c
                kept.append(pos)
                continue
            trade = _close(pos, exit_px, reason, day, slip, comm)
            state.cash += pos.direction * pos.qty * trade.exit_price - (
                trade.commission - pos.entry_commission
            )
            traded[t] += pos.qty * trade.exit_price
            trades.append(trade)
        state.positions = kept
        # 3. mark
        state.mark()
        state.as_of = day
        equity[t], cash[t], n_open[t] = state.equity, state.cash, len(state.positions)
        gross[t] = sum(abs(p.value()) for p in state.positions) / state.equity
        # 4. decide
        state.pending = list(policy(t, state, market))
        if snapshots:
            states.append(state.to_json())
    return SimResult(market.dates, equity, cash, gross, n_open, traded, trades, state, states)


@lru_cache(maxsize=65536)
def _due(day: dt.date, horizon: int) -> dt.date:
    """The session whose close ends a holding period of ``horizon`` sessions from ``day``."""
    return shift_trading_days(day, horizon - 1)


def _fill(order: Order, o: float, day: dt.date, slip: float, comm: float) -> Position:
    """The position an order opens at the open ``o``: the stop and target at the order's
    distances from the fill."""
    d = order.direction
    fill = o * (1.0 + d * slip)
    qty = order.notional / o
    return Position(
        signal_id=order.signal_id,
        ticker=order.ticker,
        direction=d,
        qty=qty,
        entry_date=day,
        entry_price=fill,
        entry_commission=qty * fill * comm,
        stop=fill * (1.0 - d * order.stop_frac),
        take_profit=fill * (1.0 + d * order.take_profit_frac),
        due=_due(day, order.horizon) if order.horizon else None,
        last_price=fill,
        signal_date=order.signal_date,
    )


def _close(
    pos: Position, price: float, reason: str, day: dt.date, slip: float, comm: float
) -> Trade:
    d = pos.direction
    fill = price * (1.0 - d * slip)
    fee = pos.qty * fill * comm
    pnl = d * pos.qty * (fill - pos.entry_price) - pos.entry_commission - fee
    return Trade(
        signal_id=pos.signal_id,
        ticker=pos.ticker,
        direction=d,
        signal_date=pos.signal_date,
        entry_date=pos.entry_date,
        entry_price=pos.entry_price,
        qty=pos.qty,
        exit_date=day,
        exit_price=fill,
        exit_reason=reason,
        pnl=pnl,
        trade_return=pnl / (pos.qty * pos.entry_price),
        commission=pos.entry_commission + fee,
        status="closed",
    )


def _exit(
    pos: Position, o: float, h: float, low: float, c: float, armed: bool, today: np.datetime64
) -> tuple[float, str | None]:
    """The exit price and reason on this bar, or ``(nan, None)``. Written for a long; for a
    short (``d = -1``) every comparison is mirrored by multiplying by ``d`` and the adverse
    extreme is the high."""
    if not o > 0:  # a bar with a close but no open: the close stands in for it
        o = c
    if pos.due is not None and np.datetime64(pos.due, "D") < today:
        return o, "horizon_late"
    d = pos.direction
    adverse, favourable = (low, h) if d > 0 else (h, low)
    if armed:
        if d * (o - pos.stop) <= 0:
            return o, "stop_gap"
        if d * (adverse - pos.stop) <= 0:
            return pos.stop, "stop"
        if d * (o - pos.take_profit) >= 0:
            return o, "take_profit_gap"
        if d * (favourable - pos.take_profit) >= 0:
            return pos.take_profit, "take_profit"
    if pos.due is not None and np.datetime64(pos.due, "D") == today:
        return c, "horizon"
    return math.nan, None


def _cancelled(order: Order, day: dt.date, reason: str) -> Trade:
    return Trade(
        signal_id=order.signal_id,
        ticker=order.ticker,
        direction=order.direction,
        signal_date=order.signal_date,
        entry_date=None,
        entry_price=None,
        qty=0.0,
        exit_date=day,
        exit_price=None,
        exit_reason=reason,
        pnl=0.0,
        trade_return=0.0,
        commission=0.0,
        status="cancelled",
    )

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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import polars as pl

from tft_assets.calendar import shift_trading_days
from tft_assets.risk.portfolio import Order, PortfolioState, Position

MISSING_PRICE_AT_ENTRY = "missing_price_at_entry"
#: Exit reasons in the order they are tested on a bar (the first that holds wins).
EXIT_REASONS = ("horizon_late", "stop_gap", "stop", "take_profit_gap", "take_profit", "horizon")


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


class TradeLog:
    """Closed trades and cancellations in event order, kept as arrays while simulating (a
    closed position costs no Python object until :attr:`SimResult.trades` is read)."""

    def __init__(self) -> None:
        self._chunks: list[tuple] = []

    def cancel(self, trade: Trade) -> None:
        self._chunks.append(("cancel", trade))

    def close(self, day: dt.date, positions: list[Position], reasons: np.ndarray,
              fills: np.ndarray, fees: np.ndarray, pnl: np.ndarray) -> None:  # fmt: skip
        self._chunks.append(("close", day, positions, reasons, fills, fees, pnl))

    def trades(self) -> list[Trade]:
        out: list[Trade] = []
        for chunk in self._chunks:
            if chunk[0] == "cancel":
                out.append(chunk[1])
                continue
            _, day, positions, reasons, fills, fees, pnl = chunk
            for pos, r, fill, fee, gain in zip(positions, reasons.tolist(), fills.tolist(),
                                               fees.tolist(), pnl.tolist(), strict=True):  # fmt: skip
                out.append(Trade(
                    signal_id=pos.signal_id, ticker=pos.ticker, direction=pos.direction,
                    signal_date=pos.signal_date, entry_date=pos.entry_date,
                    entry_price=pos.entry_price, qty=pos.qty, exit_date=day, exit_price=fill,
                    exit_reason=EXIT_REASONS[r], pnl=gain,
                    trade_return=gain / (pos.qty * pos.entry_price),
                    commission=pos.entry_commission + fee, status="closed",
                ))  # fmt: skip
        return out


@dataclass
class SimResult:
    dates: np.ndarray
    equity: np.ndarray
    cash: np.ndarray
    gross_exposure: np.ndarray  # gross market value / equity
    n_open: np.ndarray
    traded_notional: np.ndarray  # currency traded in the session (fills and exits)
    log: TradeLog
    state: PortfolioState
    #: The state after each session's decisions (JSON), when asked for with ``snapshots``.
    states: list[str] = field(default_factory=list)

    @cached_property
    def trades(self) -> list[Trade]:
        """Closed positions and cancelled orders, in the order they happened."""
        return self.log.trades()

    def closed(self) -> list[Trade]:
        return [t for t in self.trades if t.status == "closed"]


Policy = Callable[[int, PortfolioState, Market], list[Order]]


class _Book:
    """The open positions as arrays aligned with ``positions`` (the objects a policy and the
    stored state see), so each session's exits and marks are a few vectorised operations."""

    FIELDS = ("ti", "d", "qty", "entry", "fee", "stop", "tp", "due", "entered", "last")

    def __init__(self, positions: list[Position], index: dict[str, int]) -> None:
        self.positions: list[Position] = []
        self.ti = np.empty(0, dtype=np.int64)
        self.d = np.empty(0)
        self.qty = np.empty(0)
        self.entry = np.empty(0)
        self.fee = np.empty(0)
        self.stop = np.empty(0)
        self.tp = np.empty(0)
        self.due = np.empty(0, dtype="datetime64[D]")
        self.entered = np.empty(0, dtype="datetime64[D]")
        self.last = np.empty(0)
        self.add(positions, index)

    def add(self, positions: list[Position], index: dict[str, int]) -> None:
        if not positions:
            return
        new = {
            "ti": np.fromiter((index.get(p.ticker, -1) for p in positions), np.int64, len(positions)),
            "d": np.asarray([p.direction for p in positions], dtype=np.float64),
            "qty": np.asarray([p.qty for p in positions], dtype=np.float64),
            "entry": np.asarray([p.entry_price for p in positions], dtype=np.float64),
            "fee": np.asarray([p.entry_commission for p in positions], dtype=np.float64),
            "stop": np.asarray([p.stop for p in positions], dtype=np.float64),
            "tp": np.asarray([p.take_profit for p in positions], dtype=np.float64),
            "due": np.asarray([p.due if p.due is not None else "NaT" for p in positions],
                              dtype="datetime64[D]"),
            "entered": np.asarray([p.entry_date for p in positions], dtype="datetime64[D]"),
            "last": np.asarray([p.last_price for p in positions], dtype=np.float64),
        }  # fmt: skip
        for name in self.FIELDS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
        self.positions.extend(positions)

    def keep(self, mask: np.ndarray) -> list[Position]:
        """Keep the positions where ``mask`` is set; return the others."""
        gone = [p for p, k in zip(self.positions, mask.tolist(), strict=True) if not k]
        self.positions = [p for p, k in zip(self.positions, mask.tolist(), strict=True) if k]
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[mask])
        return gone

    def sync(self) -> None:
        """Write the arrays' last prices back into the position objects."""
        for p, last in zip(self.positions, self.last.tolist(), strict=True):
            p.last_price = last


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
    state after every session, as JSON.

    A policy sees the state after the close with its positions' ``last_price`` as of their
    entry (the marks live in arrays during the run); equity, cash and peak are current."""
    config = config or ExecutionConfig()
    state = state or PortfolioState.start(config.initial_equity)
    slip, comm = config.costs.slippage, config.costs.commission
    idx = market.index()
    n_days = len(market.dates)
    equity, cash = np.empty(n_days), np.empty(n_days)
    gross, n_open, traded = np.empty(n_days), np.empty(n_days, dtype=np.int64), np.zeros(n_days)
    log, states = TradeLog(), []
    book = _Book(state.positions, idx)
    # one NaN column past the last ticker: index -1 is a ticker the market has no bars for
    grids = [np.concatenate([g, np.full((n_days, 1), np.nan)], axis=1)
             for g in (market.open, market.high, market.low, market.close)]  # fmt: skip
    for t in range(n_days):
        day = market.day(t)
        today = np.datetime64(day, "D")
        op, hi, lo, cl = (g[t] for g in grids)
        # 1. fills
        filled: list[Position] = []
        for order in state.pending:
            o = op[idx.get(order.ticker, -1)]
            if not o > 0:
                log.cancel(_cancelled(order, day, MISSING_PRICE_AT_ENTRY))
                continue
            pos = _fill(order, o, day, slip, comm)
            state.cash -= pos.direction * pos.qty * pos.entry_price + pos.entry_commission
            traded[t] += pos.qty * pos.entry_price
            filled.append(pos)
        state.pending = []
        book.add(filled, idx)
        # 2. exits
        if book.positions:
            price, reason = _exits(book, op, hi, lo, cl, today, config.stops_from_entry_bar)
            out = reason >= 0
            if out.any():
                d, qty = book.d[out], book.qty[out]
                fills = price[out] * (1.0 - d * slip)
                fees = qty * fills * comm
                pnl = d * qty * (fills - book.entry[out]) - book.fee[out] - fees
                state.cash += float(np.sum(d * qty * fills - fees))
                traded[t] += float(np.sum(qty * fills))
                reasons = reason[out]
                log.close(day, book.keep(~out), reasons, fills, fees, pnl)
            c = cl[book.ti]
            book.last = np.where(c > 0, c, book.last)
        state.positions = book.positions
        # 3. mark
        state.equity = state.cash + float(np.sum(book.d * book.qty * book.last))
        state.peak = max(state.peak, state.equity)
        state.as_of = day
        equity[t], cash[t], n_open[t] = state.equity, state.cash, len(book.positions)
        gross[t] = float(np.sum(book.qty * book.last)) / state.equity
        # 4. decide
        state.pending = list(policy(t, state, market))
        if snapshots:
            book.sync()
            states.append(state.to_json())
    book.sync()
    return SimResult(market.dates, equity, cash, gross, n_open, traded, log, state, states)


@lru_cache(maxsize=65536)
def _due(day: dt.date, horizon: int) -> dt.date:
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


def _exits(
    book: _Book,
    op: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    cl: np.ndarray,
    today: np.datetime64,
    stops_from_entry_bar: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Every open position's exit price and reason (an index of :data:`EXIT_REASONS`, -1: stays
    open) on this session's bars. Written for a long; a short (``d = -1``) mirrors every
    comparison by multiplying by ``d``, and its adverse extreme is the high. No bar (no close):
    the position stays. A bar without an open uses the close in its place."""
    ti, d = book.ti, book.d
    c = cl[ti]
    o = np.where(op[ti] > 0, op[ti], c)
    h, low = hi[ti], lo[ti]
    adverse, favourable = np.where(d > 0, low, h), np.where(d > 0, h, low)
    armed = True if stops_from_entry_bar else book.entered != today
    with np.errstate(invalid="ignore"):
        conditions = (
            book.due < today,  # horizon_late (NaT: no horizon, never true)
            armed & (d * (o - book.stop) <= 0),  # stop_gap
            armed & (d * (adverse - book.stop) <= 0),  # stop
            armed & (d * (o - book.tp) >= 0),  # take_profit_gap
            armed & (d * (favourable - book.tp) >= 0),  # take_profit
            book.due == today,  # horizon
        )
    reason = np.full(ti.shape, -1, dtype=np.int64)
    for k in range(len(conditions) - 1, -1, -1):  # the first condition that holds wins
        reason[conditions[k]] = k
    reason[~(c > 0)] = -1  # no bar: hold, marked at the last close
    price = np.where(
        reason == 2, book.stop, np.where(reason == 4, book.tp, np.where(reason == 5, c, o))
    )
    return price, reason


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

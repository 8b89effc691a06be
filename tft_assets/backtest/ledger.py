"""The simulator's books as arrays: open positions, orders waiting to fill, and the trade log.

A :class:`Ledger` holds every open position as one column of a float matrix (rows ``COL ..
TARGET`` below) and every order waiting for the next open as one column of another, so that a
session's fills, exits and mark are a few NumPy operations over all positions at once. Sessions
and dates are day numbers (days since 1970-01-01, NaN for none). Every order gets a number when
it is queued; its signal id lives in :attr:`Ledger.ids` under that number, and the ticker of a
position is its column in :attr:`Ledger.names` (the market's tickers, then any ticker a stored
state or a policy names that the market has no bars for).

The exit tests are written for a long and mirrored for a short by multiplying by the direction
``d``, as in ``d * (open - stop) <= 0``; with only longs open the multiplications by 1 are left
out. Sums that decide cash and equity are taken in the order of the books (positions in the
order they opened, orders in the order they were given), one addition after the other, so the
figures do not depend on how the books are stored.

:class:`Position` and :class:`Order` objects are built only where something outside asks for
them: a policy that reads a :class:`PortfolioState`, a snapshot, the final state.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from tft_assets.backtest.trades import EXIT_PRECEDENCE, TradeLog
from tft_assets.calendar import shift_trading_days
from tft_assets.risk.portfolio import Order, PortfolioState, Position

_CANCELLED = len(EXIT_PRECEDENCE)  # the reason code of a cancelled order
_EPOCH = dt.date(1970, 1, 1)

# Rows of the pending matrix (one column per order waiting to fill); the first four are copied
# to the same rows of the position matrix at the fill.
P_COL, P_DIR, P_SIGNAL_DAY, P_ORDER, P_NOTIONAL, P_STOP, P_TARGET, P_HORIZON = range(8)
N_PENDING_ROWS = 8
# Rows of the position matrix (one column per open position). OPEN .. FAVOURABLE hold the
# session's bar while its exits are tested: the open against the stop and the target (the
# gaps), the adverse extreme against the stop, the favourable one against the target.
# The first N_LOGGED rows go to the trade log.
(COL, DIR, SIGNAL_DAY, ORDER, QTY, SIGNED_QTY, ENTRY, ENTRY_FEE, ENTRY_NOTIONAL, ENTRY_DAY,
 DUE, LAST, OPEN, ADVERSE, FAVOURABLE, STOP, TARGET) = range(17)  # fmt: skip
N_POSITION_ROWS, N_LOGGED = 17, 10
#: The sign that turns each test into ``x <= 0`` for a long (rows: stop_gap, take_profit_gap,
#: stop, take_profit).
_TEST_SIGN = np.array([[1.0], [-1.0], [1.0], [-1.0]])
#: The tests in the order of EXIT_PRECEDENCE (stop_gap, stop, take_profit_gap, take_profit).
_TEST_ORDER = np.array([0, 2, 1, 3])
#: The row of each EXIT_PRECEDENCE exit's price: the open, the stop, the target, the close.
_PRICE_ROW = np.array([OPEN, OPEN, STOP, OPEN, TARGET, LAST])
# Rows the trade log adds to a position's logged rows: the exit session, fill and reason.
EXIT_DAY, EXIT, REASON = range(N_LOGGED, N_LOGGED + 3)
N_TRADE_ROWS = N_LOGGED + 3
_NO_ORDERS = np.empty((N_PENDING_ROWS, 0))
_NO_ORDERS.flags.writeable = False


def day_number(day: dt.date | None) -> float:
    return math.nan if day is None else float((day - _EPOCH).days)


def _date(number: float) -> dt.date | None:
    return None if number != number else _EPOCH + dt.timedelta(days=int(number))


@lru_cache(maxsize=65536)
def due_day(day: dt.date, horizon: int) -> float:
    """Day number of the session whose close ends a holding period of ``horizon`` sessions
    from ``day`` (the fill's session counts as the first)."""
    return day_number(shift_trading_days(day, horizon - 1))


class Ledger:
    """Cash, open positions, pending orders and the trade log of one run (see the module
    docstring). ``names``: the market's tickers; prices are gathered from one session's rows of
    the (session, ticker) grids."""

    def __init__(self, names: Sequence[str], slippage: float, commission: float) -> None:
        self.names = list(names)
        self.n_market = len(self.names)
        self.column = {t: i for i, t in enumerate(self.names)}
        self.slippage, self.commission = slippage, commission
        self.cash = self.equity = self.peak = 0.0
        self.pos = np.empty((N_POSITION_ROWS, 0))
        self.pending = _NO_ORDERS
        self.foreign = False  # some ticker without a column in the market
        self.shorts = False  # some open position is short
        self.short_pending = False  # some pending order is short
        self.timed = False  # some open position may have a horizon
        self.timed_pending = False  # some pending order may have a horizon
        self.fresh = 0  # positions filled this session (the last columns)
        self.loaded_entry = -math.inf  # the latest entry session of a loaded position
        self.ids: dict[int, str] = {}  # signal ids by order number; absent: the default id
        self.n_orders = 0
        self.objects: dict[int, Position] = {}  # Position objects handed out, by order number
        self.chunks: list[np.ndarray] = []  # trade log pieces, (N_TRADE_ROWS, m) each
        self._flows: list[np.ndarray] = []  # this session's (cash flow, notional) pieces

    # --- loading and handing out objects -------------------------------------------------

    def _col(self, ticker: str) -> int:
        i = self.column.get(ticker)
        if i is None:
            i = self.column[ticker] = len(self.names)
            self.names.append(ticker)
            self.foreign = True
        return i

    def load(self, state: PortfolioState) -> None:
        """Take cash, positions and pending orders from ``state`` (its Position objects are the
        ones :meth:`positions` hands out and updates)."""
        self.cash, self.equity, self.peak = state.cash, state.equity, state.peak
        n0 = self.n_orders
        self.n_orders += len(state.positions)
        pos = np.full((N_POSITION_ROWS, len(state.positions)), np.nan)
        for j, p in enumerate(state.positions):
            self.ids[n0 + j] = p.signal_id
            self.objects[n0 + j] = p
            pos[[COL, DIR, SIGNAL_DAY, ORDER, QTY, SIGNED_QTY, ENTRY, ENTRY_FEE, DUE, ENTRY_DAY,
                 LAST, ENTRY_NOTIONAL, STOP, TARGET], j] = (
                self._col(p.ticker), p.direction, day_number(p.signal_date), n0 + j, p.qty,
                p.direction * p.qty, p.entry_price, p.entry_commission, day_number(p.due),
                day_number(p.entry_date), p.last_price, p.qty * p.entry_price, p.stop,
                p.take_profit,
            )  # fmt: skip
        self.pos = pos
        # a loaded position may have entered on a session of this run (entry bar rule)
        self.loaded_entry = np.nanmax(pos[ENTRY_DAY], initial=-math.inf)
        self.shorts = bool((pos[DIR] < 0).any())
        self.timed = not np.isnan(pos[DUE]).all()
        self.queue_orders(state.pending)

    def _id(self, k: int, signal_day: float, col: int) -> str:
        """The signal id of order ``k``."""
        sid = self.ids.get(k)
        return sid if sid is not None else f"{_date(signal_day)}:{self.names[col]}"

    def _position(self, j: int) -> Position:
        p = self.pos[:, j].tolist()
        return Position(
            signal_id=self._id(int(p[ORDER]), p[SIGNAL_DAY], int(p[COL])),
            ticker=self.names[int(p[COL])],
            direction=int(p[DIR]),
            qty=p[QTY],
            entry_date=_date(p[ENTRY_DAY]),
            entry_price=p[ENTRY],
            entry_commission=p[ENTRY_FEE],
            stop=p[STOP],
            take_profit=p[TARGET],
            due=_date(p[DUE]),
            last_price=p[LAST],
            signal_date=_date(p[SIGNAL_DAY]),
        )

    def positions(self) -> list[Position]:
        """The open positions as objects, in the order they opened, at their last prices. An
        object handed out before is handed out again (updated)."""
        orders = self.pos[ORDER].astype(np.int64).tolist()
        out, objects = [], {}
        for j, (k, last) in enumerate(zip(orders, self.pos[LAST].tolist(), strict=True)):
            p = self.objects.get(k)
            if p is None:
                p = self._position(j)
            else:
                p.last_price = last
            objects[k] = p
            out.append(p)
        self.objects = objects
        return out

    def pending_orders(self) -> list[Order]:
        out = []
        for p in self.pending.T.tolist():
            h = p[P_HORIZON]
            out.append(
                Order(
                    signal_id=self._id(int(p[P_ORDER]), p[P_SIGNAL_DAY], int(p[P_COL])),
                    ticker=self.names[int(p[P_COL])],
                    direction=int(p[P_DIR]),
                    signal_date=_date(p[P_SIGNAL_DAY]),
                    notional=p[P_NOTIONAL],
                    stop_frac=p[P_STOP],
                    take_profit_frac=p[P_TARGET],
                    horizon=None if h != h else int(h),
                )
            )
        return out

    # --- queueing orders ----------------------------------------------------------------

    def queue_orders(self, orders: Sequence[Order]) -> None:
        """Append ``orders`` to the pending book, in their order."""
        if not orders:
            return
        n0 = self.n_orders
        self.n_orders += len(orders)
        self.ids.update(
            zip(range(n0, n0 + len(orders)), [o.signal_id for o in orders], strict=True)
        )
        rows = [
            (self._col(o.ticker), o.direction, day_number(o.signal_date), n0 + j, o.notional,
             o.stop_frac, o.take_profit_frac, math.nan if o.horizon is None else o.horizon)
            for j, o in enumerate(orders)
        ]  # fmt: skip
        new = np.asarray(rows, dtype=float).T
        self.short_pending = self.short_pending or any(o.direction < 0 for o in orders)
        self.timed_pending = self.timed_pending or any(o.horizon for o in orders)
        self.pending = np.concatenate((self.pending, new), axis=1)

    def queue_columns(
        self,
        columns: np.ndarray,
        signal_ids: Sequence[str] | None,
        signal_day: float,
        notional: np.ndarray | float,
        direction: np.ndarray | int,
        stop_frac: np.ndarray | float,
        take_profit_frac: np.ndarray | float,
        horizon: int | None,
    ) -> None:
        """Append orders given as arrays (scalars apply to every order), all signalled on
        ``signal_day``; ``columns`` index the market's tickers. ``signal_ids`` None: the
        default ids, ``{signal date}:{ticker}``."""
        k = len(columns)
        if not k:
            return
        if signal_ids is not None and len(signal_ids) != k:
            raise ValueError(f"{len(signal_ids)} signal ids for {k} orders")
        n0 = self.n_orders
        self.n_orders += k
        if signal_ids is not None:
            self.ids.update(zip(range(n0, n0 + k), signal_ids, strict=True))
        new = np.empty((N_PENDING_ROWS, k))
        new[P_COL] = columns
        new[P_DIR] = direction
        new[P_SIGNAL_DAY] = signal_day
        new[P_ORDER] = np.arange(n0, n0 + k)
        new[P_NOTIONAL] = notional
        new[P_STOP] = stop_frac
        new[P_TARGET] = take_profit_frac
        new[P_HORIZON] = math.nan if horizon is None else horizon
        short = (new[P_DIR] < 0).any() if isinstance(direction, np.ndarray) else direction < 0
        self.short_pending = self.short_pending or bool(short)
        self.timed_pending = self.timed_pending or bool(horizon)
        self.pending = new if not self.pending.shape[1] else np.concatenate((self.pending, new), 1)

    # --- one session --------------------------------------------------------------------

    def _gather(self, row: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``row[cols]``, NaN for a ticker the market has no column for."""
        if not self.foreign:
            return row[cols]
        out = np.full(len(cols), np.nan)
        ok = cols < self.n_market
        out[ok] = row[cols[ok]]
        return out

    def fill(self, day: dt.date, today: float, op: np.ndarray) -> None:
        """Fill every pending order at the open ``op`` (the session's row), worse by the
        slippage; cancel those without an open."""
        self.fresh = 0
        pend = self.pending
        if not pend.shape[1]:
            return
        self.pending = _NO_ORDERS
        o = self._gather(op, pend[P_COL].astype(np.intp))
        if not (o > 0).all():
            ok = o > 0
            self._cancel(pend[:, ~ok], today)
            pend, o = pend[:, ok], o[ok]
            if not o.size:
                return
        new = np.empty((N_POSITION_ROWS, len(o)))
        flows = np.empty((2, len(o)))  # cash flow, traded notional
        new[COL : ORDER + 1] = pend[P_COL : P_ORDER + 1]
        qty = np.divide(pend[P_NOTIONAL], o, out=new[QTY])
        if self.short_pending:
            d = pend[P_DIR]
            fill = np.multiply(o, 1.0 + d * self.slippage, out=new[ENTRY])
            np.multiply(d, qty, out=new[SIGNED_QTY])
            np.multiply(fill, 1.0 - d * pend[P_STOP], out=new[STOP])
            np.multiply(fill, 1.0 + d * pend[P_TARGET], out=new[TARGET])
            self.shorts = self.shorts or bool((d < 0).any())
            self.short_pending = False
        else:  # every order a long: d * x is x
            fill = np.multiply(o, 1.0 + self.slippage, out=new[ENTRY])
            new[SIGNED_QTY] = qty
            np.multiply(fill, 1.0 - pend[P_STOP], out=new[STOP])
            np.multiply(fill, 1.0 + pend[P_TARGET], out=new[TARGET])
        if self.timed_pending:
            due = self._due(day, pend[P_HORIZON])
            self.timed_pending = False
        else:
            due = math.nan
        self._open(new, flows, qty, fill, due, today)

    def _open(
        self,
        new: np.ndarray,
        flows: np.ndarray,
        qty: np.ndarray,
        fill: np.ndarray,
        due: np.ndarray | float,
        today: float,
    ) -> None:
        """Book the fills of ``new`` (their quantities, prices and levels set) and append them
        to the open positions."""
        notional = np.multiply(qty, fill, out=flows[1])
        new[ENTRY_NOTIONAL] = notional
        fee = np.multiply(notional, self.commission, out=new[ENTRY_FEE])
        new[DUE] = due
        if not self.timed:
            self.timed = due == due if isinstance(due, float) else not np.isnan(due).all()
        new[ENTRY_DAY] = today
        new[LAST] = fill
        flow = np.multiply(new[SIGNED_QTY], fill, out=flows[0])
        flow += fee
        np.negative(flow, out=flow)
        self._flows.append(flows)
        self.fresh = new.shape[1]
        self.pos = new if not self.pos.shape[1] else np.concatenate((self.pos, new), axis=1)

    @staticmethod
    def _due(day: dt.date, horizon: np.ndarray) -> np.ndarray | float:
        """Day numbers of the sessions that end each holding period (NaN: no horizon; a horizon
        of 0 is none)."""

        def one(h: float) -> float:
            return math.nan if h != h or h == 0 else due_day(day, int(h))

        h0 = horizon[0]
        if h0 != h0 and np.isnan(horizon).all():
            return math.nan
        if (horizon == h0).all():
            return one(h0)
        return np.asarray([one(h) for h in horizon.tolist()])

    def _cancel(self, pend: np.ndarray, today: float) -> None:
        out = np.full((N_TRADE_ROWS, pend.shape[1]), np.nan)
        out[COL : ORDER + 1] = pend[P_COL : P_ORDER + 1]
        out[EXIT_DAY], out[REASON] = today, _CANCELLED
        out[QTY] = 0.0
        self.chunks.append(out)

    def exit(
        self,
        today: float,
        bar: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        stops_from_entry_bar: bool,
        strictly_ascending: bool = True,
    ) -> None:
        """Close the positions whose exit rule holds on this session's ``bar`` (open, high, low
        and close rows of the grids); mark the others that have a bar at its close. See the
        engine's docstring for the rules and their precedence. With ``strictly_ascending`` (no
        session repeats a date), the positions that entered on this session are the ones
        filled in it."""
        if not self.pos.shape[1]:
            return
        hit, out = self._test(today, bar, stops_from_entry_bar, strictly_ascending)
        (k,) = out.nonzero()
        if k.size:
            self._close(today, k, self._reasons(today, hit, k), out)

    def _test(
        self,
        today: float,
        bar: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        stops_from_entry_bar: bool,
        strictly_ascending: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(the stop and target tests, (4, n) bool in the rows of _TEST_SIGN; which positions
        exit). Sets the last price of every position with a bar."""
        op, hi, lo, cl = bar
        pos = self.pos
        n = pos.shape[1]
        cols = pos[COL].astype(np.intp)
        c = self._gather(cl, cols)
        has = c > 0
        pos[OPEN] = self._gather(op, cols)
        o = pos[OPEN]
        if not (o > 0).all():  # a bar with a close but no open: the close stands in
            no_open = ~(o > 0)
            o[no_open] = c[no_open]
        pos[ADVERSE] = self._gather(lo, cols)
        pos[FAVOURABLE] = self._gather(hi, cols)
        sign = _TEST_SIGN
        if self.shorts:  # a short's adverse extreme is the high; its tests flip sign
            short = pos[DIR] < 0
            low = pos[ADVERSE, short]
            pos[ADVERSE, short] = pos[FAVOURABLE, short]
            pos[FAVOURABLE, short] = low
            sign = _TEST_SIGN * pos[DIR]
        test = np.empty((4, n))
        np.subtract(o, pos[STOP : TARGET + 1], out=test[:2])
        np.subtract(pos[ADVERSE : FAVOURABLE + 1], pos[STOP : TARGET + 1], out=test[2:])
        test *= sign
        hit = test <= 0
        if not stops_from_entry_bar:  # not armed on the entry bar
            if strictly_ascending and today > self.loaded_entry:
                hit[:, n - self.fresh :] = False
            else:
                hit &= pos[ENTRY_DAY] != today
        out = hit.any(axis=0)
        if self.timed:
            out |= pos[DUE] <= today
        out &= has
        np.copyto(pos[LAST], c, where=has)
        return hit, out

    def _reasons(self, today: float, hit: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The index in EXIT_PRECEDENCE of the exit each position ``k`` takes."""
        tests = hit.take(k, axis=1)[_TEST_ORDER]
        if not self.timed:
            reason = tests.argmax(axis=0)
            reason += 1
            return reason
        due = self.pos[DUE].take(k)
        return np.concatenate(((due < today)[None], tests, (due == today)[None])).argmax(axis=0)

    def _close(self, today: float, k: np.ndarray, reason: np.ndarray, out: np.ndarray) -> None:
        """Close positions ``k`` for ``reason``: log them, book their cash, drop them."""
        done = self.pos.take(k, axis=1)
        trade = np.empty((N_TRADE_ROWS, k.size))
        trade[:N_LOGGED] = done[:N_LOGGED]
        trade[EXIT_DAY] = today
        trade[REASON] = reason
        price = done[_PRICE_ROW[reason], np.arange(k.size)]
        sq, entry_fee = done[SIGNED_QTY], done[ENTRY_FEE]
        if self.shorts:
            fill = np.multiply(price, 1.0 - done[DIR] * self.slippage, out=trade[EXIT])
        else:
            fill = np.multiply(price, 1.0 - self.slippage, out=trade[EXIT])
        self.chunks.append(trade)
        flows = np.empty((2, k.size))  # cash flow, traded notional
        notional = np.multiply(done[QTY], fill, out=flows[1])
        fees = notional * self.commission
        fees += entry_fee
        flow = np.multiply(sq, fill, out=flows[0])
        flow -= fees - entry_fee
        self._flows.append(flows)
        self.pos = self.pos.take((~out).nonzero()[0], axis=1)
        if self.shorts:
            self.shorts = bool((self.pos[DIR] < 0).any())
        if self.timed:
            self.timed = not np.isnan(self.pos[DUE]).all()

    def mark(self) -> tuple[float, float, float]:
        """Book this session's cash flows, mark the positions at their last prices; returns
        (equity, gross market value, traded notional). Raises the peak."""
        traded = 0.0
        if self._flows:
            flows = np.concatenate(self._flows, axis=1)
            flows[0, 0] += self.cash  # cash + flow, flow, ...: one addition after the other
            self.cash, traded = np.add.accumulate(flows, axis=1)[:, -1].tolist()
            self._flows = []
        value = self.pos[SIGNED_QTY] * self.pos[LAST]
        total = np.add.accumulate(value)[-1].item() if value.size else 0.0
        self.equity = self.cash + total
        self.peak = max(self.peak, self.equity)
        # a long's value is >= 0, so without shorts the gross value is the net value
        gross = np.add.accumulate(np.abs(value))[-1].item() if self.shorts else total
        return self.equity, gross, traded

    def held(self) -> np.ndarray:
        """(N,) bool over the market's tickers: an open position or a pending order."""
        out = np.zeros(self.n_market, dtype=bool)
        cols = self.pos[COL]
        if self.pending.shape[1]:
            cols = np.concatenate((cols, self.pending[P_COL]))
        cols = cols.astype(np.intp)
        out[cols[cols < self.n_market] if self.foreign else cols] = True
        return out

    def log(self) -> TradeLog:
        rows = np.concatenate(self.chunks, axis=1) if self.chunks else np.empty((N_TRADE_ROWS, 0))
        named = {
            "column": COL, "direction": DIR, "signal_day": SIGNAL_DAY, "order": ORDER,
            "qty": QTY, "signed_qty": SIGNED_QTY, "entry": ENTRY, "entry_fee": ENTRY_FEE,
            "entry_notional": ENTRY_NOTIONAL, "entry_day": ENTRY_DAY, "exit_day": EXIT_DAY,
            "exit": EXIT, "reason": REASON,
        }  # fmt: skip
        return TradeLog(
            {k: rows[i] for k, i in named.items()}, self.names, self.ids, self.commission
        )

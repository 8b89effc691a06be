"""Trades: a closed position or a cancelled order, one :class:`Trade` record each, and the
:class:`TradeLog` that holds a run's trades as arrays and builds the records when asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

MISSING_PRICE_AT_ENTRY = "missing_price_at_entry"
#: The exits in the order they are tested on a bar: the first that holds is taken.
EXIT_PRECEDENCE = ("horizon_late", "stop_gap", "stop", "take_profit_gap", "take_profit", "horizon")
REASONS = (*EXIT_PRECEDENCE, MISSING_PRICE_AT_ENTRY)
_CANCELLED = len(EXIT_PRECEDENCE)


def _datetimes(numbers: np.ndarray) -> np.ndarray:
    """Day numbers as ``datetime64[D]`` (NaT for NaN)."""
    out = np.full(numbers.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(numbers)
    out[ok] = numbers[ok].astype(np.int64).astype("datetime64[D]")
    return out


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
    """Every closed position and cancelled order of a run, in the order they happened (within a
    session: cancellations at the open, then exits in the order the positions opened), as
    arrays with one entry per trade. ``pnl``, ``trade_return``, ``commission`` and ``closed``
    are computed with the log; the other columns when first read. A cancelled order has NaN
    entry and exit prices, NaT entry date, and zero quantity, PnL and commission."""

    def __init__(
        self,
        rows: Mapping[str, np.ndarray],
        names: Sequence[str],
        ids: Mapping[int, str],
        commission: float,
    ) -> None:
        """``rows``: one array per field, one entry per trade: ``column`` (into ``names``),
        ``direction``, ``order`` (the order's number, a key of ``ids`` when it was given an id),
        ``qty``, ``signed_qty``, ``entry``, ``entry_fee``, ``entry_notional``, ``exit``, the
        day numbers ``signal_day``, ``entry_day``, ``exit_day`` (days since 1970-01-01), and
        ``reason`` (index into REASONS). ``commission``: the fraction the exits paid."""
        self._rows, self._names, self._ids = rows, names, ids
        #: bool: a closed position (else a cancelled order)
        self.closed = rows["reason"] < _CANCELLED
        qty, fill, entry_fee = rows["qty"], rows["exit"], rows["entry_fee"]
        fee = qty * fill * commission  # the exit's commission, as the exit booked it
        pnl = rows["signed_qty"] * (fill - rows["entry"]) - entry_fee - fee
        self.pnl = pnl  # currency, both commissions included
        self.trade_return = pnl / rows["entry_notional"]  # pnl / entry notional
        self.commission = entry_fee + fee
        for a in (self.pnl, self.trade_return, self.commission):
            a[~self.closed] = 0.0

    def __len__(self) -> int:
        return len(self.closed)

    @cached_property
    def ticker(self) -> np.ndarray:
        """object (str)"""
        return np.asarray(self._names, dtype=object)[self._rows["column"].astype(np.intp)]

    @cached_property
    def direction(self) -> np.ndarray:
        """int, +1 long, -1 short"""
        return self._rows["direction"].astype(np.int64)

    @cached_property
    def signal_date(self) -> np.ndarray:
        """datetime64[D]"""
        return _datetimes(self._rows["signal_day"])

    @cached_property
    def entry_date(self) -> np.ndarray:
        """datetime64[D]"""
        return _datetimes(self._rows["entry_day"])

    @property
    def entry_price(self) -> np.ndarray:
        """The fill, slippage included."""
        return self._rows["entry"]

    @property
    def qty(self) -> np.ndarray:
        return self._rows["qty"]

    @cached_property
    def exit_date(self) -> np.ndarray:
        """datetime64[D]"""
        return _datetimes(self._rows["exit_day"])

    @property
    def exit_price(self) -> np.ndarray:
        """The fill, slippage included."""
        return self._rows["exit"]

    @cached_property
    def exit_reason(self) -> np.ndarray:
        """object (str), one of REASONS"""
        return np.asarray(REASONS, dtype=object)[self._rows["reason"].astype(np.intp)]

    @cached_property
    def signal_id(self) -> np.ndarray:
        """object (str); an order given without an id has ``{signal date}:{ticker}``."""
        given = [self._ids.get(k) for k in self._rows["order"].astype(np.int64).tolist()]
        missing = [j for j, sid in enumerate(given) if sid is None]
        if missing:
            days = np.datetime_as_string(self.signal_date[missing]).tolist()
            for j, day, ticker in zip(missing, days, self.ticker[missing].tolist(), strict=True):
                given[j] = f"{day}:{ticker}"
        out = np.empty(len(given), dtype=object)
        out[:] = given
        return out

    def records(self) -> list[Trade]:
        """The log as :class:`Trade` records (dates as ``datetime.date``, None where absent)."""
        closed = self.closed.tolist()

        def where_closed(a: np.ndarray) -> list:
            return [x if c else None for x, c in zip(a.tolist(), closed, strict=True)]

        columns = zip(
            self.signal_id.tolist(),
            self.ticker.tolist(),
            self.direction.tolist(),
            self.signal_date.astype(object).tolist(),
            self.entry_date.astype(object).tolist(),
            where_closed(self.entry_price),
            self.qty.tolist(),
            self.exit_date.astype(object).tolist(),
            where_closed(self.exit_price),
            self.exit_reason.tolist(),
            self.pnl.tolist(),
            self.trade_return.tolist(),
            self.commission.tolist(),
            strict=True,
        )
        return [
            Trade(*row, "closed" if c else "cancelled")
            for row, c in zip(columns, closed, strict=True)
        ]

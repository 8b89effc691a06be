"""Portfolio state: cash, open positions, orders waiting for the next open, equity and its peak.

Prices held here are in the **split-consistent basis** of the prices source: raw OHLC times
``adj_close / close``, where ``adj_close`` uses only splits up to that day. The basis of a past
day never changes, so a position opened before a split keeps its entry price, stop and target,
and the split is not a fake return. ``qty`` counts basis shares (a 4:1 split after entry makes
each basis share four traded shares).

The state round-trips through JSON exactly (floats are written with ``repr``), so a run that
resumes from a stored state computes the same bytes as one that never stopped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field


@dataclass
class Order:
    """An approved signal waiting to fill at the next session's open.

    ``notional`` is the currency amount to buy (or sell short) at the open before slippage;
    ``stop_frac`` and ``take_profit_frac`` are the distances of the stop and the target from the
    fill, as fractions of it (the levels are re-anchored to the fill price).
    """

    signal_id: str
    ticker: str
    direction: int  # +1 long, -1 short
    signal_date: dt.date
    notional: float
    stop_frac: float
    take_profit_frac: float
    horizon: int | None  # sessions held, the fill's session included (None: until a stop or target)


@dataclass
class Position:
    """An open position (basis prices; ``qty`` > 0, the sign lives in ``direction``)."""

    signal_id: str
    ticker: str
    direction: int
    qty: float
    entry_date: dt.date
    entry_price: float  # fill, slippage included
    entry_commission: float
    stop: float
    take_profit: float
    due: dt.date | None  # the session whose close ends the holding period (None: no horizon)
    last_price: float  # the latest close seen (marks a halted ticker at its last price)
    signal_date: dt.date | None = None

    def value(self) -> float:
        """Signed market value at ``last_price`` (a short is a liability)."""
        return self.direction * self.qty * self.last_price


@dataclass
class PortfolioState:
    """Everything a day's run needs from the day before."""

    cash: float
    equity: float
    peak: float
    as_of: dt.date | None = None
    positions: list[Position] = field(default_factory=list)
    pending: list[Order] = field(default_factory=list)

    @classmethod
    def start(cls, equity: float) -> PortfolioState:
        if not equity > 0:
            raise ValueError(f"the starting equity must be positive, got {equity}")
        return cls(cash=equity, equity=equity, peak=equity)

    @property
    def drawdown(self) -> float:
        """Fraction below the peak (0.15 = 15 % below), >= 0."""
        return max(0.0, 1.0 - self.equity / self.peak) if self.peak > 0 else 0.0

    def mark(self) -> None:
        """Recompute equity from cash and positions at their last prices; raise the peak."""
        self.equity = self.cash + sum(p.value() for p in self.positions)
        self.peak = max(self.peak, self.equity)

    def tickers_held(self) -> set[str]:
        """Tickers with an open position or an order waiting to fill."""
        return {p.ticker for p in self.positions} | {o.ticker for o in self.pending}

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_encode, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PortfolioState:
        raw = json.loads(text)
        return cls(
            cash=raw["cash"],
            equity=raw["equity"],
            peak=raw["peak"],
            as_of=_date(raw["as_of"]),
            positions=[
                Position(
                    **{
                        **p,
                        "entry_date": _date(p["entry_date"]),
                        "due": _date(p["due"]),
                        "signal_date": _date(p["signal_date"]),
                    }
                )
                for p in raw["positions"]
            ],
            pending=[
                Order(**{**o, "signal_date": _date(o["signal_date"])}) for o in raw["pending"]
            ],
        )


def _encode(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None

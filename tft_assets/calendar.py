"""NYSE trading calendar and the information cutoff (DESIGN.md §3).

``exchange_calendars`` (and pandas under it) is imported lazily: the first call pays ~0.5 s.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

MARKET_TZ = ZoneInfo("America/New_York")
MARKET_CLOSE_TIME = dt.time(16, 0)
EXCHANGE = "XNYS"
_CAL_START = dt.date(1995, 1, 3)
_CAL_END = dt.date(2035, 12, 31)


@lru_cache(maxsize=1)
def _sessions() -> np.ndarray:
    """All XNYS session dates (``datetime64[D]``), sorted."""
    import exchange_calendars as xcals

    cal = xcals.get_calendar(EXCHANGE, start=_CAL_START.isoformat(), end=_CAL_END.isoformat())
    return cal.sessions.values.astype("datetime64[D]")


def trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """NYSE sessions with ``start <= day <= end``."""
    s = _sessions()
    lo, hi = (
        np.searchsorted(s, np.datetime64(start, "D")),
        np.searchsorted(s, np.datetime64(end, "D"), "right"),
    )
    return [d.astype(dt.date) for d in s[lo:hi]]


def is_trading_day(day: dt.date) -> bool:
    s = _sessions()
    i = np.searchsorted(s, np.datetime64(day, "D"))
    return bool(i < len(s) and s[i] == np.datetime64(day, "D"))


def shift_trading_days(day: dt.date, n: int) -> dt.date:
    """The session ``n`` sessions after ``day`` (``n`` may be negative).

    ``day`` itself need not be a session: ``n=0`` returns the first session on or after it.
    """
    s = _sessions()
    i = int(np.searchsorted(s, np.datetime64(day, "D"))) + n
    if not 0 <= i < len(s):
        raise ValueError(f"{day} shifted by {n} sessions leaves the calendar range")
    return s[i].astype(dt.date)


def previous_trading_day(day: dt.date) -> dt.date:
    """The last session strictly before ``day``."""
    s = _sessions()
    i = int(np.searchsorted(s, np.datetime64(day, "D"))) - 1
    return s[i].astype(dt.date)


def market_close_utc(day: dt.date) -> dt.datetime:
    """16:00 America/New_York on ``day``, as an aware UTC datetime (early closes ignored)."""
    return dt.datetime.combine(day, MARKET_CLOSE_TIME, MARKET_TZ).astimezone(dt.UTC)


def day_bounds_utc(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[00:00, next 00:00)`` of calendar ``day`` in America/New_York, in UTC."""
    start = dt.datetime.combine(day, dt.time(0), MARKET_TZ)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), MARKET_TZ)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def session_of(created_utc: dt.datetime) -> dt.date:
    """The trading day whose features a post created at ``created_utc`` feeds.

    A post created strictly before a session's 16:00 ET close (and after the previous close)
    belongs to that session; a post at or after the close belongs to the next session.
    """
    local = created_utc.astimezone(MARKET_TZ)
    d = local.date()
    if is_trading_day(d) and local.time() < MARKET_CLOSE_TIME:
        return d
    return shift_trading_days(d + dt.timedelta(days=1), 0)

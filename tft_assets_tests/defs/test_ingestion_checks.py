"""check_raw_prices_coverage: an outage or a lost ticker fails; a trading halt does not."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tft_assets.defs.ingestion.checks import MIN_TICKER_GAPS, coverage_result

WATCHLIST = [f"T{i:02d}" for i in range(20)]
DAYS = [(dt.date(2024, 1, 2) + dt.timedelta(days=i)).isoformat() for i in range(60)]


def _frames(drop: set[tuple[str, str]]) -> dict[str, pl.DataFrame]:
    return {d: pl.DataFrame({"ticker": [t for t in WATCHLIST if (d, t) not in drop]}) for d in DAYS}


def _coverage(drop: set[tuple[str, str]], sessions: list[str] = DAYS):
    return coverage_result(_frames(drop), WATCHLIST, set(sessions))


def test_full_coverage_passes() -> None:
    result = _coverage(set())
    assert result.passed and result.metadata["missing_bars"].value == 0


def test_isolated_halts_pass_and_are_listed() -> None:
    halts = {(DAYS[3], "T05"), (DAYS[40], "T11"), (DAYS[41], "T05")}
    result = _coverage(halts)
    assert result.passed
    assert result.metadata["missing_bars"].value == 3
    assert result.metadata["missing_tickers_by_day"].value[DAYS[3]] == ["T05"]


def test_an_outage_session_fails() -> None:
    outage = {(DAYS[10], t) for t in WATCHLIST[:5]}  # a quarter of the watchlist on one day
    result = _coverage(outage)
    assert not result.passed
    assert result.metadata["outage_sessions"].value == {DAYS[10]: 5}


def test_a_lost_ticker_fails() -> None:
    delisted = {(d, "T07") for d in DAYS[-MIN_TICKER_GAPS - 2 :]}
    result = _coverage(delisted)
    assert not result.passed
    assert result.metadata["lost_tickers"].value == {"T07": MIN_TICKER_GAPS + 2}


def test_non_sessions_are_not_counted() -> None:
    result = _coverage({(d, t) for d in DAYS[:10] for t in WATCHLIST}, sessions=DAYS[10:])
    assert result.passed and result.metadata["sessions"].value == 50


def test_a_listing_that_starts_inside_the_run_is_not_missing_before_it() -> None:
    ipo = {(d, t) for d in DAYS[:30] for t in WATCHLIST[:5]}  # five tickers list on DAYS[30]
    result = _coverage(ipo)
    assert result.passed and result.metadata["missing_bars"].value == 0
    # but a listed ticker that then stops is lost
    stops = ipo | {(d, "T01") for d in DAYS[-5:]}
    assert not _coverage(stops).passed

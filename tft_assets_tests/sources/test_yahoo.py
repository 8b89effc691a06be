"""Yahoo prices through a patched yfinance: batching, mapping, rate limits, empty frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tft_assets.schemas import SOURCE_PRICES_SCHEMA
from tft_assets.sources.base import PricesSource
from tft_assets.sources.resilience import CircuitBreaker, RetriesExhaustedError, RetryPolicy
from tft_assets.sources.yahoo import NO_ROWS_NOTE, YahooPricesSource, yahoo_frame_to_contract

yfinance = pytest.importorskip("yfinance")
from yfinance.exceptions import YFRateLimitError  # noqa: E402

START, END = dt.date(2024, 3, 4), dt.date(2024, 3, 8)  # Mon..Fri
FIELDS = ["Adj Close", "Close", "Dividends", "High", "Low", "Open", "Stock Splits", "Volume"]


def yahoo_frame(tickers, start=START, end=END, missing=(), split_on=None):
    """What ``yf.download(group_by='column', actions=True, auto_adjust=False)`` returns."""
    idx = pd.bdate_range(start, end, name="Date")
    cols = pd.MultiIndex.from_product([FIELDS, tickers], names=["Price", "Ticker"])
    df = pd.DataFrame(np.nan, index=idx, columns=cols)
    for i, t in enumerate(tickers):
        if t in missing:
            continue
        base = 10.0 * (i + 1)
        for field, value in [
            ("Open", base),
            ("High", base + 1),
            ("Low", base - 1),
            ("Close", base + 0.5),
            ("Adj Close", base + 0.25),
            ("Volume", 1000.0 * (i + 1)),
            ("Dividends", 0.0),
            ("Stock Splits", 0.0),
        ]:
            df[(field, t)] = value
    if split_on is not None:
        df.loc[pd.Timestamp(split_on[1]), ("Stock Splits", split_on[0])] = 4.0
    return df


class Recorder:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer(kwargs["tickers"]) if callable(answer) else answer


def make_source(download=None, **kw):
    sleeps: list[float] = []
    src = YahooPricesSource(
        download=download,
        policy=kw.pop("policy", RetryPolicy(max_attempts=4, base_delay_s=1.0)),
        sleep=sleeps.append,
        **kw,
    )
    return src, sleeps


def test_one_download_per_batch_over_the_whole_range():
    rec = Recorder(*[lambda t: yahoo_frame(t)] * 3)
    src, _ = make_source(rec, batch_size=2)
    assert isinstance(src, PricesSource)
    got = src.fetch_prices(["gme", "AMC", "BB", "AMC"], START, END)
    assert [c["tickers"] for c in rec.calls] == [["GME", "AMC"], ["BB"]]
    call = rec.calls[0]
    assert (call["start"], call["end"]) == ("2024-03-04", "2024-03-09")  # end is exclusive
    assert call["auto_adjust"] is False and call["actions"] is True and call["progress"] is False
    frame = got.frame
    assert list(frame.schema.items()) == list(SOURCE_PRICES_SCHEMA.items())
    assert frame.height == 3 * 5 and got.notes == {}
    gme = frame.filter(frame["ticker"] == "GME").row(0, named=True)
    assert (gme["close"], gme["adj_close"], gme["volume"], gme["split_ratio"]) == (
        10.5,
        10.25,
        1000,
        1.0,
    )
    assert gme["source"] == "yahoo"


def test_splits_from_actions():
    frame = yahoo_frame_to_contract(yahoo_frame(["GME"], split_on=("GME", "2024-03-06")), ["GME"])
    assert frame["split_ratio"].to_list() == [1.0, 1.0, 4.0, 1.0, 1.0]


def test_rate_limit_error_is_retried_and_rows_arrive():
    rec = Recorder(YFRateLimitError(), YFRateLimitError(), lambda t: yahoo_frame(t))
    src, sleeps = make_source(rec)
    got = src.fetch_prices(["GME", "AMC"], START, END)
    assert got.frame.height == 10 and got.notes == {}
    meta = src.metadata()
    assert meta["retries"] == 2 and meta["rate_limited"] == 2 and len(sleeps) == 2
    assert meta["breaker_state"] == "closed"


def test_missing_ticker_in_a_good_batch_gets_a_note_without_retry():
    rec = Recorder(lambda t: yahoo_frame(t, missing={"ZZZZ"}))
    src, sleeps = make_source(rec)
    got = src.fetch_prices(["GME", "ZZZZ"], START, END)
    assert set(got.frame["ticker"].to_list()) == {"GME"}
    assert got.notes["ZZZZ"].startswith(NO_ROWS_NOTE)
    assert len(rec.calls) == 1 and sleeps == []


def test_empty_frames_are_retried_then_noted_not_raised():
    rec = Recorder(*[pd.DataFrame()] * 4)
    src, sleeps = make_source(rec)
    got = src.fetch_prices(["GME", "AMC"], START, END)
    assert got.frame.height == 0
    assert list(got.frame.schema) == list(SOURCE_PRICES_SCHEMA)
    assert set(got.notes) == {"GME", "AMC"}
    assert all(n.startswith(NO_ROWS_NOTE) for n in got.notes.values())
    assert len(rec.calls) == 4 and len(sleeps) == 3


def test_empty_then_data_recovers():
    rec = Recorder(pd.DataFrame(), lambda t: yahoo_frame(t))
    src, _ = make_source(rec)
    got = src.fetch_prices(["GME"], START, END)
    assert got.frame.height == 5 and src.metadata()["retries"] == 1


def test_persistent_rate_limit_surfaces_one_line():
    rec = Recorder(*[YFRateLimitError()] * 4)
    src, _ = make_source(rec, breaker=CircuitBreaker(failure_threshold=10))
    with pytest.raises(RetriesExhaustedError, match="rate limit") as err:
        src.fetch_prices(["GME"], START, END)
    assert "\n" not in str(err.value)


def test_no_sessions_means_no_call():
    rec = Recorder()
    src, _ = make_source(rec)
    got = src.fetch_prices(["GME"], dt.date(2024, 3, 9), dt.date(2024, 3, 10))  # a weekend
    assert rec.calls == [] and "no NYSE sessions" in got.notes["GME"]


def test_real_yfinance_download_rate_limit_in_its_log_is_retried(monkeypatch):
    """yfinance's own ``download`` swallows per-ticker errors into its log; the source reads
    the log and retries. ``Ticker.history`` is patched, so nothing touches the network."""
    import yfinance.multi as multi

    answers = iter(["limit", "ok"])

    class FakeTicker:
        def __init__(self, symbol, *args, **kwargs):
            self.symbol = symbol
            self._price_history = None

        def history(self, **kwargs):
            if next(answers) == "limit":
                raise YFRateLimitError()
            frame = yahoo_frame([self.symbol]).xs(self.symbol, axis=1, level="Ticker")
            frame.columns.name = None
            return frame

    monkeypatch.setattr(multi, "Ticker", FakeTicker)
    src, sleeps = make_source(None)  # the real yfinance.download
    got = src.fetch_prices(["GME"], START, END)
    assert got.frame.height == 5 and got.notes == {}
    assert src.metadata()["retries"] == 1 and len(sleeps) == 1

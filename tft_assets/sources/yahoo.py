"""Live daily bars from Yahoo Finance through yfinance, mapped to :data:`SOURCE_PRICES_SCHEMA`.

One ``yf.download`` per batch of tickers covering the whole date range (never one call per
day), with ``auto_adjust=False`` (``Adj Close`` kept as ``adj_close``) and ``actions=True``
(``Stock Splits`` becomes ``split_ratio``; 0 or absent -> 1.0).

Price basis: Yahoo serves OHLC already *split-adjusted to the download date* (not as traded)
and ``Adj Close`` additionally dividend-adjusted. Both are therefore continuous across a split;
``split_ratio`` records the split on its day for information. Returns computed from ``close``
or ``adj_close`` are split-consistent; do not also rescale them by ``split_ratio``.

Every call goes through :class:`~tft_assets.sources.resilience.ResilientCaller`:

* ``YFRateLimitError`` raised by yfinance, or reported in yfinance's per-ticker error log
  (``download`` catches per-ticker errors and only logs them), is retried with backoff;
* a batch that comes back completely empty although the range holds NYSE sessions is retried
  too (Yahoo answers throttled clients with empty frames); if it stays empty, each ticker gets
  the note ``"no rows returned (delisted, renamed or rate-limited)"`` rather than an error;
* a ticker missing from an otherwise good batch gets the same note (no retry: that is what a
  delisted or renamed symbol looks like).

yfinance and pandas are imported inside the fetch.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from tft_assets.schemas import SOURCE_PRICES_SCHEMA, conform, empty_frame
from tft_assets.sources.base import Fetched
from tft_assets.sources.resilience import (
    CircuitBreaker,
    RetriesExhaustedError,
    RetryPolicy,
    TransientCallError,
    service_caller,
)

DEFAULT_BATCH_SIZE = 50
NO_ROWS_NOTE = "no rows returned (delisted, renamed or rate-limited)"
YAHOO_SOURCE = "yahoo"
#: The Dagster pool ``raw_prices`` runs in when it reads Yahoo (limit in the instance config):
#: concurrent runs share one client budget, as Reddit's runs share ``reddit_api``.
YAHOO_POOL = "yahoo_api"
#: Retries and timeout when the caller passes no policy.
YAHOO_RETRY_POLICY = RetryPolicy(max_attempts=4, base_delay_s=2.0, timeout_s=30.0)
_RATE_LIMIT_PATTERN = re.compile(r"RateLimit|Too Many Requests|rate limit", re.IGNORECASE)


class EmptyBatchError(TransientCallError):
    """Yahoo returned no rows at all for a batch whose range holds trading sessions."""


class _ErrorCapture(logging.Handler):
    """Collects yfinance's ``ERROR`` log lines during one download."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _default_download(**kwargs: Any) -> Any:
    import yfinance as yf

    return yf.download(**kwargs)


def yahoo_frame_to_contract(raw: Any, tickers: Sequence[str]) -> pl.DataFrame:
    """Map a ``yf.download(group_by="column", multi_level_index=True)`` pandas frame to the
    contract (long format, one row per ticker and day). Rows where every price and the volume
    are missing (the padding yfinance adds for a failed ticker) are dropped; partial rows are
    kept for ingestion to judge.
    """
    import pandas as pd

    if raw is None or len(raw) == 0:
        return empty_frame(SOURCE_PRICES_SCHEMA)
    frame = raw.copy()
    if not isinstance(frame.columns, pd.MultiIndex):
        if len(tickers) != 1:
            raise ValueError("a flat yfinance frame needs exactly one ticker")
        frame.columns = pd.MultiIndex.from_product([frame.columns, [tickers[0]]])
    fields = list(frame.columns.get_level_values(0).unique())
    ticker_level = 1
    known = {"Open", "High", "Low", "Close", "Adj Close", "Volume"}
    if not known & set(fields):  # group_by="ticker": levels swapped
        frame.columns = frame.columns.swaplevel(0, 1)
    frame.columns = frame.columns.set_names(["Price", "Ticker"])
    long = frame.stack(level=ticker_level, future_stack=True).reset_index()
    long = long.rename(columns={long.columns[0]: "Date"})
    df = pl.from_pandas(long)
    rename = {
        "Date": "date",
        "Ticker": "ticker",
        "Open": "open",
        "High": "high",
        "Low": "low",
        "Close": "close",
        "Adj Close": "adj_close",
        "Volume": "volume",
        "Stock Splits": "split_ratio",
    }
    df = df.rename({k: v for k, v in rename.items() if k in df.columns})
    for col in ("open", "high", "low", "close", "adj_close", "volume", "split_ratio"):
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    prices = ["open", "high", "low", "close", "adj_close", "volume"]
    df = df.with_columns(
        [pl.col(c).cast(pl.Float64, strict=False).fill_nan(None) for c in [*prices, "split_ratio"]]
    ).filter(~pl.all_horizontal(pl.col(c).is_null() for c in prices))
    split = pl.col("split_ratio")
    mapped = df.select(
        pl.col("date").cast(pl.Date, strict=False),
        pl.col("ticker").cast(pl.String).str.to_uppercase(),
        "open",
        "high",
        "low",
        "close",
        pl.coalesce("adj_close", "close").alias("adj_close"),
        pl.col("volume").round(0).cast(pl.Int64, strict=False),
        pl.when(split.is_null() | (split == 0.0)).then(1.0).otherwise(split).alias("split_ratio"),
        pl.lit(YAHOO_SOURCE).alias("source"),
    )
    return conform(mapped, SOURCE_PRICES_SCHEMA, keep_ground_truth=False).sort("ticker", "date")


class YahooPricesSource:
    """A :class:`~tft_assets.sources.base.PricesSource` over Yahoo Finance.

    ``download`` replaces ``yfinance.download`` (tests); ``clock``/``sleep``/``rng`` drive the
    retry layer. :meth:`metadata` returns its counters.
    """

    def __init__(
        self,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        download: Callable[..., Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        assert batch_size >= 1, "batch_size must be >= 1"
        self.batch_size = batch_size
        self._download = download or _default_download
        self.caller = service_caller(
            YAHOO_SOURCE,
            policy,
            YAHOO_RETRY_POLICY,
            breaker=breaker,
            clock=clock,
            sleep=sleep,
            rng=rng,
        )
        self.policy = self.caller.policy

    def metadata(self) -> dict[str, Any]:
        return self.caller.metadata()

    def _attempt(
        self, batch: list[str], start: dt.date, end: dt.date, expect_rows: bool
    ) -> pl.DataFrame:
        capture = _ErrorCapture()
        logger = logging.getLogger("yfinance")
        logger.addHandler(capture)
        try:
            raw = self._download(
                tickers=batch,
                start=start.isoformat(),
                end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                interval="1d",
                auto_adjust=False,
                actions=True,
                group_by="column",
                multi_level_index=True,
                progress=False,
                threads=False,
                timeout=self.policy.timeout_s,
            )
        finally:
            logger.removeHandler(capture)
        if any(_RATE_LIMIT_PATTERN.search(m) for m in capture.messages):
            raise TransientCallError("Yahoo Finance rate limit (YFRateLimitError) in download log")
        frame = yahoo_frame_to_contract(raw, batch)
        if frame.height == 0 and expect_rows:
            raise EmptyBatchError(f"empty answer for {len(batch)} tickers")
        return frame

    def fetch_prices(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> Fetched:
        assert start <= end, "start must not be after end"
        from tft_assets.calendar import trading_days

        wanted = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
        if not wanted:
            return Fetched(frame=empty_frame(SOURCE_PRICES_SCHEMA))
        sessions = trading_days(start, end)
        if not sessions:
            note = f"no NYSE sessions in {start}..{end}"
            return Fetched(
                frame=empty_frame(SOURCE_PRICES_SCHEMA), notes=dict.fromkeys(wanted, note)
            )
        frames: list[pl.DataFrame] = []
        notes: dict[str, str] = {}
        for offset in range(0, len(wanted), self.batch_size):
            batch = wanted[offset : offset + self.batch_size]
            try:
                frame = self.caller.call(
                    lambda b=batch: self._attempt(b, start, end, expect_rows=True),
                    what=f"download of {len(batch)} tickers {start}..{end}",
                )
            except RetriesExhaustedError as exc:
                if not isinstance(exc.last_error, EmptyBatchError):
                    raise
                frame = empty_frame(SOURCE_PRICES_SCHEMA)
            present = set(frame["ticker"].unique().to_list())
            frame = frame.filter(pl.col("ticker").is_in(batch))
            for ticker in batch:
                if ticker not in present:
                    notes[ticker] = f"{NO_ROWS_NOTE} for {start}..{end}"
            frames.append(frame)
        return Fetched(frame=pl.concat(frames, how="vertical"), notes=notes)

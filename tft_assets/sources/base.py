"""The two source interfaces. Implementations are plain classes (no Dagster); the Dagster
resources in ``tft_assets.defs.resources`` wrap them and pick one by configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import polars as pl


@dataclass(frozen=True)
class Fetched:
    """A source's answer: the rows, plus a reason per thing it could not deliver.

    ``notes`` maps a key (a ticker, a file, a subreddit) to a one-line reason, e.g.
    ``{"XYZ": "no rows returned (delisted or renamed?)"}``. Notes are surfaced in asset metadata
    so an empty answer is never silent.
    """

    frame: pl.DataFrame
    notes: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class PostsSource(Protocol):
    """Posts (submissions and comments) created in ``[start_utc, end_utc)``.

    Returns columns of :data:`tft_assets.schemas.SOURCE_POSTS_SCHEMA` (extra ``gt_*`` allowed).
    Rows may be malformed (null ids, unparsable timestamps as null, huge bodies): validation
    and quarantine happen at ingestion, not in the source.
    """

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched: ...


@runtime_checkable
class PricesSource(Protocol):
    """Daily OHLCV bars for ``tickers`` on trading days ``start..end`` (both inclusive).

    Returns columns of :data:`tft_assets.schemas.SOURCE_PRICES_SCHEMA` (extra ``gt_*`` allowed).
    """

    def fetch_prices(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> Fetched: ...

"""Daily OHLCV bars from long-format CSV / Parquet files, mapped to :data:`SOURCE_PRICES_SCHEMA`.

Input: one row per (ticker, date) with columns (case-insensitive, Yahoo spellings accepted)

======================  ==================================================================
contract column          accepted input names
======================  ==================================================================
``date``                 ``date``, ``Date``, ``datetime``, ``timestamp`` (first 10 chars, YYYY-MM-DD)
``ticker``               ``ticker``, ``symbol`` (upper-cased, trimmed)
``open/high/low/close``  same names (``Open`` ...)
``adj_close``            ``adj_close``, ``Adj Close``, ``adjclose``; blank or absent -> ``close``
``volume``               ``volume`` (``5268300.0`` accepted; rounded to int)
``split_ratio``          ``split_ratio``, ``split``, ``splits``, ``Stock Splits``: the split
                         effective that day; 0, blank or absent -> 1.0
``source``               ``files:<file name>`` (an input ``source`` column is ignored)
======================  ==================================================================

``split_factor_applied`` (in the shipped ``prices_daily_wsb_tickers.csv``) is *not* a split
event: it records that a later download was rescaled back to as-traded prices, so it is ignored.

Nothing is validated or deduplicated here (NaN / negative prices, high < low and duplicate
(ticker, date) rows reach ingestion, which quarantines them). A required number that is not
one becomes null, an optional one (``adj_close``, ``split_ratio``) NaN: either way the row is
quarantined, never taken as a bar with that value absent. Files are CSV (plain, ``.gz``,
``.zst``) or Parquet; a glob picks several.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from tft_assets.schemas import SOURCE_PRICES_SCHEMA, conform, empty_frame
from tft_assets.sources.base import Fetched
from tft_assets.sources.columns import number
from tft_assets.sources.file_io import read_csv_text, read_parquet, resolve_paths

#: Contract column -> accepted input names (lower-cased, spaces and dashes as underscores).
PRICE_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "datetime", "timestamp", "day"),
    "ticker": ("ticker", "symbol"),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close",),
    "adj_close": ("adj_close", "adjclose", "adjusted_close"),
    "volume": ("volume",),
    "split_ratio": ("split_ratio", "split", "splits", "stock_splits"),
}
REQUIRED_PRICE_COLUMNS: tuple[str, ...] = ("date", "ticker", "open", "high", "low", "close")


def _normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _read_raw(path: Path) -> pl.DataFrame:
    """The file as read (CSV: every column text); unreadable is a one-line ValueError."""
    if path.name.lower().endswith((".parquet", ".pq")):
        return read_parquet(path)
    return read_csv_text(path)


def _num(name: str) -> pl.Expr:
    return number(pl.col(name))


def _optional_num(name: str) -> pl.Expr:
    """An optional number: blank or null is absent (null); text that is not a number is NaN,
    so that validation quarantines the row instead of taking the value for absent."""
    value = pl.col(name).cast(pl.String, strict=False).str.strip_chars()
    return (
        pl.when(value.is_null() | (value == ""))
        .then(None)
        .otherwise(pl.coalesce(_num(name), pl.lit(float("nan"))))
    )


def read_prices_file(path: str | Path) -> pl.DataFrame:
    """One OHLCV file as a contract frame (columns and dtypes of SOURCE_PRICES_SCHEMA, in order).

    Raises FileNotFoundError for a missing file and ValueError (naming the file and the
    missing columns) when a required column is absent.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"prices file not found: {path}")
    return prices_contract(_read_raw(path), path.name)


def prices_contract(raw: pl.DataFrame, name: str) -> pl.DataFrame:
    """A frame of OHLCV columns (any dtypes, names as :data:`PRICE_COLUMN_ALIASES`) as a
    contract frame stamped ``files:<name>``; a ValueError names ``name`` and what is missing."""
    lookup = {_normalise(c): c for c in raw.columns}
    chosen: dict[str, str] = {}
    for target, aliases in PRICE_COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in lookup:
                chosen[target] = lookup[alias]
                break
    if not raw.columns:
        raise ValueError(f"{name}: empty file, no header (expected long format OHLCV)")
    missing = [c for c in REQUIRED_PRICE_COLUMNS if c not in chosen]
    if missing:
        raise ValueError(
            f"{name}: missing price column(s) {', '.join(missing)} "
            f"(have: {', '.join(raw.columns)}); expected long format date,ticker,open,high,low,close,volume"
        )
    df = raw.select([pl.col(src).alias(dst) for dst, src in chosen.items()])
    close = _num("close")
    volume = _num("volume") if "volume" in chosen else pl.lit(None, dtype=pl.Float64)
    split = (
        _optional_num("split_ratio") if "split_ratio" in chosen else pl.lit(None, dtype=pl.Float64)
    )
    mapped = df.select(
        pl.col("date")
        .cast(pl.String, strict=False)
        .str.strip_chars()
        .str.slice(0, 10)
        .str.to_date("%Y-%m-%d", strict=False)
        .alias("date"),
        pl.col("ticker").cast(pl.String, strict=False).str.strip_chars().str.to_uppercase(),
        _num("open").alias("open"),
        _num("high").alias("high"),
        _num("low").alias("low"),
        close.alias("close"),
        (pl.coalesce(_optional_num("adj_close"), close) if "adj_close" in chosen else close).alias(
            "adj_close"
        ),
        pl.when(volume.is_finite())
        .then(volume.round(0))
        .otherwise(None)
        .cast(pl.Int64, strict=False)
        .alias("volume"),
        pl.when(split.is_null() | (split == 0.0)).then(1.0).otherwise(split).alias("split_ratio"),
        pl.lit(f"files:{name}").alias("source"),
    )
    return conform(mapped, SOURCE_PRICES_SCHEMA, keep_ground_truth=False)


class FilePricesSource:
    """A :class:`~tft_assets.sources.base.PricesSource` over OHLCV files (path, glob or list).

    Files are read once and cached on the instance. ``fetch_prices`` returns rows for the
    requested tickers and dates (inclusive) and a note for every ticker with none.
    """

    def __init__(self, path_or_glob: str | Path | Sequence[str | Path]) -> None:
        self.path_or_glob = path_or_glob
        self._frame: pl.DataFrame | None = None
        self._files: list[str] = []

    def frame(self) -> pl.DataFrame:
        """Every row of every matched file (cached)."""
        if self._frame is None:
            paths = resolve_paths(self.path_or_glob)
            if not paths:
                raise FileNotFoundError(f"no prices files match {self.path_or_glob}")
            frames = [read_prices_file(p) for p in paths]
            self._files = [p.name for p in paths]
            self._frame = pl.concat(frames, how="vertical") if frames else None
        assert self._frame is not None
        return self._frame

    def fetch_prices(
        self,
        tickers: Sequence[str],
        start: dt.date,
        end: dt.date,
        *,
        after: dt.date | None = None,
    ) -> Fetched:
        """Rows of ``tickers`` dated ``start..end``; with ``after``, also the rows dated after
        that day (an import passes the last partition: rows in the future go on to validation,
        which quarantines them)."""
        assert start <= end, "start must not be after end"
        wanted = [t.strip().upper() for t in tickers]
        if not wanted:
            return Fetched(frame=empty_frame(SOURCE_PRICES_SCHEMA))
        # a row without a ticker or a readable date belongs to no watchlist entry or window: it
        # goes on to validation, which quarantines it with its reason, rather than vanishing here
        no_ticker = pl.col("ticker").is_null() | (pl.col("ticker").str.strip_chars() == "")
        in_window = pl.col("date").is_between(start, end) | pl.col("date").is_null()
        if after is not None:
            in_window = in_window | (pl.col("date") > after)
        rows = self.frame().filter((pl.col("ticker").is_in(wanted) | no_ticker) & in_window)
        present = set(rows["ticker"].unique().to_list())
        files = ", ".join(self._files)
        notes = {
            t: f"no rows in {files} for {start}..{end} (not in the file, delisted or renamed)"
            for t in wanted
            if t not in present
        }
        return Fetched(frame=rows.sort("ticker", "date", maintain_order=True), notes=notes)

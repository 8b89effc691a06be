"""Listing files supplied by the user: symbols and company names of one date or of any.

A listing file is the NASDAQ screener export, NASDAQ Trader's ``nasdaqlisted.txt`` /
``otherlisted.txt``, or any table with a symbol and a name column (:func:`read_listing_file`).
Dated snapshots (``DATE=PATH``) apply from their day on (:func:`listing_files_as_of`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from tft_assets.posts.universe.symbols import SYMBOL_RE, normalize_symbol

#: Column names (lower case) that hold the symbol / the company name in listing files:
#: the NASDAQ screener export (``Symbol``, ``Name``), NASDAQ Trader's symbol directories
#: ``nasdaqlisted.txt`` / ``otherlisted.txt`` (``Symbol`` or ``ACT Symbol``, ``Security
#: Name``), and company tables (``ticker``, ``company name``), first match wins.
LISTING_SYMBOL_COLUMNS = ("symbol", "act symbol", "ticker", "nasdaq symbol", "cqs symbol")
LISTING_NAME_COLUMNS = ("name", "security name", "company name", "company", "short name")


_DATED_ENTRY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})=(.+)$")


def parse_listing_entry(entry: str) -> tuple[date | None, str]:
    """``"2021-02-28=listing.csv"`` -> (that date, path): a snapshot of the listings taken
    that day; a plain path -> (None, path). A malformed date is a one-line ``ValueError``."""
    m = _DATED_ENTRY_RE.match(entry.strip())
    if m is None:
        return None, entry.strip()
    try:
        return date.fromisoformat(m.group(1)), m.group(2).strip()
    except ValueError:
        raise ValueError(f"listing file entry {entry!r}: the date must be YYYY-MM-DD") from None


def listing_files_as_of(entries: tuple[str, ...], as_of: date | None) -> tuple[str, ...]:
    """The listing files to use for posts of day ``as_of``: every undated file, and of the
    dated snapshots (``DATE=PATH``) the latest taken on or before ``as_of`` - never a later
    one, whose symbols and names would leak the future (a symbol listed since, a renamed
    company). ``as_of=None``: the latest snapshot.

    >>> listing_files_as_of(("2021-02-28=a.csv", "2022-06-30=b.csv", "c.csv"), date(2022, 1, 3))
    ('c.csv', 'a.csv')
    """
    plain: list[str] = []
    dated: list[tuple[date, str]] = []
    for entry in entries:
        day, path = parse_listing_entry(entry)
        if day is None:
            plain.append(path)
        elif as_of is None or day <= as_of:
            dated.append((day, path))
    return (*plain, *([max(dated)[1]] if dated else []))


def read_listing_file(path: str | Path) -> list[tuple[str, str]]:
    """(symbol, name) rows of a listing file: CSV, tab- or ``|``-separated, optionally gzip.

    Accepts the NASDAQ screener export, NASDAQ Trader's symbol directories (their
    ``File Creation Time`` footer and test issues are skipped) and company tables with
    ``ticker`` / ``company name`` columns; see :data:`LISTING_SYMBOL_COLUMNS` and
    :data:`LISTING_NAME_COLUMNS`. Preferred shares (``^``, ``$``), warrants, units and rights
    are skipped. A file without a symbol and a name column is a one-line ``ValueError``.
    """
    import gzip

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"universe file not found: {p}")
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    sep = "|" if "|" in header else "\t" if "\t" in header else ","
    df = pl.read_csv(p, separator=sep, infer_schema=False, truncate_ragged_lines=True)
    lower = {c.strip().lower(): c for c in df.columns}
    sym_col = next((lower[c] for c in LISTING_SYMBOL_COLUMNS if c in lower), None)
    name_col = next((lower[c] for c in LISTING_NAME_COLUMNS if c in lower), None)
    if sym_col is None or name_col is None:
        raise ValueError(
            f"universe file {p.name}: needs a symbol column ({'/'.join(LISTING_SYMBOL_COLUMNS)})"
            f" and a name column ({'/'.join(LISTING_NAME_COLUMNS)}); found {df.columns}"
        )
    if "test issue" in lower:
        df = df.filter(pl.col(lower["test issue"]).fill_null("N") != "Y")
    df = df.select(pl.col(sym_col).alias("Symbol"), pl.col(name_col).alias("Name"))
    df = df.drop_nulls("Symbol").filter(
        ~pl.col("Symbol").str.contains(r"[\^$]")
        & ~pl.col("Symbol").str.starts_with("File Creation Time")
        & ~pl.col("Name")
        .fill_null("")
        .str.contains(r"(?i)(?-u:\b)(?:warrants?|units?|rights?)(?-u:\b)")
    )
    out = []
    for sym, name in df.iter_rows():
        s = normalize_symbol(sym)
        if SYMBOL_RE.match(s):
            out.append((s, name or ""))
    return out

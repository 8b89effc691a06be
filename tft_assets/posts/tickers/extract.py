"""Ticker mentions of texts: candidates, evidence, one mention per span."""

from __future__ import annotations

import polars as pl

from tft_assets.posts.tickers.candidates import candidate_tokens, mention_candidates
from tft_assets.posts.tickers.context import apply_context, declared, drop_ratios
from tft_assets.posts.tickers.tables import Tables, tables
from tft_assets.posts.tickers.tokens import token_frame
from tft_assets.posts.universe import TickerUniverse

MENTION_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "symbol": pl.String(),
    "method": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}
_METHOD_RANK = {"cashtag": 0, "symbol": 1, "name": 2}


def extract_mentions(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Ticker mentions in each text.

    ``texts``: String series of n texts. Returns a frame with :data:`MENTION_SCHEMA`
    (``row`` = index into ``texts``), one row per accepted mention, sorted by (row, start).
    Only candidate tokens (with an upper-case letter or ``$``, or containing a lower-case
    symbol/alias word) go through the rules.
    """
    if texts.len() == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    texts = texts.cast(pl.String).fill_null("")  # the helpers below take texts this way
    focus = frozenset(focus_symbols)
    tab = tables(universe, focus)
    every = token_frame(texts)
    if every.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    t = candidate_tokens(every, tab)
    if t is None:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    m = mention_candidates(t, texts, tab)
    if m.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    return _accepted(m, texts, focus, tab)


def _accepted(
    m: pl.DataFrame, texts: pl.Series, focus: frozenset[str], tab: Tables
) -> pl.DataFrame:
    """The candidates ``m`` with their evidence (ratios dropped, declared symbols, context),
    one per (row, start): a cashtag before a symbol before a name, then the longest."""
    m = declared(drop_ratios(m, texts), texts)
    m = apply_context(m, texts, focus, tab)
    m = (
        m.with_columns(
            pl.col("method").replace_strict(_METHOD_RANK, return_dtype=pl.Int8).alias("rank")
        )
        .sort(["row", "start", "rank", "end"], descending=[False, False, False, True])
        .unique(subset=["row", "start"], keep="first", maintain_order=True)
    )
    return m.select(
        pl.col("row").cast(pl.UInt32),
        "symbol",
        "method",
        pl.col("start").cast(pl.Int64),
        pl.col("end").cast(pl.Int64),
    )


def mentions_per_row(mentions: pl.DataFrame, n_rows: int) -> pl.DataFrame:
    """Aggregate mentions to one row per text: ``tickers`` (distinct, in order of first
    mention) and ``mentions`` (list of structs symbol/method/start/end). ``n_rows`` rows."""
    agg = mentions.group_by("row", maintain_order=True).agg(
        pl.col("symbol").unique(maintain_order=True).alias("tickers"),
        pl.struct("symbol", "method", "start", "end").alias("mentions"),
    )
    base = pl.DataFrame({"row": pl.arange(0, n_rows, eager=True).cast(pl.UInt32)})
    out = base.join(agg, on="row", how="left", maintain_order="left")
    mention_dtype = pl.List(
        pl.Struct({"symbol": pl.String, "method": pl.String, "start": pl.Int64, "end": pl.Int64})
    )
    return out.with_columns(
        pl.col("tickers").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("mentions").cast(mention_dtype).fill_null(pl.lit([], dtype=mention_dtype)),
    )


def extract_tickers(
    texts: pl.Series,
    universe: TickerUniverse,
    focus_symbols: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Per text: ``tickers`` (list of symbols) and ``mentions`` (list of structs)."""
    m = extract_mentions(texts, universe, focus_symbols)
    return mentions_per_row(m, texts.len()).drop("row")

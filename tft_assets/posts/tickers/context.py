"""Evidence for ambiguous mentions: ratios dropped, declared symbols, shouted text, context.

An ambiguous mention needs stock context (:data:`~tft_assets.posts.universe.STOCK_CONTEXT_PATTERN`)
or another confident ticker within ±:data:`CONTEXT_WINDOW_CHARS` characters; a bare symbol outside
the focus set is dropped in shouted text (more than :data:`SHOUTING_UPPER_SHARE` of the letters
upper case) and amid shouted words.
"""

from __future__ import annotations

import polars as pl

from tft_assets.posts.tickers.tables import Tables
from tft_assets.posts.tickers.tokens import LEAD_CHARS, TRAIL_CHARS
from tft_assets.posts.universe import STOCK_CONTEXT_PATTERN

CONTEXT_WINDOW_CHARS = 50
SINGLE_LETTER_WINDOW_CHARS = 15
SHOUTING_UPPER_SHARE = 0.6


def drop_ratios(m: pl.DataFrame, texts: pl.Series) -> pl.DataFrame:
    """Drop a bare one- or two-letter symbol that is half of a ratio ("P/E", "EV/S", "Q/Q"):
    a slash joins it to a neighbour of one or two letters."""
    short_sym = (pl.col("method") == "symbol") & (pl.col("symbol").str.len_chars() <= 2)
    short = m.filter(short_sym)
    if short.height == 0:
        return m
    text = texts.gather(short.get_column("row"))
    after = text.str.slice(short.get_column("end"), 1)
    before = text.str.slice((short.get_column("start") - 1).clip(0, None), 1)

    def short_word(col: str) -> pl.Series:
        core = short.get_column(col).str.strip_chars_end(TRAIL_CHARS)
        return core.str.contains(r"^[A-Za-z]{1,2}$").fill_null(False)

    ratio = ((after == "/") & short_word("_next")) | (
        (short.get_column("start") > 0) & (before == "/") & short_word("_prev")
    )
    if not ratio.any():
        return m
    halves = short.filter(ratio).select("row", "start")
    return m.join(halves, on=["row", "start"], how="anti", maintain_order="left")


def declared(m: pl.DataFrame, texts: pl.Series) -> pl.DataFrame:
    """Mark a bare upper-case symbol in parentheses right after a capitalised name, the way
    articles and DD posts declare one ("Ford (F)", "Bed Bath & Beyond (BBBY)"): it needs no
    further context and is no shouted word (column ``declared``)."""
    text = texts.gather(m.get_column("row"))
    before = text.str.slice((m.get_column("start") - 1).clip(0, None), 1)
    after = text.str.slice(m.get_column("end"), 1)
    declared = (
        (m.get_column("method") == "symbol")
        & m.get_column("core").str.contains(r"^[A-Z]")
        & (m.get_column("start") > 0)
        & (before == "(")
        & (after == ")")
        & m.get_column("_prev").str.contains(r"^[A-Z][\w&.'’-]*[A-Za-z]$").fill_null(False)
    )
    return m.with_columns(
        declared.alias("declared"), (pl.col("needs_ctx") & ~declared).alias("needs_ctx")
    )


#: Neighbour words that make an upper-case mention solid even in shouted text.
_STRONG_NEIGHBOUR = (
    r"(?i)^(?:calls?|puts?|shares?|buy|sell|long|short|\d+(?:\.\d+)?[cp]|\$\d[\d.,]*[kmb]?)$"
)
#: Upper-case connectors between symbols ("GME AND AMC") that are not shouting.
_CONNECTORS = ["AND", "OR", "VS", "N"]


def _local_shouting(tab: Tables) -> pl.Expr:
    """Struct of two Booleans per token: ``local`` when it stands among shouted words
    ("HOLD THE LINE", "FOR ALOT OF": a neighbour is an ordinary upper-case word - not a
    symbol, or a blacklisted/common one - and the other neighbour is absent, not a word, or
    upper case too); ``strong`` when a neighbour is a strong stock word (``PUTS``, ``$40c``,
    ``shares``; not for a symbol that is a common word, "FOR MORE SHARES") or, for a symbol
    that is no word, a watched symbol (``EXPR, NOK``), or, for any symbol, tickers on both
    sides (``BB AG PLTR``), which keeps a symbol even in shouted text."""

    def clean(col: str) -> pl.Expr:
        return pl.col(col).str.strip_chars_start(LEAD_CHARS).str.strip_chars_end(TRAIL_CHARS)

    def ordinary(col: str) -> pl.Expr:
        w = clean(col)
        return (
            w.str.contains(r"^[A-Z]{2,}$")
            & ~w.is_in(_CONNECTORS)
            & (
                ~w.is_in(tab.symbol_spellings.implode())
                | w.is_in(tab.blacklist.implode())
                | w.str.to_lowercase().is_in(tab.common.implode())
            )
        ).fill_null(False)

    def quiet(col: str) -> pl.Expr:  # absent, or no lower-case letter
        return (~clean(col).str.contains(r"[a-z]")).fill_null(True)

    def strong(col: str) -> pl.Expr:
        return clean(col).str.contains(_STRONG_NEIGHBOUR).fill_null(False)

    def watched(col: str) -> pl.Expr:
        return clean(col).is_in(tab.focus_upper.implode()).fill_null(False)

    def ticker(col: str) -> pl.Expr:  # a watched symbol, or one that is no word
        w = clean(col)
        return (
            w.is_in(tab.focus_upper.implode()) | w.is_in(tab.plain_symbols.implode())
        ).fill_null(False)

    # a symbol that is no word, listed beside a watched one ("EXPR, NOK"), is no shouting;
    # nor is any symbol amid a list of tickers ("NOK BB AG PLTR")
    listed = (
        (watched("_prev") | watched("_next"))
        & ~(
            pl.col("symbol").is_in(tab.wordlike_symbols.implode())
            | pl.col("symbol").str.to_lowercase().is_in(tab.common.implode())
            | (pl.col("symbol").str.len_chars() <= 2)
        )
    ) | (ticker("_prev") & ticker("_next"))

    shouted = (ordinary("_prev") & quiet("_next")) | (ordinary("_next") & quiet("_prev"))
    return pl.struct(
        shouted.alias("local"),
        # a common word ("FOR MORE SHARES") stays a word even beside a strong one
        (
            (
                (strong("_prev") | strong("_next"))
                & ~pl.col("symbol").is_in(tab.wordlike_symbols.implode())
            )
            | listed
        ).alias("strong"),
    )


def apply_context(
    m: pl.DataFrame, texts: pl.Series, focus: frozenset[str], tab: Tables
) -> pl.DataFrame:
    """Keep ambiguous mentions only with evidence, and distrust shouted text.

    Evidence for an ambiguous mention: stock context (:data:`STOCK_CONTEXT_PATTERN`) within
    ±:data:`CONTEXT_WINDOW_CHARS` characters (±:data:`SINGLE_LETTER_WINDOW_CHARS` for a
    one-letter symbol), or a confident mention of another ticker in that window. In shouted
    text (mostly upper case), or amid shouted words (``local``), a bare upper-case symbol
    outside the focus set is dropped.
    """
    bare = (pl.col("method") == "symbol") & pl.col("core").str.contains(r"^[A-Z]")
    # a symbol of 3+ letters that is no English word (``CTRM``, ``NAKD``) is no shouted word
    distinct = pl.col("symbol").is_in(tab.plain_symbols.implode())
    m = m.with_columns(
        (bare & ~pl.col("symbol").is_in(sorted(focus)) & ~distinct & ~pl.col("declared")).alias(
            "_risk"
        )
    )
    risky = m.filter(pl.col("_risk"))
    if risky.height:  # shouted-words context, only where it can matter
        risky = risky.with_columns(_local_shouting(tab).alias("_s")).unnest("_s")
        m = pl.concat(
            [
                m.filter(~pl.col("_risk")).with_columns(
                    pl.lit(False).alias("local"), pl.lit(False).alias("strong")
                ),
                risky,
            ]
        ).with_columns(pl.col("_risk") & ~pl.col("strong"))
    else:
        m = m.with_columns(pl.lit(False).alias("local"), pl.lit(False).alias("strong"))
    m = m.drop("_prev", "_next", "strong", "declared")
    rows = m.filter(pl.col("_risk") & ~pl.col("local")).get_column("row").unique()
    if rows.len() > 0:
        t = texts.gather(rows)
        upper = t.str.count_matches(r"[A-Z]")
        lower = t.str.count_matches(r"[a-z]")
        shouting = pl.DataFrame(
            {"row": rows, "shouting": upper > SHOUTING_UPPER_SHARE * (upper + lower)}
        )
        m = m.join(shouting, on="row", how="left")
    else:
        m = m.with_columns(pl.lit(None, dtype=pl.Boolean).alias("shouting"))
    m = m.filter(~(pl.col("_risk") & (pl.col("shouting").fill_null(False) | pl.col("local")))).drop(
        "shouting", "_risk"
    )
    need = m.filter(pl.col("needs_ctx"))
    if need.height == 0:
        return m
    sure = m.filter(~pl.col("needs_ctx"))
    width = (
        pl.when(pl.col("symbol").str.len_chars() == 1)
        .then(SINGLE_LETTER_WINDOW_CHARS)
        .otherwise(CONTEXT_WINDOW_CHARS)
    )
    need = need.with_columns(width.alias("_w")).with_row_index("_i")
    rows = need.get_column("row")
    txt = texts.gather(rows)
    win_start = (need.get_column("start") - need.get_column("_w")).clip(0, None)
    win_len = need.get_column("end") + need.get_column("_w") - win_start
    window = pl.DataFrame({"t": txt, "s": win_start, "n": win_len}).select(
        pl.col("t").str.slice(pl.col("s"), pl.col("n")).alias("w")
    )
    context = window.get_column("w").str.contains(STOCK_CONTEXT_PATTERN)
    # another confident ticker nearby (lists such as "GME, NOK, BB")
    near = (
        need.select("_i", "row", "start", "_w")
        .sort("row", "start")
        .join_asof(
            sure.select("row", pl.col("start").alias("sure_start")).sort("row", "sure_start"),
            left_on="start",
            right_on="sure_start",
            by="row",
            strategy="nearest",
            check_sortedness=False,
        )
        .with_columns(
            ((pl.col("sure_start") - pl.col("start")).abs() <= pl.col("_w"))
            .fill_null(False)
            .alias("near")
        )
        .sort("_i")
        .get_column("near")
    )
    need = need.filter(context | near).drop("_w", "_i")
    return pl.concat([sure, need], how="vertical")

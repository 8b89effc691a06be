"""Context evidence around a candidate: ratios, declared symbols, shouting, stock words, co-mentions.

* :func:`drop_ratios` removes half of a ratio ("P/E", "EV/S") - no evidence can save it;
* :func:`declared`: a symbol in parentheses after a capitalised name ("Ford (F)");
* :func:`shouted_near` and :func:`amid_shouting`: the text's own casing. An upper-case token
  is evidence of a symbol only where the text writes in lower case around it; shouted text
  (more than :data:`SHOUTING_UPPER_SHARE` of the letters within ±:data:`SHOUTING_WINDOW_CHARS`
  characters upper case) or a run of shouted words ("HOLD THE LINE") gives none;
* :func:`strong_neighbour`: a neighbour that only a security has ("calls", "shares", "$40c");
* :func:`stock_context`: stock words (:data:`~tft_assets.posts.universe.STOCK_CONTEXT_PATTERN`)
  within ±:data:`CONTEXT_WINDOW_CHARS` characters (±:data:`SINGLE_LETTER_WINDOW_CHARS` for a
  one-letter symbol);
* :func:`co_mentioned`: another ticker read with confidence in that window ("GME, NOK, BB");
  :func:`list_neighbours`: tickers right beside it ("NAKD BBY", "AMC, GEO, CXW", "SLV AND
  AG").

Each returns one value per candidate; the weights live in
:mod:`~tft_assets.posts.tickers.evidence`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tft_assets.posts.tickers.tables import Tables
from tft_assets.posts.tickers.tokens import LEAD_CHARS, TRAIL_CHARS
from tft_assets.posts.universe import STOCK_CONTEXT_PATTERN

CONTEXT_WINDOW_CHARS = 50
SINGLE_LETTER_WINDOW_CHARS = 15
SHOUTING_UPPER_SHARE = 0.6
SHOUTING_WINDOW_CHARS = 100

#: Words before a symbol that only a security has: its shares, a trade in it ("buy GME",
#: "calls GME"); not "call" alone, as often the verb ("CALL YOUR STATE AG").
STRONG_PREV_PATTERN = r"(?i)^(?:calls|puts|shares|stocks?|leaps|buy|sell|long|short)$"
#: What follows a security's symbol: its options, shares, stock, earnings, a strike or a
#: price ("GME calls", "SLV $24C", "AMC $20").
STRONG_NEXT_PATTERN = (
    r"(?i)^(?:calls?|puts?|shares?|stocks?|leaps|options|earnings|"
    r"\$?\d+(?:\.\d+)?[cp]|\$\d[\d.,]*[kmb]?)$"
)
#: Upper-case connectors between symbols ("GME AND AMC") that are not shouting.
_CONNECTORS = ["AND", "OR", "VS", "N"]


def drop_ratios(m: pl.DataFrame, texts: pl.Series) -> pl.DataFrame:
    """Drop a bare one- or two-letter symbol that is half of a ratio ("P/E", "EV/S", "Q/Q"):
    a slash joins it to a neighbour of one or two letters, and no slash on its other side
    makes it an item of a longer list ("AMC/X/BB/EXPR"); or a unit after a number
    ("$29/oz", "10/sh")."""
    short_sym = (pl.col("method") == "symbol") & (pl.col("symbol").str.len_chars() <= 2)
    short = m.filter(short_sym)
    if short.height == 0:
        return m
    text = texts.gather(short.get_column("row"))
    after = text.str.slice(short.get_column("end"), 1)
    before = text.str.slice((short.get_column("start") - 1).clip(0, None), 1)
    lo = (short.get_column("start") - 2).clip(0, None)
    per_unit = (before == "/") & text.str.slice(lo, short.get_column("start") - lo).str.contains(
        r"\d/$"
    )

    def short_word(col: str) -> pl.Series:
        core = short.get_column(col).str.strip_chars_end(TRAIL_CHARS)
        return core.str.contains(r"^[A-Za-z]{1,2}$").fill_null(False)

    # a slash on both sides makes a list of three or more ("AMC/X/BB/EXPR"), not a ratio
    chained = (after == "/") & (before == "/") & (short.get_column("start") > 0)
    ratio = (
        ((after == "/") & short_word("_next"))
        | ((short.get_column("start") > 0) & (before == "/") & short_word("_prev"))
    ) & ~chained | per_unit
    if not ratio.any():
        return m
    halves = short.filter(ratio).select("row", "start")
    return m.join(halves, on=["row", "start"], how="anti", maintain_order="left")


def declared(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: a bare upper-case symbol in parentheses right after a capitalised name,
    the way articles and DD posts declare one ("Ford (F)", "Bed Bath & Beyond (BBBY)")."""
    text = texts.gather(m.get_column("row"))
    before = text.str.slice((m.get_column("start") - 1).clip(0, None), 1)
    after = text.str.slice(m.get_column("end"), 1)
    return (
        (m.get_column("method") == "symbol")
        & m.get_column("core").str.contains(r"^[A-Z]")
        & (m.get_column("start") > 0)
        & (before == "(")
        & (after == ")")
        & m.get_column("_prev").str.contains(r"^[A-Z][\w&.'’-]*[A-Za-z]$").fill_null(False)
    )


def per_row(rows: pl.Series, texts: pl.Series, test) -> pl.Series:
    """``test`` (texts -> Booleans) once per distinct row index in ``rows``, one value per
    element of ``rows``; on all texts at once when they are the cheaper to scan."""
    if texts.len() <= 2 * rows.len():
        values = test(texts).fill_null(False).to_numpy()
    else:
        uniq = rows.unique()
        values = np.zeros(texts.len(), dtype=bool)
        values[uniq.to_numpy()] = test(texts.gather(uniq)).fill_null(False).to_numpy()
    return pl.Series(values[rows.to_numpy()], dtype=pl.Boolean)


def shouted_near(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: the text around it is shouted - more than :data:`SHOUTING_UPPER_SHARE`
    of the letters within ±:data:`SHOUTING_WINDOW_CHARS` characters upper case (the whole of a
    short text; a long one may shout in one line only)."""
    start = m.get_column("start")
    lo = (start - SHOUTING_WINDOW_CHARS).clip(0, None)
    near = texts.gather(m.get_column("row")).str.slice(
        lo, m.get_column("end") + SHOUTING_WINDOW_CHARS - lo
    )
    upper = near.str.count_matches(r"[A-Z]")
    lower = near.str.count_matches(r"[a-z]")
    return upper > SHOUTING_UPPER_SHARE * (upper + lower)


def _clean(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars_start(LEAD_CHARS).str.strip_chars_end(TRAIL_CHARS)


def amid_shouting(m: pl.DataFrame, texts: pl.Series, tab: Tables) -> pl.Series:
    """Per candidate: it stands beside a shouted word ("HOLD THE LINE", "FOR ALOT OF",
    "BUSINESS UNIT"): a neighbour joined by a space only (not a list: "JD, NET, and BBBY") is
    an ordinary upper-case word - no symbol, or a blacklisted or common one."""

    def ordinary(col: str) -> pl.Expr:
        w = _clean(col)
        return (
            w.str.contains(r"^[A-Z]{2,}$")
            & ~w.is_in(_CONNECTORS)
            & (
                ~w.is_in(tab.symbol_spellings.implode())
                | w.is_in(tab.blacklist.implode())
                | w.str.to_lowercase().is_in(tab.common.implode())
            )
        ).fill_null(False)

    words = m.select(ordinary("_prev").alias("p"), ordinary("_next").alias("n"))
    text = texts.gather(m.get_column("row"))
    start, end = m.get_column("start"), m.get_column("end")
    before = text.str.slice((start - 1).clip(0, None), 1) == " "
    after = text.str.slice(end, 1) == " "
    return (words.get_column("p") & before) | (words.get_column("n") & after)


#: A list separator between tickers: punctuation or a connector word.
_LIST_SEP = r"\s*[,/&+;|]\s*|\s+(?:and|or|AND|OR|n|N|vs\.?|VS)\s+"
_LIST_BEFORE_RE = r"(?:^|[^\w$])\$?([A-Z][A-Z.]{0,6})(" + _LIST_SEP + r"|\s+)$"
_LIST_AFTER_RE = r"^(" + _LIST_SEP + r"|\s+)\$?([A-Z][A-Z.]{0,6})(?:[^\w]|$)"


def list_neighbours(m: pl.DataFrame, texts: pl.Series, tab: Tables) -> pl.DataFrame:
    """Per candidate, for each side: the nearest word is a ticker - a watched symbol or a
    symbol that is no word - as in lists ("AMC, GEO, CXW", "SLV AND AG", "NAKD BBY"):
    columns ``ticker_sides`` (0, 1, 2) and ``listed_sides``, the sides where a list
    separator (``,``, ``/``, ``and``, ...) stands between, not only a space."""
    text = texts.gather(m.get_column("row"))
    start, end = m.get_column("start"), m.get_column("end")
    lo = (start - 16).clip(0, None)
    before = text.str.slice(lo, start - lo).str.extract_groups(_LIST_BEFORE_RE)
    after = text.str.slice(end, 16).str.extract_groups(_LIST_AFTER_RE)
    tickers = pl.concat([tab.focus_upper, tab.plain_symbols]).implode()

    def side(tok: pl.Series, sep: pl.Series) -> tuple[pl.Series, pl.Series]:
        is_ticker = tok.str.strip_chars_end(".").is_in(tickers).fill_null(False)
        return is_ticker, is_ticker & sep.str.contains(r"\S").fill_null(False)

    b_t, b_l = side(before.struct.field("1"), before.struct.field("2"))
    a_t, a_l = side(after.struct.field("2"), after.struct.field("1"))
    return pl.DataFrame(
        {
            "ticker_sides": b_t.cast(pl.Int8) + a_t.cast(pl.Int8),
            "listed_sides": b_l.cast(pl.Int8) + a_l.cast(pl.Int8),
        }
    )


def strong_neighbour() -> pl.Expr:
    """A neighbour is a word only a security has: before it :data:`STRONG_PREV_PATTERN`, after
    it :data:`STRONG_NEXT_PATTERN` (a price before is no evidence: "my $45 CC's")."""
    return _clean("_prev").str.contains(STRONG_PREV_PATTERN).fill_null(False) | _clean(
        "_next"
    ).str.contains(STRONG_NEXT_PATTERN).fill_null(False)


def _window_width() -> pl.Expr:
    return (
        pl.when(pl.col("symbol").str.len_chars() == 1)
        .then(SINGLE_LETTER_WINDOW_CHARS)
        .otherwise(CONTEXT_WINDOW_CHARS)
    )


def stock_context(m: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """Per candidate: stock words (:data:`STOCK_CONTEXT_PATTERN`) within the window."""
    if m.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    width = m.select(_window_width()).to_series()
    start = (m.get_column("start") - width).clip(0, None)
    length = m.get_column("end") + width - start
    window = pl.DataFrame({"t": texts.gather(m.get_column("row")), "s": start, "n": length}).select(
        pl.col("t").str.slice(pl.col("s"), pl.col("n"))
    )
    return window.to_series().str.contains(STOCK_CONTEXT_PATTERN)


def co_mentioned(m: pl.DataFrame, sure: pl.DataFrame) -> pl.Series:
    """Per candidate of ``m``: a confident mention in ``sure`` (``row``, ``start``,
    ``symbol``) of another ticker, starting elsewhere, lies within the window, as in lists
    ("GME, NOK, BB"). The nearest confident mention on each side decides."""
    if m.height == 0 or sure.height == 0:
        return pl.repeat(False, m.height, eager=True)
    left = m.select("row", "start", "symbol", _window_width().alias("_w")).with_row_index("_i")
    left = left.sort("row", "start")
    right = sure.select(
        "row", pl.col("start").alias("sure_start"), pl.col("symbol").alias("sure_symbol")
    ).sort("row", "sure_start")
    near = []
    for strategy in ("backward", "forward"):
        j = left.join_asof(
            right,
            left_on="start",
            right_on="sure_start",
            by="row",
            strategy=strategy,
            allow_exact_matches=False,
            check_sortedness=False,
        )
        close = (j["sure_start"] - j["start"]).abs() <= j["_w"]
        near.append((close & (j["sure_symbol"] != j["symbol"])).fill_null(False))
    hit = pl.DataFrame({"_i": left.get_column("_i"), "near": near[0] | near[1]}).sort("_i")
    return hit.get_column("near")

"""Enumerations of tickers: lists such as "APHA, ACB, and TLRY" or "AG and SSRM, SLV".

A run of symbol-shaped tokens (upper case with an optional ``$``, or a symbol written in lower
case: "ag", "slv") joined by list separators - a comma, slash, semicolon, ``&``, ``+``, ``|``
or ``?`` ("AG?  SLV?  SILV?"), a connector word ("and", "or", ", and"), or line breaks, one
item per line with an optional bullet - is an enumeration (:func:`enumeration_items`). Plain
spaces join none: a run of shouted words ("HOLD THE LINE") is no list.

An enumeration holding an accepted mention is a list of tickers, and its other items are
evidence of symbols (:func:`list_mates`): a candidate of a listed symbol there gets the
``in_list`` points of :mod:`~tft_assets.posts.tickers.evidence`; an upper-case item that no
listing of the universe has (a foreign, renamed or delisted issue: "ACB", "SSRM") becomes a
candidate of form ``enumerated`` unless it is blacklisted, an English word, a familiar token
(:data:`LIST_ITEM_MAX_ZIPF`) or an over-the-counter symbol of a foreign issue. Only the texts
where an accepted mention stands beside a list separator are read (:func:`listing_rows`).
"""

from __future__ import annotations

import polars as pl

from tft_assets.posts.tickers.candidates import plausible_unlisted
from tft_assets.posts.tickers.tables import Tables
from tft_assets.posts.tickers.tokens import TRAIL_CHARS, core_columns, token_frame

#: An item of an enumeration: a symbol in upper, lower or title case, optionally a cashtag
#: or with a class.
ITEM_PATTERN = r"^\$?(?:[A-Z]{1,5}|[a-z]{2,5}|[A-Z][a-z]{1,4})(?:\.[A-Z]{1,2})?$"
#: Words that join two items without being one ("AG and SSRM", "GME or AMC").
CONNECTOR_WORDS = ("and", "or", "AND", "OR", "&", "n", "N", "vs", "vs.", "VS")
#: What may stand between two items of an enumeration: one separator mark (with a connector
#: word after it: "ACB, and TLRY"), a connector word alone, or line breaks (an optional
#: bullet before the next item) - never plain spaces.
GAP_PATTERN = (
    r"^(?:[^\S\n]*[,/;&|+?][^\S\n]*(?:(?:and|or|&)[^\S\n]+)?"
    r"|[^\S\n]+(?:and|or|AND|OR|&|n|N|vs\.?|VS)[^\S\n]+"
    r"|[^\S\n]*(?:\n[^\S\n]*)+(?:[-*•][^\S\n]+)?)$"
)
#: The longest gap between two items looked at (", and ", a few line breaks and a bullet).
_GAP_MAX_CHARS = 12
#: A symbol a list item may be without a listing: two to five letters.
UNLISTED_ITEM_PATTERN = r"^[A-Z]{2,5}$"
#: Zipf frequency below which an unlisted item that is no English word is no familiar token
#: of text ("ACB" 2.6, "APHA" 2.2, "SSRM" 0; not "CEO", "USA", "IPO", "ETF").
LIST_ITEM_MAX_ZIPF = 3.0


#: Characters that make a token cased: an upper-case letter or ``$``.
_CASED = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "$"]
#: Columns of an item: its text's row, its span and its written form.
_SPAN_SCHEMA = {"row": pl.UInt32, "start": pl.Int64, "end": pl.Int64, "core": pl.String}
#: The longest token an item can be: a cashtag of five letters with a class, a quote and
#: trailing punctuation; longer tokens are looked at no further.
_ITEM_TOKEN_MAX_CHARS = 10


def _item_tokens(texts: pl.Series, rows: pl.Series, tab: Tables) -> pl.DataFrame:
    """The tokens of the texts at ``rows`` (``row``: index into ``texts``) shaped like an
    item (:data:`ITEM_PATTERN`): cased (an upper-case letter or ``$``: "ACB", "Ag", "$AG")
    or a symbol that may be written in lower case ("ag", "slv"); with ``core``, ``start``
    and ``end``. The tokens between two of them are left out: the gap text between them
    tells whether they are joined."""
    t = token_frame(texts.gather(rows))
    tok = pl.col("tok")
    lower = tok.str.strip_chars_end(TRAIL_CHARS).is_in(tab.lower_symbol_words.implode())
    t = t.filter(
        (tok.str.len_chars() <= _ITEM_TOKEN_MAX_CHARS) & (tok.str.contains_any(_CASED) | lower)
    )
    t = t.with_columns(core_columns(tok, pl.col("raw_start")))
    t = t.filter(pl.col("core").str.contains(ITEM_PATTERN) & ~pl.col("core").is_in(CONNECTOR_WORDS))
    return t.select(rows.gather(t.get_column("row")).alias("row"), "core", "start", "end")


def enumeration_items(texts: pl.Series, rows: pl.Series, tab: Tables) -> pl.DataFrame:
    """The items of the enumerations in the texts at ``rows`` (distinct indices into
    ``texts``): ``row``, ``start``, ``end``, ``core``, ``run`` (one id per enumeration)."""
    empty = pl.DataFrame(schema={**_SPAN_SCHEMA, "run": pl.UInt32})
    if rows.len() == 0:
        return empty
    t = _item_tokens(texts, rows.cast(pl.UInt32), tab)
    if t.height < 2:
        return empty
    rows_of, start, end = t.get_column("row"), t.get_column("start"), t.get_column("end")
    gap_chars = start.shift(-1) - end
    at = (
        ((rows_of == rows_of.shift(-1)) & (gap_chars >= 1) & (gap_chars <= _GAP_MAX_CHARS))
        .fill_null(False)
        .arg_true()
    )
    if at.len() == 0:
        return empty
    gap = texts.gather(rows_of.gather(at)).str.slice(end.gather(at), gap_chars.gather(at))
    link = pl.repeat(False, t.height, eager=True).scatter(at, gap.str.contains(GAP_PATTERN))
    # a run starts at each item not joined from the previous one; an item is in a run when
    # joined to the next or from the previous one
    linked_from = link.shift(1).fill_null(False)
    t = t.with_columns(
        (~linked_from).cum_sum().cast(pl.UInt32).alias("run"),
        (link | linked_from).alias("_in_run"),
    )
    return t.filter(pl.col("_in_run")).select("row", "start", "end", "core", "run")


#: A list separator right after an item, or right before one ("GME, ", " and AMC", "\n- AG"):
#: the texts where an accepted mention has one are those worth reading for enumerations.
_SEPARATOR_AFTER_RE = r"^(?:[^\S\n]*[,/;&|+?\n]|[^\S\n]+(?:and|or|AND|OR|&|n|N|vs\.?|VS)[^\S\n])"
_SEPARATOR_BEFORE_RE = (
    r"(?:[,/;&|+?\n][^\S\n]*|[^\S\n](?:and|or|AND|OR|&|n|N|vs\.?|VS)[^\S\n]+"
    r"|\n[^\S\n]*[-*•][^\S\n]+)$"
)
#: Characters looked at beside an accepted mention for a list separator.
_SEPARATOR_LOOK_CHARS = 6


def listing_rows(accepted: pl.DataFrame, texts: pl.Series) -> pl.Series:
    """The distinct rows (sorted) where an accepted mention of ``accepted`` (``row``,
    ``start``, ``end``) has a list separator beside it."""
    text = texts.gather(accepted.get_column("row"))
    start, end = accepted.get_column("start"), accepted.get_column("end")
    lo = (start - _SEPARATOR_LOOK_CHARS).clip(0, None)
    after = text.str.slice(end, _SEPARATOR_LOOK_CHARS).str.contains(_SEPARATOR_AFTER_RE)
    before = text.str.slice(lo, start - lo).str.contains(_SEPARATOR_BEFORE_RE)
    return accepted.get_column("row").filter(after | before).unique().sort()


def list_mates(scored: pl.DataFrame, texts: pl.Series, tab: Tables) -> pl.DataFrame:
    """The items of enumerations holding an accepted candidate of ``scored`` that are not
    accepted themselves: ``row``, ``start``, ``end``, ``core``, ``symbol`` and ``listed``
    (the symbol is in the universe; else it passed the tests of an unlisted item, see the
    module docstring)."""
    accepted = scored.filter(pl.col("accepted")).select("row", "start", "end")
    empty = pl.DataFrame(schema={**_SPAN_SCHEMA, "symbol": pl.String, "listed": pl.Boolean})
    if accepted.height == 0:
        return empty
    items = enumeration_items(texts, listing_rows(accepted, texts), tab)
    if items.height == 0:
        return empty
    items = items.join(
        accepted.select("row", "start", pl.lit(True).alias("_accepted")),
        on=["row", "start"],
        how="left",
    ).with_columns(pl.col("_accepted").fill_null(False))
    lists = items.group_by("run").agg(pl.col("_accepted").any().alias("_ticker_list"))
    items = items.join(lists, on="run").filter(pl.col("_ticker_list") & ~pl.col("_accepted"))
    written = pl.col("core").str.strip_chars_start("$")
    sym = written.str.to_uppercase()
    items = items.with_columns(
        sym.alias("symbol"), sym.is_in(tab.symbols.implode()).alias("listed")
    )
    unlisted = plausible_unlisted(
        items.filter(~pl.col("listed") & written.str.contains(UNLISTED_ITEM_PATTERN)),
        tab,
        LIST_ITEM_MAX_ZIPF,
    )
    listed = items.filter(pl.col("listed"))
    return pl.concat([listed, unlisted]).select(empty.columns).sort("row", "start")

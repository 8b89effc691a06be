"""Ticker extraction: cashtags, bare symbols, share classes and company names, with spans.

Rules (applied to every candidate token of a text at once, as Polars expressions; a cheap
exact pre-filter keeps only tokens that can pass one, so most words never reach the rules):

* ``cashtag`` — ``$GME``, ``$gme``, ``$BRK.B``: counts whenever the symbol is in the universe.
* ``symbol`` — a bare upper-case token (``GME``, ``BRK.B``, ``BF-B``) in the universe and not
  in :data:`~tft_assets.posts.universe.BLACKLIST` nor one of the most frequent English words
  (``AND``, ``MORE``: Zipf >= :data:`~tft_assets.posts.universe.VERY_COMMON_WORD_ZIPF`),
  nor half of a ratio (``P/E``). A symbol declared in parentheses after a capitalised name
  ("Ford (F)") needs no other evidence. An *ambiguous* symbol (one or two letters,
  or an English word such as ``OPEN`` or ``SPY``) also needs stock context (keywords,
  ``$40c``, ``calls``, ``shares`` ...) within ±:data:`CONTEXT_WINDOW_CHARS` characters.
  Outside the focus set (watchlist and curated WSB listings), a bare symbol is rejected in shouted
  (mostly upper-case) text and amid shouted words ("HOLD THE LINE"), unless a neighbour is a
  strong stock word ("PTON PUTS", "$40c").
  A lower- or title-case token (``gme``, ``Expr``) counts for focus symbols that are not
  English words (two-letter ones such as ``bb`` need context), and for any other symbol of
  three or more letters that is no English word (``expr``, ``Nakd``; title case not within
  a longer proper noun such as "Ryan Cohen") when stock context is near. Another confident ticker within the window counts as context ("GME, NOK, BB").
* ``name`` — a company name or alias (``GameStop``, ``BlackBerry``, ``General Motors``),
  one or two tokens, any case; or the first word of a listed company's name written as a
  proper noun (``Peloton``, ``Novavax``) with stock context near, and, when that word is an
  English word, neither at a sentence start nor in headline-case text.

Emoji separate tokens ("🚀GameStop"). Spans are character offsets ``[start, end)`` into the text given (code points, as Python
indexes strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from tft_assets.posts.lexicon import OTHER_WHITE_SPACE
from tft_assets.posts.universe import (
    BLACKLIST,
    STOCK_CONTEXT_PATTERN,
    VERY_COMMON_WORD_ZIPF,
    TickerUniverse,
    english_words,
    is_common_word,
    is_english_word,
    word_zipf,
)

CONTEXT_WINDOW_CHARS = 50
SINGLE_LETTER_WINDOW_CHARS = 15
SHOUTING_UPPER_SHARE = 0.6
MAX_TOKEN_CHARS = 40
#: A symbol whose text frequency (``wordfreq`` Zipf) reaches this is a frequent token of
#: chat ("alot" 3.9, "ppl" 3.7, "app" 4.9) even when no dictionary lists it; real symbols
#: stay below it ("gme" 2.0, "nok" 2.8, "amc" 3.4).
DISTINCT_SYMBOL_MAX_ZIPF = 3.5

#: Characters that separate tokens for ticker matching besides the space (Unicode
#: ``White_Space`` and punctuation), each replaced by one space so character offsets are
#: kept; a literal multi-pattern replace is much faster than a regex.
_SEPARATOR_CHARS: list[str] = [*OTHER_WHITE_SPACE, *'/,;()[]{}|<>*"“”=+#~^_']
_LEAD_CHARS = "\"'‘“`"
_TRAIL_CHARS = ".!?:'’…-`"
_POSSESSIVES = ("", "'s", "’s", "'S", "’S")

MENTION_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "symbol": pl.String(),
    "method": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
}
_METHOD_RANK = {"cashtag": 0, "symbol": 1, "name": 2}


def _token_frame(texts: pl.Series) -> pl.DataFrame:
    """One row per non-empty token: ``row``, ``tok`` (raw token), ``raw_start`` (char offset),
    in text order. Separators (:data:`_SEPARATOR_CHARS`, ``..``) become spaces, keeping offsets.
    ``texts``: String, no nulls."""
    text = texts
    non_ascii = text.str.len_bytes() != text.str.len_chars()
    if non_ascii.any():  # emoji separate tokens too ("🚀GameStop"); one code point, one space
        at = non_ascii.arg_true()
        # ``scatter`` writes in place: on a copy, the caller's texts keep their emoji
        emoji_free = text.gather(at).str.replace_all(r"\p{Extended_Pictographic}", " ")
        text = text.clone().scatter(at, emoji_free)
    patterns = ["...", "..", "…", *_SEPARATOR_CHARS]  # "XOM…It's": an ellipsis separates
    split = text.str.replace_many(
        patterns, [" " * len(x) for x in patterns], leftmost=True
    ).str.split(" ")
    lengths = split.list.len().to_numpy().astype(np.int64)  # >= 1 per text
    tok = split.explode()
    tok_chars = tok.str.len_chars().to_numpy().astype(np.int64)
    rows = np.repeat(np.arange(texts.len(), dtype=np.uint32), lengths)
    # offset of each token: running sum of (length + 1) within its text
    before = np.cumsum(tok_chars + 1) - (tok_chars + 1)
    row_first = np.cumsum(lengths) - lengths
    starts = before - np.repeat(before[row_first], lengths)
    keep = (tok_chars > 0) & (tok_chars <= MAX_TOKEN_CHARS)
    return pl.DataFrame(
        {"row": rows[keep], "tok": tok.filter(pl.Series(keep)), "raw_start": starts[keep]}
    )


def _core_columns(tok: pl.Expr, raw_start: pl.Expr) -> list[pl.Expr]:
    """``core`` (token without leading quotes and trailing punctuation / possessive),
    ``start`` and ``end`` (char offsets of the core)."""
    lead_stripped = tok.str.strip_chars_start(_LEAD_CHARS)
    core = (
        lead_stripped.str.strip_chars_end(_TRAIL_CHARS)
        .str.strip_suffix("'s")
        .str.strip_suffix("'S")
        .str.strip_suffix("’s")
        .str.strip_suffix("’S")
    )
    start = raw_start + (tok.str.len_chars() - lead_stripped.str.len_chars()).cast(pl.Int64)
    return [
        core.alias("core"),
        start.alias("start"),
        (start + core.str.len_chars().cast(pl.Int64)).alias("end"),
    ]


@dataclass(frozen=True)
class _Tables:
    symbols: pl.Series
    focus_lower: pl.Series
    focus_lower_words: pl.Series
    focus_upper: pl.Series
    common: pl.Series
    blacklist: pl.Series
    alias_single: dict[str, str]
    alias_double: dict[str, str]
    alias_single_keys: pl.Series
    alias_double_keys: pl.Series
    lower_spellings: pl.Series
    first_words: pl.Series
    first_word_spellings: pl.Series
    symbol_spellings: pl.Series
    plain_symbols: pl.Series
    wordlike_symbols: pl.Series
    proper: dict[str, str]
    proper_keys: pl.Series
    proper_english: pl.Series
    proper_spellings: pl.Series


@lru_cache(maxsize=16)
def _tables(universe: TickerUniverse, focus_symbols: frozenset[str]) -> _Tables:
    """Look-up series of a universe, built once per (universe, focus set)."""
    alias_single = {a: s for a, s in universe.aliases.items() if " " not in a}
    alias_double = {a: s for a, s in universe.aliases.items() if a.count(" ") == 1}
    focus_lower = sorted(s.lower() for s in focus_symbols if s in universe.symbols)
    first_words = {a.split(" ")[0] for a in alias_double}
    # symbols that are no English word nor a frequent token (``EXPR``, ``NAKD``; not
    # ``ALOT``, ``PPL``, ``APP``): may be written in lower case, and are no shouted word
    # (only with a word list to tell them apart)
    plain = sorted(
        x
        for x in universe.symbols - BLACKLIST
        if english_words()
        and x.isalpha()
        and len(x) >= 3
        and x.lower() not in universe.common_words
        and not is_english_word(x)
        and word_zipf(x) < DISTINCT_SYMBOL_MAX_ZIPF
    )
    # upper-case symbols that are also English words (``SPY``, ``LOVE``): need context
    wordlike = sorted(x for x in universe.symbols - BLACKLIST if x.isalpha() and is_common_word(x))
    # a symbol that is one of the most frequent English words ("AND", "MORE", "LONG")
    # counts only as a cashtag or a watched symbol, like the blacklist
    frequent = {x for x in wordlike if word_zipf(x) >= VERY_COMMON_WORD_ZIPF} - focus_symbols
    lower_words = sorted(set(focus_lower) | set(alias_single) | {x.lower() for x in plain})
    proper = {w: s for w, s in universe.proper_names.items() if w not in alias_single}
    return _Tables(
        symbols=pl.Series(sorted(universe.symbols), dtype=pl.String),
        focus_lower=pl.Series(focus_lower, dtype=pl.String),
        # watched symbols that are English words ("dis", "baba"): need context in lower case
        focus_lower_words=pl.Series(
            [x for x in focus_lower if is_english_word(x)], dtype=pl.String
        ),
        focus_upper=pl.Series([x.upper() for x in focus_lower], dtype=pl.String),
        common=pl.Series(sorted(universe.common_words), dtype=pl.String),
        blacklist=pl.Series(sorted(BLACKLIST | frequent), dtype=pl.String),
        alias_single=alias_single,
        alias_double=alias_double,
        alias_single_keys=pl.Series(sorted(alias_single), dtype=pl.String),
        alias_double_keys=pl.Series(sorted(alias_double), dtype=pl.String),
        plain_symbols=pl.Series(plain, dtype=pl.String),
        wordlike_symbols=pl.Series(wordlike, dtype=pl.String),
        first_words=pl.Series(sorted(first_words), dtype=pl.String),
        first_word_spellings=pl.Series(
            sorted({v for w in first_words for v in (w, w.title(), w.upper())}), dtype=pl.String
        ),
        lower_spellings=pl.Series(
            sorted(
                {w + end for w in lower_words for end in _POSSESSIVES}
                | {w + "s" for w in alias_single if not w.endswith("s")}  # "GameStops"
            ),
            dtype=pl.String,
        ),
        symbol_spellings=pl.Series(
            sorted(
                {
                    v + end
                    for s in universe.symbols - BLACKLIST
                    for v in (s, s.replace(".", "-"))
                    for end in _POSSESSIVES
                }
            ),
            dtype=pl.String,
        ),
        proper=proper,
        proper_keys=pl.Series(sorted(proper), dtype=pl.String),
        proper_english=pl.Series(
            sorted(w for w in proper if w in universe.common_words or is_common_word(w)),
            dtype=pl.String,
        ),
        proper_spellings=pl.Series(
            sorted({w.title() + end for w in proper for end in _POSSESSIVES}), dtype=pl.String
        ),
    )


def _sentence_start() -> pl.Expr:
    """The token starts its text or follows a sentence end."""
    return pl.col("_prev").is_null() | pl.col("_prev").str.contains(r"[.!?:…]['\"’”)]*$")


def _in_longer_name() -> pl.Expr:
    """The token is part of a longer proper noun ("Ryan Cohen", "Amazon Prime"): a
    capitalised neighbour that does not start the sentence."""
    capitalised = r"^[\"'‘“`]*[A-Z][a-z]"
    return (
        (pl.col("_prev").str.contains(capitalised) & ~_sentence_start())
        | pl.col("_next").str.contains(capitalised)
    ).fill_null(False)


def _proper_name_candidates(t: pl.DataFrame, texts: pl.Series, tab: _Tables) -> pl.DataFrame:
    """``Peloton``, ``Novavax``: the first word of a company name written as a proper noun
    (title case), not part of a longer proper noun ("Ryan Cohen"). Always needs stock
    context; an English word (``Apple``, ``Buckle``) must neither start a sentence ("Buckle
    up") nor stand in headline-case text, where every word is capitalised."""
    core, lw = pl.col("core"), pl.col("core").str.to_lowercase()
    c = t.filter(core.str.contains(r"^[A-Z][a-z]+$") & lw.is_in(tab.proper_keys.implode()))
    if c.height == 0:
        return c.with_columns(
            pl.lit(None, dtype=pl.String).alias("symbol"),
            pl.lit("name").alias("method"),
            pl.lit(True).alias("needs_ctx"),
        )
    english = lw.is_in(tab.proper_english.implode())
    sentence_start = _sentence_start()
    in_longer_name = _in_longer_name()
    rows = c.get_column("row").unique()
    sample = texts.gather(rows)
    headline = pl.DataFrame(
        {
            "row": rows,
            "_headline": sample.str.count_matches(r"(?-u:\b)[A-Z][a-z]{3,}")
            > sample.str.count_matches(r"(?-u:\b)[a-z]{4,}"),
        }
    )
    c = c.join(headline, on="row", how="left")
    return c.filter(
        ~in_longer_name & ~(english & (sentence_start | pl.col("_headline")))
    ).with_columns(
        lw.replace_strict(tab.proper, default=None).alias("symbol"),
        pl.lit("name").alias("method"),
        pl.lit(True).alias("needs_ctx"),
    )


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
    tab = _tables(universe, frozenset(focus_symbols))
    every = _token_frame(texts)
    if every.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    # cheap exact pre-filter: only tokens that can pass a rule get the regex work
    tok = every.get_column("tok")
    norm = tok.str.strip_chars_start(_LEAD_CHARS).str.strip_chars_end(_TRAIL_CHARS)
    cased = tok.str.contains(r"[A-Z$]")
    candidate = norm.is_in(tab.lower_spellings.implode())
    cased_at = cased.arg_true()
    if cased_at.len():
        norm_cased = norm.gather(cased_at)
        hit = (
            tok.gather(cased_at).str.contains("$", literal=True)
            | norm_cased.is_in(tab.symbol_spellings.implode())
            | norm_cased.str.to_lowercase().is_in(tab.lower_spellings.implode())
            | norm_cased.is_in(tab.proper_spellings.implode())
        )
        candidate = candidate.scatter(cased_at.filter(hit), True)
    if tab.alias_double_keys.len():
        # first word of a two-word name, when the next token completes the name
        first_at = norm.is_in(tab.first_word_spellings.implode()).arg_true()
        nxt_at = (first_at + 1).clip(0, every.height - 1)
        key = pl.DataFrame({"a": norm.gather(first_at), "b": norm.gather(nxt_at)}).select(
            pl.concat_str(["a", "b"], separator=" ").str.to_lowercase()
        )
        pair = key.to_series().is_in(tab.alias_double_keys.implode()) & (
            every.get_column("row").gather(nxt_at) == every.get_column("row").gather(first_at)
        )
        candidate = candidate.scatter(first_at.filter(pair), True)
    at = candidate.arg_true()
    if at.len() == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    nxt = (at + 1).clip(0, every.height - 1)
    prv = (at.cast(pl.Int64) - 1).clip(0, None)
    same_row_next = (every.get_column("row").gather(nxt) == every.get_column("row").gather(at)) & (
        at + 1 < every.height
    )
    same_row_prev = (every.get_column("row").gather(prv) == every.get_column("row").gather(at)) & (
        at > 0
    )
    t = every[at].with_columns(
        every.get_column("tok").gather(nxt).alias("next_tok"),
        every.get_column("raw_start").gather(nxt).alias("next_raw_start"),
        same_row_next.alias("has_next"),
        pl.when(same_row_next).then(every.get_column("tok").gather(nxt)).alias("_next"),
        pl.when(same_row_prev).then(every.get_column("tok").gather(prv)).alias("_prev"),
    )
    t = t.with_columns(_core_columns(pl.col("tok"), pl.col("raw_start")))

    core = pl.col("core")
    cash_sym = core.str.slice(1).str.to_uppercase().str.replace("-", ".", literal=True)
    is_cash = core.str.contains(r"^\$[A-Za-z]{1,5}(?:[.\-][A-Za-z]{1,2})?$")
    is_upper = core.str.contains(r"^[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?$")
    up_sym = core.str.replace("-", ".", literal=True)
    lw = core.str.to_lowercase()
    # ``gme``, ``Gme``, ``bb``: focus symbols written in lower/title case
    lower_shape = core.str.contains(r"^[A-Za-z][a-z]{1,4}$")
    is_lower = lower_shape & lw.is_in(tab.focus_lower.implode())
    # other symbols in lower/title case (``expr``): 3+ letters, not a word, with context
    # (title case only outside a longer proper noun: "Pltr" but not "Ryan Cohen")
    is_lower_other = (
        lower_shape
        & (core.str.len_chars() >= 3)
        & (core.str.contains(r"^[a-z]") | ~_in_longer_name())
        & core.str.to_uppercase().is_in(tab.plain_symbols.implode())
        & ~lw.is_in(tab.focus_lower.implode())
    )

    cands = []
    cash = t.filter(is_cash).with_columns(
        cash_sym.alias("symbol"),
        pl.lit("cashtag").alias("method"),
        pl.lit(False).alias("needs_ctx"),
    )
    cands.append(cash.filter(pl.col("symbol").is_in(tab.symbols.implode())))
    up = t.filter(is_upper).with_columns(up_sym.alias("symbol"), pl.lit("symbol").alias("method"))
    up = up.filter(
        pl.col("symbol").is_in(tab.symbols.implode())
        & ~pl.col("symbol").is_in(tab.blacklist.implode())
    )
    up = up.with_columns(
        (
            (pl.col("symbol").str.len_chars() <= 2)
            | pl.col("symbol").str.to_lowercase().is_in(tab.common.implode())
            | pl.col("symbol").is_in(tab.wordlike_symbols.implode())
        ).alias("needs_ctx")
    )
    cands.append(up)
    low = t.filter((is_lower | is_lower_other) & ~lw.is_in(tab.common.implode())).with_columns(
        core.str.to_uppercase().alias("symbol"),
        pl.lit("symbol").alias("method"),
        (
            (core.str.len_chars() <= 2)
            | ~lw.is_in(tab.focus_lower.implode())
            | lw.is_in(tab.focus_lower_words.implode())
        ).alias("needs_ctx"),
    )
    cands.append(low)
    if tab.alias_single:
        keys = tab.alias_single_keys.implode()
        # a plural of a name ("GameStops", "Chipotles": its stores) names the company too
        plural = ~lw.is_in(keys) & lw.str.ends_with("s") & core.str.contains(r"^[A-Z]")
        name = pl.when(plural).then(lw.str.strip_suffix("s"))
        name = name.otherwise(lw)
        single = t.filter(name.is_in(keys)).with_columns(
            name.replace_strict(tab.alias_single, default=None).alias("symbol"),
            pl.lit("name").alias("method"),
            pl.lit(False).alias("needs_ctx"),
        )
        cands.append(single)
    if tab.proper:
        cands.append(_proper_name_candidates(t, texts, tab))
    if tab.alias_double:
        pairs = t.filter(pl.col("has_next") & lw.is_in(tab.first_words.implode()))
        if pairs.height:
            nxt_cols = _core_columns(pl.col("next_tok"), pl.col("next_raw_start"))
            pairs = pairs.with_columns(
                nxt_cols[0].alias("next_core"), nxt_cols[2].alias("next_end")
            )
            bigram = pl.concat_str([lw, pl.col("next_core").str.to_lowercase()], separator=" ")
            double = pairs.filter(bigram.is_in(tab.alias_double_keys.implode())).with_columns(
                bigram.replace_strict(tab.alias_double, default=None).alias("symbol"),
                pl.lit("name").alias("method"),
                pl.lit(False).alias("needs_ctx"),
                pl.col("next_end").alias("end"),
            )
            cands.append(double)
    cols = ["row", "symbol", "method", "start", "end", "needs_ctx", "core", "_prev", "_next"]
    m = pl.concat([c.select(cols) for c in cands], how="vertical")
    if m.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    m = _declared(_drop_ratios(m, texts), texts)
    m = _apply_context(m, texts, frozenset(focus_symbols), tab)
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


def _drop_ratios(m: pl.DataFrame, texts: pl.Series) -> pl.DataFrame:
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
        core = short.get_column(col).str.strip_chars_end(_TRAIL_CHARS)
        return core.str.contains(r"^[A-Za-z]{1,2}$").fill_null(False)

    ratio = ((after == "/") & short_word("_next")) | (
        (short.get_column("start") > 0) & (before == "/") & short_word("_prev")
    )
    if not ratio.any():
        return m
    halves = short.filter(ratio).select("row", "start")
    return m.join(halves, on=["row", "start"], how="anti", maintain_order="left")


def _declared(m: pl.DataFrame, texts: pl.Series) -> pl.DataFrame:
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


def _local_shouting(tab: _Tables) -> pl.Expr:
    """Struct of two Booleans per token: ``local`` when it stands among shouted words
    ("HOLD THE LINE", "FOR ALOT OF": a neighbour is an ordinary upper-case word - not a
    symbol, or a blacklisted/common one - and the other neighbour is absent, not a word, or
    upper case too); ``strong`` when a neighbour is a strong stock word (``PUTS``, ``$40c``,
    ``shares``; not for a symbol that is a common word, "FOR MORE SHARES") or, for a symbol
    that is no word, a watched symbol (``EXPR, NOK``), or, for any symbol, tickers on both
    sides (``BB AG PLTR``), which keeps a symbol even in shouted text."""

    def clean(col: str) -> pl.Expr:
        return pl.col(col).str.strip_chars_start(_LEAD_CHARS).str.strip_chars_end(_TRAIL_CHARS)

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


def _apply_context(
    m: pl.DataFrame, texts: pl.Series, focus: frozenset[str], tab: _Tables
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

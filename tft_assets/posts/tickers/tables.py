"""Look-up tables of a universe for ticker matching, built once per (universe, focus set)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from tft_assets.posts.tickers.tokens import POSSESSIVES
from tft_assets.posts.universe import (
    BLACKLIST,
    VERY_COMMON_WORD_ZIPF,
    TickerUniverse,
    english_words,
    is_common_word,
    is_english_word,
    word_zipf,
)

#: A symbol whose text frequency (``wordfreq`` Zipf) reaches this is a frequent token of
#: chat ("alot" 3.9, "ppl" 3.7, "app" 4.9) even when no dictionary lists it; real symbols
#: stay below it ("gme" 2.0, "nok" 2.8, "amc" 3.4).
DISTINCT_SYMBOL_MAX_ZIPF = 3.5


@dataclass(frozen=True)
class Tables:
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
def tables(universe: TickerUniverse, focus_symbols: frozenset[str]) -> Tables:
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
    return Tables(
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
                {w + end for w in lower_words for end in POSSESSIVES}
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
                    for end in POSSESSIVES
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
            sorted({w.title() + end for w in proper for end in POSSESSIVES}), dtype=pl.String
        ),
    )

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

#: Zipf frequency from which a symbol that is no English word is a familiar token of text
#: all the same - an acronym or chat abbreviation ("msm" 3.3, "pac" 3.9, "cia" 4.2) - and
#: loses evidence in proportion (:mod:`~tft_assets.posts.tickers.evidence`); rarely written
#: symbols stay below it ("gme" 2.0, "paas" 2.3, "nakd", "pltr" 0).
FAMILIAR_TOKEN_ZIPF = 2.5

#: Zipf frequency from which every word of a two-word alias makes it an everyday phrase
#: ("rocket fuel", "on deck", "trade desk", "new york": all words 3.9+) rather than a
#: name ("first majestic": "majestic" 3.6, "realty income": "realty" 3.4).
EVERYDAY_PHRASE_ZIPF = 3.7

#: A two-letter symbol written in lower case is a candidate only below this Zipf frequency
#: ("ag" 4.0); above it the token is chat ("im" 4.7, "ur").
SHORT_LOWER_MAX_ZIPF = 4.5


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
    second_word_spellings: pl.Series
    symbol_spellings: pl.Series
    plain_symbols: pl.Series
    short_lower: pl.Series
    lower_symbol_words: pl.Series
    wordlike_symbols: pl.Series
    proper: dict[str, str]
    proper_keys: pl.Series
    proper_english: pl.Series
    proper_spellings: pl.Series
    focus: pl.Series
    english_symbols: pl.Series
    familiarity: dict[str, float]
    phrase_aliases: pl.Series
    name_exempt: pl.Series
    #: cashtags of symbols outside the universe may be listings it lacks (form ``unlisted``)
    read_unlisted: bool = True


#: Zipf frequency from which the first word of a two-word alias is one of the most frequent
#: English words ("the" 7.7, "on" 6.9, "one" 6.5): the alias ("the street", "on deck", "one
#: stop") is an everyday phrase first and names no company; "new york" (6.2) and "first
#: majestic" (6.1) stay aliases.
FUNCTION_WORD_LEAD_ZIPF = 6.3


def _led_by_function_word(alias: str, aliases: dict[str, str]) -> bool:
    """A two-word alias led by a function word (:data:`FUNCTION_WORD_LEAD_ZIPF`), unless it
    splits a CamelCase name ("so fi" of SoFi, "one main" of OneMain)."""
    first = alias.split(" ")[0]
    return (
        alias.replace(" ", "") not in aliases
        and first.isalpha()
        and word_zipf(first) >= FUNCTION_WORD_LEAD_ZIPF
    )


@lru_cache(maxsize=16)
def tables(universe: TickerUniverse, focus_symbols: frozenset[str]) -> Tables:
    """Look-up series of a universe, built once per (universe, focus set)."""
    alias_single = {a: s for a, s in universe.aliases.items() if " " not in a}
    alias_double = {
        a: s
        for a, s in universe.aliases.items()
        if a.count(" ") == 1 and not _led_by_function_word(a, universe.aliases)
    }
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
    # upper-case symbols that are common English words (``SPY``, ``LOVE``): ambiguous
    wordlike = sorted(x for x in universe.symbols - BLACKLIST if x.isalpha() and is_common_word(x))
    # a symbol that is one of the most frequent English words ("AND", "MORE", "LONG")
    # counts only as a cashtag or a watched symbol, like the blacklist
    frequent = {x for x in wordlike if word_zipf(x) >= VERY_COMMON_WORD_ZIPF} - focus_symbols
    # two-letter symbols that are no English word nor a frequent token ("ag", not "im"):
    # candidates in lower case too, on the evidence of their neighbours only
    short_lower = sorted(
        x.lower()
        for x in universe.symbols - BLACKLIST
        if english_words()
        and len(x) == 2
        and x.isalpha()
        and x.lower() not in universe.common_words
        and not is_english_word(x)
        and word_zipf(x) < SHORT_LOWER_MAX_ZIPF
    )
    lower_words = sorted(
        set(focus_lower) | set(alias_single) | {x.lower() for x in plain} | set(short_lower)
    )
    proper = {w: s for w, s in universe.proper_names.items() if w not in alias_single}
    listed = universe.symbols - BLACKLIST
    # how often a symbol that is no English word is written as a token anyway ("msm", "cia")
    familiarity = (
        {
            x: word_zipf(x)
            for x in listed
            if x.isalpha()
            and len(x) >= 3
            and not is_english_word(x)
            and word_zipf(x) > FAMILIAR_TOKEN_ZIPF
        }
        if english_words()
        else {}
    )
    # two-word aliases of English words only ("on deck", "rocket fuel", "new york"): maybe an
    # everyday phrase; not a split CamelCase name ("game stop") nor a watched company's
    phrases = sorted(
        a
        for a, s in alias_double.items()
        if english_words()
        and s not in focus_symbols
        and a.replace(" ", "") not in alias_single
        and all(is_english_word(w) and word_zipf(w) >= EVERYDAY_PHRASE_ZIPF for w in a.split(" "))
    )
    # and one-word aliases that are English words in their own right ("hometown", "healthcare")
    phrases += sorted(
        a
        for a, s in alias_single.items()
        if english_words() and s not in focus_symbols and is_english_word(a)
    )
    return Tables(
        symbols=pl.Series(sorted(universe.symbols), dtype=pl.String),
        focus_lower=pl.Series(focus_lower, dtype=pl.String),
        # watched symbols that are English words ("dis", "baba"): ambiguous in lower case
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
        short_lower=pl.Series(short_lower, dtype=pl.String),
        # every lower-case spelling a lower-case symbol rule can take
        lower_symbol_words=pl.Series(
            sorted(set(focus_lower) | {x.lower() for x in plain} | set(short_lower)),
            dtype=pl.String,
        ),
        wordlike_symbols=pl.Series(wordlike, dtype=pl.String),
        first_words=pl.Series(sorted(first_words), dtype=pl.String),
        first_word_spellings=pl.Series(
            sorted({v for w in first_words for v in (w, w.title(), w.upper())}), dtype=pl.String
        ),
        second_word_spellings=pl.Series(
            sorted(
                {
                    v
                    for a in alias_double
                    for w in (a.split(" ")[1],)
                    for v in (w, w.title(), w.upper())
                }
            ),
            dtype=pl.String,
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
        focus=pl.Series(sorted(s for s in focus_symbols if s in universe.symbols), dtype=pl.String),
        english_symbols=pl.Series(
            sorted(x for x in listed if x.isalpha() and is_english_word(x)), dtype=pl.String
        ),
        familiarity=familiarity,
        phrase_aliases=pl.Series(phrases, dtype=pl.String),
        # tickers in lower case: a neighbour that is one makes a list, not a longer name
        name_exempt=pl.Series(
            sorted(set(focus_lower) | {x.lower() for x in plain}), dtype=pl.String
        ),
        read_unlisted=not universe.complete,
    )

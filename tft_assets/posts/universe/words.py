"""The universe's word tables (package data under ``data/``) and English-word tests.

The tables say which symbols are words to distrust (:data:`BLACKLIST`, :data:`SLANG_WORDS`,
:data:`PLATFORM_WORDS`) and which words of company names name no company on their own
(:data:`COMMON_NAME_WORDS`, :data:`ALIAS_STOPWORDS`, :data:`INDUSTRY_WORDS`).
"""

from __future__ import annotations

from functools import lru_cache

from tft_assets.posts.data_tables import word_table

_PACKAGE = "tft_assets.posts.universe"

#: Words that are also tickers but almost never mean the stock in WSB text. A bare mention
#: never counts; a cashtag (``$ALL``) still does.
BLACKLIST: frozenset[str] = word_table(_PACKAGE, "blacklist.txt")

#: Brands that in WSB text almost always mean the platform, not the stock (``HOOD``,
#: ``RDDT``, ``TWTR``): never company-name aliases; their symbols still count.
PLATFORM_WORDS: frozenset[str] = word_table(_PACKAGE, "platform_words.txt")

#: Chat abbreviations and WSB slang that are also symbols; never a lower-case mention.
SLANG_WORDS: frozenset[str] = word_table(_PACKAGE, "slang_words.txt")

#: Words that cannot make a company-name alias on their own (``"and a"`` is no name).
ALIAS_STOPWORDS: frozenset[str] = word_table(_PACKAGE, "alias_stopwords.txt")

#: Generic words of company names (``target``, ``block``, ``american``): no alias on their
#: own, and no proper noun of a company.
COMMON_NAME_WORDS: frozenset[str] = word_table(_PACKAGE, "common_name_words.txt")

#: Second words of a two-word company name that leave the first word to name the company
#: ("Peloton Interactive", "Toyota Motor"); any other second word ("Texas Instruments",
#: "Michael Kors", "Cohen & Steers") makes the first word a place or a person's name.
INDUSTRY_WORDS: frozenset[str] = word_table(_PACKAGE, "industry_words.txt")

#: Zipf frequency (log10 of uses per billion words, ``wordfreq``) from which an English word
#: counts as common: 3.0 is one use per million words ("spy" 4.2, "hold" 5.2, "buckle" 3.5
#: are common; "aal" 2.3, "gogo" 2.7, "peloton" 2.8 are not).
COMMON_WORD_ZIPF = 3.0

#: Zipf frequency from which an English word is among the few thousand most frequent ones
#: (once per 100,000 words: "news" 5.4, "forward" 5.1); such a word names no company as a
#: proper noun, not even an index constituent's ("apple" 4.8 still does).
VERY_COMMON_WORD_ZIPF = 5.0

#: Stock-context evidence around a candidate mention (case-insensitive regex): stock words,
#: prices, strikes, price moves.
STOCK_CONTEXT_PATTERN = (
    r"(?i)\$\d|(?-u:\b)\d+(?:\.\d+)?\s?[cp](?-u:\b)|(?-u:\b)(?:shares?|stocks?|calls?|puts?|options?|strike|"
    r"earnings|bought|buy(?:ing)?|sell(?:ing)?|sold|long|short(?:ed|s|ing)?|positions?|tickers?|"
    r"price|pt|squeeze|hold(?:ing)?|bag(?:s|holder)?|moon|dip|rally|yolo|itm|otm|expir\w*|"
    r"float|dividend|market|gains?|loss(?:es)?|chart|nasdaq|nyse|tendies|apes?|stonks?|"
    r"purchas\w*|invest\w*|returns?|profits?|trad(?:e|ed|es|ing)|volume|premarket|portfolio|"
    r"penny|ipo|ira|all in|(?:under|over)valued|valuation|miners?|mining|after ?hours|"
    r"bullish|bearish|"
    # chart reading
    r"support|resistance|breakout|\d*(?:dma|sma|ema)|rsi|macd)(?-u:\b)|🚀|📈|📉|💎|"
    # price moves ("went up 6.69%", "fell 5%")
    r"(?-u:\b)(?:up|down|gain(?:ed|s)?|lost|fell|rose|jump(?:ed|s)?|drop(?:ped|s)?|climb(?:ed|s)?|"
    r"surg(?:ed|es)|tank(?:ed|s)?|spik(?:ed|es))\s+(?:by\s+)?[+-]?\$?\d+(?:\.\d+)?\s?%"
)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words (Webster's 2nd and GCIDE word lists shipped with the
    ``english-words`` package; empty when it is not installed)."""
    try:
        from english_words import get_english_words_set
    except ImportError:
        return frozenset()
    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def is_english_word(word: str) -> bool:
    """``word`` (any case) or its stem without a plural/verb ending is an English word or
    chat slang."""
    w = word.lower()
    if w in SLANG_WORDS:
        return True
    words = english_words()
    stems = [w]
    for end in ("s", "es", "ed", "ing"):
        if w.endswith(end) and len(w) > len(end) + 1:
            stems.append(w[: -len(end)])
    return any(x in words for x in stems)


@lru_cache(maxsize=65536)
def word_zipf(word: str) -> float:
    """Zipf frequency of ``word`` in English (``wordfreq``, imported on first use)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


def is_common_word(word: str) -> bool:
    """``word`` is an English word (:func:`is_english_word`) in common use
    (:data:`COMMON_WORD_ZIPF`): ``SPY`` and ``HOLD`` are, ``AAL`` and ``GOGO`` are not."""
    return is_english_word(word) and word_zipf(word) >= COMMON_WORD_ZIPF


def common_words() -> frozenset[str]:
    """Lower-case words that are no symbol written in lower case and no alias on their own:
    the alphabetic words of VADER's lexicon, :data:`COMMON_NAME_WORDS`, the blacklist and
    :data:`PLATFORM_WORDS`."""
    from tft_assets.posts.lexicon import vader_lexicon

    lex = {w for w in vader_lexicon().valence if w.isalpha()}
    blacklisted = frozenset(w.lower() for w in BLACKLIST)
    return frozenset(lex) | COMMON_NAME_WORDS | blacklisted | PLATFORM_WORDS


def common_name_words_excluded() -> frozenset[str]:
    """Words that never name a company as a proper noun on their own: generic name words
    (``Target``, ``Block``, ``American``), blacklisted and slang words, platforms, stop words.
    Sentiment words of the lexicon (``amazon`` has a valence) are not excluded."""
    import calendar

    dates = {w.lower() for w in (*calendar.day_name, *calendar.month_name) if w}
    return (
        COMMON_NAME_WORDS
        | frozenset(dates)
        | frozenset(w.lower() for w in BLACKLIST)
        | SLANG_WORDS
        | PLATFORM_WORDS
        | ALIAS_STOPWORDS
    )

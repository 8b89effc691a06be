"""Alias rules: how posts name a company, derived from its listed name.

:func:`company_aliases` gives the lower-case one- to three-word aliases of a name
(``"GameStop Corporation Common Stock"`` -> ``gamestop``, ``game stop``);
:func:`proper_name_word` the first word that may name the company only as a proper noun
(``Peloton``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from tft_assets.posts.universe.words import ALIAS_STOPWORDS, INDUSTRY_WORDS, is_english_word

_NAME_NOISE_RE = re.compile(
    r"\(.*?\)|\b(?:common stock|ordinary shares?|american depositary shares?.*|"
    r"depositary shares?.*|sponsored|ads|adr|class [a-z]\b.*|inc\.?|incorporated|corporation|"
    r"corp\.?|company|co\.|ltd\.?|limited|plc|holdings?|group|n\.v\.|s\.a\.|se|ag|l\.p\.|"
    r"lp|trust|the|shares?|units?|warrants?|rights?)(?=\W|$)",
    re.IGNORECASE,
)

#: Names that make no alias: funds, whose names are index names or brands ("Nasdaq 100 ETF", "SPDR
#: S&P 500 ETF Trust": people name them by symbol), and blank-check companies, whose names
#: are ordinary word pairs ("Digital Asset Acquisition Corp.").
_NO_ALIAS_NAME_RE = re.compile(
    r"(?i)\b(?:etf|etn|index|fund|acquisition|ishares|spdr|proshares|powershares|direxion|"
    r"wisdomtree|vaneck)\b"
)

#: Shortest first word of a company name that may stand for the company as a proper noun.
PROPER_NAME_MIN_CHARS = 4


@lru_cache(maxsize=65536)
def name_words(name: str) -> tuple[str, ...]:
    """The words of a company name without legal forms and share-class noise; an
    apostrophe inside a word goes (McDonald's -> McDonalds). Cached: a universe build asks
    for each name's words from several places."""
    if _NO_ALIAS_NAME_RE.search(name):
        return ()
    name = re.sub(r"(?<=\w)['’](?=\w)", "", name)
    cleaned = _NAME_NOISE_RE.sub(" ", name.replace("&amp;", "&"))
    cleaned = re.sub(r"(?i)\.com\b", " ", cleaned)  # Amazon.com -> Amazon
    cleaned = re.sub(r"[,.&]", " ", cleaned)
    return tuple(cleaned.split())


def company_key(name: str) -> str:
    """The first two name words, lower case: share classes of one company agree on it."""
    return " ".join(name_words(name)[:2]).lower()


def proper_name_word(name: str, excluded: frozenset[str]) -> str | None:
    """The lower-case first word of ``name`` when it may name the company as a proper noun:
    the name is one word, or two with an industry word second
    (:data:`~tft_assets.posts.universe.words.INDUSTRY_WORDS`); the word is alphabetic,
    :data:`PROPER_NAME_MIN_CHARS`+ letters, not in ``excluded``.

    >>> proper_name_word("Peloton Interactive, Inc.", frozenset())
    'peloton'
    >>> proper_name_word("Target Corporation", frozenset({"target"}))
    """
    words = name_words(name)
    if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in INDUSTRY_WORDS):
        return None
    w = words[0]
    if not w.isalpha() or len(w) < PROPER_NAME_MIN_CHARS or w.lower() in excluded:
        return None
    return w.lower()


def company_aliases(
    name: str, common_words: frozenset[str], single_word: str = "distinctive"
) -> list[str]:
    """Lower-case aliases for a company name: the cleaned name (up to 3 words), its first two
    words, and its first word when ``single_word`` allows it: ``"distinctive"`` (4+ letters,
    not a common word; for a longer name also no English word, or CamelCase) or
    ``"camelcase"`` (also needs an inner capital, as in GameStop or BlackBerry: long listing
    files name many companies after ordinary words).

    >>> company_aliases("GameStop Corporation Common Stock", frozenset())
    ['gamestop', 'game stop']
    >>> company_aliases("Novavax, Inc.", frozenset())
    ['novavax']
    >>> company_aliases("Amazon.com, Inc.", frozenset())  # an English word: a proper noun only
    []
    """
    words = name_words(name)
    if not words:
        return []
    out: list[str] = []
    first = words[0]
    distinctive = len(first) >= 4 and first.lower() not in common_words and first.isalpha()
    camel = re.search(r"[a-z][A-Z]", first) is not None
    single_ok = distinctive and (single_word == "distinctive" or camel)
    # a one-word name that is an English word (``News`` Corp) is no alias in any case; it
    # may still name the company as a proper noun (see :func:`proper_name_word`)
    single_ok = single_ok and (camel or not is_english_word(first))
    if len(words) <= 3 and (len(words) > 1 or single_ok):
        out.append(" ".join(words).lower())
    if len(words) >= 2:
        out.append(" ".join(words[:2]).lower())
    # the first word of a longer name ("Papa" of Papa John's, "Forward" of Forward Air)
    # only when it is no English word or is written in CamelCase
    if single_ok:
        out.append(first.lower())
        if re.search(r"\w['’]s\b", name) and first.endswith("s"):
            out.append(first[:-1].lower())  # McDonald's is written "McDonald's" or "McDonalds"
    if single_ok and camel:  # GameStop -> also "game stop"
        out.append(re.sub(r"([a-z])([A-Z])", r"\1 \2", first).lower())
    seen: list[str] = []
    for a in out:
        if a not in seen and len(a) >= 3:
            seen.append(a)
    # a single common word (``target``, ``block``) is never an alias on its own, nor are
    # stop words alone (``"and a"``)
    # nor a name cut at a stop word (``"one and"`` of One and One Green Technologies)
    return [
        a
        for a in seen
        if (" " in a or a not in common_words)
        and not all(w in ALIAS_STOPWORDS or len(w) == 1 for w in a.split())
        and a.split()[-1] not in ALIAS_STOPWORDS
    ]

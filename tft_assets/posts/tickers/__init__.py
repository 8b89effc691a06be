"""Ticker extraction: cashtags, bare symbols, share classes and company names, with spans.

Two steps, vectorised over every text at once as Polars expressions:

1. **Candidates** (:mod:`~.candidates`): a cheap exact pre-filter keeps the tokens that can be a
   mention - a cashtag (``$GME``, ``$BRK.B``), a bare listed symbol in upper case (``GME``,
   ``BF-B``) or lower/title case (``gme``, ``Expr``, ``ag``; blacklisted and very frequent
   words never), a company-name alias (``GameStop``, ``General Motors``, ``game stop``), or the
   first word of a listed company's name as a proper noun (``Peloton``). Each says what matched
   in its ``form``.
2. **Evidence** (:mod:`~.evidence`): every candidate gets points for and against - its form;
   how ambiguous the symbol is (length, English word, word frequency of the token); whether it
   is watched; its casing relative to the text's own casing (an all-caps text gives none);
   stock words, strikes and prices around it; other tickers near it and in lists with it;
   whether a name is used as a company, as a platform or product, or as one word of a longer
   name; the layout (links, subreddit names, bot tables); whether the symbol is in play,
   accepted in another text scored with it; and whether it is an item of a list of tickers
   (:mod:`~.lists`: "APHA, ACB, and TLRY" - there even a symbol no listing has, a foreign
   or delisted issue, is a mention). It is a mention when the points reach
   :data:`~.evidence.ACCEPT_SCORE`. No list of words decides: the blacklist only keeps
   words that are almost never a stock out of the candidates.

One mention per span then: the longest (a company name of several words claims its words),
a cashtag before a symbol before a name. Emoji separate tokens ("🚀GameStop"). Spans are
character offsets ``[start, end)`` into the text given (code points, as Python indexes
strings). :func:`~.extract.mention_evidence` returns every candidate with every component of
its score, to inspect or calibrate it.

Modules: :mod:`~.tokens` (tokens and their cores), :mod:`~.tables` (a universe's look-up
tables), :mod:`~.candidates`, :mod:`~.evidence` (the score) with its components in
:mod:`~.context` (casing, stock words, co-mentions), :mod:`~.usage` (names as companies,
platforms or parts of longer names), :mod:`~.layout` (links, tables) and :mod:`~.lists`
(enumerations of tickers), and :mod:`~.extract`
(:func:`extract_mentions`).
"""

from tft_assets.posts.tickers.context import (
    CONTEXT_WINDOW_CHARS,
    SHOUTING_UPPER_SHARE,
    SINGLE_LETTER_WINDOW_CHARS,
)
from tft_assets.posts.tickers.evidence import (
    ACCEPT_SCORE,
    WEIGHTS,
    EvidenceWeights,
    in_play_symbols,
)
from tft_assets.posts.tickers.extract import (
    MENTION_SCHEMA,
    accepted_mentions,
    extract_mentions,
    extract_tickers,
    mention_evidence,
    mentions_per_row,
    scored_candidates,
)
from tft_assets.posts.tickers.tables import DISTINCT_SYMBOL_MAX_ZIPF
from tft_assets.posts.tickers.tokens import MAX_TOKEN_CHARS

__all__ = [
    "ACCEPT_SCORE",
    "CONTEXT_WINDOW_CHARS",
    "DISTINCT_SYMBOL_MAX_ZIPF",
    "MAX_TOKEN_CHARS",
    "MENTION_SCHEMA",
    "SHOUTING_UPPER_SHARE",
    "SINGLE_LETTER_WINDOW_CHARS",
    "WEIGHTS",
    "EvidenceWeights",
    "accepted_mentions",
    "extract_mentions",
    "extract_tickers",
    "in_play_symbols",
    "mention_evidence",
    "mentions_per_row",
    "scored_candidates",
]

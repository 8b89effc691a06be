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

Modules: :mod:`~.tokens` (tokens and their cores), :mod:`~.tables` (a universe's look-up
tables), :mod:`~.candidates` (pre-filter and rules), :mod:`~.context` (evidence) and
:mod:`~.extract` (:func:`extract_mentions`).
"""

from tft_assets.posts.tickers.context import (
    CONTEXT_WINDOW_CHARS,
    SHOUTING_UPPER_SHARE,
    SINGLE_LETTER_WINDOW_CHARS,
)
from tft_assets.posts.tickers.extract import (
    MENTION_SCHEMA,
    extract_mentions,
    extract_tickers,
    mentions_per_row,
)
from tft_assets.posts.tickers.tables import DISTINCT_SYMBOL_MAX_ZIPF
from tft_assets.posts.tickers.tokens import MAX_TOKEN_CHARS

__all__ = [
    "CONTEXT_WINDOW_CHARS",
    "DISTINCT_SYMBOL_MAX_ZIPF",
    "MAX_TOKEN_CHARS",
    "MENTION_SCHEMA",
    "SHOUTING_UPPER_SHARE",
    "SINGLE_LETTER_WINDOW_CHARS",
    "extract_mentions",
    "extract_tickers",
    "mentions_per_row",
]

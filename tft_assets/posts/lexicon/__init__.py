"""Lexicon sentiment: VADER's rules over a Polars token frame, with VADER's, WSB and stance words.

:func:`lexicon_compound` and :func:`score_lexicons` score whole columns (see
:mod:`~tft_assets.posts.lexicon.engine`); the lexicons are built in
:mod:`~tft_assets.posts.lexicon.tables` from VADER's files and the WSB/stance tables that ship
as package data (``data/*.tsv``).
"""

from tft_assets.posts.lexicon.engine import (
    OTHER_WHITE_SPACE,
    SENTENCE_SCHEMA,
    LexiconScores,
    lexicon_compound,
    normalize_sum,
    score_lexicons,
    sentence_index,
)
from tft_assets.posts.lexicon.rules import (
    BOOSTER_INCREMENT,
    BUT_AFTER_SCALAR,
    BUT_BEFORE_SCALAR,
    CAPS_INCREMENT,
    EXCLAMATION_INCREMENT,
    EXCLAMATION_MAX_COUNT,
    NEGATION_SCALAR,
    NORMALIZE_ALPHA,
    QUESTION_INCREMENT,
    QUESTION_MAX_AMPLIFIER,
)
from tft_assets.posts.lexicon.tables import (
    STANCE_PATTERNS,
    STANCE_PHRASES,
    STANCE_VALENCES,
    WSB_EMOJI,
    WSB_PHRASES,
    WSB_VALENCES,
    Lexicon,
    stance_lexicon,
    vader_lexicon,
    wsb_lexicon,
)

__all__ = [
    "BOOSTER_INCREMENT",
    "BUT_AFTER_SCALAR",
    "BUT_BEFORE_SCALAR",
    "CAPS_INCREMENT",
    "EXCLAMATION_INCREMENT",
    "EXCLAMATION_MAX_COUNT",
    "NEGATION_SCALAR",
    "NORMALIZE_ALPHA",
    "OTHER_WHITE_SPACE",
    "QUESTION_INCREMENT",
    "QUESTION_MAX_AMPLIFIER",
    "SENTENCE_SCHEMA",
    "STANCE_PATTERNS",
    "STANCE_PHRASES",
    "STANCE_VALENCES",
    "WSB_EMOJI",
    "WSB_PHRASES",
    "WSB_VALENCES",
    "Lexicon",
    "LexiconScores",
    "lexicon_compound",
    "normalize_sum",
    "score_lexicons",
    "sentence_index",
    "stance_lexicon",
    "vader_lexicon",
    "wsb_lexicon",
]

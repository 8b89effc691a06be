"""The lexicons: VADER's own (read from ``vaderSentiment``), the WSB one and the stance one.

The WSB and stance tables are package data under ``data/`` (tab-separated, one entry a line):
``wsb_valences.tsv`` / ``stance_valences.tsv`` (word, valence), ``wsb_emoji.tsv`` (emoji,
token) and ``wsb_phrases.tsv`` / ``stance_phrases.tsv`` (phrase, token). A token replaces its
emoji or phrase with white space on both sides, so it stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tft_assets.posts.data_tables import pair_table

_PACKAGE = "tft_assets.posts.lexicon"


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A token valence table and the text rewrites applied before tokenising.

    ``valence`` maps a lower-case token to its VADER-scale valence (about -4..4);
    ``emoji_map`` maps a single character to its replacement text;
    ``phrase_map`` maps a lower-case multi-word phrase to one token (matched ASCII
    case-insensitively), applied after the emoji rewrite; ``patterns``: (regex, replacement)
    rewrites applied between the two (option strikes: ``$40c`` -> ``calls``).
    """

    name: str
    valence: dict[str, float]
    emoji_map: dict[str, str]
    phrase_map: dict[str, str]
    boosters: dict[str, float]
    negations: frozenset[str]
    special_cases: dict[str, float]
    patterns: tuple[tuple[str, str], ...] = ()


def _vader_module_dir() -> Path:
    import vaderSentiment.vaderSentiment as vs

    return Path(vs.__file__).resolve().parent


@lru_cache(maxsize=1)
def vader_lexicon() -> Lexicon:
    """VADER's own lexicon, emoji descriptions, boosters, negations and idioms."""
    import vaderSentiment.vaderSentiment as vs

    folder = _vader_module_dir()
    valence: dict[str, float] = {}
    for line in (folder / "vader_lexicon.txt").read_text(encoding="utf-8").rstrip("\n").split("\n"):
        if not line:
            continue
        word, measure = line.strip().split("\t")[0:2]
        valence[word] = float(measure)
    emoji_map: dict[str, str] = {}
    for line in (
        (folder / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    ):
        emoji, description = line.strip().split("\t")[0:2]
        if len(emoji) == 1:  # VADER walks the text one code point at a time
            emoji_map[emoji] = " " + description
    return Lexicon(
        name="vader",
        valence=valence,
        emoji_map=emoji_map,
        phrase_map={},
        boosters=dict(vs.BOOSTER_DICT),
        negations=frozenset(vs.NEGATE),
        special_cases={k: float(v) for k, v in vs.SPECIAL_CASES.items()},
    )


def _valences(name: str) -> dict[str, float]:
    return {word: float(valence) for word, valence in pair_table(_PACKAGE, name)}


def _rewrites(name: str) -> dict[str, str]:
    return {text: f" {token} " for text, token in pair_table(_PACKAGE, name)}


#: WSB/finance slang valences on VADER's scale; they override VADER's entries.
WSB_VALENCES: dict[str, float] = _valences("wsb_valences.tsv")

#: Emoji rewrites of the WSB lexicon (override VADER's descriptions).
WSB_EMOJI: dict[str, str] = _rewrites("wsb_emoji.tsv")

#: Multi-word phrases joined into one token (lower case; matched ASCII case-insensitively).
WSB_PHRASES: dict[str, str] = _rewrites("wsb_phrases.tsv")

#: Direction words of the stance lexicon beyond :data:`WSB_VALENCES` (which it also holds):
#: what a post expects the price to do, or what its author does about it.
STANCE_VALENCES: dict[str, float] = _valences("stance_valences.tsv")

#: Phrases of the stance lexicon beyond :data:`WSB_PHRASES`.
STANCE_PHRASES: dict[str, str] = _rewrites("stance_phrases.tsv")

#: Option strikes written as a number and ``c``/``p`` (``$40c``, ``440p``): calls and puts.
STANCE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(?i)\$?(?-u:\b)\d+(?:\.\d+)?c(?-u:\b)", "calls"),
    (r"(?i)\$?(?-u:\b)\d+(?:\.\d+)?p(?-u:\b)", "puts"),
)


def _with_vader_rules(
    name: str,
    valence: dict[str, float],
    emoji_map: dict[str, str],
    phrase_map: dict[str, str],
    patterns: tuple[tuple[str, str], ...] = (),
) -> Lexicon:
    """A lexicon of its own words that shares VADER's boosters, negations and idioms (so that
    :func:`score_lexicons` can score it in the same pass as VADER's)."""
    base = vader_lexicon()
    return Lexicon(
        name=name,
        valence=valence,
        emoji_map=emoji_map,
        phrase_map=phrase_map,
        boosters=base.boosters,
        negations=base.negations,
        special_cases=base.special_cases,
        patterns=patterns,
    )


@lru_cache(maxsize=1)
def wsb_lexicon() -> Lexicon:
    """VADER's lexicon extended with finance/WSB slang, emoji and phrases."""
    base = vader_lexicon()
    return _with_vader_rules(
        "wsb",
        {**base.valence, **WSB_VALENCES},
        {**base.emoji_map, **WSB_EMOJI},
        dict(WSB_PHRASES),
    )


@lru_cache(maxsize=1)
def stance_lexicon() -> Lexicon:
    """Direction words only: the WSB slang, emoji and phrases plus :data:`STANCE_VALENCES`,
    without VADER's general emotion words ("lost", "crazy", "fuck"), which say how a post
    feels, not where its author expects the price to go. VADER's rules (negation, boosters,
    "but", capitals, punctuation) still apply."""
    return _with_vader_rules(
        "stance",
        {**WSB_VALENCES, **STANCE_VALENCES},
        dict(WSB_EMOJI),
        {**WSB_PHRASES, **STANCE_PHRASES},
        STANCE_PATTERNS,
    )

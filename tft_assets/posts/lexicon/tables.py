"""The lexicons: VADER's own (read from ``vaderSentiment``), the WSB one and the stance one.

The WSB and stance tables are package data under ``data/`` (tab-separated, one entry a line):
``wsb_valences.tsv`` / ``stance_valences.tsv`` (word, valence), ``wsb_emoji.tsv`` (emoji,
token) and ``wsb_phrases.tsv`` / ``stance_phrases.tsv`` (phrase, token). A token replaces its
emoji or phrase with white space on both sides, so it stands alone. (``wsb_stance_validation.tsv``
is no table of the lexicons: it is the hand-labelled WSB set that
:mod:`~tft_assets.posts.sentiment_gate` measures a model's ensemble weight on.)
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

_B = "(?-u:\\b)"  # an ASCII word boundary (the Unicode one is much slower)

#: Regex rewrites of the stance lexicon, in order, before its phrases (see :class:`Lexicon`):
#:
#: * a question clause (up to the ``?``, back to the previous ``.``/``!``/``?``/``,``/``;`` or
#:   line break; a decimal point does not end it) is no stance: "should I buy?", "will it
#:   crash?" lose their words ("I have puts, will they print?" keeps "I have puts");
#: * option strikes written as a number and ``c``/``p`` (``$40c``, ``440p``): calls and puts;
#: * a put held, bought or owned ("holding my BBBY puts", "a $455 put") is a bet on a fall,
#:   whatever "holding"/"bought" say alone; "my calls" a bet on a rise;
#: * "I'm short", "short it": a short position (while "short" alone is mostly squeeze talk);
#: * a price target ("to $100", "hit $115", "$40 EOD");
#: * money dumped or dropped *into* something is bought;
#: * "puts" as a verb ("puts him in the club");
#: * phrases that could sit inside another word ("all in" in "fall in"), word-bounded;
#: * drawn-out words ("moooon", "goooo", "holddddd").
#:
#: The question rewrite never crosses a sentence-break stand-in (U+E000), so sentence-level
#: compounds keep their sentence indices.
STANCE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(?:[^.!?\n,;\ue000]|\.\d)*\?+", " "),
    (rf"(?i)\$?{_B}\d+(?:\.\d+)?c{_B}", "calls"),
    (rf"(?i)\$?{_B}\d+(?:\.\d+)?p{_B}", "puts"),
    (
        rf"(?i){_B}(?:(?:hold|holding|held|have|had|got|grabbed|loaded|loading|added|adding|"
        r"bought|buying|buy|my)(?: on)?(?: my| some| more| a few| the)?(?: \$?[a-z]{1,5})?"
        rf"(?: \$?\d+(?:\.\d+)?p?)?(?: \d+/\d+)? puts|(?:a|one|the|my) \$?\d+(?:\.\d+)?p? put){_B}",
        " put_position ",
    ),
    (rf"(?i){_B}my(?: \$?[a-z]{{1,5}})?(?: \$?\d+(?:\.\d+)?c?)? calls{_B}", " call_position "),
    (
        rf"(?i){_B}(?:(?:i'm|i’m|im|i am|going|went|stay|staying|should i|i will|i'll) short|"
        rf"short (?:it|this|that|them|everything)){_B}",
        " short_bet ",
    ),
    (
        rf"(?i){_B}(?:(?:to|hit|hits|hitting|reach|reaches|above|past) \$\d[\d,.]*k?|"
        rf"\$?\d+(?:\.\d+)? ?eo[wdm]){_B}",
        " price_target ",
    ),
    (
        rf"(?i){_B}(?:dump|drop)(?:ed|ped|ing|ping|s)? (?:everything|it all|all|more|money|"
        rf"savings|my|their|his|her|our|a|\$|\d)\S*(?: \S+){{0,4}}? (?:in|into|on){_B}",
        " buy_in ",
    ),
    (rf"(?i){_B}puts (?:him|her|it|them|us|me|you|that|this){_B}", " places "),
    (rf"(?i){_B}all in{_B}", " all_in "),
    (rf"(?i){_B}ap(?:ed|ing) in(?:to)?{_B}", " get_in "),
    (rf"(?i){_B}top(?:ped|ping) off{_B}", " buy_more "),
    (rf"(?i){_B}squeeze is over{_B}", " squeeze_over "),
    (rf"(?i){_B}on sale{_B}", " on_sale "),
    (rf"(?i){_B}ran up{_B}", " ran_up "),
    (rf"(?i){_B}new \$?(?:gme|amc|gamestop|tesla){_B}", " next_gme "),
    (rf"(?i){_B}mo{{3,}}n[a-z]*", " moon "),
    (rf"(?i){_B}go{{3,}}{_B}", " go "),
    (rf"(?i){_B}(?:ho+d{{2,}}l*|ho+l{{2,}}d+|hold{{2,}})[a-z]*", " hodl "),
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

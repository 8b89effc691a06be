"""Vectorised lexicon sentiment: VADER's rules over a Polars token frame.

:func:`lexicon_compound` reproduces the rules of ``vaderSentiment.SentimentIntensityAnalyzer``
(emoji translation, punctuation stripping, booster/dampener words with distance decay,
ALL-CAPS emphasis, negation within three words, ``no``/``least``/``never so``/``without doubt``
rules, VADER's special idioms, the contrastive ``but`` and ``!``/``?`` emphasis) over a whole
column at once: texts are split into one row per token, every rule is an expression over the
token and its (up to three) predecessors, and the valences are summed per text. It reads the
lexicon files that ship with ``vaderSentiment`` so the word valences are VADER's own.

The same engine runs a finance/WSB lexicon (:func:`wsb_lexicon`): VADER's words plus slang and
emoji valences (🚀, moon, tendies, calls/puts, bagholder, 💎🙌, rug pull, squeeze, dump, ...),
with multi-word phrases joined into single tokens before the rules run.

Known, deliberate differences from the reference implementation: the ``but`` rule scales every
valence before/after the first ``but`` (VADER's list-index lookup misplaces repeated equal
valences), and ``str.split`` whitespace is Unicode ``White_Space`` (Python also splits on the
ASCII separators U+001C..U+001F). Agreement is measured in the tests.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

#: Empirical VADER constants (Hutto & Gilbert 2014).
BOOSTER_INCREMENT = 0.293
CAPS_INCREMENT = 0.733
NEGATION_SCALAR = -0.74
EXCLAMATION_INCREMENT = 0.292
EXCLAMATION_MAX_COUNT = 4
QUESTION_INCREMENT = 0.18
QUESTION_MAX_AMPLIFIER = 0.96
NORMALIZE_ALPHA = 15.0
BUT_BEFORE_SCALAR = 0.5
BUT_AFTER_SCALAR = 1.5

_PUNCTUATION = string.punctuation


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


#: WSB/finance slang valences on VADER's scale; they override VADER's entries.
WSB_VALENCES: dict[str, float] = {
    # bullish
    "moon": 2.5,
    "mooning": 2.8,
    "moonshot": 2.5,
    "tendies": 2.2,
    "calls": 1.5,
    "call": 0.4,
    "bullish": 2.5,
    "bull": 1.5,
    "bulls": 1.2,
    "long": 0.6,
    "buy": 1.2,
    "buying": 1.3,
    "bought": 1.0,
    "hold": 1.2,
    "holding": 1.0,
    "hodl": 1.8,
    "squeeze": 1.8,
    "squeezing": 1.8,
    "squeezed": 1.2,
    "stonks": 1.2,
    "lambo": 2.0,
    "print": 1.2,
    "printing": 1.8,
    "undervalued": 2.0,
    "breakout": 2.0,
    "rip": 0.0,
    "ripping": 2.0,
    "gamma_squeeze": 2.2,
    "short_squeeze": 2.2,
    "diamond_hands": 2.5,
    "to_the_moon": 3.0,
    "buy_the_dip": 2.0,
    "btfd": 2.0,
    "load_up": 1.8,
    "loading": 1.0,
    "green": 1.2,
    "ath": 1.5,
    "yolo": 1.5,
    "upside": 1.5,
    "rally": 2.0,
    "rallying": 2.0,
    "soaring": 2.5,
    "skyrocket": 2.8,
    "rocket_emoji": 2.5,
    "moon_emoji": 2.5,
    "diamond_emoji": 2.2,
    "chart_up_emoji": 2.0,
    "ape_emoji": 1.2,
    "bull_emoji": 2.0,
    "money_emoji": 1.5,
    "fire_emoji": 1.2,
    "apes": 0.8,
    "ape": 0.6,
    "hedgies": 0.0,
    "retard": 0.0,
    "retarded": 0.0,
    "retards": 0.0,
    "autist": 0.0,
    "autists": 0.0,
    # bearish
    "puts": -1.5,
    "put": -0.4,
    "bearish": -2.5,
    "bear": -1.5,
    "bears": -1.2,
    # "short" is mostly squeeze talk on WSB (heavily shorted = fuel), rarely a short position
    "short": -0.3,
    "shorting": -0.5,
    "shorted": 0.3,
    "shorts": 0.0,
    "short_interest": 0.8,
    "short_float": 0.8,
    "sell_wall": 0.0,
    "sell": -1.2,
    "selling": -1.3,
    "sold": -0.8,
    "dump": -2.2,
    "dumping": -2.4,
    "dumped": -2.0,
    "tank": -2.0,
    "tanking": -2.5,
    "tanked": -2.2,
    "drill": -1.8,
    "drilling": -2.2,
    "crash": -2.2,
    "crashing": -2.6,
    "crashed": -2.4,
    "bagholder": -2.2,
    "bagholders": -2.2,
    "bagholding": -2.2,
    "bags": -1.0,
    "rug_pull": -2.8,
    "rugpull": -2.8,
    "rugged": -2.2,
    "paper_hands": -1.5,
    "rekt": -2.5,
    "guh": -2.5,
    "overvalued": -2.0,
    "bubble": -1.5,
    "bankruptcy": -2.5,
    "red": -1.0,
    "downside": -1.5,
    "plummet": -2.8,
    "plummeting": -2.8,
    "drop": -1.2,
    "dropping": -1.5,
    "dead_cat_bounce": -2.2,
    "bear_emoji": -2.0,
    "rainbow_emoji": -0.8,
    "chart_down_emoji": -2.0,
    "clown_emoji": -1.2,
    "skull_emoji": -1.0,
    "bleeding": -2.0,
    "margin_call": -2.5,
    "sell_off": -2.2,
    "selloff": -2.2,
    "worthless": -2.5,
    "scam": -2.5,
    "pump_and_dump": -2.5,
}

#: Emoji rewrites of the WSB lexicon (override VADER's descriptions).
WSB_EMOJI: dict[str, str] = {
    "🚀": " rocket_emoji ",
    "🌕": " moon_emoji ",
    "🌝": " moon_emoji ",
    "🌙": " moon_emoji ",
    "💎": " diamond_emoji ",
    "🙌": " hands_emoji ",
    "📈": " chart_up_emoji ",
    "📉": " chart_down_emoji ",
    "🦍": " ape_emoji ",
    "🐂": " bull_emoji ",
    "🐻": " bear_emoji ",
    "🌈": " rainbow_emoji ",
    "💰": " money_emoji ",
    "💵": " money_emoji ",
    "🤑": " money_emoji ",
    "🔥": " fire_emoji ",
    "🤡": " clown_emoji ",
    "💀": " skull_emoji ",
    "🤲": " hands_emoji ",
}

#: Multi-word phrases joined into one token (lower case; matched ASCII case-insensitively).
WSB_PHRASES: dict[str, str] = {
    "diamond hands": " diamond_hands ",
    "diamond handed": " diamond_hands ",
    "paper hands": " paper_hands ",
    "paper handed": " paper_hands ",
    "to the moon": " to_the_moon ",
    "buy the dip": " buy_the_dip ",
    "buying the dip": " buy_the_dip ",
    "rug pull": " rug_pull ",
    "short squeeze": " short_squeeze ",
    "short interest": " short_interest ",
    "short float": " short_float ",
    "sell wall": " sell_wall ",
    "gamma squeeze": " gamma_squeeze ",
    "load up": " load_up ",
    "loading up": " load_up ",
    "dead cat bounce": " dead_cat_bounce ",
    "margin call": " margin_call ",
    "sell off": " sell_off ",
    "sell-off": " sell_off ",
    "pump and dump": " pump_and_dump ",
}


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


#: Direction words of the stance lexicon beyond :data:`WSB_VALENCES` (which it also holds):
#: what a post expects the price to do, or what its author does about it.
STANCE_VALENCES: dict[str, float] = {
    # bullish
    "rocket": 2.0,
    "rockets": 2.0,
    "rocketing": 2.5,
    "pluto": 2.0,
    "mars": 1.5,
    "lfg": 2.0,
    "brrr": 1.5,
    "brrrr": 1.5,
    "tendy": 2.0,
    "stonk": 1.2,
    "hodling": 1.8,
    "diamond": 1.5,
    "potential": 1.0,
    "catalyst": 1.0,
    "gains": 1.0,
    "gain": 0.8,
    "pop": 1.0,
    "popping": 1.5,
    "soar": 2.0,
    "soars": 2.0,
    "soared": 1.5,
    "surge": 1.5,
    "surging": 2.0,
    "climbing": 1.2,
    "higher": 0.8,
    "covering": 1.2,
    "load": 1.0,
    "loaded": 1.0,
    "accumulate": 1.2,
    "accumulating": 1.2,
    "bullrun": 2.0,
    "going_up": 1.5,
    "all_in": 1.8,
    "buy_more": 2.0,
    "like_the_stock": 2.0,
    "hold_the_line": 2.0,
    "lets_go": 1.5,
    "moons": 2.5,
    "mooned": 2.0,
    "rebound": 1.5,
    "liftoff": 2.0,
    "blasting": 1.8,
    "cheap": 1.0,
    "lambos": 2.0,
    "get_in": 1.5,
    "im_in": 1.5,
    "double_down": 1.8,
    "keep_going": 1.2,
    "on_fire": 1.5,
    "take_off": 1.8,
    "like_it": 1.2,
    "good_stock": 1.5,
    "dont_sleep": 1.8,
    "make_bank": 1.5,
    "buy_in": 1.2,
    # a position paying off says nothing of its direction ("puts print", "calls printing")
    "print": 0.0,
    "printing": 0.0,
    "printed": 0.0,
    "prints": 0.0,
    # bearish
    "bull_trap": -2.0,
    "put_position": -2.2,
    "fall": -1.0,
    "falling": -1.2,
    "fell": -0.8,
    "plunge": -2.0,
    "plunging": -2.2,
    "collapse": -2.0,
    "collapsing": -2.2,
    "sinking": -1.5,
    "downtrend": -1.8,
    "peaked": -1.2,
    "doomed": -2.0,
    "lower": -0.8,
    "exit": -0.8,
    "exited": -0.8,
    "going_down": -1.5,
    "get_out": -1.2,
    "cash_out": -1.0,
    "sell_now": -1.8,
}

#: Phrases of the stance lexicon beyond :data:`WSB_PHRASES`.
STANCE_PHRASES: dict[str, str] = {
    "going up": " going_up ",
    "go up": " going_up ",
    "all in on": " all_in ",
    "all-in": " all_in ",
    "buy more": " buy_more ",
    "buying more": " buy_more ",
    "like the stock": " like_the_stock ",
    "hold the line": " hold_the_line ",
    "let's go": " lets_go ",
    "lets go": " lets_go ",
    "going down": " going_down ",
    "go down": " going_down ",
    "get out": " get_out ",
    "cash out": " cash_out ",
    "sell now": " sell_now ",
    "pump & dump": " pump_and_dump ",
    "let’s go": " lets_go ",
    "get in": " get_in ",
    "getting in": " get_in ",
    "got in": " get_in ",
    "i'm in": " im_in ",
    "i’m in": " im_in ",
    "i am in": " im_in ",
    "double down": " double_down ",
    "doubled down": " double_down ",
    "doubling down": " double_down ",
    "keep going": " keep_going ",
    "keeps going": " keep_going ",
    "on fire": " on_fire ",
    "take off": " take_off ",
    "taking off": " take_off ",
    "i like it": " like_it ",
    "like this stock": " like_the_stock ",
    "love this stock": " like_the_stock ",
    "love the stock": " like_the_stock ",
    "good stock": " good_stock ",
    "great stock": " good_stock ",
    "don't sleep on": " dont_sleep ",
    "dont sleep on": " dont_sleep ",
    "don’t sleep on": " dont_sleep ",
    "make bank": " make_bank ",
    "made bank": " make_bank ",
    "making bank": " make_bank ",
    "buy in": " buy_in ",
    "bought in": " buy_in ",
    "bull trap": " bull_trap ",
    # buying puts is a bet on a fall, whatever "buy" says alone
    **{
        f"{verb} {extra}puts": " put_position "
        for verb in ("buy", "bought", "buying", "load", "loaded", "loading", "grabbed")
        for extra in ("", "some ", "more ")
    },
}

#: Option strikes written as a number and ``c``/``p`` (``$40c``, ``440p``): calls and puts.
STANCE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(?i)\$?(?-u:\b)\d+(?:\.\d+)?c(?-u:\b)", "calls"),
    (r"(?i)\$?(?-u:\b)\d+(?:\.\d+)?p(?-u:\b)", "puts"),
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


@lru_cache(maxsize=4)
def _rewrite_lists(lex: Lexicon) -> tuple[list[str], list[str], list[str], list[str]]:
    return (
        list(lex.emoji_map.keys()),
        list(lex.emoji_map.values()),
        list(lex.phrase_map.keys()),
        list(lex.phrase_map.values()),
    )


def _negated(word: pl.Expr, negations: frozenset[str]) -> pl.Expr:
    return word.is_in(list(negations)) | word.str.contains("n't", literal=True)


#: Stand-in token for a sentence break while sentences are counted (a private-use code
#: point, not white space, removed before any rule sees the tokens).
_SENTENCE_BREAK_TOKEN = "\ue000"
#: Sentence breaks of the original text: ``.``, ``!`` or ``?`` (and any emoji or symbols
#: right after it, "moon!🚀🚀") before white space, and each line break.
#: :func:`sentence_index` counts the same matches.
_SENTENCE_PUNCTUATION = r"[.!?][^\s\w]*"
_SENTENCE_END = _SENTENCE_PUNCTUATION + r"\s"
#: White space other than the plain space (Unicode ``White_Space``), turned into spaces
#: before splitting; a literal multi-pattern replace is much faster than a regex.
OTHER_WHITE_SPACE: list[str] = [
    *"\t\n\x0b\x0c\r\x85\xa0\u1680",
    *(chr(c) for c in range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
]


@dataclass(frozen=True)
class LexiconScores:
    """Output of :func:`score_lexicons`.

    ``compounds``: one Float64 series of length n per lexicon, VADER's compound in [-1, 1]
    rounded to 4 decimals; ``sentences``: for the rows asked for, one row per
    (``row``, ``sentence``) that holds a valence-carrying word of the sentence lexicon, with
    ``compound`` = that sentence's valence sum squashed like VADER's compound (the words'
    valences come from the rules applied to the whole text).
    """

    compounds: tuple[pl.Series, ...]
    sentences: pl.DataFrame


SENTENCE_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "sentence": pl.UInt32(),
    "compound": pl.Float64(),
}


def lexicon_compound(texts: pl.Series, lexicon: Lexicon | None = None) -> pl.Series:
    """VADER compound score of every text, in [-1, 1] rounded to 4 decimals (0.0 for empty/null).

    ``texts``: a String series of length n; returns a Float64 series of length n named
    ``compound``. Vectorised: one Polars token frame for the whole series.
    """
    lex = lexicon if lexicon is not None else vader_lexicon()
    return score_lexicons(texts, (lex,)).compounds[0]


def score_lexicons(
    texts: pl.Series,
    lexicons: tuple[Lexicon, ...],
    sentence_rows: pl.Series | None = None,
) -> LexiconScores:
    """Score n texts with several lexicons in one pass over one token frame.

    The lexicons must share boosters, negations and idioms (they differ in word valences and
    text rewrites). A text whose rewrites agree under every lexicon is tokenised once; the
    others get one extra segment per disagreeing lexicon. Word features (punctuation
    stripping, case, lexicon look-up) are computed once per distinct token, and VADER's
    per-word rules run only on valence-carrying words with their neighbours gathered by
    index. ``sentence_rows`` (Boolean, length n) asks for sentence-level compounds of
    ``lexicons[-1]`` on those rows: sentence breaks are marked in the original
    text before any rewrite (:data:`_SENTENCE_END`, each line break), so
    the sentence of a character of the original text is :func:`sentence_index` of the text
    before it, whatever the emoji and phrase rewrites insert.
    """
    n = texts.len()
    if not lexicons:
        raise ValueError("need at least one lexicon")
    if n == 0:
        empty = tuple(pl.Series("compound", [], dtype=pl.Float64) for _ in lexicons)
        return LexiconScores(empty, pl.DataFrame(schema=SENTENCE_SCHEMA))
    base = lexicons[0]
    for lex in lexicons[1:]:
        if (lex.boosters, lex.negations, lex.special_cases) != (
            base.boosters,
            base.negations,
            base.special_cases,
        ):
            raise ValueError("lexicons scored together must share boosters, negations, idioms")
    want_sent = sentence_rows is not None and bool(sentence_rows.fill_null(False).any())
    raw = texts.cast(pl.String)
    if want_sent:
        sent_row = np.asarray(sentence_rows.fill_null(False).to_numpy(), dtype=bool)
        mark = f" {_SENTENCE_BREAK_TOKEN} "
        marked = raw.str.replace_all(f"({_SENTENCE_PUNCTUATION})(\\s)", f"${{1}}{mark}${{2}}")
        marked = marked.str.replace_all("\n", mark, literal=True)
        raw = marked.zip_with(pl.Series(sent_row), raw)
    seg = _segments(raw, lexicons)
    text = pl.col("text")
    punct = seg.select(
        text.str.count_matches("!", literal=True).alias("n_excl"),
        text.str.count_matches("?", literal=True).alias("n_q"),
    )
    tokens = (
        seg.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("seg"),
            text.str.replace_many(OTHER_WHITE_SPACE, [" "] * len(OTHER_WHITE_SPACE))
            .str.split(" ")
            .alias("tok"),
        )
        .explode("tok")
        .filter(pl.col("tok").str.len_bytes() > 0)
    )
    scores = _carrier_valences(tokens, seg.get_column("mask").to_numpy(), lexicons, want_sent)
    seg_row = seg.get_column("row").to_numpy()
    seg_mask = seg.get_column("mask").to_numpy()
    n_excl = punct.get_column("n_excl").to_numpy()
    n_q = punct.get_column("n_q").to_numpy()
    compounds = []
    for j in range(len(lexicons)):
        mine = scores.filter(pl.col("lex") == j)
        sums = np.bincount(
            mine.get_column("seg").to_numpy(),
            weights=mine.get_column("v").to_numpy(),
            minlength=seg.height,
        )
        serves = ((seg_mask >> j) & 1) == 1  # exactly one segment per row serves lexicon j
        order = np.argsort(seg_row[serves], kind="stable")
        frame = pl.DataFrame(
            {
                "sum_s": sums[serves][order],
                "n_excl": n_excl[serves][order],
                "n_q": n_q[serves][order],
            }
        )
        compounds.append(frame.select(_compound_expr().alias("compound")).get_column("compound"))
    if not want_sent:
        return LexiconScores(tuple(compounds), pl.DataFrame(schema=SENTENCE_SCHEMA))
    mine = scores.filter(pl.col("lex") == len(lexicons) - 1)
    sentences = (
        mine.with_columns(pl.Series("row", seg_row[mine.get_column("seg").to_numpy()]))
        .filter(pl.Series(sent_row[seg_row[mine.get_column("seg").to_numpy()]]))
        .group_by("row", "sentence")
        .agg(pl.col("v").sum())
        .select(
            pl.col("row").cast(pl.UInt32),
            pl.col("sentence").cast(pl.UInt32),
            (pl.col("v") / (pl.col("v") * pl.col("v") + NORMALIZE_ALPHA).sqrt())
            .clip(-1.0, 1.0)
            .round(4)
            .alias("compound"),
        )
        .sort("row", "sentence")
    )
    return LexiconScores(tuple(compounds), sentences)


def sentence_index(prefix: pl.Expr) -> pl.Expr:
    """Sentence index (UInt32) of the character that follows ``prefix`` (the text before it),
    counted as :func:`score_lexicons` counts sentences."""
    return (
        prefix.str.count_matches(_SENTENCE_END) + prefix.str.count_matches("\n", literal=True)
    ).cast(pl.UInt32)


def _rewrite(raw: pl.Series, lex: Lexicon) -> pl.Series:
    """Emoji (rows with non-ASCII characters only) and phrase rewrites of ``lex``."""
    emoji_keys, emoji_values, phrase_keys, phrase_values = _rewrite_lists(lex)
    out = raw.fill_null("")
    non_ascii = out.str.len_bytes() != out.str.len_chars()
    if emoji_keys and non_ascii.any():
        at = non_ascii.arg_true()
        out = out.scatter(at, out.gather(at).str.replace_many(emoji_keys, emoji_values))
    for pattern, replacement in lex.patterns:
        out = out.str.replace_all(pattern, replacement)
    if phrase_keys:
        out = out.str.replace_many(phrase_keys, phrase_values, ascii_case_insensitive=True)
    return out


def _segments(texts: pl.Series, lexicons: tuple[Lexicon, ...]) -> pl.DataFrame:
    """Rewritten texts to tokenise: ``row`` (UInt32), ``text``, ``mask`` (UInt8, bit j set
    when the segment serves lexicon j): one segment per row, plus one per lexicon whose
    emoji/phrase rewrites differ from the first lexicon's on that row."""
    n = texts.len()
    base, rest = lexicons[0], lexicons[1:]
    rows = pl.arange(0, n, eager=True, dtype=pl.UInt32)
    raw = texts.fill_null("")
    mask = np.full(n, (1 << len(lexicons)) - 1, dtype=np.uint8)
    extra: list[pl.DataFrame] = []
    for j, lex in enumerate(rest, start=1):
        keys = [k for k, v in lex.emoji_map.items() if base.emoji_map.get(k) != v]
        keys += [k for k in base.emoji_map if k not in lex.emoji_map]
        differs = pl.Series([False] * n, dtype=pl.Boolean)
        if keys:
            differs = differs | raw.str.contains_any(keys)
        if lex.phrase_map != base.phrase_map:
            phrases = sorted(set(lex.phrase_map) | set(base.phrase_map))
            differs = differs | raw.str.contains_any(phrases, ascii_case_insensitive=True)
        for pattern, _ in set(lex.patterns) ^ set(base.patterns):
            differs = differs | raw.str.contains(pattern)
        flag = differs.to_numpy()
        mask[flag] -= np.uint8(1 << j)
        at = np.flatnonzero(flag)
        extra.append(
            pl.DataFrame(
                {
                    "row": rows.gather(at),
                    "text": _rewrite(raw.gather(at), lex),
                    "mask": np.full(len(at), 1 << j, dtype=np.uint8),
                }
            )
        )
    main = pl.DataFrame({"row": rows, "text": _rewrite(raw, base), "mask": mask})
    if not extra:
        return main
    return pl.concat([main, *extra]).sort("row", maintain_order=True)


def _compound_expr() -> pl.Expr:
    ep = pl.min_horizontal(pl.col("n_excl"), pl.lit(EXCLAMATION_MAX_COUNT)) * EXCLAMATION_INCREMENT
    qm = (
        pl.when(pl.col("n_q") <= 1)
        .then(0.0)
        .when(pl.col("n_q") <= 3)
        .then(pl.col("n_q") * QUESTION_INCREMENT)
        .otherwise(QUESTION_MAX_AMPLIFIER)
    )
    amp = ep + qm
    s = pl.col("sum_s").fill_null(0.0)
    s = pl.when(s > 0).then(s + amp).when(s < 0).then(s - amp).otherwise(s)
    comp = (s / (s * s + NORMALIZE_ALPHA).sqrt()).clip(-1.0, 1.0)
    return comp.round(4).cast(pl.Float64)


@lru_cache(maxsize=4)
def _lookup_frame(lexicons: tuple[Lexicon, ...]) -> pl.DataFrame:
    """One row per lower-case word: ``lw``, ``boost`` and ``v0``.. (valence per lexicon)."""
    words = sorted(set().union(*(lex.valence for lex in lexicons)) | set(lexicons[0].boosters))
    cols: dict[str, list] = {"lw": words, "boost": [lexicons[0].boosters.get(w) for w in words]}
    for j, lex in enumerate(lexicons):
        cols[f"v{j}"] = [lex.valence.get(w) for w in words]
    schema = {"lw": pl.String, "boost": pl.Float64}
    schema |= {f"v{j}": pl.Float64 for j in range(len(lexicons))}
    return pl.DataFrame(cols, schema=schema)


def _vocabulary(tok: pl.Series, lexicons: tuple[Lexicon, ...]) -> tuple[np.ndarray, pl.DataFrame]:
    """Token ids (index into the vocabulary) and the per-distinct-token features: ``lw``
    (VADER's punctuation-stripped lower-case word), ``upper``, ``boost``, ``v0``..,
    ``marker`` (a sentence-break stand-in)."""
    cat = tok.cast(pl.Categorical(pl.Categories.random()))
    ids = cat.to_physical().to_numpy()
    words = cat.dtype.categories.to_series().alias("tok")  # type: ignore[union-attr]
    stripped = pl.col("tok").str.strip_chars(_PUNCTUATION)
    w = pl.when(stripped.str.len_chars() <= 2).then(pl.col("tok")).otherwise(stripped)
    vocab = (
        pl.DataFrame({"tok": words})
        .with_columns(w.alias("w"))
        .with_columns(pl.col("w").str.to_lowercase().alias("lw"))
        .with_columns(
            ((pl.col("w") == pl.col("w").str.to_uppercase()) & (pl.col("w") != pl.col("lw"))).alias(
                "upper"
            ),
            (pl.col("tok") == _SENTENCE_BREAK_TOKEN).alias("marker"),
        )
        .join(_lookup_frame(lexicons), on="lw", how="left", maintain_order="left")
    )
    return ids, vocab


def _carrier_valences(
    tokens: pl.DataFrame, seg_mask: np.ndarray, lexicons: tuple[Lexicon, ...], sentences: bool
) -> pl.DataFrame:
    """Final valence of every valence-carrying token, per lexicon its segment serves:
    columns ``seg``, ``lex`` (lexicon index), ``v`` and, with ``sentences``, ``sentence``.
    ``tokens``: ``seg`` (UInt32) and ``tok`` (non-empty), in text order."""
    k_lex = len(lexicons)
    ids, vocab = _vocabulary(tokens.get_column("tok"), lexicons)
    seg_ids = tokens.get_column("seg").to_numpy()
    n_seg = len(seg_mask)
    breaks_before = np.zeros(0, dtype=np.int64)
    seg_breaks_base = np.zeros(0, dtype=np.int64)
    if sentences:
        # sentence breaks before each token (the markers count, then leave), and before
        # each segment's first token
        brk = vocab.get_column("marker").to_numpy()[ids]
        breaks_before = np.cumsum(brk, dtype=np.int64) - brk
        per_seg = np.bincount(seg_ids, weights=brk, minlength=len(seg_mask)).astype(np.int64)
        seg_breaks_base = np.cumsum(per_seg) - per_seg
        if brk.any():
            keep = ~brk
            ids, seg_ids, breaks_before = ids[keep], seg_ids[keep], breaks_before[keep]
    total = len(ids)
    lw_v = vocab.get_column("lw")
    upper_v = vocab.get_column("upper").to_numpy()
    boost_v = vocab.get_column("boost")
    boost_null_v = boost_v.is_null().to_numpy()
    hit_v = np.stack([vocab.get_column(f"v{j}").is_not_null().to_numpy() for j in range(k_lex)])
    val_v = np.stack([vocab.get_column(f"v{j}").fill_null(0.0).to_numpy() for j in range(k_lex)])
    is_but_v = (lw_v == "but").to_numpy()
    is_kind_v = (lw_v == "kind").to_numpy()
    is_of_v = (lw_v == "of").to_numpy()

    n_tok_seg = np.bincount(seg_ids, minlength=n_seg)
    n_up_seg = np.bincount(seg_ids, weights=upper_v[ids], minlength=n_seg)
    starts = np.concatenate(([0], np.cumsum(n_tok_seg)[:-1]))

    def sentence_of(at: np.ndarray) -> np.ndarray:
        """Sentence index (within its text) of the tokens at ``at``."""
        return (breaks_before[at] - seg_breaks_base[seg_ids[at]]).astype(np.uint32)

    pos = np.arange(total, dtype=np.int64) - starts[seg_ids]
    n_tok = n_tok_seg[seg_ids]
    cap_diff_seg = (n_tok_seg - n_up_seg > 0) & (n_up_seg > 0)
    # first "but" per segment
    but_at = np.flatnonzero(is_but_v[ids])
    but_pos_seg = np.full(n_seg, -1, dtype=np.int64)
    but_segs = seg_ids[but_at]
    first_but = np.ones(len(but_at), dtype=bool)
    first_but[1:] = but_segs[1:] != but_segs[:-1]
    but_pos_seg[but_segs[first_but]] = pos[but_at[first_but]]

    last = pos == n_tok - 1
    nxt = np.empty(total, dtype=bool)
    nxt[:-1] = is_of_v[ids[1:]]
    nxt[-1:] = False
    kind_of = is_kind_v[ids] & nxt & ~last
    carrier_any = boost_null_v[ids] & ~kind_of
    masks = seg_mask[seg_ids]
    idx_parts, lex_parts = [], []
    for j in range(k_lex):
        sel = np.flatnonzero(carrier_any & hit_v[j][ids] & (((masks >> j) & 1) == 1))
        idx_parts.append(sel)
        lex_parts.append(np.full(len(sel), j, dtype=np.int8))
    idx = np.concatenate(idx_parts)
    lex_id = np.concatenate(lex_parts)
    out_schema = {"seg": pl.UInt32, "lex": pl.Int8, "v": pl.Float64}
    if sentences:
        out_schema["sentence"] = pl.UInt32
    if len(idx) == 0:
        return pl.DataFrame(schema=out_schema)

    # Fast path: a carrier with no rule word (booster, negation, idiom word, "no", "least",
    # ...) around it keeps its valence, adjusted for ALL-CAPS emphasis only.
    special_t = _rule_words_mask(vocab.get_column("lw"), lexicons[0])[ids]
    n_tok_i = n_tok[idx]
    pos_i = pos[idx]
    involved = special_t[idx].copy()
    for k in (1, 2, 3):
        involved |= (pos_i >= k) & special_t[np.maximum(idx - k, 0)]
    for k in (1, 2):
        involved |= (pos_i + k <= n_tok_i - 1) & special_t[np.minimum(idx + k, total - 1)]
    parts = []
    plain = ~involved
    if plain.any():
        pi = idx[plain]
        v = val_v[lex_id[plain], ids[pi]]
        caps = upper_v[ids[pi]] & cap_diff_seg[seg_ids[pi]]
        v = np.where(caps, np.where(v > 0, v + CAPS_INCREMENT, v - CAPS_INCREMENT), v)
        plain_cols: dict[str, object] = {
            "seg": seg_ids[pi].astype(np.uint32),
            "lex": lex_id[plain],
            "v": v,
            "pos": pos[pi],
            "but_pos": but_pos_seg[seg_ids[pi]],
        }
        if sentences:
            plain_cols["sentence"] = sentence_of(pi)
        parts.append(pl.DataFrame(plain_cols))
    idx, lex_id = idx[involved], lex_id[involved]
    if len(idx) == 0:
        return _apply_but(pl.concat(parts), sentences)
    pos_c = pos[idx]
    seg_c = seg_ids[idx]
    cols: dict[str, object] = {
        "seg": seg_c.astype(np.uint32),
        "lex": lex_id,
        "lw": lw_v.gather(ids[idx]),
        "lex_v": val_v[lex_id, ids[idx]],
        "upper": upper_v[ids[idx]],
        "cap_diff": cap_diff_seg[seg_c],
        "pos": pos_c,
        "but_pos": but_pos_seg[seg_c],
    }
    valid: dict[str, np.ndarray] = {}
    for k in (1, 2, 3):
        ok = pos_c >= k
        at = ids[np.where(ok, idx - k, 0)]
        cols[f"p{k}"] = lw_v.gather(at)
        cols[f"p{k}_lex"] = hit_v[lex_id, at]
        cols[f"p{k}_boost"] = boost_v.gather(at)
        cols[f"p{k}_upper"] = upper_v[at]
        valid[f"p{k}"] = ok
    n_tok_c = n_tok[idx]
    for k in (1, 2):
        ok = pos_c + k <= n_tok_c - 1
        at = ids[np.where(ok, np.minimum(idx + k, total - 1), 0)]
        cols[f"n{k}"] = lw_v.gather(at)
        cols[f"n{k}_lex"] = hit_v[lex_id, at]
        valid[f"n{k}"] = ok
    if sentences:
        cols["sentence"] = sentence_of(idx)
    h = pl.DataFrame(cols)
    valid_frame = pl.DataFrame({f"_ok_{key}": ok for key, ok in valid.items()})
    h = h.hstack(valid_frame)
    nullable = []
    for key in valid:
        suffixes = ("", "_lex", "_boost", "_upper") if key.startswith("p") else ("", "_lex")
        for suffix in suffixes:
            name = key + suffix
            nullable.append(pl.when(pl.col(f"_ok_{key}")).then(pl.col(name)).alias(name))
    h = h.with_columns(nullable).drop(valid_frame.columns)
    ruled = _rules(h, lexicons[0])
    cols_out = ["seg", "lex", "v", "pos", "but_pos"] + (["sentence"] if sentences else [])
    parts.append(ruled.select(cols_out))
    return _apply_but(pl.concat(parts), sentences)


def _apply_but(frame: pl.DataFrame, sentences: bool) -> pl.DataFrame:
    """VADER's contrastive ``but``: valences before the first ``but`` x0.5, after it x1.5."""
    but_pos = pl.when(pl.col("but_pos") >= 0).then(pl.col("but_pos"))
    but = (
        pl.when(but_pos.is_null())
        .then(pl.col("v"))
        .when(pl.col("pos") < but_pos)
        .then(pl.col("v") * BUT_BEFORE_SCALAR)
        .when(pl.col("pos") > but_pos)
        .then(pl.col("v") * BUT_AFTER_SCALAR)
        .otherwise(pl.col("v"))
    )
    keep = ["seg", "lex", but.alias("v")] + (["sentence"] if sentences else [])
    return frame.select(keep)


@lru_cache(maxsize=4)
def _rule_word_list(lex: Lexicon) -> list[str]:
    words = {w for key in (*lex.boosters, *lex.special_cases) for w in key.split()}
    words |= set(lex.negations)
    words |= {"no", "least", "never", "without", "doubt", "so", "this", "or", "nor", "at", "very"}
    return sorted(words)


def _rule_words_mask(lw: pl.Series, lex: Lexicon) -> np.ndarray:
    """Boolean per word: it can take part in a rule beyond the plain valence (booster,
    negation, idiom word, ``no``/``least``/``so``...)."""
    hit = lw.is_in(_rule_word_list(lex)) | lw.str.contains("n't", literal=True)
    return hit.fill_null(False).to_numpy()


def _rules(h: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Apply VADER's per-word rules to the lexicon-hit rows of ``h`` (adds/overwrites ``v``)."""
    c = pl.col
    base = c("lex_v")
    v = pl.when((c("lw") == "no") & c("n1_lex").fill_null(False)).then(0.0).otherwise(base)
    prev_no = (
        (c("p1") == "no").fill_null(False)
        | (c("p2") == "no").fill_null(False)
        | ((c("p3") == "no") & c("p1").is_in(["or", "nor"])).fill_null(False)
    )
    v = pl.when(prev_no).then(base * NEGATION_SCALAR).otherwise(v)
    v = (
        pl.when(c("upper") & c("cap_diff"))
        .then(pl.when(v > 0).then(v + CAPS_INCREMENT).otherwise(v - CAPS_INCREMENT))
        .otherwise(v)
    )
    # Eager on purpose: each step redefines ``v`` from the previous one several times, which a
    # lazy plan would inline into one exponentially large expression.
    df = h.with_columns(v.alias("v"))
    neg = lex.negations
    special = lex.special_cases
    boost_ngrams = {k: val for k, val in lex.boosters.items() if " " in k}
    decay = {1: 1.0, 2: 0.95, 3: 0.9}
    for k in (1, 2, 3):
        cond = (c("pos") >= k) & ~c(f"p{k}_lex").fill_null(True)
        bval = c(f"p{k}_boost")
        s = pl.when(c("v") < 0).then(-bval).otherwise(bval)
        s = (
            pl.when(c(f"p{k}_upper") & c("cap_diff"))
            .then(pl.when(c("v") > 0).then(s + CAPS_INCREMENT).otherwise(s - CAPS_INCREMENT))
            .otherwise(s)
        )
        s = (s.fill_null(0.0)) * decay[k]
        df = df.with_columns(pl.when(cond).then(c("v") + s).otherwise(c("v")).alias("v"))
        so_this = ["so", "this"]
        if k == 1:
            factor = pl.when(_negated(c("p1"), neg)).then(NEGATION_SCALAR).otherwise(1.0)
        elif k == 2:
            factor = (
                pl.when((c("p2") == "never") & c("p1").is_in(so_this))
                .then(1.25)
                .when((c("p2") == "without") & (c("p1") == "doubt"))
                .then(1.0)
                .when(_negated(c("p2"), neg))
                .then(NEGATION_SCALAR)
                .otherwise(1.0)
            )
        else:
            factor = (
                pl.when(((c("p3") == "never") & c("p2").is_in(so_this)) | c("p1").is_in(so_this))
                .then(1.25)
                .when((c("p3") == "without") & ((c("p2") == "doubt") | (c("p1") == "doubt")))
                .then(1.0)
                .when(_negated(c("p3"), neg))
                .then(NEGATION_SCALAR)
                .otherwise(1.0)
            )
        df = df.with_columns(
            pl.when(cond).then(c("v") * factor.fill_null(1.0)).otherwise(c("v")).alias("v")
        )
        if k == 3:
            # idioms only where a neighbouring word can start one (string building is costly)
            words = sorted({w for key in (*special, *boost_ngrams) for w in key.split()})
            near = pl.any_horizontal(
                [c(x).is_in(words) for x in ("lw", "p1", "p2", "p3", "n1", "n2")]
            )
            df = df.with_columns((cond & near.fill_null(False)).alias("_idiom"))
            df = pl.concat(
                [
                    df.filter(~c("_idiom")),
                    df.filter(c("_idiom")).with_columns(_idioms(special, boost_ngrams).alias("v")),
                ]
            ).drop("_idiom")
    least = (
        pl.when((c("pos") > 1) & ~c("p1_lex").fill_null(True) & (c("p1") == "least"))
        .then(pl.when(~c("p2").is_in(["at", "very"])).then(NEGATION_SCALAR).otherwise(1.0))
        .when((c("pos") > 0) & ~c("p1_lex").fill_null(True) & (c("p1") == "least"))
        .then(NEGATION_SCALAR)
        .otherwise(1.0)
    )
    return df.with_columns((c("v") * least).alias("v"))


def _idioms(special: dict[str, float], boost_ngrams: dict[str, float]) -> pl.Expr:
    c = pl.col

    def seq(*cols: str) -> pl.Expr:
        return pl.concat_str([c(x) for x in cols], separator=" ")

    def lookup(e: pl.Expr, table: dict[str, float]) -> pl.Expr:
        return e.replace_strict(table, default=None, return_dtype=pl.Float64)

    v = c("v")
    # VADER: the first of these sequences found in SPECIAL_CASES sets the valence.
    ordered = [
        seq("p1", "lw"),
        seq("p2", "p1", "lw"),
        seq("p2", "p1"),
        seq("p3", "p2", "p1"),
        seq("p3", "p2"),
    ]
    found = pl.coalesce([lookup(e, special) for e in ordered])
    v = pl.when(found.is_not_null()).then(found).otherwise(v)
    z1 = lookup(seq("lw", "n1"), special)
    v = pl.when(z1.is_not_null()).then(z1).otherwise(v)
    z2 = lookup(seq("lw", "n1", "n2"), special)
    v = pl.when(z2.is_not_null()).then(z2).otherwise(v)
    for e in (seq("p3", "p2", "p1"), seq("p3", "p2"), seq("p2", "p1")):
        b = lookup(e, boost_ngrams)
        v = pl.when(b.is_not_null()).then(v + b).otherwise(v)
    return v


def normalize_sum(sum_valence: float, alpha: float = NORMALIZE_ALPHA) -> float:
    """VADER's squashing of a summed valence into [-1, 1] (scalar helper for tests/docs)."""
    return max(-1.0, min(1.0, sum_valence / math.sqrt(sum_valence * sum_valence + alpha)))

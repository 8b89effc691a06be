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

This module segments and scores the texts; :mod:`~tft_assets.posts.lexicon.carriers` finds the
valence-carrying words and :mod:`~tft_assets.posts.lexicon.rules` holds VADER's rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from tft_assets.posts.lexicon.carriers import SENTENCE_BREAK_TOKEN, carrier_valences
from tft_assets.posts.lexicon.rules import (
    EXCLAMATION_INCREMENT,
    EXCLAMATION_MAX_COUNT,
    NORMALIZE_ALPHA,
    QUESTION_INCREMENT,
    QUESTION_MAX_AMPLIFIER,
)
from tft_assets.posts.lexicon.tables import Lexicon, vader_lexicon


@lru_cache(maxsize=4)
def _rewrite_lists(lex: Lexicon) -> tuple[list[str], list[str], list[str], list[str]]:
    """Emoji and phrase keys with their replacements; phrases longest first, so that with
    leftmost-first matching the longer of two phrases starting at the same place wins ("buy
    more puts" over "buy more"; without it the one ending first would)."""
    phrases = sorted(lex.phrase_map, key=len, reverse=True)
    return (
        list(lex.emoji_map.keys()),
        list(lex.emoji_map.values()),
        phrases,
        [lex.phrase_map[p] for p in phrases],
    )


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
        mark = f" {SENTENCE_BREAK_TOKEN} "
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
    scores = carrier_valences(tokens, seg.get_column("mask").to_numpy(), lexicons, want_sent)
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
        out = out.str.replace_many(
            phrase_keys, phrase_values, ascii_case_insensitive=True, leftmost=True
        )
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
        patterns = sorted({p for p, _ in set(lex.patterns) ^ set(base.patterns)})
        if patterns:  # one scan for all of them
            differs = differs | raw.str.contains("|".join(f"(?:{p})" for p in patterns))
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


def normalize_sum(sum_valence: float, alpha: float = NORMALIZE_ALPHA) -> float:
    """VADER's squashing of a summed valence into [-1, 1] (scalar helper for tests/docs)."""
    return max(-1.0, min(1.0, sum_valence / math.sqrt(sum_valence * sum_valence + alpha)))

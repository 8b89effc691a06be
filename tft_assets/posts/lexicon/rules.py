"""VADER's per-word rules as Polars expressions over a carrier word and its neighbours.

A carrier is a word with a valence; its row holds the word (``lw``), its valence (``lex_v``),
its case, its position in the text and the three words before it (``p1``..``p3``) and two
after it (``n1``, ``n2``), each with its lexicon hit, booster value and case (see
:func:`tft_assets.posts.lexicon.carriers.carrier_valences`). The constants are VADER's.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from tft_assets.posts.lexicon.tables import Lexicon

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


def negated(word: pl.Expr, negations: frozenset[str]) -> pl.Expr:
    return word.is_in(list(negations)) | word.str.contains("n't", literal=True)


def apply_but(frame: pl.DataFrame, sentences: bool) -> pl.DataFrame:
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


def rule_words_mask(lw: pl.Series, lex: Lexicon) -> np.ndarray:
    """Boolean per word: it can take part in a rule beyond the plain valence (booster,
    negation, idiom word, ``no``/``least``/``so``...)."""
    hit = lw.is_in(_rule_word_list(lex)) | lw.str.contains("n't", literal=True)
    return hit.fill_null(False).to_numpy()


def apply_rules(h: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
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
            factor = pl.when(negated(c("p1"), neg)).then(NEGATION_SCALAR).otherwise(1.0)
        elif k == 2:
            factor = (
                pl.when((c("p2") == "never") & c("p1").is_in(so_this))
                .then(1.25)
                .when((c("p2") == "without") & (c("p1") == "doubt"))
                .then(1.0)
                .when(negated(c("p2"), neg))
                .then(NEGATION_SCALAR)
                .otherwise(1.0)
            )
        else:
            factor = (
                pl.when(((c("p3") == "never") & c("p2").is_in(so_this)) | c("p1").is_in(so_this))
                .then(1.25)
                .when((c("p3") == "without") & ((c("p2") == "doubt") | (c("p1") == "doubt")))
                .then(1.0)
                .when(negated(c("p3"), neg))
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

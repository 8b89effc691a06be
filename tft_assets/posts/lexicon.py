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
    case-insensitively), applied after the emoji rewrite.
    """

    name: str
    valence: dict[str, float]
    emoji_map: dict[str, str]
    phrase_map: dict[str, str]
    boosters: dict[str, float]
    negations: frozenset[str]
    special_cases: dict[str, float]


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
    "short": -1.2,
    "shorting": -1.5,
    "shorted": -1.0,
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
    "gamma squeeze": " gamma_squeeze ",
    "load up": " load_up ",
    "loading up": " load_up ",
    "dead cat bounce": " dead_cat_bounce ",
    "margin call": " margin_call ",
    "sell off": " sell_off ",
    "sell-off": " sell_off ",
    "pump and dump": " pump_and_dump ",
}


@lru_cache(maxsize=1)
def wsb_lexicon() -> Lexicon:
    """VADER's lexicon extended with finance/WSB slang, emoji and phrases."""
    base = vader_lexicon()
    valence = dict(base.valence)
    valence.update(WSB_VALENCES)
    emoji_map = dict(base.emoji_map)
    emoji_map.update(WSB_EMOJI)
    return Lexicon(
        name="wsb",
        valence=valence,
        emoji_map=emoji_map,
        phrase_map=dict(WSB_PHRASES),
        boosters=base.boosters,
        negations=base.negations,
        special_cases=base.special_cases,
    )


def _prepare_text(texts: pl.Expr, lexicon: Lexicon) -> pl.Expr:
    out = texts.fill_null("").str.replace_many(
        list(lexicon.emoji_map.keys()), list(lexicon.emoji_map.values())
    )
    if lexicon.phrase_map:
        out = out.str.replace_many(
            list(lexicon.phrase_map.keys()),
            list(lexicon.phrase_map.values()),
            ascii_case_insensitive=True,
        )
    return out.str.strip_chars()


def _negated(word: pl.Expr, negations: frozenset[str]) -> pl.Expr:
    return word.is_in(list(negations)) | word.str.contains("n't", literal=True)


def lexicon_compound(texts: pl.Series, lexicon: Lexicon | None = None) -> pl.Series:
    """VADER compound score of every text, in [-1, 1] rounded to 4 decimals (0.0 for empty/null).

    ``texts``: a String series of length n; returns a Float64 series of length n named
    ``compound``. Vectorised: one Polars token frame for the whole series.
    """
    lex = lexicon if lexicon is not None else vader_lexicon()
    n = texts.len()
    if n == 0:
        return pl.Series("compound", [], dtype=pl.Float64)
    prepared = pl.DataFrame({"text": texts.cast(pl.String)}).select(
        _prepare_text(pl.col("text"), lex).alias("text")
    )
    punct = prepared.select(
        pl.col("text").str.count_matches("!", literal=True).alias("n_excl"),
        pl.col("text").str.count_matches("?", literal=True).alias("n_q"),
    )
    tokens = (
        prepared.with_row_index("row")
        .select(
            "row",
            pl.col("text")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars(" ")
            .str.split(" ")
            .alias("tok"),
        )
        .explode("tok")
        .filter(pl.col("tok").str.len_bytes() > 0)
    )
    valence = _token_valences(tokens, lex)
    sums = valence.group_by("row").agg(pl.col("v").sum().alias("sum_s"), pl.len().alias("n_tok"))
    out = (
        pl.DataFrame({"row": pl.arange(0, n, eager=True).cast(pl.UInt32)})
        .hstack(punct)
        .join(sums, on="row", how="left")
        .select(_compound_expr().alias("compound"))
    )
    return out.get_column("compound")


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
def _lookup_frames(lex: Lexicon) -> tuple[pl.DataFrame, pl.DataFrame]:
    lex_frame = pl.DataFrame(
        {"lw": list(lex.valence.keys()), "lex_v": list(lex.valence.values())},
        schema={"lw": pl.String, "lex_v": pl.Float64},
    )
    boost_frame = pl.DataFrame(
        {"lw": list(lex.boosters.keys()), "boost": list(lex.boosters.values())},
        schema={"lw": pl.String, "boost": pl.Float64},
    )
    return lex_frame, boost_frame


def _token_valences(tokens: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Per-token valence (column ``v``) for rows ``row``/``tok`` (tokens in text order)."""
    lex_frame, boost_frame = _lookup_frames(lex)
    stripped = pl.col("tok").str.strip_chars(_PUNCTUATION)
    w = pl.when(stripped.str.len_chars() <= 2).then(pl.col("tok")).otherwise(stripped)
    t = (
        tokens.lazy()
        .with_columns(w.alias("w"))
        .with_columns(
            pl.col("w").str.to_lowercase().alias("lw"),
            (
                (pl.col("w") == pl.col("w").str.to_uppercase())
                & (pl.col("w") != pl.col("w").str.to_lowercase())
            ).alias("upper"),
        )
    )
    t = t.join(lex_frame.lazy(), on="lw", how="left", maintain_order="left").join(
        boost_frame.lazy(), on="lw", how="left", maintain_order="left"
    )
    idx = pl.int_range(pl.len(), dtype=pl.UInt32)
    first = pl.when(pl.col("row") != pl.col("row").shift(1)).then(idx).otherwise(None)
    t = t.with_columns(
        (idx - first.forward_fill().fill_null(0)).alias("pos"),
        pl.col("upper").sum().over("row").alias("n_upper"),
        pl.len().over("row").alias("n_tok"),
    )
    t = t.with_columns(
        ((pl.col("n_tok") - pl.col("n_upper") > 0) & (pl.col("n_upper") > 0)).alias("cap_diff"),
        (pl.col("lw") == "but").alias("is_but"),
    )
    # first "but" position per row
    t = t.with_columns(
        pl.when(pl.col("is_but"))
        .then(pl.col("pos"))
        .otherwise(None)
        .min()
        .over("row")
        .alias("but_pos")
    )
    same = {k: pl.col("pos") >= k for k in (1, 2, 3)}
    shifted = []
    for k in (1, 2, 3):
        shifted += [
            pl.when(same[k]).then(pl.col("lw").shift(k)).alias(f"p{k}"),
            pl.when(same[k]).then(pl.col("lex_v").shift(k).is_not_null()).alias(f"p{k}_lex"),
            pl.when(same[k]).then(pl.col("boost").shift(k)).alias(f"p{k}_boost"),
            pl.when(same[k]).then(pl.col("upper").shift(k)).alias(f"p{k}_upper"),
        ]
    last = pl.col("pos") == pl.col("n_tok") - 1
    for k in (1, 2):
        ok = pl.col("pos") + k <= pl.col("n_tok") - 1
        shifted += [
            pl.when(ok).then(pl.col("lw").shift(-k)).alias(f"n{k}"),
            pl.when(ok).then(pl.col("lex_v").shift(-k).is_not_null()).alias(f"n{k}_lex"),
        ]
    t = t.with_columns(shifted)
    # Only lexicon words that are not boosters (and not "kind" + "of") carry valence.
    carrier = (
        pl.col("lex_v").is_not_null()
        & pl.col("boost").is_null()
        & ~((pl.col("lw") == "kind") & (pl.col("n1") == "of") & ~last)
    )
    h = _rules(t.filter(carrier), lex)
    but = (
        pl.when(pl.col("but_pos").is_null())
        .then(pl.col("v"))
        .when(pl.col("pos") < pl.col("but_pos"))
        .then(pl.col("v") * BUT_BEFORE_SCALAR)
        .when(pl.col("pos") > pl.col("but_pos"))
        .then(pl.col("v") * BUT_AFTER_SCALAR)
        .otherwise(pl.col("v"))
    )
    return h.select("row", but.alias("v")).collect()


def _rules(h: pl.LazyFrame, lex: Lexicon) -> pl.LazyFrame:
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
    df = h.collect().with_columns(v.alias("v"))
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
    return df.with_columns((c("v") * least).alias("v")).lazy()


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

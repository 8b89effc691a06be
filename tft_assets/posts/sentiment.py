"""Sentiment: lexicon scorers, a trainable text classifier, and the ensemble that combines them.

Ensemble (documented contract of ``scored_posts.sentiment``):

* ``sentiment_vader`` — VADER's compound score (vectorised re-implementation);
* ``sentiment_lexicon`` — the same rules with VADER's lexicon plus the finance/WSB lexicon
  (how a post *feels*);
* ``sentiment_stance`` — the same rules with the stance lexicon only
  (:func:`~tft_assets.posts.lexicon.stance_lexicon`: direction words, slang, emoji; where the
  author expects the price to go);
* ``sentiment_model`` — ``P(bullish) - P(bearish)`` from a trained classifier, null without one.

Without a model, or with a model whose ensemble weight is 0, ``sentiment = sentiment_stance``
and the stance label uses a neutral band of ±:data:`NEUTRAL_BAND` around 0. A model weighs
what its gate measured on WSB text (``model.ensemble_weight``, see
:mod:`~tft_assets.posts.sentiment_gate`; a model that carries no measured weight weighs 0).
With weight ``w > 0`` the class probabilities are mixed,
``p = w * p_model + (1 - w) * p_stance``, where :func:`lexicon_probabilities` turns the stance
compound into probabilities whose arg-max is the lexicon's own banded label; the label is the
arg-max of ``p`` and ``sentiment = w * model + (1 - w) * stance``.

Distant supervision (:func:`distant_labels`) labels WSB text without hand labels from
unambiguous stance markers (🚀/calls/buying vs puts/🌈🐻/selling) and masks those markers
(:func:`mask_markers`) so that a model trained on them must learn from the rest of the text.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import polars as pl

from tft_assets.posts.lexicon import (
    Lexicon,
    score_lexicons,
    stance_lexicon,
    vader_lexicon,
    wsb_lexicon,
)

LABELS: tuple[str, str, str] = ("bearish", "neutral", "bullish")
#: Without a model, a post is bullish/bearish when its stance compound is at least this far
#: from 0 (VADER's own convention is 0.05). Chosen on the hand-labelled WSB development sets
#: (re-checked on all of them with the ``wsb-stance-4`` lexicon: 0.2 is still the best
#: symmetric band); never on the gate's validation set or the held-out sets.
NEUTRAL_BAND = 0.2
#: VADER's own neutral band for its compound score.
VADER_NEUTRAL_BAND = 0.05
SCORE_LABEL_THRESHOLD = 0.1
LEXICON_VERSION = "wsb-stance-4"

BULLISH_MARKERS = (
    r"🚀|🌕|🌝|💎|🙌|📈|🐂|(?-u:\b)calls?(?-u:\b)|(?-u:\b)buy(?:ing)?(?-u:\b)|(?-u:\b)bought(?-u:\b)|(?-u:\b)moon(?:ing)?(?-u:\b)|"
    r"(?-u:\b)tendies(?-u:\b)|(?-u:\b)hold(?:ing)?(?-u:\b)|(?-u:\b)hodl(?-u:\b)|(?-u:\b)bullish(?-u:\b)|(?-u:\b)long(?-u:\b)|(?-u:\b)to the moon(?-u:\b)|(?-u:\b)squeeze(?-u:\b)"
)
BEARISH_MARKERS = (
    r"🌈|🐻|📉|(?-u:\b)puts?(?-u:\b)|(?-u:\b)sell(?:ing)?(?-u:\b)|(?-u:\b)sold(?-u:\b)|(?-u:\b)short(?:ing|ed)?(?-u:\b)(?: squeeze)?|"
    r"(?-u:\b)bearish(?-u:\b)|(?-u:\b)dump(?:ing|ed)?(?-u:\b)|(?-u:\b)crash(?:ing|ed)?(?-u:\b)|(?-u:\b)drill(?:ing)?(?-u:\b)|(?-u:\b)bag ?holders?(?-u:\b)"
)


class SentimentModel(Protocol):
    """What the ensemble needs from a model: sklearn-style ``predict_proba`` over raw texts
    and ``classes_`` naming the three stance labels."""

    classes_: Any

    def predict_proba(self, texts: list[str]) -> np.ndarray: ...


def model_weight(model: object | None) -> float:
    """The weight of ``model`` in the ensemble: its measured ``ensemble_weight`` (in [0, 1]),
    0 without a model or without a measured weight."""
    if model is None:
        return 0.0
    weight = float(getattr(model, "ensemble_weight", 0.0) or 0.0)
    assert 0.0 <= weight <= 1.0, f"ensemble weight must be in [0, 1], got {weight}"
    return weight


def model_version(model: object | None) -> str:
    """Version string recorded in ``scored_posts.sentiment_model_version``."""
    if model is None:
        return LEXICON_VERSION
    name = getattr(model, "registered_name", None) or type(model).__name__
    version = getattr(model, "registered_version", None) or "unregistered"
    return f"{LEXICON_VERSION}+{name}/{version}"


def model_probabilities(model: object, texts: list[str]) -> np.ndarray:
    """(n, 3) class probabilities of ``model`` over ``texts`` in :data:`LABELS` order (0 for a
    class the model does not know)."""
    proba = np.asarray(model.predict_proba(texts), dtype=np.float64)  # type: ignore[attr-defined]
    classes = [str(c) for c in model.classes_]  # type: ignore[attr-defined]
    out = np.zeros((len(texts), 3), dtype=np.float64)
    for j, label in enumerate(LABELS):
        if label in classes:
            out[:, j] = proba[:, classes.index(label)]
    return out


def score_sentiment(texts: pl.Series, model: object | None = None) -> pl.DataFrame:
    """Sentiment components for n texts.

    Returns n rows: ``sentiment_vader``, ``sentiment_lexicon``, ``sentiment_stance``,
    ``sentiment_model`` (null
    without a model), ``sentiment`` (ensemble, [-1, 1]) and ``sentiment_label``.
    """
    vader, lex, stance = score_lexicons(texts, scoring_lexicons()).compounds
    return ensemble(vader, lex, stance, texts, model)


def scoring_lexicons() -> tuple[Lexicon, Lexicon, Lexicon]:  # noqa: N802 - a constant's role
    """The lexicons every post is scored with, in one pass: VADER, WSB, stance (last, so
    that sentence-level compounds for per-ticker sentiment come from the stance lexicon)."""
    return (vader_lexicon(), wsb_lexicon(), stance_lexicon())


def stance_labels(compound: pl.Series | np.ndarray, band: float = NEUTRAL_BAND) -> np.ndarray:
    """:data:`LABELS` of compound scores: bullish at ``>= band``, bearish at ``<= -band``,
    neutral between."""
    c = np.asarray(compound, dtype=np.float64)
    return np.array(LABELS)[np.where(c >= band, 2, np.where(c <= -band, 0, 1))]


def lexicon_probabilities(compound: np.ndarray, band: float = NEUTRAL_BAND) -> np.ndarray:
    """(n, 3) class probabilities in :data:`LABELS` order from stance compounds ``c``:
    ``(max(-c, 0), k (1 - |c|), max(c, 0))`` normalised, with ``k = band / (1 - band)`` so
    that the arg-max changes exactly at ``|c| = band`` (the lexicon's own neutral band)."""
    assert 0.0 < band < 1.0, "band is a compound in (0, 1)"
    c = np.clip(np.asarray(compound, dtype=np.float64), -1.0, 1.0)
    k = band / (1.0 - band)
    p = np.stack([np.maximum(-c, 0.0), k * (1.0 - np.abs(c)), np.maximum(c, 0.0)], axis=1)
    return p / p.sum(axis=1, keepdims=True)


def mixed_labels(compound: np.ndarray, p_model: np.ndarray, weight: float) -> np.ndarray:
    """:data:`LABELS` of the ensemble of stance compounds and model probabilities ``(n, 3)``
    at model weight ``weight``; weight 0 gives the lexicon's labels exactly."""
    assert 0.0 <= weight <= 1.0, "weight is a share in [0, 1]"
    if weight == 0.0:
        return stance_labels(compound)
    p = weight * p_model + (1.0 - weight) * lexicon_probabilities(compound)
    return np.array(LABELS)[p.argmax(axis=1)]


def ensemble(
    vader: pl.Series,
    lex: pl.Series,
    stance: pl.Series,
    texts: pl.Series,
    model: object | None,
) -> pl.DataFrame:
    """Combine lexicon scores with an optional model (see the module docstring)."""
    c = stance.to_numpy().astype(np.float64)
    n = len(c)
    out = {
        "sentiment_vader": vader.cast(pl.Float64),
        "sentiment_lexicon": lex.cast(pl.Float64),
        "sentiment_stance": stance.cast(pl.Float64),
        "sentiment_model": pl.Series([None] * n, dtype=pl.Float64),
        "sentiment": stance.cast(pl.Float64),
        "sentiment_label": stance_labels(c) if n else np.array([], dtype=str),
    }
    if model is not None and n:
        p_model = model_probabilities(model, texts.fill_null("").to_list())
        score = p_model[:, 2] - p_model[:, 0]
        out["sentiment_model"] = np.round(score, 6)
        weight = model_weight(model)
        if weight > 0.0:
            mixed = weight * score + (1.0 - weight) * c
            out["sentiment"] = np.round(np.clip(mixed, -1.0, 1.0), 6)
            out["sentiment_label"] = mixed_labels(c, p_model, weight)
    return pl.DataFrame(out, schema_overrides={"sentiment_label": pl.String})


def normalize_labels(values: pl.Series) -> pl.Series:
    """Map a label column to :data:`LABELS`: names (case-insensitive; also positive/negative,
    bull/bear) or numeric scores (> 0.1 bullish, < -0.1 bearish, else neutral)."""
    if values.dtype.is_numeric():
        v = values.cast(pl.Float64)
        return (
            pl.select(
                pl.when(v > SCORE_LABEL_THRESHOLD)
                .then(pl.lit("bullish"))
                .when(v < -SCORE_LABEL_THRESHOLD)
                .then(pl.lit("bearish"))
                .otherwise(pl.lit("neutral"))
            )
            .to_series()
            .alias("label")
        )
    mapping = {
        "bullish": "bullish", "bull": "bullish", "positive": "bullish", "pos": "bullish",
        "bearish": "bearish", "bear": "bearish", "negative": "bearish", "neg": "bearish",
        "neutral": "neutral", "neu": "neutral",
    }  # fmt: skip
    out = (
        values.cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(mapping, default=None)
    )
    bad = values.filter(out.is_null() & values.is_not_null()).unique().head(3).to_list()
    if bad:
        raise ValueError(
            f"unknown sentiment labels {bad}; expected bearish/neutral/bullish or a score"
        )
    return out.alias("label")


def distant_labels(texts: pl.Series) -> pl.Series:
    """Weak stance labels from unambiguous markers: ``bullish`` when only bullish markers
    occur, ``bearish`` when only bearish ones, ``neutral`` when none, null when both."""
    t = texts.cast(pl.String).fill_null("").str.to_lowercase()
    bear = t.str.replace_all(r"short squeeze", "").str.contains(BEARISH_MARKERS)
    bull = t.str.contains(BULLISH_MARKERS)
    return (
        pl.DataFrame({"bull": bull, "bear": bear})
        .select(
            pl.when(pl.col("bull") & pl.col("bear"))
            .then(None)
            .when(pl.col("bull"))
            .then(pl.lit("bullish"))
            .when(pl.col("bear"))
            .then(pl.lit("bearish"))
            .otherwise(pl.lit("neutral"))
            .alias("label")
        )
        .to_series()
    )


def mask_markers(texts: pl.Series) -> pl.Series:
    """Remove the distant-supervision markers (case-insensitive) from the texts."""
    pattern = f"(?i)(?:{BULLISH_MARKERS})|(?:{BEARISH_MARKERS})"
    return texts.cast(pl.String).fill_null("").str.replace_all(pattern, " ")


def distant_training_set(
    texts: pl.Series, seed: int = 7, max_neutral_ratio: float = 1.0
) -> pl.DataFrame:
    """Masked texts with distant labels (columns ``text``, ``label``); neutral rows are
    subsampled (seeded) to at most ``max_neutral_ratio`` times the larger stance class."""
    df = pl.DataFrame({"raw": texts.cast(pl.String)}).filter(
        pl.col("raw").is_not_null()
        & ~pl.col("raw").str.strip_chars().is_in(["[deleted]", "[removed]", ""])
    )
    df = df.with_columns(distant_labels(df.get_column("raw")).alias("label")).drop_nulls("label")
    df = df.with_columns(mask_markers(df.get_column("raw")).alias("text"))
    counts = dict(df.group_by("label").len().iter_rows())
    cap = int(max(counts.get("bullish", 0), counts.get("bearish", 0)) * max_neutral_ratio)
    neutral = df.filter(pl.col("label") == "neutral")
    if neutral.height > cap:
        neutral = neutral.sample(n=cap, seed=seed)
    return pl.concat([df.filter(pl.col("label") != "neutral"), neutral]).select("text", "label")


def _mask_text_list(texts: Any) -> list[str]:
    """:func:`mask_markers` over a list of texts (a pipeline step; module level so that a
    registered model pickles)."""
    return mask_markers(pl.Series(list(texts), dtype=pl.String)).to_list()


def build_classifier(seed: int = 7, mask: bool = False) -> Any:
    """TF-IDF (word 1-2 grams + char 2-5 grams) and multinomial logistic regression; with
    ``mask``, the pipeline first removes the distant-supervision markers, so a model trained
    on masked text sees masked text at inference too."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import FunctionTransformer

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
    )
    clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=seed)
    if mask:
        return make_pipeline(FunctionTransformer(_mask_text_list), features, clf)
    return make_pipeline(features, clf)


def train_classifier(texts: list[str], labels: list[str], seed: int = 7, mask: bool = False) -> Any:
    """Fit :func:`build_classifier` on texts and :data:`LABELS` labels; returns the pipeline.
    ``mask``: for distant labels (:func:`distant_training_set`), whose texts are masked."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("need the same positive number of texts and labels")
    if len(set(labels)) < 2:
        raise ValueError("need at least two distinct labels to train")
    model = build_classifier(seed, mask=mask)
    model.fit(texts, labels)
    return model


def classification_scores(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class F1 (``f1``) over :data:`LABELS` (classes absent from
    both are skipped, in the mean and in ``f1``)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    t = np.asarray(truth)
    p = np.asarray(predicted)
    per_class: dict[str, float] = {}
    for label in LABELS:
        tp = float(np.sum((t == label) & (p == label)))
        fp = float(np.sum((t != label) & (p == label)))
        fn = float(np.sum((t == label) & (p != label)))
        if tp + fp + fn == 0:
            continue
        per_class[label] = 2 * tp / (2 * tp + fp + fn)
    f1s = list(per_class.values())
    return {
        "accuracy": round(float(np.mean(t == p)) if len(t) else 0.0, 4),
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "f1": {k: round(v, 4) for k, v in per_class.items()},
        "n": len(t),
    }

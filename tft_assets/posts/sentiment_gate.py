"""The ensemble's gate: how much a trained model may weigh, measured on r/wallstreetbets text.

A classifier trained on another domain (financial news, tweets) reads WSB stance badly, and
mixing it in at a fixed weight makes the ensemble worse than the lexicon alone. So a model's
weight is measured, not assumed: :func:`measure_gate` scores the stance lexicon alone, the
model alone and the ensemble at every weight of :data:`WEIGHT_GRID` on a hand-labelled WSB
validation set shipped with the package (:data:`VALIDATION_FILE`: 300 comments and posts,
``tft_assets_tests/posts/data/wsb_stance_blind3.csv``, on which the lexicon was not tuned),
and keeps the weight with the best macro-F1 there (ties go to the smaller weight). A model
that alone is worse than the lexicon alone there weighs 0: it is measured and shown, but does
not vote (a mixture with a weaker member can win on 300 texts by chance; on the held-out set
it did not). Weights 0 and 1 are candidates, so on the validation set the ensemble is never
worse than its best member. The gate is measured when a model is
registered and stored with it (:meth:`SentimentGate.to_json`); a model registered before, or
measured against another lexicon version, is measured again when it is loaded.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
import polars as pl

from tft_assets.posts.sentiment import (
    LABELS,
    LEXICON_VERSION,
    classification_scores,
    mixed_labels,
    model_probabilities,
    model_weight,
    normalize_labels,
    score_sentiment,
)

#: The WSB validation set of the gate (package data, tab-separated ``text``, ``label``).
VALIDATION_FILE = "wsb_stance_validation.tsv"
_VALIDATION_PACKAGE = "tft_assets.posts.lexicon"
#: Candidate model weights, 0 (lexicon alone) to 1 (model alone).
WEIGHT_GRID: tuple[float, ...] = tuple(i / 10 for i in range(11))


def wsb_validation_set() -> pl.DataFrame:
    """The gate's validation set: ``text`` and ``label`` (bearish/neutral/bullish)."""
    raw = files(_VALIDATION_PACKAGE).joinpath("data", VALIDATION_FILE).read_bytes()
    frame = pl.read_csv(io.BytesIO(raw), separator="\t", schema_overrides={"text": pl.String})
    return frame.select(pl.col("text").fill_null(""), normalize_labels(frame["label"]))


@dataclass(frozen=True)
class SentimentGate:
    """What the gate measured on its validation set: the model's ``model_weight`` and the
    scores (:func:`~tft_assets.posts.sentiment.classification_scores`) of the lexicon alone,
    the model alone and the ensemble at that weight, plus macro-F1 at every candidate
    weight. ``lexicon_version``: the lexicon it was measured against."""

    model_weight: float
    validation: str
    lexicon_version: str
    lexicon: dict[str, Any]
    model: dict[str, Any]
    ensemble: dict[str, Any]
    macro_f1_by_weight: dict[float, float]
    reason: str

    def summary(self) -> dict[str, Any]:
        """Everything measured, as plain JSON-able data (members side by side)."""
        return {
            "validation": self.validation,
            "lexicon_version": self.lexicon_version,
            "model_weight": self.model_weight,
            "reason": self.reason,
            "members": {"lexicon": self.lexicon, "model": self.model},
            "ensemble": self.ensemble,
            "macro_f1_by_weight": {f"{w:.1f}": f for w, f in self.macro_f1_by_weight.items()},
        }

    def to_json(self) -> str:
        """Compact JSON of :meth:`summary` (stored as an MLflow parameter of the model)."""
        return json.dumps(self.summary(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SentimentGate:
        doc = json.loads(text)
        return cls(
            model_weight=float(doc["model_weight"]),
            validation=str(doc["validation"]),
            lexicon_version=str(doc["lexicon_version"]),
            lexicon=doc["members"]["lexicon"],
            model=doc["members"]["model"],
            ensemble=doc["ensemble"],
            macro_f1_by_weight={float(w): float(f) for w, f in doc["macro_f1_by_weight"].items()},
            reason=str(doc["reason"]),
        )

    def metrics(self) -> dict[str, float]:
        """Flat figures for a tracking run: macro-F1 of each member and of the ensemble."""
        return {
            "ensemble_model_weight": self.model_weight,
            "wsb_validation_lexicon_macro_f1": float(self.lexicon["macro_f1"]),
            "wsb_validation_model_macro_f1": float(self.model["macro_f1"]),
            "wsb_validation_ensemble_macro_f1": float(self.ensemble["macro_f1"]),
        }


def choose_weight(
    lexicon_f1: float, model_f1: float, macro_f1_by_weight: dict[float, float]
) -> tuple[float, str]:
    """The gate's rule (module docstring): the weight and a one-line reason."""
    if model_f1 < lexicon_f1:
        reason = (
            f"model alone (macro-F1 {model_f1:.3f}) is worse than the lexicon ({lexicon_f1:.3f})"
        )
        return 0.0, reason
    best = max(macro_f1_by_weight, key=lambda w: (macro_f1_by_weight[w], -w))
    gain = macro_f1_by_weight[best] - lexicon_f1
    if best == 0.0:
        return 0.0, "no weight beats the lexicon alone"
    return best, f"weight {best:.1f} beats the lexicon alone by {gain:+.3f} macro-F1"


def measure_gate(
    model: object, validation: pl.DataFrame | None = None, name: str | None = None
) -> SentimentGate:
    """Measure ``model`` (``predict_proba`` over raw texts, ``classes_``) on the validation set
    (default :func:`wsb_validation_set`; a frame with ``text`` and ``label``, called ``name``)."""
    frame = wsb_validation_set() if validation is None else validation
    if frame.height == 0:
        raise ValueError("the gate's validation set is empty")
    texts = frame.get_column("text").cast(pl.String).fill_null("")
    truth = frame.get_column("label").to_list()
    compound = score_sentiment(texts).get_column("sentiment_stance").to_numpy()
    p_model = model_probabilities(model, texts.to_list())
    by_weight = {
        w: classification_scores(truth, mixed_labels(compound, p_model, w).tolist())
        for w in WEIGHT_GRID
    }
    lexicon = by_weight[0.0]
    alone = classification_scores(truth, np.array(LABELS)[p_model.argmax(axis=1)].tolist())
    f1 = {w: float(s["macro_f1"]) for w, s in by_weight.items()}
    weight, reason = choose_weight(float(lexicon["macro_f1"]), float(alone["macro_f1"]), f1)
    return SentimentGate(
        model_weight=weight,
        validation=name or (VALIDATION_FILE if validation is None else "a given frame"),
        lexicon_version=LEXICON_VERSION,
        lexicon=lexicon,
        model=alone,
        ensemble=by_weight[weight],
        macro_f1_by_weight=f1,
        reason=reason,
    )


@dataclass(frozen=True)
class GatedSentimentModel:
    """A classifier with its measured gate, as the ensemble uses it (``predict_proba`` over
    raw texts, ``classes_``, ``ensemble_weight``)."""

    pipeline: Any
    gate: SentimentGate

    @property
    def classes_(self) -> Any:
        return self.pipeline.classes_

    @property
    def ensemble_weight(self) -> float:
        return self.gate.model_weight

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.predict_proba(texts)


def gate_model(model: Any, validation: pl.DataFrame | None = None) -> GatedSentimentModel:
    """``model`` with the gate measured on the validation set."""
    return GatedSentimentModel(model, measure_gate(model, validation))


def evaluate_sentiment(texts: pl.Series, truth: list[str], model: object | None) -> dict[str, Any]:
    """Each member's scores next to the ensemble's on labelled ``texts``.

    Returns ``n``, the ensemble's ``accuracy``/``macro_f1``/``f1`` (per class) at top level,
    ``members`` (``lexicon`` and, with a model, ``model`` alone) and ``ensemble`` (its scores
    and ``model_weight``).
    """
    texts = texts.cast(pl.String).fill_null("")
    lexicon = score_sentiment(texts)
    members = {"lexicon": classification_scores(truth, lexicon["sentiment_label"].to_list())}
    weight = model_weight(model)
    ens = members["lexicon"]
    if model is not None:
        p_model = model_probabilities(model, texts.to_list())
        alone = np.array(LABELS)[p_model.argmax(axis=1)].tolist()
        members["model"] = classification_scores(truth, alone)
        compound = lexicon.get_column("sentiment_stance").to_numpy()
        ens = classification_scores(truth, mixed_labels(compound, p_model, weight).tolist())
    return {**ens, "members": members, "ensemble": {**ens, "model_weight": weight}}

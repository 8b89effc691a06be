"""The sentiment classifier's training workflow: labelled file -> shuffle -> hold-out -> metrics
-> final fit on everything -> the ensemble's gate measured on WSB validation text
(:mod:`~tft_assets.posts.sentiment_gate`). Registration is the caller's (a model store), not
this module's; the gate travels with the registered model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from tft_assets.posts.sentiment import (
    LEXICON_VERSION,
    classification_scores,
    distant_training_set,
    normalize_labels,
    train_classifier,
)
from tft_assets.posts.sentiment_gate import (
    VALIDATION_FILE,
    GatedSentimentModel,
    SentimentGate,
    measure_gate,
    wsb_validation_set,
)

#: Registry name and MLflow experiment of the classifier.
SENTIMENT_MODEL_NAME = "tft-sentiment"
SENTIMENT_EXPERIMENT = "tft-sentiment"
#: Share of a labelled file held out (seeded) to report the trained model's accuracy.
HOLDOUT_FRACTION = 0.1
#: Fewer usable labelled rows than this cannot give a meaningful hold-out.
MIN_TRAINING_ROWS = 20
#: MLflow parameter holding the gate (:meth:`SentimentGate.to_json`) of a registered model.
GATE_PARAM = "ensemble_gate"


@dataclass(frozen=True)
class SentimentTraining:
    """A final classifier fitted on every row, what its hold-out run measured, and its gate
    (the ensemble weight measured on WSB validation text)."""

    pipeline: Any
    params: dict[str, Any]
    metrics: dict[str, float]
    label_counts: dict[str, int]
    n_rows: int
    gate: SentimentGate


@dataclass(frozen=True)
class RegisteredSentimentModel(GatedSentimentModel):
    """A registered classifier as scoring uses it (``predict_proba`` over raw texts) with the
    gate that sets its ensemble weight."""

    registered_name: str
    registered_version: str


def read_labelled(path: str | Path, columns: list[str]) -> pl.DataFrame:
    """A labelled CSV with at least ``columns``; a missing file or column fails in one line."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    df = pl.read_csv(p, infer_schema_length=10000)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{p.name} lacks columns {missing} (has {df.columns})")
    return df


def label_series(df: pl.DataFrame, label_column: str) -> pl.Series:
    """Labels normalised to bullish/neutral/bearish; numeric ids use ``label_name`` if present
    (e.g. twitter-financial-news: ``label`` + ``label_name``)."""
    col = df.get_column(label_column)
    if col.dtype.is_integer() and "label_name" in df.columns:
        col = df.get_column("label_name")
    return normalize_labels(col.cast(pl.String) if col.dtype == pl.Categorical else col)


def training_frame(
    df: pl.DataFrame, text_column: str, label_column: str, distant: bool, seed: int
) -> pl.DataFrame:
    """``text, label`` rows: the file's labels, or stance-marker labels when ``distant``."""
    texts = df.get_column(text_column).cast(pl.String)
    if distant:
        return distant_training_set(texts, seed=seed)
    return pl.DataFrame(
        {"text": texts.fill_null(""), "label": label_series(df, label_column)}
    ).drop_nulls("label")


def train_sentiment_model(
    data: pl.DataFrame,
    seed: int = 7,
    distant: bool = False,
    source_name: str = "",
    holdout_fraction: float = HOLDOUT_FRACTION,
) -> SentimentTraining:
    """Shuffle ``data`` (``text, label``) with ``seed``, measure a model fitted on all but a
    ``holdout_fraction`` hold-out, fit the final model on every row, and measure its gate.

    Rows whose text is one of the gate's validation texts are left out of training, so the
    gate measures the model on text it never saw. A distant model masks its stance markers
    in training and inference alike.
    """
    assert 0.0 < holdout_fraction < 1.0, "holdout_fraction is a share in (0, 1)"
    validation = wsb_validation_set()
    seen = validation.get_column("text").str.strip_chars().implode()
    overlap = data.get_column("text").cast(pl.String).str.strip_chars().is_in(seen)
    data = data.filter(~overlap.fill_null(False))
    if data.height < MIN_TRAINING_ROWS:
        raise ValueError(
            f"only {data.height} usable labelled rows; need at least {MIN_TRAINING_ROWS}"
        )
    data = data.sample(fraction=1.0, shuffle=True, seed=seed)
    n_hold = max(1, int(data.height * holdout_fraction))
    hold, train = data.head(n_hold), data.tail(data.height - n_hold)
    model = train_classifier(
        train["text"].to_list(), train["label"].to_list(), seed=seed, mask=distant
    )
    holdout = classification_scores(
        hold["label"].to_list(), [str(x) for x in model.predict(hold["text"].to_list())]
    )
    final = train_classifier(
        data["text"].to_list(), data["label"].to_list(), seed=seed, mask=distant
    )
    gate = measure_gate(final, validation, VALIDATION_FILE)
    counts = {str(k): int(v) for k, v in data.group_by("label").len().iter_rows()}
    params = {
        "source_file": source_name,
        "distant_supervision": distant,
        "n_rows": data.height,
        "n_validation_texts_left_out": int(overlap.sum()),
        "seed": seed,
        **{f"n_{k}": v for k, v in counts.items()},
    }
    metrics = {
        "holdout_accuracy": float(holdout["accuracy"]),
        "holdout_macro_f1": float(holdout["macro_f1"]),
        **gate.metrics(),
    }
    return SentimentTraining(final, params, metrics, counts, data.height, gate)


def load_sentiment_model(
    store: Any, name: str = SENTIMENT_MODEL_NAME
) -> RegisteredSentimentModel | None:
    """The latest registered version of ``name`` in ``store`` (a :class:`ModelStore`), or None.

    Its gate is the one stored at registration; a version registered without one, or measured
    against another lexicon version, is measured again now (the stored weight would no longer
    say how the model compares with the lexicon in use)."""
    loaded = store.load_latest_sklearn(name)
    if loaded is None:
        return None
    gate = stored_gate(store, loaded.name, loaded.version)
    if gate is None or gate.lexicon_version != LEXICON_VERSION:
        gate = measure_gate(loaded.model)
    return RegisteredSentimentModel(loaded.model, gate, loaded.name, loaded.version)


def stored_gate(store: Any, name: str, version: str) -> SentimentGate | None:
    """The gate logged with registered ``name`` ``version`` (None when it has none)."""
    run_id = store.version_run_id(name, version)
    params = store.client().get_run(run_id).data.params
    text = params.get(GATE_PARAM)
    return SentimentGate.from_json(text) if text else None


def register_sentiment_model(
    store: Any, training: SentimentTraining, name: str = SENTIMENT_MODEL_NAME
) -> RegisteredSentimentModel:
    """Log ``training`` (params with its gate, hold-out and gate metrics, the final pipeline)
    and register it."""
    params = {**training.params, GATE_PARAM: training.gate.to_json()}
    reg = store.log_sklearn(training.pipeline, SENTIMENT_EXPERIMENT, name, params, training.metrics)
    return RegisteredSentimentModel(reg.model, training.gate, reg.name, reg.version)

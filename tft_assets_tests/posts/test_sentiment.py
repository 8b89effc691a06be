"""Sentiment: the distant-supervision model, stance on the hand-labelled WSB sets, and the gate
that sets a model's weight in the ensemble from its quality on WSB validation text."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from tft_assets.posts import distant_training_set, score_sentiment, train_classifier
from tft_assets.posts.lexicon import lexicon_compound, vader_lexicon
from tft_assets.posts.sentiment import (
    LABELS,
    NEUTRAL_BAND,
    VADER_NEUTRAL_BAND,
    classification_scores,
    lexicon_probabilities,
    mask_markers,
    mixed_labels,
    model_probabilities,
    normalize_labels,
    stance_labels,
)
from tft_assets.posts.sentiment_gate import (
    VALIDATION_FILE,
    GatedSentimentModel,
    SentimentGate,
    choose_weight,
    evaluate_sentiment,
    gate_model,
    measure_gate,
    wsb_validation_set,
)
from tft_assets_tests.conftest import real_file

DATA = Path(__file__).resolve().parent / "data"


def _distant_model():
    texts = pl.Series(
        [f"GME {i} to the moon 🚀 buying calls" for i in range(30)]
        + [f"PTON {i} is done, loading puts 🌈🐻" for i in range(30)]
        + [f"what is the float of {i} anyway" for i in range(30)]
    )
    data = distant_training_set(texts)
    assert set(data["label"]) == set(LABELS)
    assert not data["text"].str.contains("🚀|calls|puts").any()  # masked for training
    return train_classifier(data["text"].to_list(), data["label"].to_list(), mask=True)


def test_distant_model_masks_its_markers_at_inference() -> None:
    model = _distant_model()
    raw = ["GME 3 to the moon 🚀 buying calls", "PTON 4 is done, loading puts 🌈🐻"]
    masked = mask_markers(pl.Series(raw)).to_list()
    np.testing.assert_allclose(model.predict_proba(raw), model.predict_proba(masked))
    # it learnt from the words left after masking, and survives a pickle round trip
    again = pickle.loads(pickle.dumps(model))
    assert list(again.predict(["GME 7 to the", "PTON 8 is done,"])) == ["bullish", "bearish"]


@pytest.mark.parametrize(
    ("name", "rows", "bearish", "floor"),
    [
        # 300 texts labelled blind to every scorer (data/README.md); first run of the
        # stance lexicon: macro-F1 0.540 (VADER + WSB lexicon 0.495, VADER 0.342, always
        # bullish 0.208); a development set since (wsb-stance-3: 0.618, wsb-stance-4: 0.745)
        ("wsb_stance_blind.csv", 300, 21, 0.7),
        # 200 more, labelled after those additions; first run: 0.572 (VADER 0.346, always
        # bullish 0.192); a development set since (wsb-stance-4: 0.697)
        ("wsb_stance_blind2.csv", 200, 12, 0.65),
        # 300 more, labelled after "print" stopped reading bullish; first run: 0.638
        # (accuracy 0.677; VADER 0.344, always bullish 0.189). The gate's validation set,
        # never tuned on: wsb-stance-4 0.658 (accuracy 0.707)
        ("wsb_stance_blind3.csv", 300, 18, 0.63),
        # 200 more from all five WSB files, labelled before any scorer ran on them; first
        # run (wsb-stance-3): 0.603 (accuracy 0.715); never tuned on: wsb-stance-4 0.660
        # (accuracy 0.770; VADER 0.310, always bullish 0.164)
        ("wsb_stance_blind4.csv", 200, 10, 0.63),
        # 300 more (committed in 7e4a3b4, sealed from every run until wsb-stance-4 was final),
        # labelled by a separate labeller who saw only the guide and the texts; first run at
        # 15bc88d: 0.633 (accuracy 0.710; a registered news model alone 0.303, gated to weight 0)
        ("wsb_stance_blind5.csv", 300, 25, 0.6),
        # development sets labelled in the same way: dev2 (random, wsb-stance-3 0.603 ->
        # 0.707) and dev3 (sampled for bearish words; wsb-stance-3 0.528, 0.608 before any
        # change it prompted, 0.621 now)
        ("wsb_stance_dev2.csv", 200, 7, 0.67),
        ("wsb_stance_dev3.csv", 200, 21, 0.59),
    ],
)
def test_stance_on_the_blind_labelled_wsb_sets(
    name: str, rows: int, bearish: int, floor: float
) -> None:
    frame = pl.read_csv(DATA / name)
    truth = frame["label"].to_list()
    assert len(truth) == rows and truth.count("bearish") == bearish
    ours = classification_scores(truth, score_sentiment(frame["text"])["sentiment_label"].to_list())
    c = lexicon_compound(frame["text"], vader_lexicon())
    vader = stance_labels(c, VADER_NEUTRAL_BAND).tolist()
    baseline = classification_scores(truth, vader)
    always = classification_scores(truth, ["bullish"] * len(truth))
    assert ours["macro_f1"] >= floor
    assert ours["macro_f1"] >= baseline["macro_f1"] + 0.15
    assert ours["macro_f1"] >= always["macro_f1"] + 0.3


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I'm in on $AG, let's go", "bullish"),
        ("doubled down on NAKD today", "bullish"),
        ("bought 440p for Friday", "bearish"),
        ("GME $40c expiring soon", "bullish"),
        ("Massive bull trap today", "bearish"),
        # a position paying off keeps the position's direction
        ("I have bbby puts, will they print?", "bearish"),
        ("my 50c calls are printing", "bullish"),
        # emotion without direction is no stance
        ("I love this community, you are all amazing", "neutral"),
        ("this is so sad and terrible", "neutral"),
    ],
)
def test_stance_lexicon_reads_direction_not_emotion(text: str, label: str) -> None:
    out = score_sentiment(pl.Series([text]))
    assert out["sentiment_label"].to_list() == [label]
    vader = lexicon_compound(pl.Series([text]), vader_lexicon()).item()
    if label == "neutral":
        assert abs(vader) > 0.3  # VADER does read an emotion there


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # a question is no stance, a position held in the same text is
        ("Is it still worth it to buy GME right now?", "neutral"),
        ("Will the stock market crash today?", "neutral"),
        ("Holding my BBBY puts through earnings", "bearish"),
        ("buy more puts", "bearish"),  # the longer phrase wins over "buy more"
        ("I'm short TSLA, it is going to zero", "bearish"),
        # broker restrictions and trading mechanics
        ("I can't buy more GME on Robinhood", "neutral"),
        ("never had a problem buying or selling GME", "neutral"),
        # not selling is holding; money dumped into a stock is bought
        ("I'm not selling", "bullish"),
        ("Dumped my savings into AMC", "bullish"),
        ("GME to $1000 EOW", "bullish"),
        # "🌈🐻" mostly mocks the bears; a word inside another word is not that word
        ("1st post and already a 🌈🐻", "neutral"),
        ("the squeeze is overdue", "bullish"),
        ("MOOOOOON", "bullish"),
    ],
)
def test_stance_lexicon_reads_wsb_usage(text: str, label: str) -> None:
    assert score_sentiment(pl.Series([text]))["sentiment_label"].to_list() == [label]


def test_lexicon_probabilities_keep_the_lexicon_band() -> None:
    c = np.array([-1.0, -0.5, -NEUTRAL_BAND - 1e-3, -0.1, 0.0, 0.1, NEUTRAL_BAND + 1e-3, 0.9])
    p = lexicon_probabilities(c)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (np.array(LABELS)[p.argmax(axis=1)] == stance_labels(c)).all()
    # weight 0 is the lexicon exactly; weight 1 is the model alone
    p_model = np.tile([0.1, 0.2, 0.7], (len(c), 1))
    assert (mixed_labels(c, p_model, 0.0) == stance_labels(c)).all()
    assert set(mixed_labels(c, p_model, 1.0)) == {"bullish"}


@pytest.mark.parametrize(
    ("lexicon", "model", "curve", "weight"),
    [
        (0.60, 0.40, {0.0: 0.60, 0.5: 0.65, 1.0: 0.40}, 0.0),  # worse alone: weighs 0
        (0.60, 0.62, {0.0: 0.60, 0.5: 0.70, 1.0: 0.62}, 0.5),  # the best mixture
        (0.60, 0.70, {0.0: 0.60, 0.5: 0.65, 1.0: 0.70}, 1.0),  # the model alone
        (0.60, 0.60, {0.0: 0.60, 0.5: 0.60, 1.0: 0.60}, 0.0),  # ties go to the lexicon
    ],
)
def test_the_gate_rule(lexicon: float, model: float, curve: dict, weight: float) -> None:
    chosen, reason = choose_weight(lexicon, model, curve)
    assert chosen == weight, reason
    assert curve[chosen] >= max(lexicon, model)  # never worse than the best member


@dataclass(frozen=True)
class _TableModel:
    """A stand-in classifier: fixed probabilities per known text, ``default`` otherwise."""

    table: dict[str, tuple[float, float, float]]
    default: tuple[float, float, float]
    classes_: tuple[str, ...] = LABELS

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.array([self.table.get(t, self.default) for t in texts], dtype=np.float64)


def _one_hot(label: str, p: float) -> tuple[float, float, float]:
    rest = (1.0 - p) / 2
    return tuple(p if x == label else rest for x in LABELS)  # type: ignore[return-value]


def _stand_in(kind: str, validation: pl.DataFrame) -> _TableModel:
    if kind == "knows the truth":
        table = {t: _one_hot(y, 0.9) for t, y in validation.iter_rows()}
        return _TableModel(table, _one_hot("neutral", 0.9))
    if kind == "right on 3 in 4":  # wrong (says neutral) on every 4th text
        table = {
            t: _one_hot(y if i % 4 else "neutral", 0.8)
            for i, (t, y) in enumerate(validation.iter_rows())
        }
        return _TableModel(table, _one_hot("neutral", 0.8))
    return _TableModel({}, _one_hot("bullish", 0.95))  # "always bullish"


@pytest.mark.parametrize(
    ("kind", "keeps_weight"),
    [("knows the truth", True), ("right on 3 in 4", True), ("always bullish", False)],
)
def test_the_gate_weighs_a_model_by_its_quality_on_wsb_text(kind: str, keeps_weight: bool) -> None:
    validation = wsb_validation_set()
    gated = gate_model(_stand_in(kind, validation))
    gate = gated.gate
    assert gate.validation == VALIDATION_FILE and gate.lexicon["n"] == validation.height == 300
    assert (gated.ensemble_weight > 0) == keeps_weight, gate.reason
    # the ensemble is never worse than its best member on the validation set
    best = max(gate.lexicon["macro_f1"], gate.model["macro_f1"])
    assert gate.ensemble["macro_f1"] >= best
    # and the ensemble that scoring uses is the one the gate measured
    labels = score_sentiment(validation["text"], gated)["sentiment_label"].to_list()
    assert classification_scores(validation["label"].to_list(), labels) == gate.ensemble
    if not keeps_weight:
        assert gate.ensemble == gate.lexicon
        assert SentimentGate.from_json(gate.to_json()) == gate


def test_a_news_model_cannot_spoil_the_ensemble_on_wsb_text() -> None:
    """A real classifier trained on financial-news tweets reads WSB stance far worse than the
    lexicon: the gate gives it weight 0, where the old fixed weight (0.6) made the ensemble
    worse than the lexicon, on the validation set and on a held-out set alike."""
    tweets = pl.read_csv(real_file("labeled_twitter_financial_news_sentiment_train.csv.gz"))
    tweets = tweets.sample(n=1000, seed=7)
    news = train_classifier(
        tweets["text"].to_list(), normalize_labels(tweets["label_name"]).to_list()
    )
    gated = gate_model(news)
    assert gated.ensemble_weight == 0.0, gated.gate.reason
    assert gated.gate.model["macro_f1"] < gated.gate.lexicon["macro_f1"]
    for frame in (wsb_validation_set(), pl.read_csv(DATA / "wsb_stance_blind4.csv")):
        truth = frame["label"].to_list()
        result = evaluate_sentiment(frame["text"], truth, gated)
        lexicon, model = result["members"]["lexicon"], result["members"]["model"]
        assert result["macro_f1"] == lexicon["macro_f1"] > model["macro_f1"]
        # what a fixed weight did: the ensemble fell below the lexicon
        c = score_sentiment(frame["text"])["sentiment_stance"].to_numpy()
        p_news = model_probabilities(news, frame["text"].to_list())
        fixed = classification_scores(truth, mixed_labels(c, p_news, 0.6).tolist())
        assert fixed["macro_f1"] < lexicon["macro_f1"] - 0.1


def test_a_wsb_model_that_helps_keeps_its_weight() -> None:
    """A classifier trained on the hand-labelled WSB development sets beats the lexicon in the
    ensemble on the validation set, and the weight chosen there also helps on a set that
    neither the model nor the gate saw."""
    dev = pl.concat(
        [
            pl.read_csv(DATA / f"wsb_stance_{name}.csv").select("text", "label")
            for name in ("dev", "labelled", "blind", "blind2", "dev2", "dev3")
        ]
    )
    gated = gate_model(train_classifier(dev["text"].to_list(), dev["label"].to_list()))
    gate = gated.gate
    assert 0 < gated.ensemble_weight < 1, gate.reason
    assert gate.ensemble["macro_f1"] >= gate.lexicon["macro_f1"] + 0.03
    held_out = pl.read_csv(DATA / "wsb_stance_blind4.csv")
    result = evaluate_sentiment(held_out["text"], held_out["label"].to_list(), gated)
    assert result["ensemble"]["model_weight"] == gated.ensemble_weight
    assert result["macro_f1"] > result["members"]["lexicon"]["macro_f1"]
    assert set(result["f1"]) == set(LABELS) and result["n"] == held_out.height


def test_evaluation_puts_each_member_next_to_the_ensemble() -> None:
    texts = pl.Series(["buying calls 🚀", "loading puts, it will crash", "what is a float"])
    truth = ["bullish", "bearish", "neutral"]
    alone = evaluate_sentiment(texts, truth, None)
    assert set(alone["members"]) == {"lexicon"} and alone["ensemble"]["model_weight"] == 0.0
    assert alone["accuracy"] == alone["members"]["lexicon"]["accuracy"] == 1.0
    model = _TableModel({}, _one_hot("bearish", 0.9))
    gate = measure_gate(model, pl.DataFrame({"text": texts, "label": truth}), "three texts")
    with_model = evaluate_sentiment(texts, truth, GatedSentimentModel(model, gate))
    assert with_model["members"]["model"]["f1"] == {"bearish": 0.5, "neutral": 0.0, "bullish": 0.0}
    assert with_model["members"]["lexicon"] == alone["members"]["lexicon"]
    assert gate.model_weight == 0.0 and with_model["accuracy"] == 1.0


@dataclass(frozen=True)
class _Store:
    """A model store holding one registered version with the given run parameters."""

    params: dict[str, str]
    model: Any

    def load_latest_sklearn(self, name: str) -> Any:
        from tft_assets.tracking import RegisteredModel

        return RegisteredModel(self.model, name, "3")

    def version_run_id(self, name: str, version: str) -> str:
        return "run-1"

    def client(self) -> Any:
        from types import SimpleNamespace

        run = SimpleNamespace(data=SimpleNamespace(params=self.params))
        return SimpleNamespace(get_run=lambda run_id: run)


@pytest.mark.parametrize(
    ("stored", "expected_weight"),
    [
        ("current", 0.3),  # the stored gate is used as it is
        ("other lexicon", 0.0),  # measured again: the model is worse than the lexicon
        ("none", 0.0),  # registered before gates: measured on loading
    ],
)
def test_a_loaded_model_brings_its_gate(stored: str, expected_weight: float) -> None:
    from tft_assets.posts.sentiment_training import GATE_PARAM, load_sentiment_model

    model = _TableModel({}, _one_hot("bullish", 0.95))
    gate = measure_gate(model)
    params = {}
    if stored != "none":
        version = gate.lexicon_version if stored == "current" else "wsb-stance-0"
        kept = SentimentGate(**{**gate.__dict__, "model_weight": 0.3, "lexicon_version": version})
        params[GATE_PARAM] = kept.to_json()
    loaded = load_sentiment_model(_Store(params, model), "tft-sentiment")
    assert loaded is not None and loaded.registered_version == "3"
    assert loaded.ensemble_weight == expected_weight

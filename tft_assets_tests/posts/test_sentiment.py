"""Sentiment: the distant-supervision model, and stance on the blind-labelled WSB set."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tft_assets.posts import distant_training_set, score_sentiment, train_classifier
from tft_assets.posts.lexicon import lexicon_compound, vader_lexicon
from tft_assets.posts.sentiment import (
    LABELS,
    VADER_NEUTRAL_BAND,
    classification_scores,
    mask_markers,
    stance_labels,
)

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
        # bullish 0.208); 0.618 now, after the lexicon changes since
        ("wsb_stance_blind.csv", 300, 21, 0.55),
        # 200 more, labelled after those additions; first run: 0.572 (VADER 0.346, always
        # bullish 0.192)
        ("wsb_stance_blind2.csv", 200, 12, 0.52),
        # 300 more, labelled after "print" stopped reading bullish; first run: 0.638
        # (accuracy 0.677; VADER 0.344, always bullish 0.189); bearish recall 14 of 18
        ("wsb_stance_blind3.csv", 300, 18, 0.6),
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

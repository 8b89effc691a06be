"""CLI: eval tickers / eval sentiment / sentiment train / score-posts, MLflow in a temp dir."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tft_assets.cli import main
from tft_assets.posts.sentiment_training import load_sentiment_model
from tft_assets.tracking import ModelStore


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'data' / 'mlflow.db'}")
    return tmp_path


def _json_out(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_eval_tickers(isolated, capsys) -> None:
    path = isolated / "labels.csv"
    pl.DataFrame(
        {"text": ["$GME and TSLA", "nothing", "GameStop"], "symbols": ["GME TSLA", "", "GME AMC"]}
    ).write_csv(path)
    assert main(["eval", "tickers", str(path)]) == 0
    out = _json_out(capsys)
    assert out["precision"] == 1.0 and out["recall"] == 0.75 and out["n"] == 3


def test_eval_tickers_with_a_strictly_point_in_time_universe(isolated, capsys, monkeypatch) -> None:
    labels = isolated / "labels.csv"
    pl.DataFrame({"text": ["$UVXY and $ZQZX"], "symbols": ["UVXY ZQZX"]}).write_csv(labels)
    listing = isolated / "listing.txt"
    listing.write_text("Symbol|Security Name|Test Issue\nZQZX|Zqzx Holdings Inc.|N\n")
    snapshot = f"2021-02-28={listing}"
    assert main(["eval", "tickers", str(labels), "--universe", snapshot]) == 0
    assert _json_out(capsys)["recall"] == 1.0  # UVXY from the bundled listings
    args = ["eval", "tickers", str(labels), "--universe", snapshot, "--no-bundled-listings"]
    assert main(args) == 0
    assert _json_out(capsys)["recall"] == 0.5  # only the snapshot's ZQZX
    assert main([*args, "--as-of", "2021-01-01"]) == 0
    assert _json_out(capsys)["recall"] == 0.0  # no snapshot taken by then
    monkeypatch.setenv("TFT_TICKER_BUNDLED_LISTINGS", "0")
    assert main(["eval", "tickers", str(labels), "--universe", snapshot]) == 0
    assert _json_out(capsys)["recall"] == 0.5


@pytest.mark.slow  # MLflow's SQLite store creation and model logging take ~30-60 s here
def test_train_register_and_eval_sentiment(isolated, capsys) -> None:
    uri = f"sqlite:///{isolated / 'data' / 'mlflow.db'}"
    store = ModelStore(uri, isolated / "data" / "mlartifacts")
    assert load_sentiment_model(store) is None
    bull = [f"great quarter, strong growth number {i}, shares rally" for i in range(30)]
    bear = [f"weak outlook, losses widen {i}, shares slump" for i in range(30)]
    neu = [f"company schedules meeting number {i} for tuesday" for i in range(30)]
    path = isolated / "train.csv"
    pl.DataFrame(
        {"text": bull + bear + neu, "label": ["bullish"] * 30 + ["bearish"] * 30 + ["neutral"] * 30}
    ).write_csv(path)
    assert main(["sentiment", "train", str(path)]) == 0
    trained = _json_out(capsys)
    assert trained["version"] == "1" and trained["n"] == 90
    model = load_sentiment_model(store)
    assert model is not None and model.registered_version == "1"
    assert (isolated / "data" / "mlartifacts").is_dir()  # artifacts under the data dir
    # the gate measured the model on WSB validation text: far worse than the lexicon there
    assert trained["ensemble_model_weight"] == 0.0
    assert (
        trained["gate"]["members"]["model"]["macro_f1"]
        < trained["gate"]["members"]["lexicon"]["macro_f1"]
    )
    assert main(["eval", "sentiment", str(path)]) == 0
    ev = _json_out(capsys)
    assert ev["model"] == "tft-sentiment/1" and ev["gate"] == trained["gate"]  # stored with it
    # on its own kind of text the model alone is right; the ensemble stays the lexicon's
    assert ev["members"]["model"]["accuracy"] >= 0.9
    assert ev["ensemble"]["model_weight"] == 0.0
    assert ev["accuracy"] == ev["members"]["lexicon"]["accuracy"]


def test_eval_sentiment_prints_each_member_next_to_the_ensemble(
    isolated, capsys, monkeypatch
) -> None:
    import numpy as np

    from tft_assets.posts import sentiment_training
    from tft_assets.posts.sentiment_gate import measure_gate

    path = isolated / "labels.csv"
    pl.DataFrame(
        {
            "text": ["buying calls 🚀", "loading puts, it will crash", "what is a float"],
            "label": ["bullish", "bearish", "neutral"],
        }
    ).write_csv(path)
    assert main(["eval", "sentiment", str(path), "--no-model"]) == 0
    alone = _json_out(capsys)
    assert alone["model"] is None and set(alone["members"]) == {"lexicon"}
    assert alone["accuracy"] == alone["members"]["lexicon"]["accuracy"] == 1.0

    class Bearish:  # a registered model that calls everything bearish
        classes_ = ("bearish", "neutral", "bullish")

        def predict_proba(self, texts: list[str]) -> np.ndarray:
            return np.tile([0.9, 0.05, 0.05], (len(texts), 1))

    model = sentiment_training.RegisteredSentimentModel(
        Bearish(), measure_gate(Bearish()), "tft-sentiment", "4"
    )
    monkeypatch.setattr(sentiment_training, "load_sentiment_model", lambda store, name: model)
    assert main(["eval", "sentiment", str(path)]) == 0
    out = _json_out(capsys)
    assert out["model"] == "tft-sentiment/4"
    assert out["members"]["lexicon"] == alone["members"]["lexicon"]
    assert out["members"]["model"]["f1"] == {"bearish": 0.5, "neutral": 0.0, "bullish": 0.0}
    assert out["ensemble"]["model_weight"] == out["gate"]["model_weight"] == 0.0
    assert out["gate"]["validation"] == "wsb_stance_validation.tsv"
    assert out["accuracy"] == 1.0


def test_score_posts_csv_and_parquet(isolated, capsys) -> None:
    src = isolated / "posts.csv"
    pl.DataFrame(
        {
            "id": ["a1", "a2"],
            "author": ["alice", "bob"],
            "created_utc": [1611700000, 1611700100],
            "title": ["GME to the moon", None],
            "selftext": ["Buying more $GME shares 🚀", "[deleted]"],
            "score": [120, 1],
            "num_comments": [30, 0],
        }
    ).write_csv(src)
    for ext in ("parquet", "csv"):
        dst = isolated / f"out.{ext}"
        assert main(["score-posts", str(src), str(dst)]) == 0
        df = pl.read_parquet(dst) if ext == "parquet" else pl.read_csv(dst)
        assert {"id", "quality_score", "quality_tier", "is_quality", "tickers", "sentiment"} <= set(
            df.columns
        )
        assert "author" not in df.columns
        assert df.height == 2
        assert "alice" not in dst.read_bytes().decode("utf-8", "replace")


def test_score_posts_rejects_bad_output(isolated) -> None:
    src = isolated / "p.csv"
    pl.DataFrame({"id": ["x"], "body": ["hi"]}).write_csv(src)
    assert main(["score-posts", str(src), str(isolated / "out.txt")]) == 1

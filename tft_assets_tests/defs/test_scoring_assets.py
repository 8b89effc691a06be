"""scored_posts materialised from raw_posts in a temporary lake."""

import dagster as dg
import polars as pl

from tft_assets.definitions import build_definitions
from tft_assets.lake.storage import frame_checksum, read_partitions
from tft_assets.schemas import SCORED_POSTS_SCHEMA
from tft_assets_tests.conftest import check_results, materialize


def test_scored_posts_range_equals_single_partitions(settings, instance):
    defs = build_definitions(settings)
    assert materialize(
        defs, ["raw_posts", "scored_posts"], "2024-03-01", "2024-03-04", instance
    ).success
    raw = read_partitions(settings.lake_url, "raw_posts", ["2024-03-02"])
    scored = read_partitions(settings.lake_url, "scored_posts", ["2024-03-02"])
    assert scored.height == raw.height > 0
    assert scored.get_column("post_id").to_list() == raw.get_column("post_id").to_list()
    assert {c: scored.schema[c] for c in SCORED_POSTS_SCHEMA} == SCORED_POSTS_SCHEMA
    ranged = frame_checksum(scored)
    # the same partition scored alone gives the same bytes (scoring is row-wise and deterministic)
    res = materialize(defs, ["scored_posts"], "2024-03-02", None, instance)
    assert res.success
    assert (
        frame_checksum(read_partitions(settings.lake_url, "scored_posts", ["2024-03-02"])) == ranged
    )
    meta = res.asset_materializations_for_node("scored_posts")[0].metadata
    assert sum(meta["tier_distribution"].value.values()) == scored.height
    assert meta["quality_histogram"].value.startswith("![quality histogram](data:image/png;base64,")
    assert check_results(res)["check_scored_posts_sentiment_coverage"] is True


def test_scored_posts_recover_true_tickers_of_the_demo_world(settings, instance):
    defs = build_definitions(settings)
    assert materialize(defs, ["raw_posts", "scored_posts"], "2024-03-05", None, instance).success
    scored = read_partitions(settings.lake_url, "scored_posts", ["2024-03-05"])
    truth = scored.select(
        pl.col("tickers").list.sort().alias("found"), pl.col("gt_tickers").list.sort().alias("true")
    )
    exact = truth.select((pl.col("found") == pl.col("true")).mean()).item()
    assert exact > 0.9, exact


def test_quality_report_cli(settings, instance, capsys):
    from tft_assets.cli import main

    defs = build_definitions(settings)
    assert materialize(
        defs, ["raw_posts", "scored_posts"], "2024-03-04", "2024-03-06", instance
    ).success
    assert main(["quality-report", "--days", "2", "--json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["partitions"] == ["2024-03-05", "2024-03-06"]
    expected = read_partitions(
        settings.lake_url, "scored_posts", ["2024-03-05", "2024-03-06"]
    ).height
    assert report["n_posts"] == expected == sum(report["tier_distribution"].values())
    assert main(["quality-report", "--days", "2"]) == 0
    # the table says which day its mention counts use, unlike the features' 16:00 sessions
    assert "per calendar day" in capsys.readouterr().out
    assert main(["quality-report", "--days", "0"]) == 1


def test_registered_mode_without_a_model_fails_with_one_clear_line(settings, instance):
    import dataclasses

    from tft_assets.cli.runner import failure_message

    defs = build_definitions(dataclasses.replace(settings, sentiment_model="registered"))
    res = materialize(defs, ["raw_posts", "scored_posts"], "2024-03-05", None, instance)
    assert not res.success
    line = failure_message(res)
    assert line.startswith("scored_posts: ") and "no model 'tft-sentiment' is registered" in line
    assert "tft-trader sentiment train" in line


def test_scored_posts_use_the_registered_model(settings, instance, tmp_path, monkeypatch, capsys):
    """Train and register a stance model with the CLI, then score with TFT_SENTIMENT_MODEL=registered:
    the model is scored on every post, at the weight its gate measured on WSB text (here 0: a
    model of templated sentences is far worse than the lexicon there, so it does not vote)."""
    import dataclasses
    import json

    from tft_assets.cli import main

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    texts = {
        "bullish": "buying calls, this stock will rip, strong earnings {}",
        "bearish": "buying puts, this stock will dump, awful guidance {}",
        "neutral": "the meeting is scheduled for tuesday number {}",
    }
    rows = [(t.format(i), label) for label, t in texts.items() for i in range(20)]
    train = tmp_path / "train.csv"
    pl.DataFrame({"text": [r[0] for r in rows], "label": [r[1] for r in rows]}).write_csv(train)
    assert main(["sentiment", "train", str(train)]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    gate = trained["gate"]
    assert trained["ensemble_model_weight"] == gate["model_weight"] == 0.0
    assert gate["members"]["model"]["macro_f1"] < gate["members"]["lexicon"]["macro_f1"]
    assert gate["ensemble"] == gate["members"]["lexicon"] and len(gate["macro_f1_by_weight"]) == 11
    registered = dataclasses.replace(
        settings, sentiment_model="registered", mlflow_tracking_uri=uri
    )
    defs = build_definitions(registered)
    assert materialize(defs, ["raw_posts", "scored_posts"], "2024-03-05", None, instance).success
    scored = read_partitions(settings.lake_url, "scored_posts", ["2024-03-05"])
    assert scored["sentiment_model_version"].unique().to_list() == [
        scored["sentiment_model_version"][0]
    ] and scored["sentiment_model_version"][0].endswith("tft-sentiment/1")
    assert scored["sentiment_model"].null_count() == 0
    assert scored["sentiment"].to_list() == scored["sentiment_stance"].to_list()


def test_listing_files_from_the_environment_reach_scored_posts(
    settings, instance, tmp_path, monkeypatch
):
    """TFT_TICKER_UNIVERSE_FILES is read by the settings and used by scored_posts: a valid
    file scores, a missing one fails the run with one line naming it."""
    import dataclasses

    from tft_assets.cli.runner import failure_message
    from tft_assets.settings import load_settings

    listing = tmp_path / "listing.csv"
    listing.write_text("Symbol,Name\nZQZX,Zqzx Holdings Inc.\n")
    monkeypatch.setenv("TFT_TICKER_UNIVERSE_FILES", f"{listing}, ")
    assert load_settings().universe_files == (str(listing),)
    ok = build_definitions(load_settings())
    assert materialize(ok, ["raw_posts", "scored_posts"], "2024-03-05", None, instance).success
    mat = instance.get_latest_materialization_event(dg.AssetKey("scored_posts"))
    used = mat.asset_materialization.metadata["ticker_listing_files"].value
    assert used == {"2024-03-05..2024-03-05": ["listing.csv"]}
    missing = str(tmp_path / "nope.csv")
    bad = build_definitions(dataclasses.replace(settings, universe_files=(missing,)))
    res = materialize(bad, ["scored_posts"], "2024-03-05", None, instance)
    assert not res.success
    line = failure_message(res)
    assert line.startswith("scored_posts: ") and "universe file not found" in line
    assert missing in line


def test_dated_listing_snapshots_per_partition(settings, instance, tmp_path, monkeypatch):
    """A run over several partitions scores each with the snapshot in force on its day, and
    says which files named the tickers; a malformed date fails the settings in one line."""
    import dataclasses

    import pytest

    from tft_assets.settings import load_settings

    # two snapshots that name Nokia (a demo-world company) by different symbols
    old = tmp_path / "old.csv"
    old.write_text("Symbol,Name\nZQZX,Nokia Oyj\n")
    new = tmp_path / "new.csv"
    new.write_text("Symbol,Name\nZQZY,Nokia Oyj\n")
    entries = (f"2024-01-01={old}", f"2024-03-06={new}")
    defs = build_definitions(dataclasses.replace(settings, universe_files=entries))
    res = materialize(defs, ["raw_posts", "scored_posts"], "2024-03-05", "2024-03-06", instance)
    assert res.success
    mat = instance.get_latest_materialization_event(dg.AssetKey("scored_posts"))
    used = mat.asset_materialization.metadata["ticker_listing_files"].value
    assert used == {"2024-03-05..2024-03-05": ["old.csv"], "2024-03-06..2024-03-06": ["new.csv"]}
    for key, mine, other in (("2024-03-05", "ZQZX", "ZQZY"), ("2024-03-06", "ZQZY", "ZQZX")):
        symbols = set(
            read_partitions(settings.lake_url, "scored_posts", [key])["tickers"]
            .explode()
            .drop_nulls()
        )
        assert mine in symbols and other not in symbols, key
    monkeypatch.setenv("TFT_TICKER_UNIVERSE_FILES", "2024-13-01=x.csv")
    with pytest.raises(ValueError, match="^TFT_TICKER_UNIVERSE_FILES: listing file entry"):
        load_settings()

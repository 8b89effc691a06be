"""feature_snapshots, feature_lineage, feature_sequences and labels on a temporary lake."""

import polars as pl
import pytest

from tft_assets.cli.runner import failure_message
from tft_assets.definitions import build_definitions
from tft_assets.features import FEATURE_NAMES, load_sequences
from tft_assets.lake.storage import frame_checksum, partition_path, read_partitions
from tft_assets_tests.conftest import check_results, materialize

INGEST = ["raw_posts", "raw_prices", "scored_posts"]


@pytest.fixture
def lake_with_inputs(settings, instance):
    defs = build_definitions(settings)
    assert materialize(defs, INGEST, "2024-01-02", "2024-03-22", instance).success
    return defs


def test_features_sequences_and_labels_end_to_end(settings, instance, lake_with_inputs):
    defs = lake_with_inputs
    # plant a canary in the stored prices: the future 5-day return, as a column
    for key in ("2024-03-12", "2024-03-13"):
        path = partition_path(settings.lake_url, "raw_prices", key)
        frame = pl.read_parquet(str(path))
        frame.with_columns((pl.col("close") * 1.01).alias("canary_future_close")).write_parquet(
            str(path)
        )

    res = materialize(
        defs,
        ["feature_snapshots", "feature_lineage", "feature_sequences"],
        "2024-02-01",
        "2024-03-15",
        instance,
    )
    assert res.success
    checks = check_results(res)
    assert checks["check_feature_snapshots_contract"] and checks["check_feature_sequences_shape"]

    snap = read_partitions(settings.lake_url, "feature_snapshots", ["2024-03-13"])
    assert snap.height == 5 and set(FEATURE_NAMES) <= set(snap.columns)
    assert not [c for c in snap.columns if "canary" in c or c.startswith("gt_")]
    assert snap["snapshot_id"].n_unique() == 1
    assert (
        read_partitions(settings.lake_url, "feature_snapshots", ["2024-03-10"]).height == 0
    )  # Sunday
    lineage = read_partitions(settings.lake_url, "feature_lineage", ["2024-03-13"])
    assert lineage.height > 0 and set(lineage["snapshot_id"]) == set(snap["snapshot_id"])

    # a single-day rerun gives byte-identical bytes
    before = frame_checksum(snap)
    assert materialize(
        defs, ["feature_snapshots", "feature_lineage"], "2024-03-13", None, instance
    ).success
    assert (
        frame_checksum(read_partitions(settings.lake_url, "feature_snapshots", ["2024-03-13"]))
        == before
    )

    seqs = read_partitions(settings.lake_url, "feature_sequences", ["2024-03-15"])
    x, index = load_sequences(seqs)
    assert x.shape[1:] == (30, len(FEATURE_NAMES)) and x.shape[0] == index.height
    assert index["end_date"].cast(pl.String).unique().to_list() == ["2024-03-15"]

    labels = materialize(defs, ["labels"], "2024-03-01", "2024-03-15", instance)
    assert labels.success and check_results(labels)["check_labels_consistent"]
    lab = read_partitions(settings.lake_url, "labels", ["2024-03-08"])
    prices = read_partitions(settings.lake_url, "raw_prices", ["2024-03-08", "2024-03-15"])
    gme = prices.filter(pl.col("ticker") == "GME").sort("date")["adj_close"].to_list()
    assert lab.filter(pl.col("ticker") == "GME")["fwd_return"].item() == pytest.approx(
        gme[1] / gme[0] - 1
    )


def test_labels_wait_for_future_prices(settings, instance, lake_with_inputs):
    res = materialize(lake_with_inputs, ["labels"], "2024-03-20", None, instance)
    assert not res.success
    line = failure_message(res)
    assert (
        line.startswith("labels: ") and "labels of 2024-03-20 need prices 5 sessions later" in line
    )


def test_a_ticker_without_a_bar_at_d_plus_h_has_an_unknown_label(
    settings, instance, lake_with_inputs
):
    """The end of one ticker's history (delisted, or its file ends): null outcome, named in the
    metadata; the partition still succeeds because the other tickers' D+h bars exist."""
    path = partition_path(settings.lake_url, "raw_prices", "2024-03-08")  # D+5 of 2024-03-01
    bars = pl.read_parquet(str(path))
    gone = sorted(bars["ticker"].to_list())[0]
    bars.filter(pl.col("ticker") != gone).write_parquet(str(path))
    res = materialize(lake_with_inputs, ["labels"], "2024-03-01", None, instance)
    assert res.success
    labels = read_partitions(settings.lake_url, "labels", ["2024-03-01"])
    row = labels.filter(pl.col("ticker") == gone)
    assert row["fwd_return"].is_null().all() and row["label_up"].is_null().all()
    assert labels.filter(pl.col("ticker") != gone)["fwd_return"].null_count() == 0
    meta = res.asset_materializations_for_node("labels")[0].metadata
    assert meta["unknown_outcomes"].value == 1
    assert meta["unknown_outcome_tickers"].value == [gone]


def test_the_snapshot_page_has_pictures_once_per_run(settings, instance, lake_with_inputs):
    import base64

    res = materialize(
        lake_with_inputs, ["feature_snapshots", "feature_lineage"], "2024-03-01", "2024-03-15",
        instance,
    )  # fmt: skip
    assert res.success
    [obs] = [
        e.event_specific_data.asset_observation
        for e in res.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert obs.partition == "2024-03-15"  # the run's last session
    meta = obs.metadata
    for key in ("feature_distributions", "correlation_heatmap", "tickers_price_mentions_sentiment"):
        md = meta[key].value
        png = base64.b64decode(md.split("base64,", 1)[1].rstrip(")"))
        assert png.startswith(b"\x89PNG") and len(png) > 5_000, key
    assert "anomalies_2024-03-15" in meta
    mats = res.asset_materializations_for_node("feature_snapshots")
    assert all("feature_distributions" not in m.metadata for m in mats)  # not copied per day

"""tuned_hyperparameters, trained_models and predictions on a temporary lake and MLflow store
(5 tickers, trees only, so the run stays small)."""

import dataclasses
import hashlib
import io
from pathlib import Path

import polars as pl
import pytest

from tft_assets.cli.runner import failure_message
from tft_assets.definitions import build_definitions
from tft_assets.lake.storage import partition_path, read_partitions
from tft_assets.tracking import ModelStore
from tft_assets_tests.conftest import check_results, materialize

REGISTERED = "tft-trader-ensemble"
RANGE = ("2023-07-03", "2023-08-04")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A lake with ingestion, features and labels of 2023, and one models range run."""
    from dagster import instance_for_test

    from tft_assets.settings import load_settings

    root = tmp_path_factory.mktemp("models")
    mp = pytest.MonkeyPatch()
    for var in ("TFT_LAKE_URL", "TFT_POSTS_SOURCE", "TFT_PRICES_SOURCE", "MLFLOW_TRACKING_URI"):
        mp.delenv(var, raising=False)
    mp.setenv("TFT_DATA_DIR", str(root / "data"))
    mp.setenv("TFT_START_DATE", "2022-09-01")
    settings = dataclasses.replace(
        load_settings(), demo_tickers=5, model_families=("xgboost", "lightgbm"), tuning_trials=3
    )
    defs = build_definitions(settings)
    with instance_for_test() as instance:
        ok = materialize(
            defs, ["raw_posts", "raw_prices", "scored_posts"], "2022-09-01", "2023-08-31", instance
        )
        assert ok.success
        feats = ["feature_snapshots", "feature_lineage", "feature_sequences", "labels"]
        assert materialize(defs, feats, "2023-01-03", "2023-08-22", instance).success
        tuned = materialize(defs, ["tuned_hyperparameters"], "2023-06-26", "2023-06-26", instance)
        assert tuned.success, failure_message(tuned)
        res = materialize(defs, ["trained_models", "predictions"], *RANGE, instance)
        assert res.success, failure_message(res)
        yield settings, defs, instance, res
    mp.undo()


def _models(settings) -> pl.DataFrame:
    keys = [k for k in _keys(settings, "trained_models")]
    return read_partitions(settings.lake_url, "trained_models", keys)


def _keys(settings, asset):
    from tft_assets.lake.storage import list_partitions

    return list_partitions(settings.lake_url, asset)


def test_tuning_records_trials_and_training_uses_the_tuned_parameters(world):
    settings, *_ = world
    tuned = read_partitions(settings.lake_url, "tuned_hyperparameters", ["2023-06-26"])
    assert sorted(tuned["kind"]) == ["lightgbm", "xgboost"]
    assert (tuned["n_trials"] == 3).all() and tuned["best_log_loss"].is_finite().all()
    assert (settings.data_dir / "optuna.db").exists()


def test_trees_retrain_weekly_and_carry_forward_between(world):
    settings, *_ = world
    ens = _models(settings).filter(pl.col("model") == "ensemble").sort("date")
    assert ens["model_version"].null_count() == 0, ens.filter(pl.col("model_version").is_null())
    weeks = ens.with_columns(pl.col("date").dt.week().alias("w"))
    # one version per ISO week: retrained on the week's first session, carried on the others
    assert weeks.group_by("w").agg(pl.col("model_version").n_unique())["model_version"].max() == 1
    assert ens["model_version"].n_unique() == weeks["w"].n_unique()
    carried = ens.filter(~pl.col("retrained"))
    assert carried.height and carried["reason"].str.starts_with("carried forward").all()


def test_every_training_is_an_mlflow_run_and_a_registered_version(world):
    settings, *_ = world
    store = ModelStore(settings.mlflow_tracking_uri, settings.mlflow_artifact_root)
    ens = (
        _models(settings).filter(pl.col("model") == "ensemble" & pl.col("retrained"))
        if False
        else (_models(settings).filter((pl.col("model") == "ensemble") & pl.col("retrained")))
    )
    client = store.client()
    for run_id, version in ens.select("mlflow_run_id", "registry_version").iter_rows():
        run = client.get_run(run_id)
        for m in ("accuracy", "log_loss", "brier", "auc", "ece"):
            assert f"val_ensemble_{m}" in run.data.metrics
        assert run.data.params["feature_version"] and int(run.data.params["snapshot_ids"]) > 0
        arts = {a.path for a in client.list_artifacts(run_id)}
        assert {
            "bundle",
            "feature_importance.json",
            "dead_features.json",
            "reliability_diagram.png",
        } <= arts
        assert store.version_run_id(REGISTERED, version) == run_id
    assert store.alias_version(REGISTERED, "champion") is not None


def test_predictions_trace_to_the_model_of_their_day(world):
    settings, _, _, res = world
    pred = read_partitions(settings.lake_url, "predictions", _keys(settings, "predictions"))
    models = _models(settings).filter(pl.col("model") == "ensemble")
    joined = pred.join(
        models.select("date", "model_version", "mlflow_run_id"), on="date", how="left", suffix="_m"
    )
    assert pred.height >= 5 * 20
    assert (joined["model_version"] == joined["model_version_m"]).all()
    assert pred["p_up"].is_between(0, 1).all() and (pred["return_low"] <= pred["return_high"]).all()
    assert pred["snapshot_id"].null_count() == 0 and pred["p_tft"].null_count() == pred.height
    assert pred["top_features"].str.contains('"feature"').all()
    assert check_results(res)["check_predictions_valid"]


#: Every asset of the world, one partition each, rerun by the test below (the signal book and
#: the backtests are rerun in ``test_idempotency``).
DAILY_ASSETS = ("raw_posts", "raw_prices", "scored_posts", "feature_snapshots", "feature_lineage",
                "feature_sequences", "labels", "trained_models", "predictions")  # fmt: skip
RERUN_ASSETS = (*DAILY_ASSETS, "tuned_hyperparameters")


def materialization_metadata(result, asset: str) -> dict:
    """The metadata of ``asset``'s materialisation in a one-partition run."""
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.path == [asset]]
    return event.event_specific_data.materialization.metadata


def rerun_writes_the_same(defs, lake: str, assets: list[str], key: str, instance):
    """Materialise ``assets`` for ``key`` again: the same non-empty files, and the checksum in
    the rerun's metadata is that of the bytes stored before it. Returns the run's result."""
    before = {a: partition_path(lake, a, key).read_bytes() for a in assets}
    assert all(pl.read_parquet(io.BytesIO(b)).height for b in before.values()), "empty partition"
    res = materialize(defs, assets, key, None, instance)
    assert res.success, failure_message(res)
    for asset, blob in before.items():
        assert partition_path(lake, asset, key).read_bytes() == blob, asset
        sha256 = materialization_metadata(res, asset)["sha256"].value
        assert sha256 == hashlib.sha256(blob).hexdigest(), asset
    return res


@pytest.mark.parametrize(
    ("assets", "key", "trainings"),
    [
        # a Monday: the trees retrain; the rerun finds the MLflow run of the very same bundle
        (DAILY_ASSETS, "2023-07-24", 1),
        # a Wednesday: carried forward from the Monday's training
        (("trained_models", "predictions"), "2023-07-19", 0),
        (("tuned_hyperparameters",), "2023-06-26", None),
    ],
)
def test_a_rerun_of_a_partition_writes_the_same_bytes_and_registers_nothing(
    world, assets, key, trainings
):
    settings, defs, instance, _ = world
    store = ModelStore(settings.mlflow_tracking_uri, settings.mlflow_artifact_root)
    versions = store.latest_version(REGISTERED)
    res = rerun_writes_the_same(defs, settings.lake_url, list(assets), key, instance)
    if trainings is not None:
        assert materialization_metadata(res, "trained_models")["trainings"].value == trainings
    assert store.latest_version(REGISTERED) == versions  # no second version of one bundle


def test_missing_inputs_and_an_unloadable_model_fail_in_one_line(world):
    settings, defs, instance, _ = world
    res = materialize(defs, ["predictions"], "2023-08-10", None, instance)
    assert not res.success and "need trained_models of 2023-08-10" in failure_message(res)
    store = ModelStore(settings.mlflow_tracking_uri, settings.mlflow_artifact_root)
    run_id = _models(settings).filter(pl.col("date") == pl.date(2023, 8, 4))["mlflow_run_id"][0]
    local = store.client().get_run(run_id).info.artifact_uri.removeprefix("file://")
    bundle = Path(f"{local}/bundle/bundle.zip")
    saved = bundle.read_bytes()
    try:
        bundle.write_bytes(b"not a zip")
        res = materialize(defs, ["predictions"], "2023-08-04", None, instance)
        msg = failure_message(res)
        assert not res.success and run_id in msg and "bundle" in msg, msg
    finally:
        bundle.write_bytes(saved)

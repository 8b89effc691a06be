"""Finding a model's earlier MLflow run and its registered version, on a local SQLite store."""

import time

import pytest

from tft_assets.tracking import ModelStore
from tft_assets.tracking.model_store import ModelStoreError

EXPERIMENT = "tft-test"
MODEL = "tft-test-model"


def _log(store: ModelStore, bundle: str, metric: object = 0.5) -> str:
    run_id = store.log_run(EXPERIMENT, f"run-{bundle}", params={"p": 1}, metrics={"m": metric},
                           artifacts={"bundle/b.bin": b"x"}, tags={"bundle_version": bundle})  # fmt: skip
    time.sleep(0.01)  # distinct start times
    return run_id


def test_a_finished_run_is_found_by_its_tags_and_an_unfinished_one_is_not(tmp_path):
    store = ModelStore(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")
    assert store.finished_run(EXPERIMENT, {"bundle_version": "b1"}) is None  # no store yet
    with pytest.raises(ModelStoreError, match="logging run"):
        _log(store, "b1", metric="not a number")  # the run ends FAILED
    assert store.finished_run(EXPERIMENT, {"bundle_version": "b1"}) is None
    first, second, other = _log(store, "b1"), _log(store, "b1"), _log(store, "b2")
    assert store.finished_run(EXPERIMENT, {"bundle_version": "b1"}) == first
    assert store.finished_run(EXPERIMENT, {"bundle_version": "b2"}) == other
    assert store.finished_run("another-experiment", {"bundle_version": "b1"}) is None

    assert store.run_version(MODEL, first) is None  # logged, not registered yet
    version = store.register(MODEL, first, "bundle/b.bin")
    assert store.register(MODEL, second, "bundle/b.bin") != version
    assert store.run_version(MODEL, first) == version
    assert store.run_version(MODEL, other) is None

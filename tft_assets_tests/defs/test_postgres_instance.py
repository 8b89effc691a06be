"""The production instance (deploy/dagster.postgres.yaml) against the real PostgreSQL on this
machine: a scratch database is created for the test and dropped afterwards."""

import os
import shutil
import socket
import uuid

import dagster as dg
import pytest

from tft_assets.definitions import build_definitions
from tft_assets.defs.ingestion.automation import INGESTION_JOB
from tft_assets.defs.ingestion.checks import CHECK_RAW_PRICES_SCHEMA
from tft_assets_tests.conftest import REPO, materialize

PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = "127.0.0.1", 5432, "postgres", "test"
CONFIG = REPO / "deploy" / "dagster.postgres.yaml"


def _pg_up() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def _admin(sql: str) -> None:
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB)
    con.autocommit = True  # CREATE / DROP DATABASE cannot run inside a transaction
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


@pytest.fixture
def scratch_db():
    """A fresh database ``tft_scratch_<hex>``, dropped (with its connections) afterwards."""
    if not _pg_up():
        if os.environ.get("CI"):  # .ci/run starts PostgreSQL: down there is a failure
            pytest.fail("PostgreSQL is not listening on 127.0.0.1:5432 under CI")
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    name = f"tft_scratch_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_instance(scratch_db, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(CONFIG, home / "dagster.yaml")
    url = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{scratch_db}"
    monkeypatch.setenv("DAGSTER_PG_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


@pytest.mark.postgres
def test_partitions_materialise_and_their_events_read_back(settings, pg_instance):
    instance = pg_instance
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    defs = build_definitions(settings)
    result = materialize(defs, ["raw_posts", "raw_prices"], "2024-03-04", "2024-03-05", instance)
    assert result.success
    record = instance.get_run_record_by_id(result.run_id)
    assert record is not None and record.dagster_run.is_success
    for key in ("raw_posts", "raw_prices"):
        asset = dg.AssetKey(key)
        assert instance.get_materialized_partitions(asset) == {"2024-03-04", "2024-03-05"}
        mat = instance.get_latest_materialization_event(asset)
        assert mat is not None and mat.run_id == result.run_id
        assert mat.asset_materialization.metadata["row_count"].value > 0
    checks = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("raw_prices"), CHECK_RAW_PRICES_SCHEMA), limit=5
    )
    assert checks and checks[0].run_id == result.run_id


@pytest.mark.postgres
def test_the_run_queue_and_pool_limits_load(settings, pg_instance):
    """The queue's limits and the pools' default are the file's: backfills, training, ingestion."""
    config = pg_instance.get_concurrency_config()
    queue = config.run_queue_config
    assert queue.max_concurrent_runs == 8
    limits = {(lim["key"], lim.get("value")): lim["limit"] for lim in queue.tag_concurrency_limits}
    assert limits == {
        ("dagster/backfill", None): 2,
        ("tft/stage", "training"): 1,
        ("tft/stage", "ingestion"): 2,
    }
    assert pg_instance.global_op_concurrency_default_limit == 1  # reddit_api, yahoo_api
    defs = build_definitions(settings)
    for job in ("tuning_weekly_job", "models_daily_job"):
        assert defs.resolve_job_def(job).tags["tft/stage"] == "training"
    assert defs.resolve_job_def(INGESTION_JOB).tags["tft/stage"] == "ingestion"

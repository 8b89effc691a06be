"""The documented production instance (docs/deploy/dagster-postgres.yaml) against a real PostgreSQL."""

import os
import shutil
import socket

import dagster as dg
import pytest

from tft_assets.definitions import build_definitions
from tft_assets_tests.conftest import REPO

PG_HOST, PG_PORT = "127.0.0.1", 5432


def _pg_up() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.postgres
def test_materialise_against_postgres_storage(settings, tmp_path, monkeypatch):
    if not _pg_up():
        if os.environ.get("CI"):  # .ci/run starts PostgreSQL: down there is a failure
            pytest.fail("PostgreSQL is not listening on 127.0.0.1:5432 under CI")
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "docs" / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
    for var, value in {"TFT_PG_HOST": PG_HOST, "TFT_PG_PORT": str(PG_PORT), "TFT_PG_DB": "test",
                       "TFT_PG_USER": "postgres", "TFT_PG_PASSWORD": ""}.items():  # fmt: skip
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        defs = build_definitions(settings)
        result = dg.materialize(
            list(defs.assets), selection=[dg.AssetKey("raw_prices")], resources=dict(defs.resources),
            instance=instance, partition_key="2024-03-05", raise_on_error=False,
        )  # fmt: skip
        assert result.success
        record = instance.get_run_record_by_id(result.run_id)
        assert record is not None and record.dagster_run.is_success
        mat = instance.get_latest_materialization_event(dg.AssetKey("raw_prices"))
        assert mat is not None and mat.run_id == result.run_id

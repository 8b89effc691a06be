"""Shared fixtures: an isolated data dir / Dagster instance per test, and real-data paths."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "real"


def real_file(name: str) -> Path:
    """Path of a file under ../shared/data/real, or skip the test when it is absent."""
    path = REAL_DATA / name
    if not path.exists():
        pytest.skip(f"real data file {name} not available")
    return path


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings for a throwaway demo deployment rooted in ``tmp_path`` (5 tickers)."""
    from tft_assets.settings import load_settings

    for var in (
        "TFT_LAKE_URL",
        "TFT_POSTS_SOURCE",
        "TFT_PRICES_SOURCE",
        "MLFLOW_TRACKING_URI",
        "TFT_WATCHLIST",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TFT_START_DATE", "2023-01-01")
    return dataclasses.replace(load_settings(), demo_tickers=5)


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def materialize(
    defs: dg.Definitions,
    keys: list[str],
    start: str,
    end: str | None,
    instance,
    run_config: dict | None = None,
) -> dg.ExecuteInJobResult:
    """Materialise ``keys`` for one partition (``end is None``) or a single-run range."""
    tags = {}
    partition_key = None
    if end is None:
        partition_key = start
    else:
        tags = {
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end,
        }
    return dg.materialize(
        list(defs.assets),
        selection=[dg.AssetKey(k) for k in keys],
        resources=dict(defs.resources),
        instance=instance,
        partition_key=partition_key,
        tags=tags,
        run_config=run_config,
        raise_on_error=False,
    )


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def check_results(result) -> dict[str, bool]:
    """``{check_name: passed}`` of every asset check evaluated in a run."""
    from tft_assets.cli.runner import check_evaluations

    return {name: ev.passed for name, ev in check_evaluations(result).items()}

"""Shared fixtures: an isolated data dir / Dagster instance per test, and real-data paths."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "real"


#: Reason prefix of every skip for missing real data (counted in the terminal summary).
NO_REAL_DATA = "needs ../shared/data/real"


def require_real_data(*paths: Path) -> None:
    """Skip the test when a real-data file is absent; under ``CI`` (which always has the data)
    fail instead, so a broken path cannot hide behind a skip."""
    missing = [p.name for p in paths if not p.exists()]
    if not missing:
        return
    message = f"{NO_REAL_DATA}: {', '.join(missing)} absent"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, and CI always has the real data)")
    pytest.skip(message)


def real_file(name: str) -> Path:
    """Path of a file under ../shared/data/real (see :func:`require_real_data`)."""
    path = REAL_DATA / name
    require_real_data(path)
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    """One line saying how many tests were skipped for want of the real data, and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    n = sum(1 for r in skipped if NO_REAL_DATA in str(getattr(r, "longrepr", "")))
    if n:
        terminalreporter.write_line(
            f"skipped {n} tests that {NO_REAL_DATA} ({REAL_DATA} is absent; "
            "CI has it and fails them instead)"
        )


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

"""Demo ingestion of 1 year x 20 tickers through the real assets (target < 60 s on 2 cores),
and `dagster definitions validate` wall time (target < 2 s)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INGEST_TARGET_SECONDS = 60.0
VALIDATE_TARGET_SECONDS = 2.0


def _ingest(tmp: Path) -> dict:
    code = (
        "import json, time, datetime as dt, dagster as dg\n"
        "from tft_assets.definitions import build_definitions\n"
        "from tft_assets.defs.runner import materialize_range\n"
        "from tft_assets.settings import load_settings\n"
        "defs = build_definitions(load_settings())\n"
        "inst = dg.DagsterInstance.ephemeral()\n"
        "t = time.perf_counter()\n"
        "[st] = [s for s in [materialize_range(defs, dt.date(2023, 1, 1), dt.date(2023, 12, 31), inst)[0]]]\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'success': st.success, 'rows': st.rows}))\n"
    )
    env = {
        **os.environ,
        "TFT_DATA_DIR": str(tmp),
        "TFT_DEMO_TICKERS": "20",
        "TFT_START_DATE": "2023-01-01",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO
    )
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def _validate(tmp: Path) -> float:
    env = {**os.environ, "TFT_DATA_DIR": str(tmp), "DAGSTER_HOME": str(tmp)}
    exe = str(Path(sys.executable).parent / "dagster")
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            [exe, "definitions", "validate", "-w", "workspace.yaml"],
            check=True,
            capture_output=True,
            env=env,
            cwd=REPO,
        )
        best = min(best, time.perf_counter() - t)
    return best


def run() -> dict:
    with tempfile.TemporaryDirectory() as d:
        ingest = _ingest(Path(d))
        validate = _validate(Path(d))
    return {
        "ingestion_1y_20_tickers_seconds": round(ingest["seconds"], 2),
        "ingestion_rows": ingest["rows"],
        "ingestion_success": ingest["success"],
        "ingestion_target_seconds": INGEST_TARGET_SECONDS,
        "ingestion_target_met": ingest["success"] and ingest["seconds"] < INGEST_TARGET_SECONDS,
        "definitions_validate_seconds": round(validate, 2),
        "definitions_validate_target_seconds": VALIDATE_TARGET_SECONDS,
        "definitions_validate_target_met": validate < VALIDATE_TARGET_SECONDS,
    }

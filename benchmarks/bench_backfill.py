"""Backfill: 2 years x 50 tickers of the demo world, ingestion -> features, through the real
Dagster machinery in a fresh child process with a temporary ``DAGSTER_HOME`` (SQLite storage,
the repository's ``dagster.yaml``), exactly as ``tft-trader demo`` / ``run`` execute it: each
stage is one single-run backfill (``BackfillPolicy.single_run()``) materialised in-process.

Assets: ``raw_posts``, ``raw_prices`` (one run), ``scored_posts``, ``labels`` (its range ends
:data:`HORIZON_DAYS` sessions before the last day, where outcomes are known), ``feature_snapshots``
+ ``feature_lineage`` (one multi-asset step) and ``feature_sequences``: 7 assets, 5 runs.

Reported: runs launched (counted from the instance's run records, with the partition range each
run's tags name), partitions materialised per asset (from the instance's asset records), wall
time per stage and in all, and the Dagster events the runs wrote (by type: one
``ASSET_MATERIALIZATION`` and one ``ASSET_MATERIALIZATION_PLANNED`` per asset partition).
Targets: at most :data:`TARGET_RUNS` runs, every partition materialised, under
:data:`TARGET_WALL_S` seconds on 2 cores. The 1-minute load average at the start is reported:
other work on the machine slows every figure here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START, END = dt.date(2022, 1, 1), dt.date(2023, 12, 31)
N_TICKERS = 50
HORIZON_DAYS = 5
BACKFILL_ASSETS = (
    "raw_posts",
    "raw_prices",
    "scored_posts",
    "labels",
    "feature_snapshots",
    "feature_lineage",
    "feature_sequences",
)
TARGET_RUNS = 5
PLANNED_SUBSET_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
TARGET_WALL_S = 120.0


def _child() -> dict:
    """Runs in the child (settings from its environment): the backfill, then what it recorded."""
    import warnings

    import dagster as dg

    from tft_assets.cli.demo import demo_ranges
    from tft_assets.cli.runner import dagster_instance, materialize_range
    from tft_assets.definitions import build_definitions
    from tft_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
    from tft_assets.settings import load_settings

    warnings.filterwarnings("ignore")
    settings = load_settings()
    defs = build_definitions(settings)
    instance = dagster_instance(settings)
    demo = demo_ranges(START, END, 0, settings.horizon_days)

    def range_of(asset: str):
        return demo(asset) if asset in BACKFILL_ASSETS else None

    cpu = [time.process_time()]

    def on_stage(_stage) -> None:
        cpu.append(time.process_time())

    t = time.perf_counter()
    stages = materialize_range(defs, START, END, instance, on_stage, range_of)
    wall = time.perf_counter() - t
    failed = next((s for s in stages if not s.success), None)
    if failed is not None:
        raise RuntimeError(f"stage {', '.join(failed.assets)} failed: {failed.error}")

    records = sorted(instance.get_run_records(), key=lambda r: r.create_timestamp)
    events: Counter[str] = Counter()
    runs = []
    for r in records:
        run = r.dagster_run
        materialized: Counter[str] = Counter()
        for entry in instance.all_logs(run.run_id):
            kind = entry.dagster_event_type
            events[kind.value if kind is not None else "LOG_MESSAGE"] += 1
            if kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                materialized[entry.asset_materialization.asset_key.to_user_string()] += 1
        runs.append(
            {
                "run_id": run.run_id,
                "status": run.status.value,
                "range": [run.tags.get(RANGE_START_TAG), run.tags.get(RANGE_END_TAG)],
                "materializations": dict(sorted(materialized.items())),
            }
        )
    partitions = {
        a: len(instance.get_materialized_partitions(dg.AssetKey(a))) for a in BACKFILL_ASSETS
    }
    expected = {a: len(stage_keys(s)) for s in stages for a in s.assets}
    return {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu[-1] - cpu[0], 2),
        "stages": [
            {
                "assets": list(s.assets),
                "range": [str(s.start), str(s.end)],
                "seconds": round(s.seconds, 2),
                "cpu_seconds": round(b - a, 2),
            }
            for s, a, b in zip(stages, cpu[:-1], cpu[1:], strict=True)
        ],
        "runs": runs,
        "partitions_materialized": partitions,
        "partitions_expected": expected,
        "dagster_events": dict(events.most_common()),
    }


def stage_keys(stage) -> list[str]:
    """The daily partition keys of a stage's range."""
    days = (stage.end - stage.start).days + 1
    return [(stage.start + dt.timedelta(days=i)).isoformat() for i in range(days)]


def run() -> dict:
    load_1m = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "home").mkdir()
        shutil.copy(REPO / "dagster.yaml", tmp / "home" / "dagster.yaml")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TFT_", "MLFLOW_"))},
            "TFT_DATA_DIR": str(tmp / "data"),
            "DAGSTER_HOME": str(tmp / "home"),
            "TFT_START_DATE": START.isoformat(),
            "TFT_DEMO_TICKERS": str(N_TICKERS),
            "TFT_HORIZON_DAYS": str(HORIZON_DAYS),
            "PYTHONWARNINGS": "ignore",
        }
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child"],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
        )
        process_wall = time.perf_counter() - t
    if proc.returncode:
        raise RuntimeError(f"backfill child failed: {proc.stderr.strip().splitlines()[-1:]}")
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    runs = len(child["runs"])
    complete = all(
        child["partitions_materialized"][a] == n for a, n in child["partitions_expected"].items()
    )
    wall = child["wall_seconds"]
    return {
        "start": START.isoformat(),
        "end": END.isoformat(),
        "tickers": N_TICKERS,
        "assets": list(BACKFILL_ASSETS),
        "runs_launched": runs,
        "runs": child["runs"],
        "partitions_materialized": child["partitions_materialized"],
        "partitions_expected": child["partitions_expected"],
        "stages": child["stages"],
        "wall_seconds": wall,
        "cpu_seconds": child["cpu_seconds"],
        "process_wall_seconds": round(process_wall, 1),
        # Dagster's switch: one planned event per asset and run instead of one per partition
        PLANNED_SUBSET_ENV: os.environ.get(PLANNED_SUBSET_ENV, ""),
        "dagster_events": child["dagster_events"],
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(load_1m, 2),
        "targets": {"runs": TARGET_RUNS, "wall_seconds": TARGET_WALL_S},
        "met": {
            "runs": runs <= TARGET_RUNS,
            "all_partitions_materialized": complete,
            "wall_seconds": wall < TARGET_WALL_S,
        },
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        print(json.dumps(_child()))
    else:
        print(json.dumps(run(), indent=2))

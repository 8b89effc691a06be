"""Load: one daily partition of 1,000,000 posts through ``raw_posts`` -> ``scored_posts`` ->
``feature_snapshots`` (+ ``feature_lineage``), the real assets on a temporary lake and a SQLite
Dagster instance (the embedded default), in a fresh child process.

The partition is built from the demo world (50 tickers): consecutive demo days of WSB-style
posts and comments (cashtags, bare tickers, company names, slang, spam, duplicates, deleted
bodies, missing fields) are moved to one calendar day at the same New York wall-clock time and
written to one Parquet file (by the parent, so the child's memory is the pipeline's), which
``raw_posts`` imports through its archive path (as
``tft-trader import-posts`` does: validation, quarantine, author hashing). ``raw_prices`` is
first ingested for :data:`WARMUP_DAYS` before the day, so the day's price indicators are warm;
that run is reported apart and is not part of the throughput.

Reported: seconds and posts/s per stage and end to end, the peak RSS of each stage (the child's
VmHWM, reset to the current RSS before the stage, with the RSS it started from) and of the whole
child (the largest VmHWM read; ``ru_maxrss`` cannot serve, since resetting VmHWM resets what it
reports too), and CPU seconds per stage (all threads). Targets: every stage succeeds, the three
stages take less than :data:`TARGET_END_TO_END_S` together, and the child's peak RSS stays under
:data:`TARGET_PEAK_RSS_GB`. The machine's other load shows in the figures:
the 1-minute load average is reported with them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
N_POSTS = 1_000_000
DAY = dt.date(2024, 3, 13)  # a Wednesday session
WARMUP_DAYS = 150  # calendar days of prices before DAY (> 50 sessions + the 60-session history)
N_TICKERS = 50
POSTS_PER_TICKER_DAY = 400.0  # the demo world's densest day (50 x 400 = its id-space bound)
POSTS_FILE = f"posts_{DAY}.parquet"
TARGET_END_TO_END_S = 120.0
TARGET_PEAK_RSS_GB = 6.0


def day_of_posts(n_posts: int, day: dt.date, n_tickers: int = N_TICKERS, seed: int = 7):
    """``n_posts`` demo posts (SOURCE_POSTS_SCHEMA + ``gt_*``) all created on ``day`` (New York).

    Demo days ``day - 1``, ``day - 2``, ... are taken whole until ``n_posts`` rows are reached
    (the last one cut); each row keeps its New York wall-clock time and moves to ``day``. Ids stay
    unique (the demo world's ids encode their day); rows without a timestamp stay without one.
    """
    import polars as pl

    from tft_assets.settings import MARKET_TIMEZONE
    from tft_assets.sources.demo import DemoWorld, DemoWorldConfig

    world = DemoWorld(
        DemoWorldConfig(seed=seed, n_tickers=n_tickers, posts_per_ticker_day=POSTS_PER_TICKER_DAY)
    )
    frames, total, source = [], 0, day
    while total < n_posts:
        source -= dt.timedelta(days=1)
        frame = world.posts_for_day(source).head(n_posts - total)
        frames.append(frame.with_columns(pl.lit((day - source).days).alias("_shift")))
        total += frame.height
    local = pl.col("created_utc").dt.convert_time_zone(MARKET_TIMEZONE)
    return (
        pl.concat(frames)
        .with_columns(
            local.dt.offset_by(pl.format("{}d", pl.col("_shift")))
            .dt.convert_time_zone("UTC")
            .alias("created_utc")
        )
        .drop("_shift")
    )


def _status_mb(field: str) -> float:
    """A memory line of /proc/self/status (``VmRSS``, ``VmHWM``) in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    """Set VmHWM back to the current RSS (Linux >= 4.0): the next reading covers one stage."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _child(tmp: Path) -> dict:
    """Runs in the child: build the file, then each stage as one run of the real assets."""
    import dataclasses
    import warnings

    import dagster as dg

    from tft_assets.cli.runner import dagster_instance, run_range
    from tft_assets.definitions import build_definitions
    from tft_assets.defs.ingestion.automation import inbox_run_config
    from tft_assets.settings import load_settings

    warnings.filterwarnings("ignore")
    path = tmp / POSTS_FILE
    settings = dataclasses.replace(
        load_settings(),
        posts_source="demo",
        prices_source="demo",
        demo_tickers=N_TICKERS,
        start_date=DAY - dt.timedelta(days=WARMUP_DAYS),
    )
    defs = build_definitions(settings)
    instance = dagster_instance(settings)
    warmup = run_range(defs, [dg.AssetKey("raw_prices")], settings.start_date, DAY, instance)
    if not warmup.success:
        raise RuntimeError(f"raw_prices warm-up failed: {warmup.error}")
    stages = {
        "raw_posts": (["raw_posts"], inbox_run_config("posts", path)),
        "scored_posts": (["scored_posts"], None),
        "feature_snapshots": (["feature_snapshots", "feature_lineage"], None),
    }
    out: dict[str, dict] = {}
    quarantined = None
    peak = _status_mb("VmHWM")  # generation, definitions and the warm-up
    for name, (assets, run_config) in stages.items():
        _reset_peak()
        rss_before = _status_mb("VmRSS")
        cpu = time.process_time()
        keys = [dg.AssetKey(a) for a in assets]
        result = run_range(defs, keys, DAY, DAY, instance, run_config)
        if not result.success:
            raise RuntimeError(f"{name} failed: {result.error}")
        if name == "raw_posts":
            quarantined = result.metadata["raw_posts"].get("quarantined_rows")
        out[name] = {
            "seconds": round(result.seconds, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "rows": result.rows.get(name),
            "rss_before_mb": round(rss_before, 1),
            "peak_rss_mb": round(_status_mb("VmHWM"), 1),
            "checks_failed": sorted(k for k, ok in result.checks.items() if not ok),
        }
        peak = max(peak, out[name]["peak_rss_mb"])
    return {
        "prices_warmup_seconds": round(warmup.seconds, 2),
        "quarantined_rows": quarantined,
        "stages": out,
        "peak_rss_mb": round(peak, 1),
        "runs": len(instance.get_run_records()),
    }


def run() -> dict:
    load_1m = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "home").mkdir()
        t = time.perf_counter()
        posts = day_of_posts(N_POSTS, DAY)  # here, so the child's memory is the pipeline's
        posts.write_parquet(tmp / POSTS_FILE)
        generated = {
            "posts": posts.height,
            "mb": round((tmp / POSTS_FILE).stat().st_size / 2**20, 1),
            "seconds": round(time.perf_counter() - t, 1),
        }
        del posts
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TFT_", "MLFLOW_"))},
            "TFT_DATA_DIR": str(tmp / "data"),
            "DAGSTER_HOME": str(tmp / "home"),
            "PYTHONWARNINGS": "ignore",
        }
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", d],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
        )
        wall = time.perf_counter() - t
        if proc.returncode:
            raise RuntimeError(f"load child failed: {proc.stderr.strip().splitlines()[-1:]}")
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    stages = child["stages"]
    for s in stages.values():
        s["posts_per_second"] = round(N_POSTS / s["seconds"])
    end_to_end = sum(s["seconds"] for s in stages.values())
    peak_gb = child["peak_rss_mb"] / 1024
    return {
        "posts": N_POSTS,
        "day": DAY.isoformat(),
        "tickers": N_TICKERS,
        "posts_file": generated,
        "prices_warmup_days": WARMUP_DAYS,
        "prices_warmup_seconds": child["prices_warmup_seconds"],
        "quarantined_rows": child["quarantined_rows"],
        "stages": stages,
        "end_to_end_seconds": round(end_to_end, 2),
        "end_to_end_posts_per_second": round(N_POSTS / end_to_end),
        "peak_rss_gb": round(peak_gb, 3),
        "child_wall_seconds": round(wall, 1),
        "dagster_runs": child["runs"],
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(load_1m, 2),
        "targets": {"end_to_end_seconds": TARGET_END_TO_END_S, "peak_rss_gb": TARGET_PEAK_RSS_GB},
        "met": {
            "end_to_end_seconds": end_to_end < TARGET_END_TO_END_S,
            "peak_rss_gb": peak_gb < TARGET_PEAK_RSS_GB,
        },
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(_child(Path(sys.argv[2])), default=str))
    else:
        print(json.dumps(run(), indent=2))

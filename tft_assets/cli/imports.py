"""``tft-trader import-posts FILE`` / ``import-prices FILE``: one-off archive loads into the lake.

Each file becomes one run of ``raw_posts`` (or ``raw_prices``) over the days it covers, through
the same asset code as every other run (validation, quarantine, author hashing), recorded in the
``DAGSTER_HOME`` instance.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    for kind in ("posts", "prices"):
        p = sub.add_parser(
            f"import-{kind}",
            help=f"load an archive {kind} file into the lake (partitioned by the rows' own dates)",
        )
        p.add_argument("file", type=Path)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.set_defaults(func=run, kind=kind)


def run(args: argparse.Namespace) -> int:
    import warnings

    import dagster as dg

    from tft_assets.cli.runner import dagster_instance, print_failed_checks, run_range
    from tft_assets.definitions import build_definitions
    from tft_assets.defs.ingestion.automation import ASSET_OF_KIND, inbox_run_config
    from tft_assets.defs.partitions import last_daily_partition
    from tft_assets.ingest.inbox import import_window
    from tft_assets.settings import load_settings

    warnings.filterwarnings("ignore", category=Warning, module="dagster")
    path: Path = args.file
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    settings = load_settings()
    last_day = last_daily_partition(settings.start_date)
    start, end = import_window(args.kind, path, settings.start_date, last_day)
    asset = ASSET_OF_KIND[args.kind]
    result = run_range(
        build_definitions(settings),
        [dg.AssetKey(asset)],
        start,
        end,
        dagster_instance(settings),
        inbox_run_config(args.kind, path),
    )
    if not result.success:
        raise RuntimeError(f"import of {path.name} failed: {result.error} (run {result.run_id})")
    meta = result.metadata[asset]
    summary = {
        "file": path.name,
        "asset": asset,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": meta.get("row_count"),
        "quarantined": meta.get("quarantined_rows"),
        "run_id": result.run_id,
    }
    summary["checks_failed"] = sorted(n for n, ok in result.checks.items() if not ok)
    summary["check_reasons"] = result.check_reasons
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{path.name}: {summary['rows']} rows into {asset} {start}..{end}, "
            f"{summary['quarantined']} quarantined, run {result.run_id[:8]}"
        )
        if summary["checks_failed"]:
            print(f"checks failed: {', '.join(summary['checks_failed'])}")
            print_failed_checks(result.check_reasons)
    return 0

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

    from tft_assets.definitions import build_definitions
    from tft_assets.defs.ingestion.automation import ASSET_OF_KIND, CONFIG_FIELD_OF_KIND
    from tft_assets.defs.runner import (
        check_evaluations,
        dagster_instance,
        failure_message,
        materialize_with_config,
    )
    from tft_assets.ingest.inbox import date_range
    from tft_assets.settings import load_settings

    warnings.filterwarnings("ignore", category=Warning, module="dagster")
    path: Path = args.file
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    window = date_range(args.kind, path)
    if window is None:
        raise ValueError(f"{path.name}: no dated rows to import")
    settings = load_settings()
    start, end = max(window[0], settings.start_date), window[1]
    if end < start:
        raise ValueError(
            f"{path.name} ends on {end}, before the first partition {settings.start_date} (TFT_START_DATE)"
        )
    asset = ASSET_OF_KIND[args.kind]
    run_config = {
        "ops": {asset: {"config": {CONFIG_FIELD_OF_KIND[args.kind]: [str(path.resolve())]}}}
    }
    result = materialize_with_config(
        build_definitions(settings), asset, start, end, run_config, dagster_instance()
    )
    if not result.success:
        raise RuntimeError(
            f"import of {path.name} failed: {failure_message(result)} (run {result.run_id})"
        )
    meta = {
        k: getattr(v, "value", v)
        for k, v in result.asset_materializations_for_node(asset)[0].metadata.items()
    }
    summary = {
        "file": path.name,
        "asset": asset,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": meta.get("row_count"),
        "quarantined": meta.get("quarantined_rows"),
        "run_id": result.run_id,
    }
    summary["checks_failed"] = sorted(
        n for n, c in check_evaluations(result).items() if not c.passed
    )
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{path.name}: {summary['rows']} rows into {asset} {start}..{end}, "
            f"{summary['quarantined']} quarantined, run {result.run_id[:8]}"
        )
        if summary["checks_failed"]:
            print(f"checks failed: {', '.join(summary['checks_failed'])}")
    return 0

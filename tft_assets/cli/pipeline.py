"""``tft-trader run``: the whole graph over a date range, on the configured sources or on imported
files, with the demo's progress bar and per-asset summary; and the machinery ``demo`` shares.

The usual real-data session::

    tft-trader import-prices prices.csv          # raw_prices over the days of the file
    tft-trader import-posts comments.csv.gz      # raw_posts over the days of the file
    tft-trader run --start 2020-11-02 --end 2021-01-29

``run`` materialises every asset downstream of ingestion, stage by stage (one run per stage, each
a single-run backfill): ``scored_posts`` from ``--warmup-days`` before ``--start`` (so that
50-session indicators are warm on the first feature day), ``labels`` up to the last day whose
outcome is known, one ``backtests`` partition at ``--end`` over the whole range. With
``--ingest`` it also fetches ``raw_posts`` and ``raw_prices`` from the configured sources
(``TFT_POSTS_SOURCE``, ``TFT_PRICES_SOURCE``) first; without it the raw partitions must already
be in the lake (imported), and a missing one fails the stage that needs it, naming it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from dataclasses import dataclass
from typing import Any

from tft_assets.cli.demo import DEFAULT_WARMUP_DAYS

RAW_ASSETS = ("raw_posts", "raw_prices")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    results: list  # StageResult per stage run
    planned: int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="materialise the whole graph over a date range (imported files or live sources)"
    )
    p.add_argument("--start", required=True, type=dt.date.fromisoformat, help="first feature day")
    p.add_argument("--end", required=True, type=dt.date.fromisoformat, help="last day")
    p.add_argument(
        "--warmup-days",
        type=int,
        default=DEFAULT_WARMUP_DAYS,
        help="score posts from this many calendar days before --start (default 120)",
    )
    p.add_argument(
        "--ingest",
        action="store_true",
        help="fetch raw_posts and raw_prices from the configured sources first",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def pipeline_ranges(
    start: dt.date, end: dt.date, warmup_days: int, horizon_days: int, ingest: bool
):
    """Per-asset ranges of ``run``: the demo's, with the raw assets left out unless ``ingest``."""
    from tft_assets.cli.demo import demo_ranges

    demo = demo_ranges(start, end, warmup_days, horizon_days)

    def range_of(asset: str) -> tuple[dt.date, dt.date] | None:
        if asset in RAW_ASSETS and not ingest:
            return None
        return demo(asset)

    return range_of


def run(args: argparse.Namespace) -> int:
    import warnings

    from tft_assets.calendar import trading_days
    from tft_assets.cli.demo import backtest_summary, walk_forward
    from tft_assets.settings import load_settings

    if args.end < args.start:
        raise ValueError(f"--end {args.end} is before --start {args.start}")
    warnings.filterwarnings("ignore", category=Warning, module="dagster")
    base = load_settings()
    first = args.start - dt.timedelta(days=args.warmup_days)
    if first < base.start_date:
        raise ValueError(
            f"--start {args.start} minus --warmup-days {args.warmup_days} is {first}, before the "
            f"first partition {base.start_date}: set TFT_START_DATE={first} (and import again) "
            "or lower --warmup-days"
        )
    settings = dataclasses.replace(
        base, backtest_window_sessions=len(trading_days(args.start, args.end))
    )
    range_of = pipeline_ranges(
        args.start, args.end, args.warmup_days, settings.horizon_days, args.ingest
    )
    outcome = execute(settings, args.start, args.end, range_of, "run", quiet=args.json)
    walk = walk_forward(settings, args.start, args.end, oracle=False) if outcome.ok else None
    backtest = backtest_summary(settings, args.end) if outcome.ok else None
    extra = {"posts_source": settings.posts_source, "prices_source": settings.prices_source}
    return report("run", settings, args.start, args.end, outcome, walk, backtest, extra, args.json)


def execute(settings, start: dt.date, end: dt.date, range_of, label: str, quiet: bool) -> Outcome:
    """Every stage of ``range_of`` in dependency order under a progress bar on stderr
    (``quiet``: the bar is cleared at the end); stops at the first failed stage."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tft_assets.cli.runner import dagster_instance, materialize_range, stages
    from tft_assets.definitions import build_definitions

    defs = build_definitions(settings)
    instance = dagster_instance(settings)
    plan = stages(defs, start, end, range_of)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=quiet,
    ) as progress:
        task = progress.add_task(f"{label} {start}..{end}", total=len(plan))

        def on_stage(stage):
            state = "ok" if stage.success else "FAILED"
            progress.update(task, advance=1, description=f"{', '.join(stage.assets)} {state}")

        results = materialize_range(defs, start, end, instance, on_stage, range_of)
    ok = all(r.success for r in results) and len(results) == len(plan)
    return Outcome(ok=ok, results=results, planned=len(plan))


def report(
    label: str,
    settings,
    start: dt.date,
    end: dt.date,
    outcome: Outcome,
    walk: dict | None,
    backtest: dict | None,
    extra: dict[str, Any],
    as_json: bool,
) -> int:
    """Print the summary (a table, or one JSON object); 1 when a stage failed, with why."""
    results = outcome.results
    summary = {
        "success": outcome.ok,
        "start": start.isoformat(),
        "end": end.isoformat(),
        **extra,
        "lake": settings.lake_url,
        "dagster_home": str(settings.instance_dir),
        "rows": {a: n for r in results for a, n in r.rows.items()},
        "checks_passed": sum(v for r in results for v in r.checks.values()),
        "checks_failed": sorted(k for r in results for k, v in r.checks.items() if not v),
        "check_reasons": {k: v for r in results for k, v in r.check_reasons.items()},
        "seconds": round(sum(r.seconds for r in results), 2),
        "runs": [r.run_id for r in results],
        "ranges": {a: [str(r.start), str(r.end)] for r in results for a in r.assets},
        "walk_forward": walk,
        "backtest": backtest,
    }
    if as_json:
        print(json.dumps(summary))
    else:
        _print_table(summary, results, settings)
    if not outcome.ok:
        failed = next((r for r in results if not r.success), None)
        why = f"{failed.error} (run {failed.run_id})" if failed else "no stage ran"
        print(f"tft-trader {label}: failed: {why}", file=sys.stderr)
        return 1
    return 0


def _print_table(summary: dict, results: list, settings) -> None:
    from tft_assets.cli.demo import backtest_line, walk_forward_line
    from tft_assets.cli.runner import print_failed_checks

    for r in results:
        for a in r.assets:
            print(
                f"{a:20s} {r.start}..{r.end} {r.rows.get(a, 0):>10,d} rows {r.seconds:7.1f}s  "
                f"run {r.run_id[:8]}"
            )
    failed = summary["checks_failed"]
    print(f"checks: {summary['checks_passed']} passed, {len(failed)} failed {failed or ''}")
    print_failed_checks(summary["check_reasons"])
    if summary["walk_forward"]:
        print(walk_forward_line(summary["walk_forward"]))
    if summary["backtest"]:
        print(backtest_line(summary["backtest"]))
    print(f"lake: {settings.lake_url}   open the UI with `make dev` (http://127.0.0.1:3000)")

"""Jobs, the nightly ingestion schedule and the archive inbox sensor."""

import datetime as dt
import json
from pathlib import Path

import dagster as dg

from tft_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, last_daily_partition
from tft_assets.ingest.inbox import import_window, scan_inbox

INGESTION_JOB = "ingestion_job"
MAX_REMEMBERED_FILES = 5000
ASSET_OF_KIND = {"posts": "raw_posts", "prices": "raw_prices"}
CONFIG_FIELD_OF_KIND = {"posts": "archive_files", "prices": "price_files"}


def inbox_run_config(kind: str, path: Path) -> dict:
    """Run config that makes the file's asset ingest ``path`` instead of its configured source."""
    asset = ASSET_OF_KIND[kind]
    return {"ops": {asset: {"config": {CONFIG_FIELD_OF_KIND[kind]: [str(path.resolve())]}}}}


def inbox_run_request(
    kind: str, path: Path, key: str, start: dt.date, end: dt.date
) -> dg.RunRequest:
    """One single-run backfill of the file's asset over the days the file covers."""
    asset = ASSET_OF_KIND[kind]
    return dg.RunRequest(
        run_key=key,
        asset_selection=[dg.AssetKey(asset)],
        tags={
            RANGE_START_TAG: start.isoformat(),
            RANGE_END_TAG: end.isoformat(),
            "tft/inbox_file": path.name,
        },
        run_config=inbox_run_config(kind, path),
    )


def build_ingestion_automation(
    inbox: Path, first_day: dt.date, live: bool
) -> tuple[list, list, list]:
    """(jobs, schedules, sensors) for ingestion. The schedule runs by default in live mode only."""
    job = dg.define_asset_job(
        INGESTION_JOB, selection=["raw_posts", "raw_prices"], tags={"tft/stage": "ingestion"}
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job,
        name="ingestion_nightly",
        description="After midnight New York time, ingest the previous calendar day (its close was at 16:00).",
        hour_of_day=0,
        minute_of_hour=30,
        default_status=dg.DefaultScheduleStatus.RUNNING
        if live
        else dg.DefaultScheduleStatus.STOPPED,
    )

    @dg.sensor(
        name="archive_inbox_sensor",
        target=["raw_posts", "raw_prices"],
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Launches one run per new archive file dropped into {inbox}/posts or {inbox}/prices "
        "(exactly once per file: the run key is the file's name, size and mtime).",
    )
    def archive_inbox_sensor(context: dg.SensorEvaluationContext):
        seen = json.loads(context.cursor) if context.cursor else []
        seen_set = set(seen)
        requests = []
        last_day = last_daily_partition(first_day)
        for item in scan_inbox(inbox):
            if item.key in seen_set:
                continue
            seen.append(item.key)
            seen_set.add(item.key)
            try:
                start, end = import_window(item.kind, item.path, first_day, last_day)
            except ValueError as exc:  # nothing to import
                context.log.warning(f"inbox file skipped: {exc}")
                continue
            except Exception as exc:  # a broken file must not stop the sensor: report, move on
                context.log.error(
                    f"inbox file {item.path.name} skipped: {type(exc).__name__}: {exc}"
                )
                continue
            requests.append(inbox_run_request(item.kind, item.path, item.key, start, end))
        context.update_cursor(json.dumps(seen[-MAX_REMEMBERED_FILES:]))
        if not requests:
            return dg.SkipReason(f"no new files in {inbox}")
        return requests

    return [job], [schedule], [archive_inbox_sensor]

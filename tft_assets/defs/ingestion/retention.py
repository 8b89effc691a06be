"""The retention job: deletes raw posts older than ``TFT_RETENTION_DAYS`` from the lake (and
their quarantine files) and records the deletion as an observation of ``raw_posts``."""

import datetime as dt

import dagster as dg
from pydantic import Field

from tft_assets.calendar import MARKET_TZ
from tft_assets.defs.resources import LakeResource
from tft_assets.ingest.retention import RETAINED_ASSETS, expired_partitions
from tft_assets.lake.storage import list_partitions, partition_path
from tft_assets.settings import MARKET_TIMEZONE

RETENTION_JOB = "retention_job"


class RetentionConfig(dg.Config):
    retention_days: int = Field(
        description="Keep raw posts for this many days (TFT_RETENTION_DAYS)."
    )
    today: str | None = Field(
        default=None, description="Reference day YYYY-MM-DD (default: today, New York)."
    )


def build_retention(retention_days: int, live: bool) -> tuple[list, list]:
    @dg.op(
        description="Delete expired raw_posts partitions and their quarantine files.",
        out=dg.Out(dg.Nothing),
    )
    def apply_retention(
        context: dg.OpExecutionContext, config: RetentionConfig, lake: LakeResource
    ) -> None:
        today = (
            dt.date.fromisoformat(config.today)
            if config.today
            else dt.datetime.now(MARKET_TZ).date()
        )
        for asset in RETAINED_ASSETS:
            keys = expired_partitions(
                list_partitions(lake.base_url, asset), today, config.retention_days
            )
            for key in keys:
                for base in (lake.base_url, lake.quarantine_url):
                    path = partition_path(base, asset, key)
                    if path.exists():
                        path.unlink()
            if keys:
                # Dagster's OSS event logs cannot wipe single partitions, so the deletion is
                # recorded as an observation on the asset (visible in its history in the UI).
                context.log_event(
                    dg.AssetObservation(
                        asset_key=asset,
                        metadata={
                            "retention_deleted_partitions": len(keys),
                            "retention_deleted_range": f"{keys[0]}..{keys[-1]}",
                            "retention_days": config.retention_days,
                        },
                    )
                )
            context.log.info(
                f"retention: deleted {len(keys)} {asset} partitions older than {config.retention_days} days"
            )

    @dg.job(
        name=RETENTION_JOB,
        description="Deletes raw posts (text, author hashes) older than the retention window.",
        config={"ops": {"apply_retention": {"config": {"retention_days": retention_days}}}},
        tags={"tft/stage": "retention"},
    )
    def retention_job():
        apply_retention()

    schedule = dg.ScheduleDefinition(
        name="retention_daily",
        job=retention_job,
        cron_schedule="0 3 * * *",
        execution_timezone=MARKET_TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING
        if live
        else dg.DefaultScheduleStatus.STOPPED,
        description="03:00 New York time: apply the raw-posts retention window.",
    )
    return [retention_job], [schedule]

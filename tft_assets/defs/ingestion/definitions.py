"""The ingestion area: ``raw_posts``, ``raw_prices``, their nightly schedule, the archive inbox
sensor and the retention job."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_ingestion_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.ingestion.assets import build_ingestion_assets
    from tft_assets.defs.ingestion.automation import build_ingestion_automation
    from tft_assets.defs.ingestion.retention import build_retention
    from tft_assets.defs.partitions import daily_partitions
    from tft_assets.sources.reddit import REDDIT_POOL
    from tft_assets.sources.yahoo import YAHOO_POOL

    # The live sources run in their pools (`reddit_api`, `yahoo_api`; limits in the instance
    # config), whatever the mode: concurrent runs share one API budget
    assets = build_ingestion_assets(
        daily_partitions(settings.start_date),
        posts_pool=REDDIT_POOL if settings.posts_source == "reddit" else None,
        prices_pool=YAHOO_POOL if settings.prices_source == "yahoo" else None,
    )
    jobs, schedules, sensors = build_ingestion_automation(
        settings.inbox_dir, settings.start_date, live=settings.live
    )
    retention_jobs, retention_schedules = build_retention(
        settings.retention_days, live=settings.live
    )
    return dg.Definitions(
        assets=assets,
        jobs=[*jobs, *retention_jobs],
        schedules=[*schedules, *retention_schedules],
        sensors=sensors,
    )

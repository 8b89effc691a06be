"""The code location. Loading this module is cheap; Dagster calls :func:`defs` to build it."""

from __future__ import annotations

import warnings

import dagster as dg

from tft_assets.settings import Settings, load_settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Every asset, check, job, schedule, sensor and resource for ``settings`` (env by default)."""
    from tft_assets.defs.environment import build_resources
    from tft_assets.defs.features.assets import build_feature_assets
    from tft_assets.defs.freshness import build_freshness
    from tft_assets.defs.ingestion.assets import build_ingestion_assets
    from tft_assets.defs.ingestion.automation import build_ingestion_automation
    from tft_assets.defs.ingestion.retention import build_retention
    from tft_assets.defs.partitions import daily_partitions
    from tft_assets.defs.scoring.assets import build_posts_assets
    from tft_assets.sources.reddit import REDDIT_POOL

    settings = settings or load_settings()
    with warnings.catch_warnings():
        # backfill_policy is marked beta; single-run backfills are a deliberate choice here.
        warnings.simplefilter("ignore", dg.BetaWarning)
        partitions = daily_partitions(settings.start_date)
        live = settings.posts_source == "reddit"
        assets = [
            # live Reddit: raw_posts runs in the `reddit_api` pool (limit in dagster.yaml)
            *build_ingestion_assets(partitions, posts_pool=REDDIT_POOL if live else None),
            *build_posts_assets(
                partitions,
                settings.min_quality,
                settings.watchlist,
                settings.universe_files,
                settings.bundled_listings,
            ),
            *build_feature_assets(partitions, settings.horizon_days),
        ]
        jobs, schedules, sensors = build_ingestion_automation(
            settings.inbox_dir, settings.start_date, live=live
        )
        retention_jobs, retention_schedules = build_retention(settings.retention_days, live=live)
        freshness_checks, freshness_sensors = build_freshness(live=live)
    return dg.Definitions(
        assets=assets,
        jobs=[*jobs, *retention_jobs],
        schedules=[*schedules, *retention_schedules],
        sensors=[*sensors, *freshness_sensors],
        asset_checks=freshness_checks,
        resources=build_resources(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()

"""Freshness SLAs: the latest completed daily partition must be materialised by a deadline.

Ingestion must have landed yesterday's partition by 02:00 New York time, features by 03:00.
They exist in live mode only (``TFT_MODE=live``), with the sensor that evaluates them running.
In historical mode (the demo world, imported archives) every partition is in the past, and a
freshness check would only report, on every backfill, that yesterday is not materialised:
freshness is not the question there, so the checks are not defined at all.
"""

import warnings

import dagster as dg

from tft_assets.settings import MARKET_TIMEZONE

FRESHNESS_SENSOR = "freshness_checks_sensor"
INGESTION_DEADLINE_CRON = "0 2 * * *"
FEATURES_DEADLINE_CRON = "0 3 * * *"


def build_freshness(live: bool) -> tuple[list, list]:
    if not live:
        return [], []
    # Dagster 1.13 marks these builders as superseded by FreshnessPolicy; the checks + sensor
    # pair is tested here and shows pass/fail per check in the UI, so keep it and keep the
    # console quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        checks = [
            *dg.build_time_partition_freshness_checks(
                assets=["raw_posts", "raw_prices"],
                deadline_cron=INGESTION_DEADLINE_CRON,
                timezone=MARKET_TIMEZONE,
            ),
            *dg.build_time_partition_freshness_checks(
                assets=["scored_posts", "feature_snapshots", "labels"],
                deadline_cron=FEATURES_DEADLINE_CRON,
                timezone=MARKET_TIMEZONE,
            ),
        ]
        sensor = dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name=FRESHNESS_SENSOR,
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
    return checks, [sensor]

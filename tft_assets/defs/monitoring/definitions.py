"""The monitoring area: freshness SLAs over the daily partitions, and their sensor."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_monitoring_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.monitoring.freshness import build_freshness

    checks, sensors = build_freshness(live=settings.live)
    return dg.Definitions(asset_checks=checks, sensors=sensors)

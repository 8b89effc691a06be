"""Daily partitions in America/New_York from the configured start date."""

import datetime as dt

import dagster as dg

from tft_assets.settings import MARKET_TIMEZONE


def daily_partitions(start: dt.date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(), timezone=MARKET_TIMEZONE, end_offset=0
    )

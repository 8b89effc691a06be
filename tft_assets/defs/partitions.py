"""Daily partitions in America/New_York from the configured start date."""

import datetime as dt

import dagster as dg

from tft_assets.settings import MARKET_TIMEZONE

# The run tags that make one run materialise a range of partitions (a single-run backfill).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def daily_partitions(start: dt.date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(), timezone=MARKET_TIMEZONE, end_offset=0
    )


def last_daily_partition(start: dt.date) -> dt.date | None:
    """The last daily partition now (the last complete New York day), or None if none yet."""
    key = daily_partitions(start).get_last_partition_key()
    return dt.date.fromisoformat(key) if key else None


def weekly_partitions(start: dt.date) -> dg.WeeklyPartitionsDefinition:
    """Weeks keyed by their Monday, from the first Monday on or after ``start``; the current
    week's partition exists from its Monday (``end_offset=1``), since a week's tuning reads
    only what was known before that Monday."""
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    return dg.WeeklyPartitionsDefinition(
        start_date=monday.isoformat(), day_offset=1, timezone=MARKET_TIMEZONE, end_offset=1
    )


def daily_asset_options(
    partitions: dg.PartitionsDefinition,
    group: str,
    owners: list[str],
    layer: str,
    domain: str,
    kinds: tuple[str, ...] = ("polars", "parquet"),
) -> dict:
    """Keyword arguments every daily asset shares: partitions, a single-run backfill policy
    (the work is vectorised over time), group, owners, tags and kinds."""
    return {
        "partitions_def": partitions,
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "group_name": group,
        "owners": owners,
        "tags": {"layer": layer, "domain": domain},
        "kinds": set(kinds),
    }

"""``raw_posts`` and ``raw_prices``: the lake's bronze layer, one Parquet file per day."""

import datetime as dt
from collections.abc import Iterator, Mapping

import dagster as dg
from pydantic import Field

from tft_assets.calendar import trading_days
from tft_assets.defs.ingestion import checks
from tft_assets.defs.metadata import counts_json, md_table
from tft_assets.defs.partitions import daily_asset_options
from tft_assets.defs.resources import (
    FilePricesResource,
    LakeResource,
    PostsResource,
    PricesResource,
    PrivacyResource,
)
from tft_assets.ingest import IngestResult, ingest_posts, ingest_prices
from tft_assets.ingest.posts import utc_window
from tft_assets.schemas import SOURCE_PRICES_SCHEMA, empty_frame, ground_truth_columns

INGESTION_GROUP = "ingestion"
OWNERS = ["team:data-platform"]


class RawPostsConfig(dg.Config):
    archive_files: list[str] = Field(
        default=[],
        description="Ingest these archive files (NDJSON[.zst], CSV, Parquet) instead of the configured "
        "posts source; rows without a timestamp, and rows dated before the first partition or after the last, "
        "go to the quarantine (used by import-posts and the inbox sensor).",
    )


class RawPricesConfig(dg.Config):
    price_files: list[str] = Field(
        default=[],
        description="Ingest every ticker of these OHLCV files instead of the configured prices source; "
        "undated bars, and bars dated before the first partition or after the last, go to the quarantine "
        "(used by import-prices and the inbox sensor).",
    )


def _run_metadata(
    result: IngestResult, notes: Mapping[str, str], quarantine_rows: Mapping[str, int]
) -> dict:
    keys = sorted(result.partitions)
    sample = next((f for f in result.partitions.values() if f.height), None)
    meta = {
        "partitions": f"{keys[0]} .. {keys[-1]}" if len(keys) > 1 else keys[0],
        "row_count": dg.MetadataValue.int(result.kept_rows),
        "quarantined_rows": dg.MetadataValue.int(result.quarantined_rows),
        "ingest_stats": counts_json(result.stats),
        "source_notes": counts_json(notes),
    }
    if len(keys) > 1:  # compact: this metadata is copied onto every partition's event
        meta["partitions_with_quarantined_rows"] = sum(1 for n in quarantine_rows.values() if n)
    if sample is not None:
        meta["preview"] = md_table(sample.drop(ground_truth_columns(sample)), max_rows=5)
    return meta


def _before_first(start, keys: list[str], first_key: str | None):
    """An import that fills the first partition reads the file from its beginning, so that the
    rows dated before that partition reach the quarantine with their reason; any other run
    reads its own window (``start``)."""
    if first_key is None or keys[0] != first_key:
        return start
    return start.replace(year=1, month=1, day=1)  # epochs go negative: 1970 is no beginning


def _after_last(last_key: str | None) -> dt.datetime | None:
    """The instant after which a post belongs to no partition yet (the end of the last
    partition's New York day): an import passes such rows on, and they reach the quarantine
    with their reason instead of staying behind in the file unnoticed."""
    return None if last_key is None else utc_window([last_key])[1]


def build_ingestion_assets(
    partitions: dg.PartitionsDefinition,
    posts_pool: str | None = None,
    prices_pool: str | None = None,
) -> list[dg.AssetsDefinition]:
    """The two ingestion assets on ``partitions`` (built here so the start date is configurable)."""
    first_key = partitions.get_first_partition_key()

    @dg.asset(
        **daily_asset_options(partitions, INGESTION_GROUP, OWNERS, "bronze", "posts"),
        check_specs=checks.RAW_POSTS_CHECKS,
        pool=posts_pool,
        description="Reddit submissions and comments by creation day (America/New_York); "
        "authors as HMAC hashes; invalid rows quarantined with a reason.",
    )
    def raw_posts(
        context: dg.AssetExecutionContext,
        config: RawPostsConfig,
        posts: PostsResource,
        lake: LakeResource,
        privacy: PrivacyResource,
    ) -> Iterator[dg.Output | dg.AssetCheckResult]:
        keys = list(context.partition_keys)
        start, end = utc_window(keys)
        last_key = partitions.get_last_partition_key()
        if config.archive_files:
            from tft_assets.sources.archive import ArchivePostsSource

            # an import: undated rows, and rows before the first partition or after the last,
            # go on to the quarantine
            archive = ArchivePostsSource(
                config.archive_files, keep_undated=True, keep_after=_after_last(last_key)
            )
            fetched = archive.fetch_posts(_before_first(start, keys, first_key), end)
        else:
            fetched = posts.fetch_posts(start, end)
        result = ingest_posts(
            fetched.frame,
            keys,
            author_salt=privacy.salt(context.log),
            first_partition=first_key,
            last_partition=last_key,
        )
        q_rows = lake.write_quarantine("raw_posts", result.quarantine)
        context.log.info(f"raw_posts {keys[0]}..{keys[-1]}: {result.stats}")
        yield dg.Output(result.partitions, metadata=_run_metadata(result, fetched.notes, q_rows))
        yield from checks.raw_posts_checks(result.partitions)

    @dg.asset(
        **daily_asset_options(partitions, INGESTION_GROUP, OWNERS, "bronze", "prices"),
        check_specs=checks.RAW_PRICES_CHECKS,
        pool=prices_pool,
        description="Daily OHLCV bars of the watchlist on NYSE sessions; non-trading days are "
        "empty partitions; invalid bars quarantined with a reason.",
    )
    def raw_prices(
        context: dg.AssetExecutionContext,
        config: RawPricesConfig,
        prices: PricesResource,
        lake: LakeResource,
    ) -> Iterator[dg.Output | dg.AssetCheckResult]:
        keys = list(context.partition_keys)
        days = [dt.date.fromisoformat(k) for k in keys]
        sessions = [d.isoformat() for d in trading_days(days[0], days[-1])]
        last_key = partitions.get_last_partition_key()
        fetched = None
        if config.price_files:
            # an import: every ticker of these files; undated rows, and rows before the first
            # partition or after the last, go on to the quarantine
            files = FilePricesResource(paths=config.price_files)
            fetched = files.fetch_prices(
                _before_first(days[0], keys, first_key),
                days[-1],
                after=dt.date.fromisoformat(last_key) if last_key else None,
            )
            prices = files
        elif sessions:
            fetched = prices.fetch_prices(days[0], days[-1])
        frame = fetched.frame if fetched is not None else empty_frame(SOURCE_PRICES_SCHEMA)
        result = ingest_prices(
            frame, keys, sessions, first_partition=first_key, last_partition=last_key
        )
        q_rows = lake.write_quarantine("raw_prices", result.quarantine)
        meta = _run_metadata(result, fetched.notes if fetched else {}, q_rows)
        non_sessions = sorted(set(keys) - set(sessions))
        meta["trading_days"] = len(sessions)
        meta["non_trading_days"] = len(non_sessions)
        if len(keys) == 1 and non_sessions:
            meta["note"] = f"{keys[0]} is not an NYSE trading day: empty partition by design"
        yield dg.Output(result.partitions, metadata=meta)
        yield from checks.raw_prices_checks(result.partitions, prices.watchlist(), set(sessions))

    return [raw_posts, raw_prices]

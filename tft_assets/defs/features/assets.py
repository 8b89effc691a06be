"""``feature_snapshots`` (+ ``feature_lineage``), ``feature_sequences`` and ``labels``.

History: indicators such as RSI/MACD/ATR are recursive from a ticker's first price, so a
snapshot reads the whole ``raw_prices`` history up to D from the lake (and the scored posts of the
same span) rather than a fixed partition window; that is what makes a single-day run and a range
run produce byte-identical partitions. The declared dependencies are the same-day partitions.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl

from tft_assets.calendar import shift_trading_days
from tft_assets.defs.features import checks
from tft_assets.defs.features.pictures import pictures_observation
from tft_assets.defs.metadata import md_table
from tft_assets.defs.partitions import daily_asset_options
from tft_assets.defs.resources import LakeResource
from tft_assets.features import (
    FEATURE_NAMES,
    FeatureConfig,
    LabelsNotReadyError,
    build_feature_snapshots,
    compute_labels_range,
    iter_sequences,
    window_calendar_days,
)
from tft_assets.schemas import SCORED_POSTS_SCHEMA

FEATURES_GROUP = "features"
OWNERS = ["team:quant-research"]
SCORED_COLUMNS = list(SCORED_POSTS_SCHEMA)


def _days(keys: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(k) for k in keys]


def build_feature_assets(partitions: dg.PartitionsDefinition, horizon_days: int) -> list:
    config = FeatureConfig()

    @dg.multi_asset(
        outs={
            "feature_snapshots": dg.AssetOut(
                description="One row per (ticker, trading day D): price features through D's close and "
                "sentiment features from quality posts created before D's 16:00 ET close; snapshot_id, "
                "feature_version, missing_pct, anomaly flags. Non-trading days are empty.",
                tags={"layer": "gold", "domain": "features"},
                kinds={"polars", "parquet"},
                owners=OWNERS,
                automation_condition=dg.AutomationCondition.eager(),
            ),
            "feature_lineage": dg.AssetOut(
                description="(snapshot_id, ticker, post_id): the quality posts that fed each snapshot row.",
                tags={"layer": "gold", "domain": "features"},
                kinds={"polars", "parquet"},
                owners=OWNERS,
            ),
        },
        deps=["raw_prices", "scored_posts"],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=FEATURES_GROUP,
        check_specs=checks.FEATURE_SNAPSHOT_CHECKS,
    )
    def feature_snapshots(context: dg.AssetExecutionContext, lake: LakeResource) -> Iterator:
        keys = list(context.partition_keys)
        prices = lake.read_range("raw_prices", None, keys[-1])
        posts = lake.read_range("scored_posts", None, keys[-1], columns=SCORED_COLUMNS)
        snaps = build_feature_snapshots(prices, posts if posts.width else None, _days(keys), config)
        frames = {d.isoformat(): s.frame for d, s in snaps.items()}
        lineage = {d.isoformat(): s.lineage for d, s in snaps.items()}
        last = snaps[_days(keys)[-1]]
        rows = sum(f.height for f in frames.values())
        meta = {
            "row_count": dg.MetadataValue.int(rows),
            "features": len(FEATURE_NAMES),
            "feature_version": last.feature_version,
            "trading_days": sum(1 for s in snaps.values() if s.is_trading_day),
            "history_price_rows": prices.height,
        }
        if len(keys) == 1:
            meta.update(
                {
                    k: v
                    for k, v in last.metadata().items()
                    if k
                    in (
                        "snapshot_id",
                        "content_checksum",
                        "input_checksum",
                        "mean_missing_pct",
                        "rows_with_anomalies",
                    )
                }
            )
            if last.frame.height:
                meta["preview"] = md_table(
                    last.frame.select("ticker", "date", *checks.PREVIEW_FEATURES), max_rows=10
                )
        pictures = pictures_observation(frames, prices)
        if pictures is not None:  # one event, not a copy per partition
            context.log_event(pictures)
            meta["pictures"] = f"observation of {pictures.partition}: {pictures.description}"
        yield dg.Output(frames, output_name="feature_snapshots", metadata=meta)
        yield dg.Output(
            lineage,
            output_name="feature_lineage",
            metadata={"row_count": dg.MetadataValue.int(sum(f.height for f in lineage.values()))},
        )
        yield from checks.feature_snapshot_checks(snaps)

    @dg.asset(
        **daily_asset_options(
            partitions,
            FEATURES_GROUP,
            OWNERS,
            "gold",
            "features",
            kinds=(
                "polars",
                "parquet",
                "numpy",
            ),
        ),
        deps=["feature_snapshots"],
        check_specs=checks.FEATURE_SEQUENCE_CHECKS,
        automation_condition=dg.AutomationCondition.eager(),
        description="Per ticker, the 30-session window of snapshot features ending at D, stored long "
        "(ticker, end_date, step, date, one Float32 column per feature); windows with more than 20% "
        "missing values are dropped and counted. `tft_assets.features.load_sequences` returns (X, index).",
    )
    def feature_sequences(context: dg.AssetExecutionContext, lake: LakeResource) -> Iterator:
        keys = list(context.partition_keys)
        days = _days(keys)
        first = (days[0] - dt.timedelta(days=window_calendar_days())).isoformat()
        history = lake.read_range("feature_snapshots", first, keys[-1])
        out, dropped, windows = {}, {}, 0
        for seq in iter_sequences(history, days) if history.height else ():
            out[seq.end_date.isoformat()] = seq.to_frame()
            dropped[seq.end_date.isoformat()] = seq.dropped
            windows += seq.X.shape[0]
        empty = next((f.clear() for f in out.values()), None)
        frames = {k: out.get(k, empty if empty is not None else pl.DataFrame()) for k in keys}
        meta = {
            "sequences": windows,
            "dropped_over_missing_limit": sum(dropped.values()),
            "row_count": dg.MetadataValue.int(sum(f.height for f in frames.values())),
        }
        yield dg.Output(frames, metadata=meta)
        yield from checks.feature_sequence_checks(frames)

    @dg.asset(
        **daily_asset_options(partitions, FEATURES_GROUP, OWNERS, "gold", "labels"),
        deps=["raw_prices"],
        check_specs=checks.LABEL_CHECKS,
        automation_condition=dg.AutomationCondition.eager(),
        description=f"Forward return from close D to close D+{horizon_days} sessions and its sign. A label "
        "is known only from D+h on: the partition fails with a clear message until prices of session "
        "D+h exist. A ticker without a bar at D+h while others have one (halted, delisted, or past the "
        "end of its imported file) gets a null fwd_return and label_up: its outcome is unknown, not "
        "zero; the metadata counts and names them (`unknown_outcomes`), and the models skip them. "
        "Rematerialise the partition when its prices arrive later.",
    )
    def labels(context: dg.AssetExecutionContext, lake: LakeResource) -> Iterator:
        keys = list(context.partition_keys)
        days = _days(keys)
        horizon_end = shift_trading_days(days[-1] + dt.timedelta(days=1), horizon_days)
        prices = lake.read_range("raw_prices", keys[0], horizon_end.isoformat())
        known = compute_labels_range(prices, days, horizon_days) if prices.height else {}
        missing = [d for d in days if d not in known]
        if missing:
            raise LabelsNotReadyError(
                f"labels of {missing[0]}{f' (+{len(missing) - 1} more days)' if len(missing) > 1 else ''} need "
                f"prices {horizon_days} sessions later, which are not in the lake yet"
            )
        frames = {d.isoformat(): known[d] for d in days}
        all_rows = pl.concat(list(frames.values()))  # keys, hence frames, are never empty
        meta = {
            "row_count": dg.MetadataValue.int(all_rows.height),
            "horizon_sessions": horizon_days,
            "share_up": round(float(all_rows["label_up"].mean()), 4) if all_rows.height else None,
            **_unknown_outcomes(all_rows),
        }
        yield dg.Output(frames, metadata=meta)
        yield from checks.label_checks(frames)

    return [feature_snapshots, feature_sequences, labels]


def _unknown_outcomes(rows: pl.DataFrame) -> dict:
    """How many labels have no outcome (no bar at D+h for that ticker), and whose."""
    unknown = rows.filter(pl.col("fwd_return").is_null())
    tickers = sorted(unknown["ticker"].unique().to_list()) if unknown.height else []
    return {
        "unknown_outcomes": dg.MetadataValue.int(unknown.height),
        "unknown_outcome_tickers": dg.MetadataValue.json(tickers[:50]),
    }

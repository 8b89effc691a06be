"""Signal notifications: each risk-validated signal confident enough is posted once to a webhook.

The sensor follows the materializations of ``risk_validated_signals`` in storage order; its
cursor is ``{"storage_id": <last materialization fully handled>}``. Every outcome is written to
the lake before the next signal is posted, so a restart, a re-materialized partition or a tick
that stops half-way never posts a signal twice:

    <lake>/notifications/delivered/<key>.parquet     signal_id, date, ticker, attempts, delivered_at
    <lake>/notifications/undelivered/<key>.parquet   signal_id, date, ticker, payload, error,
                                                     attempts, failed_at

A signal in either table is never posted again (an undelivered message stays in the lake, with
its payload, for a person to resend). The webhook URL is read from the environment on each tick
and is never stored or logged.
"""

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import polars as pl

from tft_assets.defs.resources import LakeResource
from tft_assets.lake.storage import atomic_write_parquet, partition_path, read_partition
from tft_assets.monitoring.webhook import DeliveryResult, post_json, signal_message

SIGNAL_NOTIFICATIONS_SENSOR = "signal_notifications_sensor"
SIGNALS_ASSET = "risk_validated_signals"
DELIVERED_TABLE = "notifications/delivered"
UNDELIVERED_TABLE = "notifications/undelivered"
#: Materialization events read per tick; the rest wait for the next tick.
EVENTS_PER_TICK = 50
#: A tick stops taking new signals after this long, so that it ends within Dagster's 60 s
#: sensor evaluation limit even when the last delivery spends its whole retry budget.
TICK_BUDGET_S = 30.0

DELIVERED_SCHEMA = {
    "signal_id": pl.String,
    "date": pl.Date,
    "ticker": pl.String,
    "attempts": pl.Int64,
    "delivered_at": pl.Datetime("us", "UTC"),
}
UNDELIVERED_SCHEMA = {
    "signal_id": pl.String,
    "date": pl.Date,
    "ticker": pl.String,
    "payload": pl.String,
    "error": pl.String,
    "attempts": pl.Int64,
    "failed_at": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class PartitionOutcome:
    """What one pass over a partition did. ``complete`` is False when the tick's time ran out
    before every signal of the partition was handled."""

    delivered: int = 0
    undelivered: int = 0
    already_handled: int = 0
    below_confidence: int = 0
    complete: bool = True


def cursor_storage_id(cursor: str | None) -> int | None:
    """The storage id saved in the sensor cursor (None before the first event)."""
    if not cursor:
        return None
    return int(json.loads(cursor)["storage_id"])


def cursor_for(storage_id: int) -> str:
    return json.dumps({"storage_id": storage_id})


def _read_log(lake: LakeResource, table: str, key: str, schema: dict) -> pl.DataFrame:
    path = partition_path(lake.base_url, table, key)
    if not path.exists():
        return pl.DataFrame(schema=schema)
    return read_partition(path)


def handled_signal_ids(lake: LakeResource, key: str) -> set[str]:
    """Signals of partition ``key`` already delivered or given up on."""
    ids: set[str] = set()
    for table, schema in (
        (DELIVERED_TABLE, DELIVERED_SCHEMA),
        (UNDELIVERED_TABLE, UNDELIVERED_SCHEMA),
    ):
        ids.update(_read_log(lake, table, key, schema).get_column("signal_id").to_list())
    return ids


def append_log(lake: LakeResource, table: str, key: str, rows: list[dict], schema: dict) -> None:
    """Merge ``rows`` into the log file of partition ``key`` (first row per signal_id wins) and
    rewrite it atomically."""
    new = pl.DataFrame(rows, schema=schema)
    merged = pl.concat([_read_log(lake, table, key, schema), new], how="diagonal_relaxed")
    merged = merged.unique(subset="signal_id", keep="first", maintain_order=True)
    atomic_write_parquet(merged, partition_path(lake.base_url, table, key))


def record_outcome(
    lake: LakeResource, key: str, row: dict, payload: dict, result: DeliveryResult
) -> None:
    """Write one delivery outcome to the delivered or the undelivered table of ``key``."""
    now = dt.datetime.now(dt.UTC)
    base = {
        "signal_id": str(row["signal_id"]),
        "date": row.get("date"),
        "ticker": row.get("ticker"),
        "attempts": result.attempts,
    }
    if result.delivered:
        append_log(lake, DELIVERED_TABLE, key, [{**base, "delivered_at": now}], DELIVERED_SCHEMA)
    else:
        failed = {**base, "payload": json.dumps(payload), "error": result.error, "failed_at": now}
        append_log(lake, UNDELIVERED_TABLE, key, [failed], UNDELIVERED_SCHEMA)


def notify_partition(
    lake: LakeResource,
    key: str,
    post: Callable[[dict], DeliveryResult],
    *,
    min_confidence: float,
    deadline: float,
) -> PartitionOutcome:
    """Post every signal of partition ``key`` with ``confidence >= min_confidence`` that neither
    log table holds yet, recording each outcome before the next post. Stops early (``complete``
    False) once ``time.monotonic()`` passes ``deadline``, after at least one post."""
    signals = lake.read_range(SIGNALS_ASSET, key, key)
    if signals.is_empty():
        return PartitionOutcome()
    confident = signals.filter(pl.col("confidence") >= min_confidence)
    below = signals.height - confident.height
    handled = handled_signal_ids(lake, key)
    pending = [r for r in confident.iter_rows(named=True) if str(r["signal_id"]) not in handled]
    delivered = undelivered = 0
    for i, row in enumerate(pending):
        if i and time.monotonic() > deadline:
            return PartitionOutcome(
                delivered, undelivered, confident.height - len(pending), below, complete=False
            )
        payload = signal_message(row)
        result = post(payload)
        record_outcome(lake, key, row, payload, result)
        delivered += result.delivered
        undelivered += not result.delivered
    return PartitionOutcome(delivered, undelivered, confident.height - len(pending), below)


def build_signal_notification_sensor(
    *,
    url_env: str = "TFT_SIGNAL_WEBHOOK_URL",
    min_confidence: float = 0.7,
    attempts: int = 4,
    backoff_s: float = 0.5,
    live: bool = False,
) -> dg.SensorDefinition:
    """The sensor posting each new confident signal once to the webhook named by ``url_env``.
    It runs by default in live mode only (in the demo, signals are historical)."""
    assert 0.0 <= min_confidence <= 1.0, "min_confidence is a probability"

    @dg.sensor(
        name=SIGNAL_NOTIFICATIONS_SENSOR,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING if live else dg.DefaultSensorStatus.STOPPED,
        description=f"Posts each {SIGNALS_ASSET} signal with confidence >= {min_confidence} once "
        f"to the webhook in ${url_env} (Slack-compatible JSON, {attempts} attempts with "
        "backoff); outcomes are kept in the lake under notifications/delivered and "
        "notifications/undelivered.",
    )
    def signal_notifications_sensor(context: dg.SensorEvaluationContext, lake: LakeResource):
        after = cursor_storage_id(context.cursor)
        url = os.environ.get(url_env)
        if not url:
            return dg.SkipReason(
                f"{url_env} is not set: no signal notifications are sent; the cursor stays "
                f"at {context.cursor or 'the first materialization'} until it is"
            )

        def post(payload: dict) -> DeliveryResult:
            return post_json(url, payload, attempts=attempts, backoff_s=backoff_s)

        events = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(SIGNALS_ASSET), after_storage_id=after),
            limit=EVENTS_PER_TICK,
            ascending=True,
        )
        deadline = time.monotonic() + TICK_BUDGET_S
        totals = {"events": 0, "delivered": 0, "undelivered": 0, "already": 0, "below": 0}
        for record in events.records:
            if totals["events"] and time.monotonic() > deadline:
                break  # the rest waits for the next tick
            key = record.partition_key
            if key is not None:
                outcome = notify_partition(
                    lake, key, post, min_confidence=min_confidence, deadline=deadline
                )
                totals["delivered"] += outcome.delivered
                totals["undelivered"] += outcome.undelivered
                totals["already"] += outcome.already_handled
                totals["below"] += outcome.below_confidence
                if not outcome.complete:
                    break  # this event resumes on the next tick; its handled signals are logged
            context.update_cursor(cursor_for(record.storage_id))
            totals["events"] += 1
        message = (
            f"{totals['events']} {SIGNALS_ASSET} materializations handled: "
            f"{totals['delivered']} signals delivered, {totals['undelivered']} undelivered, "
            f"{totals['already']} already handled, {totals['below']} below confidence "
            f"{min_confidence}"
        )
        if totals["undelivered"]:
            context.log.warning(message)
        else:
            context.log.info(message)
        return dg.SkipReason(message)

    return signal_notifications_sensor

"""The signal notification sensor against a temporary Dagster instance, a temporary lake and a
real HTTP receiver: confident signals are posted exactly once across restarts, crashes and
re-materializations; failures are kept in the lake; no URL, no tick."""

import datetime as dt
import json

import dagster as dg
import polars as pl
import pytest

from tft_assets.defs.resources import LakeResource
from tft_assets.defs.signals import notifications
from tft_assets.defs.signals.notifications import (
    DELIVERED_TABLE,
    SIGNAL_NOTIFICATIONS_SENSOR,
    SIGNALS_ASSET,
    UNDELIVERED_TABLE,
    build_signal_notification_sensor,
)
from tft_assets.lake.storage import atomic_write_parquet, partition_path, read_partition
from tft_assets_tests.monitoring.test_webhook import PROXY_VARS, WebhookReceiver

URL_ENV = "TFT_SIGNAL_WEBHOOK_URL"
KEY = "2024-03-05"


def signals_frame(key: str, rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """A ``risk_validated_signals`` partition: (ticker, direction, confidence) per signal."""
    day = dt.date.fromisoformat(key)
    return pl.DataFrame(
        {
            "signal_id": [f"{key}-{t}-{d}" for t, d, _ in rows],
            "date": [day] * len(rows),
            "ticker": [t for t, _, _ in rows],
            "direction": [d for _, d, _ in rows],
            "confidence": [c for _, _, c in rows],
            "entry": [100.0] * len(rows),
            "stop_loss": [95.0] * len(rows),
            "take_profit": [110.0] * len(rows),
            "position_fraction": [0.05] * len(rows),
            "model_version": ["abc123"] * len(rows),
            "snapshot_id": ["snap-1"] * len(rows),
        },
        schema_overrides={"date": pl.Date},
    )


DEFAULT_ROWS = [("NVDA", "long", 0.9), ("TSLA", "short", 0.75), ("AAPL", "long", 0.55)]


class World:
    """A temporary lake, a Dagster instance, a receiver and the sensor under test."""

    def __init__(self, tmp_path, instance, receiver: WebhookReceiver) -> None:
        self.lake = str(tmp_path / "lake")
        self.instance = instance
        self.receiver = receiver
        self.sensor = build_signal_notification_sensor(backoff_s=0.0)

    def materialize(self, key: str = KEY, rows: list | None = None) -> None:
        """Write the partition as the IO manager does, then record its materialization."""
        frame = signals_frame(key, DEFAULT_ROWS if rows is None else rows)
        atomic_write_parquet(frame, partition_path(self.lake, SIGNALS_ASSET, key))
        self.instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=SIGNALS_ASSET, partition=key)
        )

    def tick(self, cursor: str | None, sensor: dg.SensorDefinition | None = None):
        """One evaluation from a fresh context built from the saved cursor string."""
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=cursor,
            resources={"lake": LakeResource(base_url=self.lake)},
        )
        result = (sensor or self.sensor)(context)
        return result, context.cursor

    def posted(self) -> list[str]:
        return [b["text"].split(" p=")[0] for b in self.receiver.bodies]

    def log(self, table: str, key: str = KEY) -> pl.DataFrame:
        return read_partition(partition_path(self.lake, table, key))

    def latest_storage_id(self) -> int:
        records = self.instance.fetch_materializations(dg.AssetKey(SIGNALS_ASSET), limit=1)
        return records.records[0].storage_id


@pytest.fixture
def world(tmp_path, instance, monkeypatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    receiver = WebhookReceiver().start()
    monkeypatch.setenv(URL_ENV, receiver.url)
    yield World(tmp_path, instance, receiver)
    receiver.stop()


def test_the_sensor_definition() -> None:
    stopped = build_signal_notification_sensor()
    assert stopped.name == SIGNAL_NOTIFICATIONS_SENSOR
    assert stopped.default_status == dg.DefaultSensorStatus.STOPPED
    assert stopped.minimum_interval_seconds == 60
    assert "lake" in stopped.required_resource_keys
    live = build_signal_notification_sensor(live=True)
    assert live.default_status == dg.DefaultSensorStatus.RUNNING
    defs = dg.Definitions(sensors=[live], resources={"lake": LakeResource(base_url="/tmp/x")})
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_sensor_def(SIGNAL_NOTIFICATIONS_SENSOR).name == SIGNAL_NOTIFICATIONS_SENSOR


def test_confident_signals_are_posted_once_and_a_restart_posts_nothing(world: World) -> None:
    world.materialize()
    result, cursor = world.tick(None)
    assert isinstance(result, dg.SkipReason)
    assert "2 signals delivered, 0 undelivered" in result.skip_message
    assert "1 below confidence 0.7" in result.skip_message
    assert sorted(world.posted()) == ["LONG NVDA", "SHORT TSLA"]  # AAPL (0.55) is not posted
    assert json.loads(cursor) == {"storage_id": world.latest_storage_id()}

    delivered = world.log(DELIVERED_TABLE)
    assert sorted(delivered["ticker"].to_list()) == ["NVDA", "TSLA"]
    assert delivered["attempts"].to_list() == [1, 1]
    assert delivered.schema["delivered_at"] == pl.Datetime("us", "UTC")
    assert delivered["date"].to_list() == [dt.date(2024, 3, 5)] * 2

    restarted, cursor_after = world.tick(cursor)  # a new context from the saved cursor string
    assert len(world.receiver.bodies) == 2
    assert cursor_after == cursor
    assert restarted.skip_message.startswith("0 risk_validated_signals materializations handled")


def test_a_lost_cursor_after_posting_does_not_post_again(world: World) -> None:
    """A crash after the posts but before the cursor was saved: the next tick starts from the
    old cursor and finds every signal in the delivered log."""
    world.materialize()
    world.tick(None)
    result, cursor = world.tick(None)
    assert len(world.receiver.bodies) == 2
    assert (
        "0 signals delivered" in result.skip_message and "2 already handled" in result.skip_message
    )
    assert json.loads(cursor) == {"storage_id": world.latest_storage_id()}


def test_a_rematerialized_partition_posts_only_new_signals(world: World) -> None:
    world.materialize()
    _, cursor = world.tick(None)
    world.materialize()  # same signals, new event
    _, cursor = world.tick(cursor)
    assert len(world.receiver.bodies) == 2
    assert json.loads(cursor) == {"storage_id": world.latest_storage_id()}

    world.materialize(rows=[*DEFAULT_ROWS, ("MSFT", "long", 0.8)])  # one more signal
    result, cursor = world.tick(cursor)
    assert world.posted()[2:] == ["LONG MSFT"]
    assert "1 signals delivered" in result.skip_message
    assert world.log(DELIVERED_TABLE).height == 3


def test_partitions_are_notified_in_materialization_order(world: World) -> None:
    world.materialize("2024-03-06", [("AMD", "long", 0.8)])
    world.materialize("2024-03-05", [("NVDA", "short", 0.95)])
    world.tick(None)
    assert world.posted() == ["LONG AMD", "SHORT NVDA"]
    assert world.log(DELIVERED_TABLE, "2024-03-06")["ticker"].to_list() == ["AMD"]
    assert world.log(DELIVERED_TABLE, "2024-03-05")["ticker"].to_list() == ["NVDA"]


def test_a_failing_receiver_leaves_undelivered_messages_in_the_lake(world: World) -> None:
    world.receiver.always_fail = True
    world.materialize()
    result, cursor = world.tick(None)  # no exception
    assert "0 signals delivered, 2 undelivered" in result.skip_message
    assert len(world.receiver.bodies) == 8  # 2 signals x 4 attempts
    undelivered = world.log(UNDELIVERED_TABLE)
    assert undelivered["error"].to_list() == ["HTTP 503 after 4 attempts"] * 2
    assert undelivered["attempts"].to_list() == [4, 4]
    payloads = [json.loads(p) for p in undelivered["payload"]]
    assert sorted(p["text"].split(" p=")[0] for p in payloads) == ["LONG NVDA", "SHORT TSLA"]
    assert not partition_path(world.lake, DELIVERED_TABLE, KEY).exists()
    assert json.loads(cursor) == {"storage_id": world.latest_storage_id()}

    world.receiver.always_fail = False
    world.materialize()  # a re-materialization does not resend what was given up on
    world.tick(cursor)
    assert len(world.receiver.bodies) == 8


def test_a_flaky_receiver_is_retried_and_the_attempts_are_logged(world: World) -> None:
    world.receiver.fail_first = 2
    world.materialize(rows=[("NVDA", "long", 0.9)])
    world.tick(None)
    assert world.log(DELIVERED_TABLE)["attempts"].to_list() == [3]


def test_the_url_is_neither_in_the_lake_nor_in_the_tick_result(world: World) -> None:
    world.receiver.always_fail = True
    world.materialize()
    result, cursor = world.tick(None)
    url = world.receiver.url
    token = url.rsplit("/", 1)[-1]
    for text in (result.skip_message, cursor):
        assert url not in text and token not in text
    undelivered = world.log(UNDELIVERED_TABLE)
    assert not any(token in str(v) for row in undelivered.iter_rows() for v in row)


def test_without_the_url_the_sensor_skips_and_keeps_its_cursor(world: World, monkeypatch) -> None:
    world.materialize()
    monkeypatch.delenv(URL_ENV)
    saved = json.dumps({"storage_id": 0})
    result, cursor = world.tick(saved)
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message.startswith("TFT_SIGNAL_WEBHOOK_URL is not set: ")
    assert cursor == saved
    assert world.receiver.bodies == []

    monkeypatch.setenv(URL_ENV, world.receiver.url)  # once set, the waiting signals go out
    world.tick(cursor)
    assert len(world.receiver.bodies) == 2


def test_a_tick_out_of_time_resumes_the_same_partition_next_tick(world: World, monkeypatch) -> None:
    monkeypatch.setattr(notifications, "TICK_BUDGET_S", 0.0)
    world.materialize()
    world.materialize("2024-03-06", [("AMD", "long", 0.8)])
    _, cursor = world.tick(None)
    assert len(world.receiver.bodies) == 1 and cursor is None  # partition not done yet
    _, cursor = world.tick(cursor)
    assert len(world.receiver.bodies) == 2
    first_event = json.loads(cursor)["storage_id"]
    assert first_event < world.latest_storage_id()
    _, cursor = world.tick(cursor)
    assert world.posted() == ["LONG NVDA", "SHORT TSLA", "LONG AMD"]
    assert json.loads(cursor) == {"storage_id": world.latest_storage_id()}


def test_the_confidence_threshold_is_inclusive(world: World) -> None:
    sensor = build_signal_notification_sensor(min_confidence=0.75, backoff_s=0.0)
    world.materialize()
    world.tick(None, sensor)
    assert sorted(world.posted()) == ["LONG NVDA", "SHORT TSLA"]

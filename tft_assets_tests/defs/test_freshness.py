import dataclasses

import dagster as dg

from tft_assets.cli.runner import check_evaluations
from tft_assets.definitions import build_definitions
from tft_assets.defs.monitoring.freshness import FRESHNESS_SENSOR
from tft_assets_tests.conftest import materialize


def _covered(defs: dg.Definitions) -> set[str]:
    return {
        key.asset_key.to_user_string() for check in defs.asset_checks for key in check.check_keys
    }


def test_freshness_checks_cover_the_daily_assets_in_live_mode_only(settings):
    live = build_definitions(dataclasses.replace(settings, mode="live", posts_source="reddit"))
    assert _covered(live) == {
        "raw_posts", "raw_prices", "scored_posts", "feature_snapshots", "labels"
    }  # fmt: skip
    assert live.get_sensor_def(FRESHNESS_SENSOR).default_status == dg.DefaultSensorStatus.RUNNING
    # historical partitions (demo world, archives): a backfill raises no freshness question
    historical = build_definitions(settings)
    assert _covered(historical) == set()
    assert FRESHNESS_SENSOR not in {s.name for s in historical.sensors or []}


def test_freshness_check_fails_when_the_latest_partition_is_missing(settings, instance):
    defs = build_definitions(dataclasses.replace(settings, mode="live"))
    assert materialize(
        defs, ["raw_prices"], "2024-03-05", None, instance
    ).success  # an old day only
    keys = [
        k
        for c in defs.asset_checks
        for k in c.check_keys
        if k.asset_key == dg.AssetKey("raw_prices")
    ]
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=dg.AssetSelection.checks(*keys),
        resources=dict(defs.resources),
        instance=instance,
    )
    [evaluation] = check_evaluations(result).values()
    assert evaluation.passed is False  # the partition of the last completed day is not materialised

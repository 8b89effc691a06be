"""Single-run backfills: a range of N daily partitions of ingestion -> features is one run per
stage, counted from the instance's run records, and every partition of every asset is
materialised (the code path of ``tft-trader demo`` / ``run`` and ``benchmarks/bench_backfill.py``)."""

import datetime as dt
from collections import Counter

import dagster as dg
import pytest

from tft_assets.cli.demo import demo_ranges
from tft_assets.cli.runner import materialize_range, stages
from tft_assets.definitions import build_definitions
from tft_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG

START, END = dt.date(2023, 2, 6), dt.date(2023, 2, 17)  # 12 partitions, 10 sessions
BACKFILL_ASSETS = (
    "raw_posts",
    "raw_prices",
    "scored_posts",
    "labels",
    "feature_snapshots",
    "feature_lineage",
    "feature_sequences",
)
#: Stage (one run each) -> its assets; labels end 5 sessions before END, so they run apart.
EXPECTED_STAGES = [
    ("raw_posts", "raw_prices"),
    ("labels",),
    ("scored_posts",),
    ("feature_lineage", "feature_snapshots"),
    ("feature_sequences",),
]


def _range_of(horizon_days: int):
    demo = demo_ranges(START, END, 0, horizon_days)
    return lambda asset: demo(asset) if asset in BACKFILL_ASSETS else None


def _keys(first: dt.date, last: dt.date) -> set[str]:
    return {(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}


@pytest.mark.parametrize("asset", BACKFILL_ASSETS)
def test_backfilled_assets_have_a_single_run_policy(settings, asset):
    node = build_definitions(settings).resolve_asset_graph().get(dg.AssetKey(asset))
    assert node.backfill_policy == dg.BackfillPolicy.single_run()


def test_a_range_backfill_is_one_run_per_stage_and_fills_every_partition(settings, instance):
    defs = build_definitions(settings)
    range_of = _range_of(settings.horizon_days)
    plan = stages(defs, START, END, range_of)
    assert [s.keys for s in plan] == [
        tuple(dg.AssetKey(a) for a in stage) for stage in EXPECTED_STAGES
    ]

    results = materialize_range(defs, START, END, instance, range_of=range_of)
    assert [r.success for r in results] == [True] * len(EXPECTED_STAGES), [r.error for r in results]

    records = sorted(instance.get_run_records(), key=lambda r: r.create_timestamp)
    assert len(records) == len(EXPECTED_STAGES)
    for record, stage in zip(records, plan, strict=True):
        run = record.dagster_run
        assert run.is_success
        assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == (
            stage.start.isoformat(),
            stage.end.isoformat(),
        )
        keys = _keys(stage.start, stage.end)
        written: Counter[str] = Counter()
        for entry in instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ):
            mat = entry.asset_materialization
            assert mat.partition in keys
            written[mat.asset_key.to_user_string()] += 1
        # the run itself materialised every partition of its range, once, for each of its assets
        assert written == {k.to_user_string(): len(keys) for k in stage.keys}

    labels_end = plan[1].end
    assert labels_end < END
    for asset in BACKFILL_ASSETS:
        last = labels_end if asset == "labels" else END
        assert instance.get_materialized_partitions(dg.AssetKey(asset)) == _keys(START, last)

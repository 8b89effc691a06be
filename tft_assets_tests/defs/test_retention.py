import datetime as dt

import dagster as dg
import pytest

from tft_assets.definitions import build_definitions
from tft_assets.ingest.retention import expired_partitions
from tft_assets.lake.storage import list_partitions
from tft_assets_tests.conftest import materialize


@pytest.mark.parametrize(
    ("keys", "today", "days", "expected"),
    [
        (
            ["2024-01-01", "2024-03-31", "2024-04-01"],
            dt.date(2024, 6, 30),
            90,
            ["2024-01-01", "2024-03-31"],
        ),
        (["2024-06-29"], dt.date(2024, 6, 30), 1, []),
        ([], dt.date(2024, 6, 30), 90, []),
    ],
)
def test_expired_partitions(keys, today, days, expected):
    assert expired_partitions(keys, today, days) == expected


def test_retention_window_must_be_positive():
    with pytest.raises(ValueError):
        expired_partitions(["2024-01-01"], dt.date(2024, 1, 2), 0)


def test_retention_job_deletes_old_raw_posts_only(settings, instance):
    defs = build_definitions(settings)
    assert materialize(
        defs, ["raw_posts", "scored_posts"], "2024-03-01", "2024-03-06", instance
    ).success
    job = defs.get_job_def("retention_job")
    result = job.execute_in_process(
        instance=instance,
        resources=dict(defs.resources),
        run_config={
            "ops": {"apply_retention": {"config": {"retention_days": 90, "today": "2024-06-02"}}}
        },
    )
    assert result.success
    # cutoff 2024-03-04: the three earlier days are gone, the rest and every scored partition stay
    assert list_partitions(settings.lake_url, "raw_posts") == [
        "2024-03-04",
        "2024-03-05",
        "2024-03-06",
    ]
    assert len(list_partitions(settings.lake_url, "scored_posts")) == 6
    [obs] = [e for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"]
    meta = obs.event_specific_data.asset_observation.metadata
    assert meta["retention_deleted_range"].value == "2024-03-01..2024-03-03"
    assert obs.event_specific_data.asset_observation.asset_key == dg.AssetKey("raw_posts")

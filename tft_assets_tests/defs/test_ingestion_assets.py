"""Materialise the ingestion assets into a temporary lake and read them back."""

import hashlib

import polars as pl

from tft_assets.definitions import build_definitions
from tft_assets.lake.storage import list_partitions, partition_path, read_partitions
from tft_assets.schemas import RAW_POSTS_SCHEMA, RAW_PRICES_SCHEMA
from tft_assets_tests.conftest import check_results, materialize


def test_single_partition_roundtrip(settings, instance):
    defs = build_definitions(settings)
    res = materialize(defs, ["raw_posts", "raw_prices"], "2024-03-05", None, instance)
    assert res.success
    posts = read_partitions(settings.lake_url, "raw_posts", ["2024-03-05"])
    prices = read_partitions(settings.lake_url, "raw_prices", ["2024-03-05"])
    assert posts.height > 50 and prices.height == 5
    assert {c: posts.schema[c] for c in RAW_POSTS_SCHEMA} == RAW_POSTS_SCHEMA
    assert "author" not in posts.columns
    assert {c: prices.schema[c] for c in RAW_PRICES_SCHEMA} == RAW_PRICES_SCHEMA
    checks = check_results(res)
    assert checks and all(checks.values()), checks
    # planted defects of the demo world reached the quarantine with reasons, nothing was lost
    q = pl.read_parquet(
        str(partition_path(f"{settings.lake_url}/quarantine", "raw_posts", "2024-03-05"))
    )
    assert q.height > 0 and q.get_column("reason").null_count() == 0
    mat = res.asset_materializations_for_node("raw_posts")[0]
    stats = mat.metadata["ingest_stats"].value
    assert (
        stats["rows_in"]
        == stats["rows_kept"] + stats["rows_quarantined"]
        == posts.height + q.height
    )


def test_single_run_backfill_of_30_days_writes_one_file_per_day(settings, instance):
    defs = build_definitions(settings)
    res = materialize(defs, ["raw_posts", "raw_prices"], "2024-02-01", "2024-03-01", instance)
    assert res.success
    # one run for the whole range: the instance holds one run, and it wrote all 30 partitions
    assert [r.run_id for r in instance.get_runs()] == [res.run_id]
    written = {m.partition for m in res.asset_materializations_for_node("raw_posts")}
    assert len(written) == 30
    posts_keys = list_partitions(settings.lake_url, "raw_posts")
    price_keys = list_partitions(settings.lake_url, "raw_prices")
    assert len(posts_keys) == len(price_keys) == 30
    prices = read_partitions(settings.lake_url, "raw_prices", price_keys)
    weekend = read_partitions(settings.lake_url, "raw_prices", ["2024-02-03"])
    assert weekend.height == 0 and weekend.columns  # empty, but typed
    # NYSE sessions: 20 in Feb 2024 (Presidents' Day closed) + Fri 1 Mar
    assert prices.get_column("date").n_unique() == 21
    # each post sits in the partition of its New York calendar day
    for key in ("2024-02-10", "2024-02-20"):
        frame = read_partitions(settings.lake_url, "raw_posts", [key])
        local = (
            frame.get_column("created_utc")
            .dt.convert_time_zone("America/New_York")
            .dt.date()
            .cast(pl.String)
        )
        assert local.unique().to_list() == [key]


def test_rematerialising_is_idempotent_and_byte_identical(settings, instance):
    defs = build_definitions(settings)
    assert materialize(
        defs, ["raw_posts", "raw_prices"], "2024-03-04", "2024-03-06", instance
    ).success
    paths = [
        partition_path(settings.lake_url, a, k)
        for a in ("raw_posts", "raw_prices")
        for k in ("2024-03-04", "2024-03-05", "2024-03-06")
    ]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    # a single-partition rerun in the middle of the range replaces exactly that file with equal bytes
    assert materialize(defs, ["raw_posts", "raw_prices"], "2024-03-05", None, instance).success
    after = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    assert before == after


def test_non_trading_day_metadata_says_so(settings, instance):
    defs = build_definitions(settings)
    res = materialize(defs, ["raw_prices"], "2024-07-04", None, instance)
    assert res.success
    meta = res.asset_materializations_for_node("raw_prices")[0].metadata
    assert "not an NYSE trading day" in meta["note"].value
    assert meta["row_count"].value == 0


def test_sql_over_the_lake(settings, instance, capsys):
    from tft_assets.cli import main

    defs = build_definitions(settings)
    assert materialize(defs, ["raw_prices"], "2024-03-04", "2024-03-08", instance).success
    assert (
        main(
            [
                "sql",
                "SELECT count(*) AS n, count(DISTINCT ticker) AS t FROM raw_prices",
                "--format",
                "json",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert '"n":25' in out.replace(" ", "") and '"t":5' in out.replace(" ", "")
    assert main(["sql", "SELECT * FROM no_such_view"]) == 1
    assert "no_such_view" in capsys.readouterr().err

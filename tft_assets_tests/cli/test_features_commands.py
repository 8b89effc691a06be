from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tft_assets.cli import main
from tft_assets.features import (
    FEATURE_NAMES,
    FeatureConfig,
    build_feature_snapshot,
    compute_features,
)
from tft_assets.lake import atomic_write_parquet, partition_path
from tft_assets_tests.features.synth import make_posts, make_prices

START, END = dt.date(2021, 1, 4), dt.date(2021, 4, 30)


@pytest.fixture(scope="module")
def world() -> tuple[pl.DataFrame, pl.DataFrame]:
    return make_prices(3, START, END, seed=21), make_posts(
        ["T000", "T001", "T002"], START, END, per_day=6, seed=22
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_features_command_writes_the_same_table_as_the_builder(
    tmp_path, world, fmt: str, capsys
) -> None:
    prices, posts = world
    src = tmp_path / f"prices.{fmt}"
    extra = prices.with_columns(pl.lit(1).alias("unused"))
    extra.write_csv(src) if fmt == "csv" else extra.write_parquet(src)
    posts_file = tmp_path / "posts.parquet"
    posts.write_parquet(posts_file)
    out = tmp_path / "out" / "features.parquet"
    assert main(["features", str(src), "--posts", str(posts_file), str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    got = pl.read_parquet(out)
    expected = compute_features(prices, posts, FeatureConfig(use_adj_close=False))
    assert got.columns == ["ticker", "date", *FEATURE_NAMES, "missing_pct"]
    assert got.equals(expected)


def test_features_command_reports_missing_columns_in_one_line(tmp_path, world, capsys) -> None:
    src = tmp_path / "bad.csv"
    world[0].drop("volume").write_csv(src)
    assert main(["features", str(src), str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing columns ['volume']" in err


def test_snapshot_rebuild_verifies_the_stored_checksum(
    tmp_path, world, monkeypatch, capsys
) -> None:
    prices, posts = world
    lake = tmp_path / "lake"
    monkeypatch.setenv("TFT_LAKE_URL", str(lake))
    day = dt.date(2021, 3, 15)
    for (d,), part in (
        prices.filter(pl.col("date") <= day).partition_by("date", as_dict=True).items()
    ):
        atomic_write_parquet(part, partition_path(str(lake), "raw_prices", d.isoformat()))
    local_day = posts["created_utc"].dt.convert_time_zone("America/New_York").dt.date()
    for (d,), part in (
        posts.with_columns(local_day.alias("_d")).partition_by("_d", as_dict=True).items()
    ):
        atomic_write_parquet(
            part.drop("_d"), partition_path(str(lake), "scored_posts", d.isoformat())
        )
    snap = build_feature_snapshot(prices, posts, day)
    path = partition_path(str(lake), "feature_snapshots", day.isoformat())
    atomic_write_parquet(snap.frame, path)
    assert main(["snapshot", "rebuild", snap.snapshot_id]) == 0
    assert "matches" in capsys.readouterr().out
    atomic_write_parquet(snap.frame.with_columns(pl.col("macd") * 1.000001), path)
    assert main(["snapshot", "rebuild", snap.snapshot_id, "--date", day.isoformat()]) == 1
    assert "did not rebuild" in capsys.readouterr().err
    assert main(["snapshot", "rebuild", "00000000-0000-0000-0000-000000000000"]) == 1

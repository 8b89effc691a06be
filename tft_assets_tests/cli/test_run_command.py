"""``tft-trader run``: the whole graph over imported files, raw partitions left as imported."""

from __future__ import annotations

import datetime as dt
import json

from tft_assets.cli import main
from tft_assets.lake.storage import list_partitions, read_partitions

START, END = dt.date(2024, 3, 4), dt.date(2024, 3, 8)
WARMUP = 3


def _files(tmp_path):
    """A prices CSV and a posts Parquet (contract layout) cut from a small demo world."""
    from tft_assets.calendar import day_bounds_utc
    from tft_assets.schemas import ground_truth_columns
    from tft_assets.sources.demo import DemoWorld, DemoWorldConfig

    world = DemoWorld(DemoWorldConfig(seed=5, n_tickers=3))
    first = START - dt.timedelta(days=WARMUP)
    prices = world.fetch_prices(world.tickers, first, END).frame
    prices = prices.drop(ground_truth_columns(prices))
    posts = world.fetch_posts(day_bounds_utc(first)[0], day_bounds_utc(END)[1]).frame
    posts = posts.drop(ground_truth_columns(posts))
    prices.write_csv(tmp_path / "prices.csv")
    posts.write_parquet(tmp_path / "posts.parquet")
    return tmp_path / "prices.csv", tmp_path / "posts.parquet", prices, posts


def test_run_materialises_the_graph_over_imported_files(settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TFT_START_DATE", "2024-02-01")
    (tmp_path / "home").mkdir()
    prices_csv, posts_pq, prices, posts = _files(tmp_path)
    assert main(["import-prices", str(prices_csv)]) == 0
    assert main(["import-posts", str(posts_pq)]) == 0
    raw_before = read_partitions(settings.lake_url, "raw_posts", ["2024-03-05"])
    capsys.readouterr()

    args = ["run", "--start", str(START), "--end", str(END), "--warmup-days", str(WARMUP)]
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["success"] and summary["posts_source"] == "demo"
    assert "raw_posts" not in summary["ranges"] and "raw_prices" not in summary["ranges"]
    assert summary["ranges"]["scored_posts"] == [str(START - dt.timedelta(days=WARMUP)), str(END)]
    assert summary["ranges"]["feature_snapshots"] == [str(START), str(END)]
    for asset in ("predictions", "risk_validated_signals", "backtests"):
        assert asset in summary["ranges"], asset
    # the imported rows stand: nothing re-fetched the raw partitions from the demo source
    raw_after = read_partitions(settings.lake_url, "raw_posts", ["2024-03-05"])
    assert raw_after.equals(raw_before)
    scored = read_partitions(settings.lake_url, "scored_posts", ["2024-03-05"])
    assert scored.height == raw_after.height > 0
    snaps = list_partitions(settings.lake_url, "feature_snapshots")
    assert str(START) in snaps and str(END) in snaps
    tickers = set(read_partitions(settings.lake_url, "feature_snapshots", [str(END)])["ticker"])
    assert tickers == set(prices["ticker"].unique().to_list())

    # the table form: one line per asset with rows and seconds, then the checks
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "feature_snapshots" in out and "rows" in out and "checks:" in out


def test_run_says_when_the_warmup_reaches_before_the_first_partition(settings, capsys):
    assert main(["run", "--start", "2023-01-10", "--end", "2023-01-20"]) == 1
    err = capsys.readouterr().err
    assert "before the first partition 2023-01-01: set TFT_START_DATE" in err

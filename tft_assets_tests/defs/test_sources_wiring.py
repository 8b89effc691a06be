"""Archive imports, the inbox sensor, live-source configuration errors and GX checks, end to end."""

import dataclasses
import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from tft_assets.cli.runner import check_evaluations, run_range
from tft_assets.definitions import build_definitions
from tft_assets.lake.storage import list_partitions, read_partitions
from tft_assets_tests.conftest import day, materialize, real_file

KAGGLE = "wsb_posts_2022-01-18_to_2022-01-21_kaggle_format_jcp650.csv.gz"
PRICES = "prices_daily_wsb_tickers.csv"


def _gme_jan_2021(tmp_path: Path) -> Path:
    frame = pl.read_csv(real_file(PRICES), try_parse_dates=True).filter(
        pl.col("date").is_between(day("2021-01-04"), day("2021-01-29"))
    )
    out = tmp_path / "prices_jan_2021.csv"
    frame.write_csv(out)
    return out


def test_import_posts_cli_real_kaggle_file(settings, monkeypatch, tmp_path, capsys):
    from tft_assets.cli import main

    monkeypatch.setenv("TFT_START_DATE", "2022-01-01")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    assert main(["import-posts", str(real_file(KAGGLE)), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["start"], summary["end"]) == ("2022-01-18", "2022-01-21")
    keys = list_partitions(settings.lake_url, "raw_posts")
    assert keys == ["2022-01-18", "2022-01-19", "2022-01-20", "2022-01-21"]
    stored = read_partitions(settings.lake_url, "raw_posts", keys)
    quarantined = summary["quarantined"]
    assert stored.height + quarantined == 1892  # every row of the file: stored or quarantined
    assert stored.get_column("post_id").n_unique() == stored.height
    assert stored.get_column("source").unique().to_list() == [f"archive:{KAGGLE}"]
    runs = dg.DagsterInstance.get().get_run_records()
    assert len(runs) == 1 and runs[0].dagster_run.is_success


def test_import_prices_cli_real_file(settings, monkeypatch, tmp_path, capsys):
    from tft_assets.cli import main

    monkeypatch.setenv("TFT_START_DATE", "2021-01-01")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    src = _gme_jan_2021(tmp_path)
    assert main(["import-prices", str(src)]) == 0
    assert "rows into raw_prices 2021-01-04..2021-01-29" in capsys.readouterr().out
    stored = read_partitions(
        settings.lake_url, "raw_prices", list_partitions(settings.lake_url, "raw_prices")
    )
    expected = pl.read_csv(src)
    assert stored.height == expected.height
    gme = stored.filter((pl.col("ticker") == "GME") & (pl.col("date") == day("2021-01-27")))
    assert gme.item(0, "close") == pytest.approx(347.51, rel=1e-3)


def _import_prices_csv(monkeypatch, tmp_path, csv_text: str, start: str = "2024-01-01") -> int:
    """``tft-trader import-prices`` of ``csv_text`` into a fresh instance (first partition ``start``)."""
    from tft_assets.cli import main

    monkeypatch.setenv("TFT_START_DATE", start)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    src = tmp_path / "prices.csv"
    src.write_text(csv_text)
    return main(["import-prices", str(src)])


def test_import_prices_quarantines_each_bad_row_and_keeps_the_good(
    settings, monkeypatch, tmp_path, capsys
):
    text = (
        "date,ticker,open,high,low,close,adj_close,volume\n"
        "2024-03-04,AAPL,100,101,99,100.5,100.5,1000\n"
        "2024-03-04,,100,101,99,100.5,100.5,1000\n"  # no ticker
        "2024-03-04,MSFT,abc,101,99,100.5,100.5,1000\n"  # non-numeric open
        "2024-03-04,GME,100,99,101,100.5,100.5,1000\n"  # high < low
        "2024-03-04,AMC,100,101,99,100.5,100.5,-5\n"  # negative volume
    )
    assert _import_prices_csv(monkeypatch, tmp_path, text) == 0
    assert "1 rows into raw_prices 2024-03-04..2024-03-04, 4 quarantined" in capsys.readouterr().out
    stored = read_partitions(settings.lake_url, "raw_prices", ["2024-03-04"])
    assert stored["ticker"].to_list() == ["AAPL"]
    from tft_assets.lake.query import query

    reasons = query(settings.lake_url, "SELECT reason FROM quarantine ORDER BY reason")["reason"]
    assert reasons.to_list() == ["high < low", "missing ticker or date", "negative volume",
                                 "non-positive or NaN price"]  # fmt: skip


def test_rows_before_the_first_partition_are_quarantined_not_dropped(
    settings, monkeypatch, tmp_path, capsys
):
    from tft_assets.lake.query import query

    days = ["2023-12-28", "2023-12-29", "2024-01-02", "2024-01-03"]
    text = "date,ticker,open,high,low,close,adj_close,volume\n" + "".join(
        f"{d},AAPL,100,101,99,100.5,100.5,1000\n" for d in days
    )
    assert _import_prices_csv(monkeypatch, tmp_path, text) == 0
    assert "2 rows into raw_prices 2024-01-01..2024-01-03, 2 quarantined" in capsys.readouterr().out
    q = query(settings.lake_url, "SELECT reason, detail FROM quarantine ORDER BY detail")
    assert q.rows() == [
        ("before the first partition (TFT_START_DATE)", "2023-12-28"),
        ("before the first partition (TFT_START_DATE)", "2023-12-29"),
    ]


def test_import_prints_why_a_check_failed(settings, monkeypatch, tmp_path, capsys):
    days = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08"]
    rows = [f"{d},AAPL,100,101,99,100.5,100.5,1000" for d in days]
    rows.append("2024-03-04,MSFT,100,101,99,100.5,100.5,1000")  # then lost for 4 sessions
    text = "date,ticker,open,high,low,close,adj_close,volume\n" + "\n".join(rows) + "\n"
    assert _import_prices_csv(monkeypatch, tmp_path, text) == 0
    out = capsys.readouterr().out
    assert "checks failed: check_raw_prices_coverage" in out
    assert "check check_raw_prices_coverage failed: " in out and 'lost_tickers={"MSFT":4}' in out


def test_inbox_sensor_launches_one_run_per_file_exactly_once(settings, instance, tmp_path):
    defs = build_definitions(dataclasses.replace(settings, start_date=day("2021-01-01")))
    sensor = defs.get_sensor_def("archive_inbox_sensor")
    inbox = settings.inbox_dir / "prices"
    inbox.mkdir(parents=True)
    shutil.copy(_gme_jan_2021(tmp_path), inbox / "jan.csv")
    (inbox / ".partial.csv").write_text("incomplete")  # hidden files are ignored

    ctx = dg.build_sensor_context(instance=instance, definitions=defs)
    tick = sensor.evaluate_tick(ctx)
    requests = tick.run_requests
    assert len(requests) == 1
    req = requests[0]
    assert req.partition_key_range == dg.PartitionKeyRange("2021-01-04", "2021-01-29")
    assert req.asset_selection == [dg.AssetKey("raw_prices")]
    cursor = tick.cursor

    again = sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor)
    )
    assert not again.run_requests and again.skip_message
    # the same run key is what makes a lost cursor safe too
    assert req.run_key and req.run_key.startswith("prices:jan.csv:")

    # a new file is picked up on the next tick
    shutil.copy(inbox / "jan.csv", inbox / "jan_copy.csv")
    later = sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor)
    )
    assert [r.tags["tft/inbox_file"] for r in later.run_requests] == ["jan_copy.csv"]

    # the request, executed, ingests the file
    config = req.run_config
    result = run_range(
        defs, [dg.AssetKey("raw_prices")], day("2021-01-04"), day("2021-01-29"), instance, config
    )
    assert result.success
    assert read_partitions(settings.lake_url, "raw_prices", ["2021-01-27"]).height > 0


def test_reddit_source_without_credentials_fails_naming_the_variable(
    settings, instance, monkeypatch
):
    for var in ("REDDIT_CLIENT_ID", "REDDIT_USER_AGENT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "sentinel-secret-4711")
    defs = build_definitions(dataclasses.replace(settings, posts_source="reddit"))
    with pytest.raises(dg.DagsterInvalidConfigError) as err:
        materialize(defs, ["raw_posts"], "2024-03-05", None, instance)
    lines = str(err.value).splitlines()
    assert any('environment variable "REDDIT_CLIENT_ID" which is not set' in line for line in lines)
    # the secret that is set never reaches the error
    assert "sentinel-secret-4711" not in str(err.value)


def test_unknown_source_names_the_setting(settings):
    with pytest.raises(ValueError, match="TFT_POSTS_SOURCE='twitter'"):
        build_definitions(dataclasses.replace(settings, posts_source="twitter"))


def test_gx_check_blocks_on_planted_bad_rows(settings, instance, tmp_path):
    """Values ingestion does not reject (an unknown kind, an upvote ratio > 1) are caught by the
    GX suite; the blocking failure stops scored_posts from running in the same run."""
    import datetime as dt

    from tft_assets.schemas import SOURCE_POSTS_SCHEMA, conform

    n = 10
    rows = pl.DataFrame(
        {
            "post_id": [f"x{i}" for i in range(n)],
            "kind": ["link" if i == 2 else "submission" for i in range(n)],
            "subreddit": ["wallstreetbets"] * n,
            "author": ["someone"] * n,
            "created_utc": [dt.datetime(2024, 3, 5, 15, i, tzinfo=dt.UTC) for i in range(n)],
            "title": ["GME to the moon"] * n,
            "body": ["buying calls"] * n,
            "url": [f"https://reddit.com/r/wallstreetbets/comments/x{i}" for i in range(n)],
            "score": [10] * n,
            "upvote_ratio": [1.7 if i == 3 else 0.9 for i in range(n)],
            "num_comments": [1] * n,
            "source": ["test"] * n,
        }
    )
    rows = conform(rows, SOURCE_POSTS_SCHEMA)
    path = tmp_path / "bad.parquet"
    rows.write_parquet(path)
    defs = build_definitions(settings)
    config = {"ops": {"raw_posts": {"config": {"archive_files": [str(path)]}}}}
    result = materialize(defs, ["raw_posts", "scored_posts"], "2024-03-05", None, instance, config)
    gx = check_evaluations(result)["check_raw_posts_gx_suite"]
    assert gx.passed is False and gx.severity == dg.AssetCheckSeverity.ERROR
    failed = gx.metadata["failed_expectations"].value
    assert failed["kind_in_set"]["unexpected_count"] == 1
    assert failed["upvote_ratio_in_0_1"]["unexpected_count"] == 1
    assert not result.asset_materializations_for_node("scored_posts")


def test_live_sources_run_in_their_pools(settings):
    from tft_assets.sources.reddit import REDDIT_POOL
    from tft_assets.sources.yahoo import YAHOO_POOL

    live = build_definitions(
        dataclasses.replace(
            settings, posts_source="reddit", prices_source="yahoo", watchlist=("AAPL", "GME")
        )
    ).resolve_asset_graph()
    demo = build_definitions(settings).resolve_asset_graph()
    assert live.get(dg.AssetKey("raw_posts")).pools == {REDDIT_POOL}
    assert live.get(dg.AssetKey("raw_prices")).pools == {YAHOO_POOL}
    assert not demo.get(dg.AssetKey("raw_posts")).pools
    assert not demo.get(dg.AssetKey("raw_prices")).pools


def test_nightly_schedule_ingests_the_previous_day(settings):
    import datetime as dt
    from zoneinfo import ZoneInfo

    defs = build_definitions(settings)
    schedule = defs.get_schedule_def("ingestion_nightly")
    assert schedule.execution_timezone == "America/New_York"
    when = dt.datetime(2024, 3, 6, 0, 30, tzinfo=ZoneInfo("America/New_York"))
    data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=when))
    assert [r.partition_key for r in data.run_requests] == ["2024-03-05"]
    assert (
        defs.get_schedule_def("ingestion_nightly").default_status
        == dg.DefaultScheduleStatus.STOPPED
    )
    live = build_definitions(dataclasses.replace(settings, mode="live"))
    assert (
        live.get_schedule_def("ingestion_nightly").default_status
        == dg.DefaultScheduleStatus.RUNNING
    )


def test_files_prices_source_from_the_environment(settings, instance, monkeypatch, tmp_path):
    from tft_assets.settings import load_settings

    prices_file = _gme_jan_2021(tmp_path)
    monkeypatch.setenv("TFT_PRICES_FILES", str(prices_file))
    assert load_settings().prices_files == (str(prices_file),)
    defs = build_definitions(
        dataclasses.replace(load_settings(), prices_source="files", start_date=day("2021-01-01"))
    )
    assert materialize(defs, ["raw_prices"], "2021-01-05", None, instance).success
    stored = read_partitions(settings.lake_url, "raw_prices", ["2021-01-05"])
    expected = pl.read_csv(prices_file, try_parse_dates=True).filter(
        pl.col("date") == day("2021-01-05")
    )
    assert sorted(stored["ticker"].to_list()) == sorted(expected["ticker"].to_list())
    assert stored["source"].unique().to_list() == ["files:prices_jan_2021.csv"]

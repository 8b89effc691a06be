"""The signal book and the backtests as Dagster assets, on a lake seeded with predictions, prices
and features (no model training: the book only reads those tables)."""

import dataclasses
import datetime as dt

import polars as pl
import pytest

from tft_assets.cli.runner import failure_message
from tft_assets.definitions import build_definitions
from tft_assets.lake.storage import (
    atomic_write_parquet,
    list_partitions,
    partition_path,
    read_partitions,
)
from tft_assets_tests.backtest.test_book import world
from tft_assets_tests.conftest import check_results, materialize

BOOK = ["risk_validated_signals", "rejected_signals", "portfolio_state", "trades"]
H = 5


def seed(lake: str, n_days: int = 60) -> list[dt.date]:
    """Write predictions, raw_prices, feature_snapshots and labels partitions; return the days."""
    days, preds, prices, atr = world(n_days=n_days)
    c = pl.col("adj_close")
    extra = prices.sort("ticker", "date").with_columns(
        (c.shift(-H).over("ticker") / c - 1).alias("fwd_return"),
        (c / c.shift(20).over("ticker") - 1).alias("ret_20d"),
        pl.lit(0).cast(pl.Int64).alias("volume"),
    )
    feats = atr.join(extra.select("ticker", "date", "ret_20d"), on=["ticker", "date"])
    tables = {
        "predictions": preds,
        "raw_prices": extra.drop("fwd_return", "ret_20d"),
        "feature_snapshots": feats,
        "labels": extra.select("ticker", "date", "fwd_return"),
    }
    for day in days:
        for asset, frame in tables.items():
            atomic_write_parquet(frame.filter(pl.col("date") == day),
                                 partition_path(lake, asset, day.isoformat()))  # fmt: skip
    return days


@pytest.fixture
def deployment(settings):
    settings = dataclasses.replace(settings, backtest_window_sessions=30)
    return settings, build_definitions(settings)


def _table(settings, asset: str) -> pl.DataFrame:
    return read_partitions(settings.lake_url, asset, list_partitions(settings.lake_url, asset))


def test_a_range_run_equals_day_by_day_runs(deployment, instance, tmp_path) -> None:
    settings, defs = deployment
    days = seed(settings.lake_url, 25)
    first, last = days[0].isoformat(), days[-1].isoformat()
    res = materialize(defs, BOOK, first, last, instance)
    assert res.success, failure_message(res)
    assert all(check_results(res).values()), check_results(res)
    whole = {a: _table(settings, a) for a in BOOK}
    assert whole["risk_validated_signals"].height > 5 and whole["trades"].height > 2
    assert whole["portfolio_state"].height == len(days)  # one row per calendar day
    # the same days one run each, in a second lake
    other = dataclasses.replace(settings, lake_url=str(tmp_path / "lake2"))
    seed(other.lake_url, 25)
    defs2 = build_definitions(other)
    for day in days:
        one = materialize(defs2, BOOK, day.isoformat(), None, instance)
        assert one.success, failure_message(one)
    for asset in BOOK:
        assert _table(other, asset).equals(whole[asset]), asset


def test_a_gap_in_the_state_fails_and_names_the_day(deployment, instance) -> None:
    settings, defs = deployment
    days = seed(settings.lake_url, 12)
    assert materialize(defs, BOOK, days[0].isoformat(), days[2].isoformat(), instance).success
    res = materialize(defs, BOOK, days[6].isoformat(), None, instance)
    assert not res.success
    assert f"portfolio_state of {days[5].isoformat()} is not stored" in failure_message(res)
    # a rerun of a stored day is safe: same rows
    before = _table(settings, "risk_validated_signals")
    assert materialize(defs, BOOK, days[0].isoformat(), days[2].isoformat(), instance).success
    assert _table(settings, "risk_validated_signals").equals(before)


def test_backtests_store_metrics_a_figure_and_a_report(deployment, instance) -> None:
    settings, defs = deployment
    days = seed(settings.lake_url, 60)
    key = days[-1].isoformat()
    res = materialize(defs, ["backtests"], key, None, instance)
    assert res.success, failure_message(res)
    rows = _table(settings, "backtests")
    assert rows["portfolio"].to_list() == ["signals", "top_k", "buy_and_hold", "momentum_20d"]
    assert rows["decision_end"][0] < rows["last_session"][0]
    meta = res.asset_materializations_for_node("backtests")[0].metadata
    assert meta["equity_and_drawdown"].value.startswith(
        "![equity and drawdown](data:image/png;base64,"
    )
    report = settings.data_dir / "reports" / f"backtest-{key}.html"
    assert report.exists() and str(report.resolve()) == meta["report"].value
    assert "buy and hold" in report.read_text()
    # what `tft-trader demo --json` reports as `backtest`
    from tft_assets.cli.demo import backtest_line, backtest_summary

    summary = backtest_summary(settings, days[-1])
    for key in ("total_return", "sharpe", "deflated_sharpe", "max_drawdown", "n_trades"):
        assert key in summary
    signals_row = rows.filter(pl.col("portfolio") == "signals").row(0, named=True)
    assert summary["total_return"] == signals_row["total_return"]
    bh = rows.filter(pl.col("portfolio") == "buy_and_hold").row(0, named=True)
    assert summary["buy_and_hold"]["total_return"] == bh["total_return"]
    assert summary["buy_and_hold"]["sharpe"] == bh["sharpe"]
    assert backtest_line(summary).startswith("backtest ")


def test_the_cli_prints_signals_rejections_and_a_backtest(deployment, instance, capsys) -> None:
    import json

    from tft_assets.cli import main

    settings, defs = deployment
    days = seed(settings.lake_url, 40)
    assert materialize(defs, BOOK, days[0].isoformat(), days[-1].isoformat(), instance).success
    signal_days = _table(settings, "risk_validated_signals")["date"].unique().sort()
    day = signal_days[-1].isoformat()
    assert main(["signals", "--date", day, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["date"] == day and out["signals"] and out["portfolio"]["equity"] > 0
    assert all(r["reasons"] for r in out["rejected"])
    assert main(["signals", "--date", "1999-01-04"]) == 1
    assert "is not stored" in capsys.readouterr().err
    for table in ("risk_validated_signals", "rejected_signals"):
        assert main(["sql", f"SELECT count(*) AS n FROM {table}", "--format", "csv"]) == 0
        assert int(capsys.readouterr().out.split()[1]) == _table(settings, table).height
    assert main(["backtest", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == {"signals", "top_k", "buy_and_hold", "momentum_20d"}
    assert metrics["signals"]["n_trades"] > 0
    assert main(["backtest", "--start", days[5].isoformat(), "--end", days[20].isoformat()]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"backtest: decisions {days[5]}..") and "buy_and_hold" in text

"""Re-materialising a partition with the same inputs and config writes the same bytes, and the
IO manager's checksum in its metadata says so: here for the signal book and the backtests (on a
lake seeded with predictions, prices and features), in ``test_model_assets`` for every asset
from ingestion to predictions (the one small world that has them all). A last test keeps that
coverage whole as assets are added."""

from __future__ import annotations

import dagster as dg
import polars as pl

from tft_assets.cli.runner import failure_message
from tft_assets.definitions import build_definitions
from tft_assets.lake.storage import read_partitions
from tft_assets_tests.conftest import materialize
from tft_assets_tests.defs import test_signal_assets
from tft_assets_tests.defs.test_model_assets import RERUN_ASSETS, rerun_writes_the_same
from tft_assets_tests.defs.test_signal_assets import BOOK, seed

SIGNAL_ASSETS = (*BOOK, "backtests")
#: Assets with no partition in the lake: ``sentiment_model`` is a registered MLflow model, and
#: each materialisation is a new training run by design.
NOT_IN_THE_LAKE = {"sentiment_model"}

deployment = test_signal_assets.deployment  # the same deployment: a 30-session backtest window


def test_rerunning_a_day_of_the_book_and_its_backtest_writes_the_same_bytes(deployment, instance):
    settings, defs = deployment
    days = seed(settings.lake_url, 45)
    first, last = days[0].isoformat(), days[-1].isoformat()
    res = materialize(defs, BOOK, first, last, instance)
    assert res.success, failure_message(res)
    assert materialize(defs, ["backtests"], last, None, instance).success
    # a day with rows in every book table: approvals, rejections, closed trades and the state
    trades = read_partitions(settings.lake_url, "trades", [d.isoformat() for d in days],
                             missing_ok=True)  # fmt: skip
    busy = sorted(set(trades["exit_date"]))
    assert busy, "the seeded world closes trades"
    for day in busy:
        key = day.isoformat()
        signals = read_partitions(settings.lake_url, "risk_validated_signals", [key])
        rejected = read_partitions(settings.lake_url, "rejected_signals", [key])
        if signals.height and rejected.height:
            break
    assert signals.height and rejected.height, "no day both approves and rejects"
    rerun_writes_the_same(defs, settings.lake_url, list(BOOK), key, instance)
    backtest = read_partitions(settings.lake_url, "backtests", [last])
    assert backtest.filter(pl.col("portfolio") == "signals")["n_trades"].item() > 0
    rerun_writes_the_same(defs, settings.lake_url, ["backtests"], last, instance)


def test_every_asset_in_the_lake_has_a_rerun_test(settings):
    graph = build_definitions(settings).resolve_asset_graph()
    assets = {k.to_user_string() for k in graph.get_all_asset_keys()}
    covered = {*SIGNAL_ASSETS, *RERUN_ASSETS}
    assert assets - NOT_IN_THE_LAKE == covered
    assert all(graph.get(dg.AssetKey(name)).partitions_def is None for name in NOT_IN_THE_LAKE)

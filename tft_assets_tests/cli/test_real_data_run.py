"""The real-data session end to end: import the real 2020-08 .. 2021-01 r/wallstreetbets comments
and the daily prices, then `tft-trader run` over the whole graph, models and signals included.
Skipped without ../shared/data/real; required under CI. The figures are reported, not tuned."""

from __future__ import annotations

import json

from tft_assets.cli import main
from tft_assets.lake.query import query
from tft_assets_tests.conftest import real_file

COMMENTS = "wsb_comments_ticker_search_2020-08_to_2021-01_lilfetz22.csv.gz"
PRICES = "prices_daily_wsb_tickers.csv"


def test_real_comments_and_prices_through_the_whole_graph(settings, monkeypatch, tmp_path, capsys):
    comments, prices = real_file(COMMENTS), real_file(PRICES)
    monkeypatch.setenv("TFT_START_DATE", "2020-01-01")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    assert main(["import-prices", str(prices), "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    # the 2019 rows lie before the first partition: quarantined with that reason, not dropped
    assert imported["rows"] + imported["quarantined"] == 3169
    assert main(["import-posts", str(comments), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] > 15_000
    before = query(
        settings.lake_url, "SELECT count(*) AS n FROM quarantine WHERE reason LIKE 'before%'"
    )
    assert before["n"][0] == 420

    assert main(["run", "--start", "2020-08-03", "--end", "2021-01-29", "--warmup-days", "2",
                 "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["success"], summary
    for asset in ("scored_posts", "feature_snapshots", "trained_models", "predictions",
                  "risk_validated_signals", "backtests"):  # fmt: skip
        assert asset in summary["ranges"], asset
    walk = summary["walk_forward"]
    assert walk["n"] > 0
    lo, hi = walk["ci95"]
    assert 0 <= lo <= walk["accuracy"] <= hi <= 1
    assert set(walk["baselines"]) == {"always_up", "momentum_20d"}
    backtest = summary["backtest"]
    assert backtest is not None and backtest["buy_and_hold"]["total_return"] is not None

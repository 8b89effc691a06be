"""The backtest suite: four portfolios on the same sessions, outcomes known, a readable report."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tft_assets.backtest.engine import ExecutionConfig
from tft_assets.backtest.report import equity_figure, html_report, summary_lines
from tft_assets.backtest.suite import PORTFOLIOS, metrics_frame, run_suite, trailing_window
from tft_assets.models.plots import figure_png
from tft_assets.risk.rules import RiskConfig
from tft_assets_tests.backtest.test_book import world

H = 5


def inputs(n_days: int = 80):
    days, preds, prices, atr = world(n_days=n_days)
    c = pl.col("adj_close")
    labels = prices.sort("ticker", "date").with_columns(
        (c.shift(-H).over("ticker") / c - 1).alias("fwd_return"),
        (c / c.shift(20).over("ticker") - 1).alias("ret_20d"),
    )
    features = atr.join(labels.select("ticker", "date", "ret_20d"), on=["ticker", "date"])
    return preds, prices, features, labels.select("ticker", "date", "fwd_return")


def test_the_trailing_window_ends_where_outcomes_are_known() -> None:
    sessions = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(30)]
    w = trailing_window(sessions, window_sessions=10, horizon=H)
    # decided at the close of 24, filled at the open of 25, out at the close of 29 (5 sessions)
    assert (w.decision_start, w.decision_end, w.last_session) == (
        sessions[15],
        sessions[24],
        sessions[29],
    )
    assert trailing_window(sessions[:5], 10, H) is None


def test_four_portfolios_on_the_same_sessions() -> None:
    preds, prices, features, labels = inputs()
    sessions = sorted(set(prices["date"].to_list()))
    w = trailing_window(sessions, 60, H)
    ex = ExecutionConfig()
    res = run_suite(w, preds, prices, features, labels, RiskConfig(), ex, H, top_k=3, n_trials=40)
    assert set(res.runs) == set(PORTFOLIOS)
    assert {len(r.equity) for r in res.runs.values()} == {len(res.market.dates)}
    # nothing is decided after the window, so nothing fills after the session that follows it
    after = w.decision_end
    for name in ("signals", "top_k", "momentum_20d"):
        assert all(t.signal_date <= after for t in res.runs[name].trades), name
    # buy and hold by hand: equal notional at the first fill, marked at the last close
    m = res.market
    first = np.isfinite(m.close[0])
    notional = ex.initial_equity / (first.sum() * (1 + ex.costs.entry))
    by_hand = (notional * m.close[-1, first] / m.open[1, first]).sum()
    assert res.runs["buy_and_hold"].equity[-1] == pytest.approx(by_hand, rel=1e-9)
    # tuned portfolios are deflated by the trials, the baselines are not
    assert res.metrics["signals"]["n_trials"] == 40 and res.metrics["buy_and_hold"]["n_trials"] == 1
    frame = metrics_frame(res, sessions[-1])
    assert frame["portfolio"].to_list() == list(PORTFOLIOS)
    assert frame.filter(pl.col("portfolio") == "buy_and_hold")["accuracy_n"][0] > 100


def test_the_report_shows_the_figure_and_every_portfolio() -> None:
    preds, prices, features, labels = inputs(60)
    w = trailing_window(sorted(set(prices["date"].to_list())), 40, H)
    res = run_suite(w, preds, prices, features, labels, RiskConfig(), ExecutionConfig(), H, 3, 1)
    page = html_report(res, figure_png(equity_figure(res)), "backtest", ["costs included"])
    assert page.count("<tr>") == 1 + len(PORTFOLIOS) and "data:image/png;base64," in page
    assert len(summary_lines(res)) == 1 + len(PORTFOLIOS)

"""The signal book over calendar days: bad input recorded with reasons, state carried exactly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tft_assets.backtest.book import run_book, signal_id
from tft_assets.backtest.engine import ExecutionConfig
from tft_assets.calendar import trading_days
from tft_assets.risk.audit import violations
from tft_assets.risk.portfolio import PortfolioState
from tft_assets.risk.rules import RiskConfig

CONFIG = RiskConfig()
EXEC = ExecutionConfig()


def world(n_days: int = 40, tickers: str = "ABCDEFG", seed: int = 5, atr_pct: float = 0.02):
    rng = np.random.default_rng(seed)
    sessions = trading_days(dt.date(2024, 1, 2), dt.date(2024, 6, 28))[:n_days]
    rows, preds, atr = [], [], []
    for k, tk in enumerate(tickers):
        c = 50 * (1 + k) * np.exp(np.cumsum(rng.normal(0.001, 0.02, n_days)))
        o = c * np.exp(rng.normal(0, 0.006, n_days))
        for t, day in enumerate(sessions):
            hi, lo = max(o[t], c[t]) * 1.01, min(o[t], c[t]) * 0.99
            rows.append((day, tk, o[t], hi, lo, c[t], c[t]))
            preds.append((day, tk, float(rng.uniform(0.5, 0.95)), "v1", f"s-{day}-{tk}"))
            atr.append((day, tk, atr_pct))
    prices = pl.DataFrame(rows, schema=["date", "ticker", "open", "high", "low", "close", "adj_close"],
                          orient="row")  # fmt: skip
    predictions = pl.DataFrame(preds, schema=["date", "ticker", "p_up", "model_version", "snapshot_id"],
                               orient="row")  # fmt: skip
    atr_pct = pl.DataFrame(atr, schema=["date", "ticker", "atr_pct_14"], orient="row")
    days = [
        sessions[0] + dt.timedelta(days=i) for i in range((sessions[-1] - sessions[0]).days + 1)
    ]
    return days, predictions, prices, atr_pct


def test_a_range_equals_day_by_day_through_stored_state_rows() -> None:
    days, preds, prices, atr = world()
    whole = run_book(days, preds, prices, atr, None, CONFIG, EXEC, 5)
    state, parts = None, []
    for day in days:
        one = run_book([day], preds, prices, atr, state, CONFIG, EXEC, 5)
        state = PortfolioState.from_json(one.states["state"][0])
        parts.append(one)
    for table in ("signals", "rejected", "states", "trades"):
        joined = pl.concat([getattr(p, table) for p in parts])
        assert joined.equals(getattr(whole, table)), table
    assert whole.signals.height > 5 and whole.trades.height > 3
    # weekends carry the state and have no session
    weekend = whole.states.filter(pl.col("date").dt.weekday() >= 6)
    assert weekend.height and not weekend["session"].any()


def test_every_prediction_is_either_a_signal_or_a_rejection_with_reasons() -> None:
    # ATR 5 %: a 10 % stop, 10 % positions, so five fit in the cash and rule 5 binds
    days, preds, prices, atr = world(n_days=15, atr_pct=0.05)
    nan_row = preds.head(1).with_columns(pl.lit(None, dtype=pl.Float64).alias("p_up"),
                                         pl.lit("Z").alias("ticker"))  # fmt: skip
    dup = preds.filter(pl.col("ticker") == "A").head(3)
    halted = prices.filter(~((pl.col("ticker") == "B") & (pl.col("date") == days[0])))
    bad = pl.concat([preds, nan_row, dup])
    res = run_book(days, bad, halted, atr, None, CONFIG, EXEC, 5)
    assert res.signals.height + res.rejected.height == bad.height
    reasons = res.rejected.explode("reasons")["reasons"].value_counts()
    got = dict(zip(reasons["reasons"], reasons["count"], strict=True))
    assert got["duplicate_candidate"] == 3
    assert (
        got["nan_prediction"] == 1 and got["missing_price"] >= 2
    )  # Z has no prices, nor B on day 0
    assert got["low_confidence"] > 0 and got["max_positions"] > 0
    assert not res.rejected["reasons"].list.len().eq(0).any()
    assert violations(res.signals, res.states, CONFIG, EXEC.costs.round_trip) == []


def test_an_empty_day_stores_a_state_and_nothing_else() -> None:
    days, preds, prices, atr = world(n_days=5)
    res = run_book([dt.date(2030, 1, 5)], preds, prices, atr, None, CONFIG, EXEC, 5)
    assert res.signals.is_empty() and res.rejected.is_empty() and res.trades.is_empty()
    assert res.states["equity"].to_list() == [EXEC.initial_equity]


def test_signal_ids_are_stable_and_levels_are_as_traded() -> None:
    day = dt.date(2024, 1, 2)
    assert (
        signal_id(day, "A", 1, "v1") == signal_id(day, "A", 1, "v1") != signal_id(day, "A", 1, "v2")
    )
    days, preds, prices, atr = world(n_days=10)
    # a 2:1 split in the history: the adjusted close is twice the traded close
    prices = prices.with_columns(pl.col("adj_close") * 2)
    res = run_book(days, preds, prices, atr, None, CONFIG, EXEC, 5)
    s = res.signals.join(prices, on=["date", "ticker"])
    assert np.allclose(s["entry"], s["close"])
    assert np.allclose(s["entry"] - s["stop_loss"], 2 * s["atr"])
    assert (s["stop_loss"] < s["entry"]).all() and (s["entry"] < s["take_profit"]).all()

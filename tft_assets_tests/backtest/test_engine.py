"""The simulator against hand-computed cases and against vectorbt's ``Portfolio.from_signals``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tft_assets.backtest.engine import Costs, ExecutionConfig, Market, market_from_prices, simulate
from tft_assets.backtest.policies import (
    BuyAndHoldPolicy,
    EntryPolicy,
    RiskPolicy,
    TopKPolicy,
)
from tft_assets.calendar import trading_days
from tft_assets.risk.portfolio import PortfolioState
from tft_assets.risk.rules import RiskConfig

DAYS = trading_days(dt.date(2024, 3, 4), dt.date(2024, 4, 30))
FREE = ExecutionConfig(costs=Costs(0.0, 0.0), initial_equity=1000.0)


def bars(rows: list[tuple[float, float, float, float]], ticker: str = "AAA") -> Market:
    """A one-ticker market from (open, high, low, close) rows on consecutive sessions."""
    a = np.asarray(rows, dtype=float)
    dates = np.asarray(DAYS[: len(rows)], dtype="datetime64[D]")
    col = lambda j: a[:, j : j + 1]  # noqa: E731
    return Market(dates, (ticker,), col(0), col(1), col(2), col(3), np.ones((len(rows), 1)))


def enter_first_day(stop=0.05, target=0.10, horizon=None, notional=500.0):
    def policy(t, state, market):
        entries = np.zeros(market.close.shape, dtype=bool)
        entries[0] = True
        return EntryPolicy(entries, notional, stop, target, horizon)(t, state, market)

    return policy


def test_a_hand_computed_round_trip_with_costs() -> None:
    m = bars(
        [(100, 100, 100, 100), (100, 101, 99, 100), (102, 103, 101, 104), (104, 104, 104, 104)]
    )
    cfg = ExecutionConfig(costs=Costs(slippage=0.01, commission=0.001), initial_equity=1000.0)
    res = simulate(m, enter_first_day(stop=0.5, target=1.0, horizon=2), cfg)
    (trade,) = res.closed()
    # order 500 at day 1's open 100: qty 5, fill 101, commission 0.505
    assert trade.qty == pytest.approx(5.0) and trade.entry_price == pytest.approx(101.0)
    # horizon 2: exits at day 2's close 104, less 1 % slippage = 102.96, commission 0.5148
    assert trade.exit_reason == "horizon" and trade.exit_price == pytest.approx(102.96)
    assert trade.pnl == pytest.approx(5 * (102.96 - 101.0) - 0.505 - 0.5148)
    assert res.equity[-1] == pytest.approx(1000.0 + trade.pnl)
    assert res.state.positions == [] and res.n_open.tolist() == [0, 1, 0, 0]


@pytest.mark.parametrize(
    ("bar", "reason", "price"),
    [
        ((100, 101, 94, 98), "stop", 95.0),  # low through the stop: fills at the stop
        ((93, 99, 92, 98), "stop_gap", 93.0),  # opens below the stop: fills at the open
        ((100, 111, 99, 105), "take_profit", 110.0),
        ((112, 113, 111, 112), "take_profit_gap", 112.0),
        ((100, 111, 94, 100), "stop", 95.0),  # both touched: the stop counts
        ((100, 104, 96, 101), None, None),  # neither
    ],
)
def test_exits_from_highs_and_lows(bar, reason, price) -> None:
    m = bars([(100, 100, 100, 100), (100, 100, 100, 100), bar])
    res = simulate(m, enter_first_day(stop=0.05, target=0.10), FREE)
    closed = res.closed()
    if reason is None:
        assert not closed and len(res.state.positions) == 1
    else:
        assert [(t.exit_reason, t.exit_price) for t in closed] == [(reason, pytest.approx(price))]


def test_a_halted_ticker_cancels_the_entry_and_holds_a_position() -> None:
    nan = float("nan")
    m = bars([(100, 100, 100, 100), (nan, nan, nan, nan), (100, 100, 100, 100)])
    res = simulate(m, enter_first_day(), FREE)
    assert [(t.status, t.exit_reason) for t in res.trades] == [
        ("cancelled", "missing_price_at_entry")
    ]
    # a position through a halt: marked at its last close, exits late at the next open
    m = bars([(100, 100, 100, 100), (100, 100, 100, 102), (nan, nan, nan, nan), (99, 99, 99, 99)])
    res = simulate(m, enter_first_day(stop=0.5, target=1.0, horizon=2), FREE)
    assert res.equity[2] == pytest.approx(1000 + 5 * 2)
    assert [(t.exit_reason, t.exit_price) for t in res.closed()] == [("horizon_late", 99.0)]


def test_a_split_inside_a_position_is_not_a_return() -> None:
    raw = pl.DataFrame({
        "date": DAYS[:4], "ticker": ["AAA"] * 4,
        "open": [100.0, 100.0, 50.0, 51.0], "high": [100.0, 100.0, 51.0, 51.0],
        "low": [100.0, 100.0, 50.0, 51.0], "close": [100.0, 100.0, 50.5, 51.0],
        "adj_close": [100.0, 100.0, 101.0, 102.0],  # 2:1 split effective on day 2
    })  # fmt: skip
    m = market_from_prices(raw)
    res = simulate(m, enter_first_day(stop=0.2, target=0.5), FREE)
    # 5 basis shares bought at 100 are worth 5 x 102 = 510 (10 traded shares at 51)
    assert res.equity.tolist() == pytest.approx([1000, 1000, 1005, 1010])
    assert not res.closed()


def test_a_range_run_equals_day_by_day_runs_through_the_stored_state() -> None:
    rng = np.random.default_rng(3)
    n_days, n = 20, 6
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_days, n)), 0))
    o = c * np.exp(rng.normal(0, 0.005, (n_days, n)))
    h, lo = np.maximum(o, c) * 1.01, np.minimum(o, c) * 0.99
    dates = np.asarray(DAYS[:n_days], dtype="datetime64[D]")
    m = Market(dates, tuple("ABCDEF"), o, h, lo, c, np.ones((n_days, n)))
    p = rng.uniform(0.55, 0.95, (n_days, n))
    atr = c * 0.02

    def policy(mk, pp, aa):
        return RiskPolicy(mk, pp, aa, np.ones(pp.shape, bool), RiskConfig(), Costs(), 5)

    whole = simulate(m, policy(m, p, atr))
    state, equity = None, []
    for t in range(n_days):
        day = Market(dates[t : t + 1], m.tickers, o[t : t + 1], h[t : t + 1], lo[t : t + 1],
                     c[t : t + 1], np.ones((1, n)))  # fmt: skip
        if state is not None:
            state = PortfolioState.from_json(state.to_json())
        res = simulate(day, policy(day, p[t : t + 1], atr[t : t + 1]), state=state)
        state, equity = res.state, [*equity, *res.equity]
    assert equity == whole.equity.tolist()
    assert state.to_json() == whole.state.to_json()
    assert len(whole.closed()) > 3


def test_top_k_and_buy_and_hold_stay_invested_and_within_cash() -> None:
    rng = np.random.default_rng(4)
    n_days, n = 20, 10
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_days, n)), 0))
    dates = np.asarray(DAYS[:n_days], dtype="datetime64[D]")
    m = Market(dates, tuple(f"T{i}" for i in range(n)), c, c, c, c, np.ones((n_days, n)))
    res = simulate(m, TopKPolicy(rng.random((n_days, n)), k=2, horizon=5, costs=Costs()))
    # a cohort of k fills at each open and leaves at the close of its h-th session: h cohorts
    # during a session, h - 1 at its close
    assert res.cash.min() >= 0 and res.n_open.max() == 2 * (5 - 1)
    res = simulate(m, BuyAndHoldPolicy(Costs()))
    assert res.n_open[-1] == n and res.cash[-1] == pytest.approx(0.0, abs=1e-6)


def test_same_trades_and_final_equity_as_vectorbt() -> None:
    vbt = pytest.importorskip("vectorbt")
    import pandas as pd

    rng = np.random.default_rng(11)
    n_days, n = 250, 8
    dates = np.asarray(trading_days(dt.date(2023, 1, 3), dt.date(2023, 12, 29))[:n_days],
                       dtype="datetime64[D]")  # fmt: skip
    c = 50 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, (n_days, n)), 0))
    o = c * np.exp(rng.normal(0, 0.01, (n_days, n)))
    h = np.maximum(o, c) * (1 + np.abs(rng.normal(0, 0.01, (n_days, n))))
    lo = np.minimum(o, c) * (1 - np.abs(rng.normal(0, 0.01, (n_days, n))))
    m = Market(dates, tuple(f"T{i}" for i in range(n)), o, h, lo, c, np.ones((n_days, n)))
    entries = rng.random((n_days, n)) < 0.08
    costs = Costs(slippage=0.001, commission=0.002)
    cfg = ExecutionConfig(costs=costs, initial_equity=1e6, stops_from_entry_bar=False)
    ours = simulate(m, EntryPolicy(entries, 10_000.0, 0.05, 0.08), cfg)

    frame = lambda a: pd.DataFrame(a, index=pd.DatetimeIndex(dates), columns=m.tickers)  # noqa: E731
    shifted = np.zeros_like(entries)
    shifted[1:] = entries[:-1]  # decided at a close, filled at the next open
    pf = vbt.Portfolio.from_signals(
        close=frame(c), entries=frame(shifted), exits=frame(np.zeros_like(entries)),
        open=frame(o), high=frame(h), low=frame(lo), price=frame(o),
        size=10_000.0, size_type="value", fees=costs.commission, slippage=costs.slippage,
        sl_stop=0.05, tp_stop=0.08, stop_entry_price="fillprice", stop_exit_price="stopmarket",
        init_cash=1e6, group_by=True, cash_sharing=True, freq="1D",
    )  # fmt: skip
    theirs = pf.trades.records_readable
    closed = theirs[theirs["Status"] == "Closed"]
    mine = sorted((t.ticker, np.datetime64(t.entry_date), round(t.pnl, 6)) for t in ours.closed())
    them = sorted(
        (r["Column"], np.datetime64(r["Entry Timestamp"].date()), round(r["PnL"], 6))
        for _, r in closed.iterrows()
    )
    assert len(mine) > 20
    assert mine == them
    assert ours.equity[-1] == pytest.approx(float(pf.value().iloc[-1]), abs=1e-9, rel=0)


@pytest.mark.parametrize(
    ("bar", "reason", "price"),
    [
        ((100, 106, 99, 102), "stop", 105.0),  # high through a short's stop
        ((107, 108, 101, 102), "stop_gap", 107.0),
        ((100, 101, 89, 95), "take_profit", 90.0),
        ((100, 106, 89, 100), "stop", 105.0),  # both touched: the stop counts
    ],
)
def test_a_short_mirrors_every_exit(bar, reason, price) -> None:
    from tft_assets.risk.portfolio import Order

    def short_first_day(t, state, market):
        if t:
            return []
        return [Order("s", "AAA", -1, market.day(0), 500.0, 0.05, 0.10, None)]

    m = bars([(100, 100, 100, 100), (100, 100, 100, 100), bar])
    res = simulate(m, short_first_day, FREE)
    (trade,) = res.closed()
    assert (trade.exit_reason, trade.exit_price) == (reason, pytest.approx(price))
    assert trade.pnl == pytest.approx(-5 * (price - 100.0))

"""The simulator against hand-computed cases and against vectorbt's ``Portfolio.from_signals``."""

from __future__ import annotations

import datetime as dt
import math

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
from tft_assets.backtest.trades import REASONS
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


def _exit_by_hand(p, o: float, h: float, lo: float, c: float, armed: bool, day) -> tuple:
    """(price, reason) of position ``p`` on one bar, or (nan, None)."""
    o = o if o > 0 else c
    d = p.direction
    adverse, favourable = (lo, h) if d > 0 else (h, lo)
    if p.due is not None and p.due < day:
        return o, "horizon_late"
    if armed and d * (o - p.stop) <= 0:
        return o, "stop_gap"
    if armed and d * (adverse - p.stop) <= 0:
        return p.stop, "stop"
    if armed and d * (o - p.take_profit) >= 0:
        return o, "take_profit_gap"
    if armed and d * (favourable - p.take_profit) >= 0:
        return p.take_profit, "take_profit"
    if p.due == day:
        return c, "horizon"
    return math.nan, None


def one_position_at_a_time(market: Market, policy, config: ExecutionConfig) -> tuple:
    """The rules of the engine's docstring, written one position and one order at a time:
    (per session: equity, cash, gross exposure, traded notional; trades as tuples; the final
    state as JSON)."""
    from tft_assets.calendar import shift_trading_days
    from tft_assets.risk.portfolio import Position

    state = PortfolioState.start(config.initial_equity)
    slip, comm = config.costs.slippage, config.costs.commission
    col = market.index()
    curves, trades = [], []

    def bar(t: int, ticker: str) -> list[float]:
        i = col.get(ticker)
        grids = (market.open, market.high, market.low, market.close)
        return [g[t, i] if i is not None else math.nan for g in grids]

    for t in range(len(market.dates)):
        day, opened, traded = market.day(t), [], 0.0
        for o in state.pending:
            px = bar(t, o.ticker)[0]
            if not px > 0:
                trades.append((o.signal_id, o.ticker, "missing_price_at_entry", day, None, 0.0))
                continue
            d, fill, qty = o.direction, px * (1.0 + o.direction * slip), o.notional / px
            due = shift_trading_days(day, o.horizon - 1) if o.horizon else None
            opened.append(Position(o.signal_id, o.ticker, d, qty, day, fill, qty * fill * comm,
                                   fill * (1.0 - d * o.stop_frac),
                                   fill * (1.0 + d * o.take_profit_frac), due, fill,
                                   o.signal_date))  # fmt: skip
            state.cash -= d * qty * fill + opened[-1].entry_commission
            traded += qty * fill
        kept = []
        for p in [*state.positions, *opened]:
            o, h, lo, c = bar(t, p.ticker)
            armed = config.stops_from_entry_bar or p.entry_date != day
            price, reason = _exit_by_hand(p, o, h, lo, c, armed, day) if c > 0 else (0, None)
            if reason is None:
                p.last_price = c if c > 0 else p.last_price
                kept.append(p)
                continue
            d, fill = p.direction, price * (1.0 - p.direction * slip)
            fee = p.qty * fill * comm
            pnl = d * p.qty * (fill - p.entry_price) - p.entry_commission - fee
            state.cash += d * p.qty * fill - ((p.entry_commission + fee) - p.entry_commission)
            traded += p.qty * fill
            trades.append((p.signal_id, p.ticker, reason, day, fill, pnl))
        state.positions = kept
        state.mark()
        state.as_of = day
        gross = sum(abs(p.value()) for p in state.positions) / state.equity
        curves.append((state.equity, state.cash, gross, traded))
        state.pending = list(policy(t, state, market))
    return curves, trades, state.to_json()


def a_rough_market(n_days: int, n: int, seed: int) -> Market:
    """Random bars with missing sessions, bars without an open, and zero lows."""
    rng = np.random.default_rng(seed)
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, (n_days, n)), 0))
    o = c * np.exp(rng.normal(0, 0.02, (n_days, n)))
    h = np.maximum(o, c) * (1 + np.abs(rng.normal(0, 0.02, (n_days, n))))
    lo = np.minimum(o, c) * (1 - np.abs(rng.normal(0, 0.02, (n_days, n))))
    lo[rng.random((n_days, n)) < 0.01] = 0.0
    gone = rng.random((n_days, n)) < 0.12
    for a in (o, h, lo, c):
        a[gone] = np.nan
    o[rng.random((n_days, n)) < 0.04] = np.nan  # a close without an open
    dates = np.asarray(DAYS[:n_days], dtype="datetime64[D]")
    return Market(dates, tuple(f"T{i}" for i in range(n)), o, h, lo, c, np.ones((n_days, n)))


@pytest.mark.parametrize("stops_from_entry_bar", [True, False])
def test_the_same_trades_and_equity_as_one_position_at_a_time(stops_from_entry_bar) -> None:
    from tft_assets.risk.portfolio import Order

    m = a_rough_market(40, 6, seed=27)
    signal = np.random.default_rng(28).random(m.close.shape)

    def policy(t, state, market):
        # longs and shorts, every kind of horizon, a ticker twice, one the market lacks
        out = [Order(f"{t}:{i}", market.tickers[i], 1 if signal[t, i] < 0.2 else -1,
                     market.day(t), 100.0 + i, 0.02 + 0.01 * (i % 3), 0.04,
                     [None, 0, 1, 2, 4, 9][i]) for i in np.flatnonzero(signal[t] < 0.35)]  # fmt: skip
        if t % 7 == 0:
            out += [Order(f"{t}:again", "T0", 1, market.day(t), 50.0, 0.03, 0.05, 3),
                    Order(f"{t}:absent", "ZZZ", 1, market.day(t), 50.0, 0.03, 0.05, 3)]  # fmt: skip
        return out

    cfg = ExecutionConfig(Costs(0.001, 0.002), 10_000.0, stops_from_entry_bar)
    curves, trades, final = one_position_at_a_time(m, policy, cfg)
    res = simulate(m, policy, cfg)
    mine = [(t.signal_id, t.ticker, t.exit_reason, t.exit_date, t.exit_price, t.pnl)
            for t in res.trades]  # fmt: skip
    assert {reason for _, _, reason, *_ in trades} == {*REASONS}  # every exit and cancellation
    assert mine == trades
    curves_here = zip(res.equity, res.cash, res.gross_exposure, res.traded_notional, strict=True)
    assert list(curves_here) == curves
    assert res.state.to_json() == final


@pytest.mark.parametrize(
    "make",
    [
        lambda: EntryPolicy(np.random.default_rng(5).random((40, 6)) < 0.3, 100.0, 0.03, 0.05, 4),
        lambda: TopKPolicy(np.random.default_rng(6).random((40, 6)), k=2, horizon=3, costs=Costs()),
        lambda: BuyAndHoldPolicy(Costs()),
    ],
    ids=["entry", "top_k", "buy_and_hold"],
)
def test_a_policy_as_arrays_and_as_orders_runs_the_same(make) -> None:
    m = a_rough_market(40, 6, seed=23)
    cfg = ExecutionConfig(initial_equity=10_000.0, stops_from_entry_bar=False)
    policy = make()
    arrays = simulate(m, policy, cfg, snapshots=True)
    orders = simulate(m, lambda t, state, market: policy(t, state, market), cfg, snapshots=True)
    assert arrays.equity.tolist() == orders.equity.tolist()
    assert [vars(t) for t in arrays.trades] == [vars(t) for t in orders.trades]
    assert arrays.states == orders.states and len(arrays.trades) > 0


def test_the_trade_log_arrays_agree_with_the_records() -> None:
    nan = float("nan")
    m = bars([(100, 100, 100, 100), (nan, nan, nan, nan), (100, 100, 100, 100),
              (100, 111, 99, 105)])  # fmt: skip

    def twice(t, state, market):  # day 0: cancelled at a halt; day 1: filled, target on day 3
        return EntryPolicy(np.ones((4, 1), bool), 500.0, 0.05, 0.10)(t, state, market)[: t < 2]

    res = simulate(m, twice, FREE)
    log = res.log
    assert [(t.status, t.exit_reason) for t in res.trades] == [
        ("cancelled", "missing_price_at_entry"),
        ("closed", "take_profit"),
    ]
    assert log.closed.tolist() == [False, True] and log.qty[0] == 0.0
    assert log.pnl.tolist() == [0.0, pytest.approx(50.0)] == [t.pnl for t in res.trades]
    assert log.signal_id.tolist() == [f"{DAYS[0]}:AAA", f"{DAYS[1]}:AAA"]
    assert np.isnat(log.entry_date[0]) and log.exit_date[1] == np.datetime64(DAYS[3])


def test_a_resumed_position_is_not_armed_on_its_entry_bar() -> None:
    cfg = ExecutionConfig(costs=Costs(0.0, 0.0), initial_equity=1000.0, stops_from_entry_bar=False)
    first = simulate(bars([(100, 100, 100, 100)] * 2), enter_first_day(stop=0.05), cfg)
    (p,) = first.state.positions
    assert p.entry_date == DAYS[1]
    # resumed on sessions from its entry on: the low of 90 stops it from the next bar only
    later = bars([(100, 100, 90, 100)] * 3)
    later = Market(np.asarray(DAYS[1:4], dtype="datetime64[D]"), later.tickers, later.open,
                   later.high, later.low, later.close, later.factor)  # fmt: skip
    state = PortfolioState.from_json(first.state.to_json())
    res = simulate(later, lambda t, s, mk: [], cfg, state)
    assert [(t.exit_reason, t.exit_date) for t in res.closed()] == [("stop", DAYS[2])]

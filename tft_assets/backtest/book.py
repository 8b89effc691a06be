"""The signal book: the day's predictions through the six risk rules into a portfolio that carries
from one day to the next. ``risk_validated_signals`` is this, run over its partitions.

:func:`run_book` runs the simulator (:mod:`tft_assets.backtest.engine`) over calendar days
``days`` from a stored :class:`~tft_assets.risk.portfolio.PortfolioState`: orders decided at
a close fill at the next session's open, exits come from the highs and lows, the state after
each day's decisions is returned as JSON. Running a range in one call and running its days one
by one, each from the state the previous day stored, give the same result (the state JSON is
exact).

What each table holds:

* **signals**: approved candidates, with the levels in the prices a trader sees on the signal
  day (as traded, not adjusted): ``entry`` is that day's close, the stop ``stop_atr_multiple``
  ATR from it, the target ``take_profit_atr_multiple`` ATR from it. The order fills at the next
  open and its stop and target keep the same *distances* from the fill.
* **rejected**: every other prediction row, with its reason codes (see :mod:`tft_assets.risk.rules`).
* **states**: one row per calendar day; a day without a session carries the state unchanged.
* **trades**: positions closed, and orders cancelled (no open at the fill), on each day; prices
  in the adjusted basis (``adj_close`` units), so a split inside a position is no return.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from tft_assets.backtest.engine import (
    ExecutionConfig,
    Market,
    SimResult,
    market_from_prices,
    simulate,
)
from tft_assets.backtest.policies import RiskPolicy
from tft_assets.risk.portfolio import PortfolioState
from tft_assets.risk.rules import (
    BIT,
    DUPLICATE_CANDIDATE,
    MISSING_PRICE,
    NAN_PREDICTION,
    RiskConfig,
    reason_codes,
)
from tft_assets.schemas import (
    PORTFOLIO_STATE_SCHEMA,
    REJECTED_SIGNALS_SCHEMA,
    RISK_VALIDATED_SIGNALS_SCHEMA,
    TRADES_SCHEMA,
)

DIRECTION_NAME = {1: "long", -1: "short"}


def signal_id(day: dt.date, ticker: str, direction: int, model_version: str | None) -> str:
    """A stable id: the same day, ticker, direction and model give the same id on every rerun."""
    text = f"{day.isoformat()}|{ticker}|{direction:+d}|{model_version or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass
class BookResult:
    signals: pl.DataFrame
    rejected: pl.DataFrame
    states: pl.DataFrame
    trades: pl.DataFrame
    sim: SimResult


def _dedupe(predictions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(first row per (ticker, date), the later duplicates)."""
    ranked = predictions.with_columns(pl.int_range(pl.len()).over("date", "ticker").alias("_n"))
    return ranked.filter(pl.col("_n") == 0).drop("_n"), ranked.filter(pl.col("_n") > 0).drop("_n")


def run_book(
    days: list[dt.date],
    predictions: pl.DataFrame,
    prices: pl.DataFrame,
    atr_pct: pl.DataFrame,
    state: PortfolioState | None,
    config: RiskConfig,
    execution: ExecutionConfig,
    horizon: int,
) -> BookResult:
    """The book over calendar ``days`` (ascending) from ``state`` (None: a fresh portfolio).

    ``predictions``: ``ticker, date, p_up`` (and ``model_version, snapshot_id``) of those days;
    ``prices``: ``raw_prices`` rows of the sessions among them; ``atr_pct``: ``ticker, date,
    atr_pct_14`` (ATR as a fraction of the close, from ``feature_snapshots``).
    """
    first, last = days[0], days[-1]
    preds = predictions.filter(pl.col("date").is_between(first, last))
    for col in ("model_version", "snapshot_id"):
        if col not in preds.columns:
            preds = preds.with_columns(pl.lit(None, dtype=pl.String).alias(col))
    preds, duplicates = _dedupe(preds)
    held = (
        {p.ticker for p in state.positions} | {o.ticker for o in state.pending} if state else set()
    )
    px = prices.filter(pl.col("date").is_between(first, last))
    tickers = sorted(set(preds["ticker"].to_list()) | set(px["ticker"].to_list()) | held)
    market = market_from_prices(px, tickers)
    sessions = set(market.dates.astype(dt.date).tolist())
    on_market = preds.filter(pl.col("date").is_in(sorted(sessions)))
    off_market = preds.filter(~pl.col("date").is_in(sorted(sessions)))  # a day with no bar at all
    atr = market.grid(atr_pct.join(on_market.select("ticker", "date"), on=["ticker", "date"]),
                "atr_pct_14") * market.close  # fmt: skip
    p_up = market.grid(on_market, "p_up")
    present = np.zeros(market.close.shape, dtype=bool)
    if on_market.height:
        present[market.cells(on_market)] = True
    meta = {(r["date"], r["ticker"]): r for r in on_market.iter_rows(named=True)}

    def sid(t: int, ticker: str, direction: int) -> str:
        day = market.day(t)
        return signal_id(day, ticker, direction, meta[(day, ticker)]["model_version"])

    policy = RiskPolicy(market, p_up, atr, present, config, execution.costs, horizon, sid)
    sim = simulate(market, policy, execution, state, snapshots=True)
    signals = _signal_rows(market, policy, meta)
    rejected = pl.concat(
        [
            _rejected_cells(market, policy, meta),
            _rejected_rows(duplicates, BIT[DUPLICATE_CANDIDATE]),
            _rejected_rows(off_market, BIT[MISSING_PRICE]),
        ],
        how="diagonal_relaxed",
    ).sort("date", "ticker")
    return BookResult(
        signals, rejected, _state_rows(days, market, sim, state, execution), _trade_rows(sim), sim
    )


def _signal_rows(market: Market, policy: RiskPolicy, meta: dict) -> pl.DataFrame:
    c, n = policy.cands, len(market.tickers)
    rows = []
    for j in policy.approved:
        t, i = divmod(j, n)
        day, ticker, d = market.day(t), market.tickers[i], int(c.direction[j])
        f = market.factor[t, i]
        m = meta[(day, ticker)]
        equity = policy.equity_at[j]
        rows.append({
            "signal_id": signal_id(day, ticker, d, m["model_version"]), "date": day,
            "ticker": ticker, "direction": DIRECTION_NAME[d], "confidence": float(c.confidence[j]),
            "p_up": float(c.p_up[j]), "entry": float(c.entry[j] / f),
            "stop_loss": float(c.stop[j] / f), "take_profit": float(c.take_profit[j] / f),
            "atr": float((c.entry[j] - c.stop[j]) * d / policy.config.stop_atr_multiple / f),
            "stop_distance": float(c.stop_distance[j]), "reward_risk": float(c.reward_risk[j]),
            "position_fraction": float(c.fraction[j]), "notional": float(c.fraction[j] * equity),
            "equity": float(equity), "model_version": m["model_version"],
            "snapshot_id": m["snapshot_id"],
        })  # fmt: skip
    return pl.DataFrame(rows, schema=RISK_VALIDATED_SIGNALS_SCHEMA)


def _rejected_cells(market: Market, policy: RiskPolicy, meta: dict) -> pl.DataFrame:
    flat = np.flatnonzero(policy.present.ravel() & (policy.mask != 0))
    n = len(market.tickers)
    rows = []
    for j in flat:
        t, i = divmod(int(j), n)
        day, ticker = market.day(t), market.tickers[i]
        m = meta[(day, ticker)]
        p = m["p_up"]
        rows.append({"date": day, "ticker": ticker, "p_up": p,
                     "confidence": float(policy.cands.confidence[j]) if p is not None else None,
                     "reasons": reason_codes(int(policy.mask[j])),
                     "model_version": m["model_version"], "snapshot_id": m["snapshot_id"]})  # fmt: skip
    return pl.DataFrame(rows, schema=REJECTED_SIGNALS_SCHEMA)


def _rejected_rows(frame: pl.DataFrame, bit: int) -> pl.DataFrame:
    rows = []
    for r in frame.iter_rows(named=True):
        p = r["p_up"]
        bad = p is None or not np.isfinite(p)
        mask = bit | (BIT[NAN_PREDICTION] if bad else 0)
        rows.append({"date": r["date"], "ticker": r["ticker"], "p_up": p,
                     "confidence": None if bad else max(p, 1 - p), "reasons": reason_codes(mask),
                     "model_version": r["model_version"], "snapshot_id": r["snapshot_id"]})  # fmt: skip
    return pl.DataFrame(rows, schema=REJECTED_SIGNALS_SCHEMA)


def _state_rows(
    days: list[dt.date],
    market: Market,
    sim: SimResult,
    start: PortfolioState | None,
    execution: ExecutionConfig,
) -> pl.DataFrame:
    by_day = {market.day(t): t for t in range(len(market.dates))}
    current = (start or PortfolioState.start(execution.initial_equity)).to_json()
    rows = []
    for day in days:
        t = by_day.get(day)
        if t is not None:
            current = sim.states[t]
        s = PortfolioState.from_json(current)
        gross = sum(abs(p.value()) for p in s.positions)
        rows.append({
            "date": day, "as_of": s.as_of, "session": t is not None, "cash": s.cash,
            "equity": s.equity, "peak": s.peak, "drawdown": s.drawdown,
            "n_open": len(s.positions), "n_pending": len(s.pending),
            "gross_exposure": gross / s.equity if s.equity > 0 else 0.0, "state": current,
        })  # fmt: skip
    return pl.DataFrame(rows, schema=PORTFOLIO_STATE_SCHEMA)


def _trade_rows(sim: SimResult) -> pl.DataFrame:
    rows = []
    for tr in sim.trades:
        row = asdict(tr)
        row["direction"] = DIRECTION_NAME[tr.direction]
        rows.append(row)
    return pl.DataFrame(rows, schema=TRADES_SCHEMA)

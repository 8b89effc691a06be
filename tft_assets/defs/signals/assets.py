"""``risk_validated_signals`` (with ``rejected_signals``, ``portfolio_state`` and ``trades``) and
``backtests``, daily.

The signal book is stateful: partition D starts from the ``portfolio_state`` stored for D - 1
(a calendar day; days without a session carry the state). A range run processes its days in
order from the state before its first day, exactly as day-by-day runs would; a day whose
previous state is missing fails and names the gap, so state is never silently reset. The very
first partition materialised starts a fresh portfolio. Rerunning a past day changes the state
the later days started from: rerun them too (one range run).
"""

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from tft_assets.defs.metadata import counts_json, md_table, png_markdown
from tft_assets.defs.partitions import daily_asset_options
from tft_assets.defs.resources import LakeResource
from tft_assets.defs.signals.resources import SignalsResource
from tft_assets.lake.storage import atomic_write_local
from tft_assets.schemas import (
    BACKTESTS_SCHEMA,
    PORTFOLIO_STATE_SCHEMA,
    REJECTED_SIGNALS_SCHEMA,
    RISK_VALIDATED_SIGNALS_SCHEMA,
    TRADES_SCHEMA,
    conform,
    empty_frame,
)

SIGNALS_GROUP = "signals"
OWNERS = ["team:trading"]
BOOK_INPUTS = ["predictions", "raw_prices", "feature_snapshots"]
CHECK_SIGNALS_OBEY_RULES = "check_signals_obey_risk_rules"
CHECK_EVERY_PREDICTION_DECIDED = "check_every_prediction_decided"
BOOK_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_SIGNALS_OBEY_RULES, asset="risk_validated_signals", blocking=True,
        description="Recomputed from the stored columns alone: every approved signal passes rules 1-4 "
        "(confidence, ordered ATR levels within the stop band, reward-to-risk net of costs, size), and "
        "every day's portfolio keeps rule 5 (open + pending positions), rule 6 (no entry while in a "
        "drawdown halt) and non-negative cash.",
    ),
    dg.AssetCheckSpec(
        CHECK_EVERY_PREDICTION_DECIDED, asset="risk_validated_signals", blocking=True,
        description="Every prediction row of the run is either an approved signal or a rejection with "
        "at least one reason code: nothing is dropped.",
    ),
]  # fmt: skip


def _day(key: str) -> dt.date:
    return dt.date.fromisoformat(key)


def _out(description: str) -> dg.AssetOut:
    return dg.AssetOut(
        description=description,
        owners=OWNERS,
        tags={"layer": "gold", "domain": "signals"},
        kinds={"polars", "parquet"},
    )


def build_signal_assets(daily: dg.PartitionsDefinition) -> list:
    @dg.multi_asset(
        outs={
            "risk_validated_signals": _out("Signals that pass the six risk rules, one row each: "
                  "signal_id, date, ticker, direction, confidence, entry (the day's close), stop_loss "
                  "(k x ATR below), take_profit, position_fraction, notional, model_version, snapshot_id. "
                  "The order fills at the next session's open."),
            "rejected_signals": _out("Every other prediction of the day with its reason codes "
                  "(low_confidence, reward_risk, max_positions, drawdown_halt, nan_prediction, "
                  "missing_price, duplicate_candidate, ...)."),
            "portfolio_state": _out("The portfolio after each day's decisions: cash, equity, peak, "
                  "drawdown, open positions and orders waiting to fill, and the exact state as JSON "
                  "that the next day starts from."),
            "trades": _out("Positions closed on the day (stop, stop gap, take profit, horizon) with "
                  "their P&L after costs, and orders cancelled for want of an open."),
        },
        deps=BOOK_INPUTS,
        partitions_def=daily,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=SIGNALS_GROUP,
        check_specs=BOOK_CHECKS,
    )  # fmt: skip
    def signal_book(
        context: dg.AssetExecutionContext, lake: LakeResource, signals: SignalsResource
    ) -> Iterator:
        yield from book_range(context, lake, signals)

    @dg.asset(
        **daily_asset_options(daily, SIGNALS_GROUP, OWNERS, "gold", "signals",
                              kinds=("polars", "matplotlib")),
        deps=[*BOOK_INPUTS, "labels"],
        description="A backtest at D over the trailing window whose outcomes are known by D's close: "
        "the signal portfolio, top-k P(up) without rules, equal-weight buy-and-hold and 20-day momentum, "
        "all with costs, on the same sessions. One row per portfolio with every metric (returns, Sharpe "
        "with its interval, Sortino, Calmar, drawdown, trade statistics, accuracy with its interval, "
        "probabilistic and deflated Sharpe); an equity and drawdown figure, and an HTML report.",
    )  # fmt: skip
    def backtests(
        context: dg.AssetExecutionContext, lake: LakeResource, signals: SignalsResource
    ) -> dg.Output:
        return backtest_range(context, lake, signals)

    return [signal_book, backtests]


# ----------------------------------------------------------------------------- the book


def previous_state(lake: LakeResource, first_key: str) -> Any:
    """The state stored for the day before ``first_key``; None when nothing is stored before it
    (the first run). A gap fails the run, naming the day to materialise."""
    from tft_assets.lake.storage import list_partitions
    from tft_assets.risk.portfolio import PortfolioState

    before = [k for k in list_partitions(lake.base_url, "portfolio_state") if k < first_key]
    if not before:
        return None
    wanted = (_day(first_key) - dt.timedelta(days=1)).isoformat()
    if before[-1] != wanted:
        raise dg.Failure(
            f"portfolio_state of {wanted} is not stored (the latest before {first_key} is {before[-1]}): "
            f"materialise {(_day(before[-1]) + dt.timedelta(days=1)).isoformat()}..{first_key} as one range"
        )
    rows = lake.read_range("portfolio_state", wanted, wanted)
    return PortfolioState.from_json(rows["state"][0])


def _split(
    frame: pl.DataFrame, column: str, keys: list[str], schema: dict
) -> dict[str, pl.DataFrame]:
    frame = conform(frame, schema)
    if frame.is_empty():
        return {k: empty_frame(schema) for k in keys}
    parts = frame.partition_by(column, as_dict=True, include_key=True)
    return {k: parts.get((_day(k),), empty_frame(schema)) for k in keys}


def book_range(
    context: dg.AssetExecutionContext, lake: LakeResource, signals: SignalsResource
) -> Iterator:
    from tft_assets.backtest.book import run_book
    from tft_assets.risk.audit import violations

    keys = list(context.partition_keys)
    state = previous_state(lake, keys[0])
    preds = lake.read_range("predictions", keys[0], keys[-1])
    prices = lake.read_range("raw_prices", keys[0], keys[-1])
    atr = lake.read_range(
        "feature_snapshots", keys[0], keys[-1], columns=["ticker", "date", "atr_pct_14"]
    )
    for name, frame in (("predictions", preds), ("raw_prices", prices)):
        if frame.is_empty() and any(_day(k).weekday() < 5 for k in keys):
            context.log.warning(f"risk_validated_signals {keys[0]}..{keys[-1]}: no {name} stored")
    if preds.is_empty():
        preds = pl.DataFrame(schema={"ticker": pl.String, "date": pl.Date, "p_up": pl.Float64})
    if atr.is_empty():
        atr = pl.DataFrame(schema={"ticker": pl.String, "date": pl.Date, "atr_pct_14": pl.Float64})
    if prices.is_empty():
        prices = pl.DataFrame(schema={c: pl.Float64 for c in ("open", "high", "low", "close")}
                              ).with_columns(pl.lit(None, pl.Date).alias("date"),
                                             pl.lit(None, pl.String).alias("ticker"))  # fmt: skip
    config, execution = signals.risk_config(), signals.execution()
    res = run_book([_day(k) for k in keys], preds, prices, atr, state, config, execution,
                   signals.horizon_days)  # fmt: skip
    reasons = (
        res.rejected.explode("reasons")["reasons"].value_counts() if res.rejected.height else None
    )
    last = res.states.row(-1, named=True)
    book_meta: dict[str, Any] = {
        "row_count": dg.MetadataValue.int(res.signals.height),
        "rejected": res.rejected.height,
        "equity": round(last["equity"], 2),
        "drawdown": round(last["drawdown"], 4),
        "open_positions": last["n_open"],
        "pending_orders": last["n_pending"],
        "started_from": state.as_of.isoformat() if state and state.as_of else "a fresh portfolio",
    }
    if reasons is not None:
        book_meta["rejection_reasons"] = counts_json(
            dict(zip(reasons["reasons"], reasons["count"], strict=True))
        )
    if res.signals.height:
        book_meta["preview"] = md_table(
            res.signals.tail(10).select("date", "ticker", "direction", "confidence", "entry",
                                        "stop_loss", "take_profit", "position_fraction"))  # fmt: skip
    closed = res.trades.filter(pl.col("status") == "closed")
    yield dg.Output(_split(res.signals, "date", keys, RISK_VALIDATED_SIGNALS_SCHEMA),
                    output_name="risk_validated_signals", metadata=book_meta)  # fmt: skip
    yield dg.Output(_split(res.rejected, "date", keys, REJECTED_SIGNALS_SCHEMA),
                    output_name="rejected_signals",
                    metadata={"row_count": dg.MetadataValue.int(res.rejected.height)})  # fmt: skip
    yield dg.Output(_split(res.states, "date", keys, PORTFOLIO_STATE_SCHEMA),
                    output_name="portfolio_state",
                    metadata={"row_count": dg.MetadataValue.int(res.states.height),
                              "equity": round(last["equity"], 2)})  # fmt: skip
    yield dg.Output(_split(res.trades, "exit_date", keys, TRADES_SCHEMA), output_name="trades",
                    metadata={"row_count": dg.MetadataValue.int(res.trades.height),
                              "closed": closed.height,
                              "pnl": round(float(closed["pnl"].sum()), 2) if closed.height else 0.0})  # fmt: skip
    broken = violations(res.signals, res.states, config, execution.costs.round_trip)
    yield dg.AssetCheckResult(
        check_name=CHECK_SIGNALS_OBEY_RULES,
        asset_key="risk_validated_signals",
        passed=not broken,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(broken) or None,
        metadata={"signals": res.signals.height, "days": res.states.height},
    )
    unexplained = res.rejected.filter(pl.col("reasons").list.len() == 0).height
    decided = res.signals.height + res.rejected.height
    in_range = preds.filter(pl.col("date").is_between(_day(keys[0]), _day(keys[-1]))).height
    yield dg.AssetCheckResult(
        check_name=CHECK_EVERY_PREDICTION_DECIDED,
        asset_key="risk_validated_signals",
        passed=decided == in_range and unexplained == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "predictions": in_range,
            "decided": decided,
            "rejections_without_reason": unexplained,
        },
    )


# ----------------------------------------------------------------------------- backtests


def tuning_trials(lake: LakeResource, last_key: str) -> int:
    """Optuna trials recorded by ``tuned_hyperparameters`` up to ``last_key`` (at least 1): the
    configurations tried before the models that made the predictions."""
    rows = lake.read_range("tuned_hyperparameters", None, last_key, columns=["n_trials"])
    return max(1, int(rows["n_trials"].sum())) if rows.height else 1


def load_backtest_inputs(
    lake: LakeResource, first: dt.date, last: dt.date
) -> dict[str, pl.DataFrame]:
    a, b = first.isoformat(), last.isoformat()
    return {
        "predictions": lake.read_range("predictions", a, b, columns=["ticker", "date", "p_up"]),
        "prices": lake.read_range("raw_prices", a, b),
        "features": lake.read_range("feature_snapshots", a, b,
                                    columns=["ticker", "date", "atr_pct_14", "ret_20d"]),
        "labels": lake.read_range("labels", a, b, columns=["ticker", "date", "fwd_return"]),
    }  # fmt: skip


def run_backtest(
    inputs: dict[str, pl.DataFrame],
    day: dt.date,
    signals: SignalsResource,
    n_trials: int,
    window: Any | None = None,
) -> Any:
    """The suite for partition ``day`` (or an explicit ``window``); None without enough sessions."""
    from tft_assets.backtest.suite import run_suite, trailing_window

    if window is None:
        prices = inputs["prices"]
        sessions = (
            sorted(set(prices.filter(pl.col("date") <= day)["date"].to_list()))
            if prices.height
            else []
        )
        window = trailing_window(sessions, signals.backtest_window_sessions, signals.horizon_days)
    if window is None or inputs["predictions"].is_empty():
        return None
    return run_suite(window, inputs["predictions"], inputs["prices"], inputs["features"],
                     inputs["labels"], signals.risk_config(), signals.execution(),
                     signals.horizon_days, signals.top_k, n_trials)  # fmt: skip


def write_report(result: Any, signals: SignalsResource, key: str) -> tuple[Path, bytes]:
    """The HTML report under ``reports_dir`` and the figure's PNG."""
    from tft_assets.backtest.report import equity_figure, html_report
    from tft_assets.models.plots import figure_png

    png = figure_png(equity_figure(result))
    ex = signals.execution()
    notes = [
        f"Costs on every fill: slippage {ex.costs.slippage:.2%} of the price and commission "
        f"{ex.costs.commission:.2%} of the notional, per side; orders decided at a close fill at the next open.",
        "Exits from daily highs and lows; a gap through the stop fills at the open; a bar touching "
        "both the stop and the target counts as the stop.",
        f"Deflated Sharpe of the model portfolios against {result.metrics['signals']['n_trials']} tuning trials; "
        "the baselines are untuned (1 trial).",
        "Accuracy intervals: moving-block bootstrap over days; Sharpe intervals: block bootstrap over sessions.",
    ]
    path = Path(signals.reports_dir) / f"backtest-{key}.html"
    html = html_report(result, png, f"tft-trader backtest {key}", notes)
    # a reader sees the old report or the whole new one, whatever other runs write meanwhile
    atomic_write_local(path, html.encode("utf-8"))
    return path, png


def backtest_range(
    context: dg.AssetExecutionContext, lake: LakeResource, signals: SignalsResource
) -> dg.Output:
    from tft_assets.backtest.suite import metrics_frame

    keys = list(context.partition_keys)
    span = math.ceil((signals.backtest_window_sessions + signals.horizon_days + 5) * 7 / 5) + 10
    inputs = load_backtest_inputs(lake, _day(keys[0]) - dt.timedelta(days=span), _day(keys[-1]))
    frames, last, skipped = {}, None, []
    for key in keys:
        day = _day(key)
        result = run_backtest(inputs, day, signals, tuning_trials(lake, key))
        if result is None:
            frames[key] = empty_frame(BACKTESTS_SCHEMA)
            skipped.append(key)
            continue
        path, png = write_report(result, signals, key)
        frames[key] = conform(metrics_frame(result, day).with_columns(pl.lit(str(path)).alias("report")),
                              BACKTESTS_SCHEMA)  # fmt: skip
        last = (key, result, path, png)
    meta: dict[str, Any] = {
        "row_count": dg.MetadataValue.int(sum(f.height for f in frames.values()))
    }
    if skipped:
        meta["without_backtest"] = len(skipped)
        context.log.info(f"backtests: {len(skipped)} day(s) without enough sessions or predictions")
    if last is not None:
        key, result, path, png = last
        w = result.window
        meta["window"] = (
            f"decisions {w.decision_start}..{w.decision_end}, outcomes to {w.last_session}"
        )
        meta["summary"] = md_table(
            frames[key].select("portfolio", "total_return", "sharpe", "deflated_sharpe", "max_drawdown",
                               "n_trades", "win_rate", "accuracy"), max_rows=4)  # fmt: skip
        meta["equity_and_drawdown"] = png_markdown(png, "equity and drawdown")
        meta["report"] = dg.MetadataValue.path(str(path))
    return dg.Output(frames, metadata=meta)

"""``tft-trader demo``: materialise every asset over a date range on the demo world."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

DEFAULT_DEMO_START = "2022-10-01"
DEFAULT_DEMO_END = "2024-06-30"
#: Ingestion and scoring start this many calendar days before --start, so that 50-session
#: indicators and the 60-session anomaly history are warm on the first feature day.
DEFAULT_WARMUP_DAYS = 120
#: The demo retrains the TFT once a quarter (live default: monthly): its fits are most of the
#: demo's time, and the cadence is the knob that keeps a long backfill cheap.
DEMO_TFT_CADENCE = "quarterly"
INGESTION_ASSETS = ("raw_posts", "raw_prices", "scored_posts")
#: The demo tunes once, in the first week with enough known sessions for the folds of
#: ``tft_assets.models.tuning`` (30 sessions before the first sequence, 85 for the folds) (the weekly schedule tunes every week in live mode).
DEMO_TUNING_AFTER_SESSIONS = 125


def demo_ranges(start: dt.date, end: dt.date, warmup_days: int, horizon_days: int):
    """Per-asset partition ranges of a demo run (see :func:`tft_assets.cli.runner.stages`)."""
    from tft_assets.calendar import shift_trading_days

    last_label = shift_trading_days(end + dt.timedelta(days=1), -horizon_days - 1)

    def range_of(asset: str) -> tuple[dt.date, dt.date] | None:
        if asset in INGESTION_ASSETS:
            return start - dt.timedelta(days=warmup_days), end
        if asset == "labels":  # a label is known only once the prices of D+h exist
            return (start, last_label) if last_label >= start else None
        if asset == "backtests":  # one backtest, at the last day, over the whole range
            return end, end
        if asset == "tuned_hyperparameters":  # weekly partitions, keyed by their Monday
            day = shift_trading_days(start, DEMO_TUNING_AFTER_SESSIONS)
            monday = day + dt.timedelta(days=(7 - day.weekday()) % 7)
            return (monday, monday) if monday <= end else None
        return start, end

    return range_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="materialise the whole pipeline on the built-in demo world")
    p.add_argument(
        "--start",
        default=DEFAULT_DEMO_START,
        type=dt.date.fromisoformat,
        help="first day (YYYY-MM-DD)",
    )
    p.add_argument(
        "--end", default=DEFAULT_DEMO_END, type=dt.date.fromisoformat, help="last day (YYYY-MM-DD)"
    )
    p.add_argument(
        "--tickers", type=int, default=None, help="tickers in the demo world (default 20)"
    )
    p.add_argument("--seed", type=int, default=None, help="demo world seed (default 7)")
    p.add_argument(
        "--signal-strength", type=float, default=None, help="hype effect on returns; 0 = null world"
    )
    p.add_argument(
        "--warmup-days",
        type=int,
        default=DEFAULT_WARMUP_DAYS,
        help="ingest this many calendar days before --start so indicators are warm (default 120)",
    )
    p.add_argument(
        "--tft-cadence",
        default=None,
        choices=("daily", "weekly", "monthly", "quarterly"),
        help="how often the TFT retrains (default: TFT_TRANSFORMER_CADENCE when set, else quarterly)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import warnings

    from tft_assets.calendar import trading_days
    from tft_assets.cli.pipeline import execute, report
    from tft_assets.settings import load_settings

    if args.end < args.start:
        raise ValueError(f"--end {args.end} is before --start {args.start}")
    warnings.filterwarnings("ignore", category=Warning, module="dagster")
    base = load_settings()
    settings = dataclasses.replace(
        base,
        posts_source="demo",
        prices_source="demo",
        start_date=min(base.start_date, args.start - dt.timedelta(days=args.warmup_days)),
        demo_seed=args.seed if args.seed is not None else base.demo_seed,
        demo_tickers=args.tickers if args.tickers is not None else base.demo_tickers,
        demo_signal_strength=args.signal_strength
        if args.signal_strength is not None
        else base.demo_signal_strength,
        backtest_window_sessions=len(trading_days(args.start, args.end)),
        tft_cadence=args.tft_cadence
        or os.environ.get("TFT_TRANSFORMER_CADENCE", "").strip().lower()
        or DEMO_TFT_CADENCE,
    )
    range_of = demo_ranges(args.start, args.end, args.warmup_days, settings.horizon_days)
    outcome = execute(settings, args.start, args.end, range_of, "demo", quiet=args.json)
    walk = walk_forward(settings, args.start, args.end) if outcome.ok else None
    backtest = backtest_summary(settings, args.end) if outcome.ok else None
    extra = {
        "seed": settings.demo_seed,
        "tickers": settings.demo_tickers,
        "signal_strength": settings.demo_signal_strength,
        "tft_cadence": settings.tft_cadence,
    }
    return report("demo", settings, args.start, args.end, outcome, walk, backtest, extra, args.json)


def walk_forward(settings, start: dt.date, end: dt.date, oracle: bool = True) -> dict | None:
    """The walk-forward summary of the stored predictions of ``start..end`` (see
    :func:`tft_assets.models.evaluation.walk_forward_summary`), with the demo world's oracle
    and its observable ceiling (from every stored ``raw_posts`` partition up to ``end``) when
    ``oracle``."""
    from tft_assets.lake.storage import list_partitions, read_partitions
    from tft_assets.models.evaluation import walk_forward_summary
    from tft_assets.sources.demo import DemoWorld, DemoWorldConfig

    def read(asset: str, columns: list[str] | None = None, first: dt.date = start):
        keys = [
            k
            for k in list_partitions(settings.lake_url, asset)
            if first.isoformat() <= k <= end.isoformat()
        ]
        return read_partitions(settings.lake_url, asset, keys, columns=columns)

    predictions = read("predictions")
    if predictions.is_empty():
        return None
    world = DemoWorld(
        DemoWorldConfig(
            seed=settings.demo_seed,
            n_tickers=settings.demo_tickers,
            signal_strength=settings.demo_signal_strength,
            horizon_days=settings.horizon_days,
        )
    )
    return walk_forward_summary(
        predictions,
        read("labels"),
        settings.horizon_days,
        momentum=read("feature_snapshots", ["ticker", "date", "ret_20d"]),
        oracle=world.oracle_frame(start, end) if oracle else None,
        observable=observable_ceiling(settings, world, read) if oracle else None,
    )


def observable_ceiling(settings, world, read) -> pl.DataFrame | None:
    """The observable ceiling's ``ticker, date, p_up`` over every session of the stored posts
    (:mod:`tft_assets.sources.demo.observable`); None when no post is stored."""
    from tft_assets.calendar import trading_days
    from tft_assets.sources.demo.observable import observable_frame

    columns = ["created_utc", "gt_tickers", "gt_sentiment", "gt_is_spam", "gt_defect"]
    posts = read("raw_posts", columns, first=dt.date.min)
    if posts.is_empty():
        return None
    first = posts["created_utc"].min().date()
    last = posts["created_utc"].max().date()
    return observable_frame(
        posts,
        world.tickers,
        trading_days(first, last),
        strength=settings.demo_signal_strength,
        horizon_days=settings.horizon_days,
    )


#: The metrics of each portfolio that ``--json`` reports under ``backtest``.
BACKTEST_KEYS = (
    "total_return", "cagr", "volatility", "sharpe", "sharpe_low", "sharpe_high", "sortino",
    "max_drawdown", "n_trades", "win_rate", "profit_factor", "exposure", "accuracy",
    "accuracy_low", "accuracy_high", "probabilistic_sharpe", "deflated_sharpe", "n_trials",
)  # fmt: skip


def backtest_summary(settings, end: dt.date) -> dict | None:
    """The ``backtests`` partition of ``end``: the signal portfolio's metrics at the top level,
    each portfolio's under its name (``buy_and_hold``, ``top_k``, ``momentum_20d``)."""
    from tft_assets.lake.storage import list_partitions, read_partitions

    key = end.isoformat()
    if key not in list_partitions(settings.lake_url, "backtests"):
        return None
    rows = read_partitions(settings.lake_url, "backtests", [key])
    if rows.is_empty():
        return None
    by = {r["portfolio"]: {k: r[k] for k in BACKTEST_KEYS} for r in rows.iter_rows(named=True)}
    first = rows.row(0, named=True)
    return {
        "decision_start": str(first["decision_start"]),
        "decision_end": str(first["decision_end"]),
        "last_session": str(first["last_session"]),
        **by["signals"],
        **{name: m for name, m in by.items() if name != "signals"},
        "report": first["report"],
    }


def backtest_line(b: dict) -> str:
    """One line: the signal portfolio against buy-and-hold on the same window."""

    def num(v, spec):
        return "n/a" if v is None else format(v, spec)

    bh = b["buy_and_hold"]
    return (
        f"backtest {b['decision_start']}..{b['last_session']}: signals {num(b['total_return'], '+.2%')}, "
        f"Sharpe {num(b['sharpe'], '.2f')} (deflated {num(b['deflated_sharpe'], '.3f')}), max drawdown "
        f"{num(b['max_drawdown'], '.2%')}, {b['n_trades']} trades; buy-and-hold {num(bh['total_return'], '+.2%')}, "
        f"Sharpe {num(bh['sharpe'], '.2f')}; report {b['report']}"
    )


def walk_forward_line(w: dict) -> str:
    """One line: accuracy with its interval, calibration, coverage, baselines and the oracle."""
    if not w.get("n"):
        return "walk-forward: no prediction with a known outcome yet"
    lo, hi = w["ci95"]
    base = ", ".join(f"{k} {v:.3f}" for k, v in w["baselines"].items())
    members = ", ".join(f"{k} {v:.3f}" for k, v in w["per_model"].items())
    oracle = f", oracle {w['oracle_accuracy']:.3f}" if "oracle_accuracy" in w else ""
    if "observable_accuracy" in w:
        oracle += f", observable ceiling {w['observable_accuracy']:.3f}"
    return (
        f"walk-forward: {w['n']:,} predictions, accuracy {w['accuracy']:.3f} "
        f"(95% block bootstrap {lo:.3f}..{hi:.3f}), Brier {w['brier']:.4f}, ECE {w['ece']:.4f}, "
        f"90% interval coverage {w['coverage90']:.3f}; members {members}; baselines {base}{oracle}"
    )

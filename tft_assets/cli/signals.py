"""``tft-trader signals [--date D]`` and ``tft-trader backtest [--start D] [--end D]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("signals", help="the day's risk-validated signals and rejected candidates")
    p.add_argument("--date", type=dt.date.fromisoformat, default=None,
                   help="day (YYYY-MM-DD; default: the latest stored)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_signals)
    b = sub.add_parser(
        "backtest", help="backtest the stored predictions: signals against baselines"
    )
    b.add_argument("--start", type=dt.date.fromisoformat, default=None,
                   help="first decision day (default: the first stored prediction)")  # fmt: skip
    b.add_argument("--end", type=dt.date.fromisoformat, default=None,
                   help="last decision day (default: the last whose outcome is stored)")  # fmt: skip
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(func=run_backtest)


def run_signals(args: argparse.Namespace) -> int:
    import polars as pl

    from tft_assets.lake.storage import list_partitions, read_partitions
    from tft_assets.settings import load_settings

    lake = load_settings().lake_url
    keys = list_partitions(lake, "portfolio_state")
    if not keys:
        raise FileNotFoundError(
            f"no risk_validated_signals in {lake}: materialise them first (e.g. `tft-trader demo`)"
        )
    key = args.date.isoformat() if args.date else _latest_session(lake, keys)
    if key not in keys:
        raise KeyError(f"risk_validated_signals of {key} is not stored ({keys[0]}..{keys[-1]} are)")
    signals = read_partitions(lake, "risk_validated_signals", [key])
    rejected = read_partitions(lake, "rejected_signals", [key])
    state = read_partitions(lake, "portfolio_state", [key]).drop("state").row(0, named=True)
    if args.json:
        print(json.dumps({"date": key, "portfolio": state, "signals": signals.to_dicts(),
                          "rejected": rejected.to_dicts()}, default=str))  # fmt: skip
        return 0
    print(f"{key}: {signals.height} signals, {rejected.height} rejected; equity {state['equity']:,.2f}, "
          f"drawdown {state['drawdown']:.2%}, {state['n_open']} open, {state['n_pending']} to fill at the next open")  # fmt: skip
    with pl.Config(tbl_rows=50, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60):
        if signals.height:
            print(signals.select("ticker", "direction", "confidence", "entry", "stop_loss",
                                 "take_profit", "position_fraction", "notional", "signal_id"))  # fmt: skip
        if rejected.height:
            print(rejected.select("ticker", "p_up", "confidence",
                                  pl.col("reasons").list.join(", ")).sort("confidence", descending=True))  # fmt: skip
    return 0


def _latest_session(lake: str, keys: list[str]) -> str:
    """The latest stored day that had a session (a weekend's partition carries the state only)."""
    from tft_assets.lake.storage import read_partitions

    for key in reversed(keys):
        if read_partitions(lake, "portfolio_state", [key], columns=["session"])["session"].any():
            return key
    return keys[-1]


def backtest_summary(
    settings, start: dt.date | None, end: dt.date | None
) -> tuple[dict, list[str]]:
    """The suite over stored predictions of ``start..end`` (outcomes to ``h`` sessions after
    ``end``): ``({portfolio: metrics}, printable lines)``."""
    from tft_assets.backtest.report import summary_lines
    from tft_assets.backtest.suite import Window
    from tft_assets.calendar import shift_trading_days
    from tft_assets.defs.resources import LakeResource
    from tft_assets.defs.signals.assets import load_backtest_inputs, run_backtest, tuning_trials
    from tft_assets.defs.signals.resources import signals_resource
    from tft_assets.lake.storage import list_partitions

    lake = LakeResource(base_url=settings.lake_url)
    resource = signals_resource(settings)
    h = settings.horizon_days
    stored = list_partitions(settings.lake_url, "raw_prices")
    preds = list_partitions(settings.lake_url, "predictions")
    if not stored or not preds:
        raise FileNotFoundError(
            f"no predictions or prices in {settings.lake_url}: run `tft-trader demo` first"
        )
    inputs = load_backtest_inputs(
        lake, dt.date.fromisoformat(preds[0]), dt.date.fromisoformat(stored[-1])
    )
    sessions = sorted(set(inputs["prices"]["date"].to_list()))
    first_pred = inputs["predictions"]["date"].min()
    start = max(start or first_pred, first_pred)
    latest_end = sessions[-1 - h] if len(sessions) > h else None
    end = min(end or latest_end, latest_end) if latest_end else None
    if end is None or end < start:
        raise ValueError(f"no decision day between {start} and {end} has a known outcome yet")
    last = min(shift_trading_days(end, h), sessions[-1])
    window = Window(start, end, last)
    result = run_backtest(
        inputs, end, resource, tuning_trials(lake, end.isoformat()), window=window
    )
    if result is None:
        raise ValueError(f"no predictions between {start} and {end}")
    head = (f"backtest: decisions {start}..{end}, outcomes to {last}, {len(result.market.tickers)} tickers, "
            f"costs included; deflated Sharpe against {result.metrics['signals']['n_trials']} tuning trials")  # fmt: skip
    return result.metrics, [head, *summary_lines(result)]


def run_backtest(args: argparse.Namespace) -> int:
    from tft_assets.settings import load_settings

    metrics, lines = backtest_summary(load_settings(), args.start, args.end)
    if args.json:
        print(json.dumps(metrics, default=str))
    else:
        print("\n".join(lines))
    return 0

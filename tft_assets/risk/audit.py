"""An independent audit of stored signals and portfolio states against the six rules.

It recomputes every rule from the stored columns alone (not from the code path that approved
them), so a bug in :func:`tft_assets.risk.rules.assess` or in the portfolio shows up here as a
violation. ``risk_validated_signals`` runs it as a blocking check.
"""

from __future__ import annotations

import polars as pl

from tft_assets.risk.rules import RiskConfig

#: Relative slack for floating-point recomputation (prices are divided by the adjustment factor).
TOL = 1e-9


def violations(
    signals: pl.DataFrame, states: pl.DataFrame, config: RiskConfig, round_trip_cost: float
) -> list[str]:
    """One line per broken rule or limit (empty: all hold).

    ``signals``: the approved rows (``confidence, p_up, direction, entry, stop_loss,
    take_profit, atr, stop_distance, position_fraction, date, ticker``); ``states``: the
    portfolio rows (``date, cash, equity, drawdown, n_open, n_pending``)."""
    out: list[str] = []
    if signals.height:
        d = pl.when(pl.col("direction") == "long").then(1.0).otherwise(-1.0)
        risk = (pl.col("entry") - pl.col("stop_loss")) * d
        reward = (pl.col("take_profit") - pl.col("entry")) * d
        cost = round_trip_cost * pl.col("entry")
        rules = {
            "rule 1 confidence below the minimum": pl.col("confidence")
            < config.min_confidence - TOL,
            "rule 1 confidence is not P(up) for its direction": (
                pl.col("confidence")
                - pl.when(d > 0).then(pl.col("p_up")).otherwise(1 - pl.col("p_up"))
            ).abs()
            > TOL,
            "rule 2 short without shorts enabled": (d < 0) & (not config.allow_shorts),
            "rule 2 levels not ordered stop < entry < target": (risk <= 0)
            | (reward <= 0)
            | (pl.min_horizontal("stop_loss", "take_profit") <= 0),
            "rule 2 stop is not k x ATR": (risk - config.stop_atr_multiple * pl.col("atr")).abs()
            > TOL * pl.col("entry"),
            "rule 2 stop distance outside its band": (
                risk / pl.col("entry") < config.min_stop_distance - TOL
            )
            | (risk / pl.col("entry") > config.max_stop_distance + TOL),
            "rule 3 reward-to-risk below the minimum": (reward - cost) / (risk + cost)
            < config.min_reward_risk - TOL,
            "rule 4 position above the cap": pl.col("position_fraction")
            > config.max_position_fraction + TOL,
            "rule 4 position risks more than its share": pl.col("position_fraction")
            * (risk / pl.col("entry"))
            > config.risk_per_trade + TOL,
        }
        flagged = signals.with_columns(**{name: expr for name, expr in rules.items()})
        for name in rules:
            bad = flagged.filter(pl.col(name))
            if bad.height:
                first = bad.row(0, named=True)
                out.append(
                    f"{name}: {bad.height} signal(s), first {first['ticker']} on {first['date']}"
                )
    if states.height:
        limits = {
            "rule 5 more than the maximum open positions": pl.col("n_open") + pl.col("n_pending")
            > config.max_open_positions,
            "cash below zero": pl.col("cash") < -TOL * pl.col("equity"),
        }
        for name, expr in limits.items():
            bad = states.filter(expr)
            if bad.height:
                out.append(f"{name}: {bad.height} day(s), first {bad['date'][0]}")
        halted = states.filter(pl.col("drawdown") >= config.max_drawdown)["date"]
        entered = (
            signals.filter(pl.col("date").is_in(halted.implode())) if signals.height else signals
        )
        if entered.height:
            out.append(
                f"rule 6 entries during a drawdown halt: {entered.height} signal(s), "
                f"first {entered['ticker'][0]} on {entered['date'][0]}"
            )
    return out

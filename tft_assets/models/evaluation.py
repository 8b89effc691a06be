"""The walk-forward summary: stored predictions scored against the labels that followed.

Each partition's predictions come from the model of that partition, which saw no label known
on or after that day, so joining ``predictions`` to ``labels`` on ``(ticker, date)`` *is* the
walk-forward evaluation. Labels of consecutive days share ``h - 1`` daily returns, so every
interval here is a moving-block bootstrap over days (blocks of at least ``h`` sessions).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from tft_assets.models.conformal import coverage
from tft_assets.models.metrics import accuracy_with_ci, classification_metrics

MEMBER_COLUMNS = ("p_xgboost", "p_lightgbm", "p_linear", "p_tft")
TRADING_DAYS_PER_YEAR = 252
SHARPE_BLOCK_PERIODS = 4  # periods of h sessions per bootstrap block


def scored_pairs(predictions: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Predictions with a known outcome: inner join on ``(ticker, date)``."""
    known = labels.filter(pl.col("fwd_return").is_not_null() & pl.col("label_up").is_not_null())
    return predictions.join(
        known.select("ticker", "date", "fwd_return", "label_up"), on=["ticker", "date"]
    ).sort("date", "ticker")


def _hit(p: np.ndarray, y: np.ndarray) -> float:
    return float(((p > 0.5) == (y > 0.5)).mean())


def long_short_periods(pairs: pl.DataFrame, horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """A long-short book rebalanced every ``h`` sessions, on non-overlapping periods: on every
    ``h``-th prediction day, long where ``p_up > 0.5`` and short where below, equal weight,
    held ``h`` sessions; the period's return is ``mean(sign * fwd_return)`` (fraction).
    Overlapping daily cohorts would understate the volatility by about ``sqrt(h)``.
    Returns ``(period start days, returns)``."""
    days = pairs["date"].unique().sort()
    starts = days.gather_every(horizon_days)
    per = (
        pairs.filter(pl.col("date").is_in(starts.implode()))
        .with_columns(
            (pl.when(pl.col("p_up") > 0.5).then(1.0).otherwise(-1.0) * pl.col("fwd_return")).alias(
                "r"
            )
        )
        .group_by("date")
        .agg(pl.col("r").mean())
        .sort("date")
    )
    return per["date"].to_numpy(), per["r"].to_numpy()


def sharpe_with_ci(
    returns: np.ndarray,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
    block: int = SHARPE_BLOCK_PERIODS,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, object]:
    """Annualised Sharpe ratio (``sqrt(periods_per_year) * mean / std``, no risk-free rate) of
    per-period ``returns`` and its 95 % circular moving-block bootstrap interval."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2 or r.std(ddof=1) == 0:
        return {"sharpe": None, "ci95": None, "periods": int(r.size)}
    ann = math.sqrt(periods_per_year)
    n = r.size
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n, size=(n_boot, -(-n // block)))
    picks = ((starts[:, :, None] + np.arange(block)).reshape(n_boot, -1) % n)[:, :n]
    draws = r[picks]
    sd = draws.std(axis=1, ddof=1)
    reps = np.where(sd > 0, draws.mean(axis=1) / np.where(sd > 0, sd, 1.0), 0.0) * ann
    low, high = np.quantile(reps, [0.025, 0.975])
    return {
        "sharpe": float(ann * r.mean() / r.std(ddof=1)),
        "ci95": [float(low), float(high)],
        "periods": int(n),
    }


def walk_forward_summary(
    predictions: pl.DataFrame,
    labels: pl.DataFrame,
    horizon_days: int,
    momentum: pl.DataFrame | None = None,
    oracle: pl.DataFrame | None = None,
    observable: pl.DataFrame | None = None,
) -> dict[str, object]:
    """``n, accuracy, ci95, ci95_naive, brier, log_loss, ece, auc, coverage90, per_model,
    baselines, long_short`` (and ``oracle_accuracy``, ``observable_accuracy``) over the pairs
    with known outcomes.

    ``momentum``: ``ticker, date, ret_20d`` (the feature); the baseline says up when
    ``ret_20d > 0`` and, where it is missing, up. ``oracle``: ``ticker, date, p_up`` of the
    demo world; ``observable``: the same of its observable ceiling
    (:mod:`tft_assets.sources.demo.observable`). Baselines and ceilings are scored on exactly
    the same pairs (a ceiling that misses one of them is left out).
    """
    pairs = scored_pairs(predictions, labels)
    if pairs.is_empty():
        return {"n": 0}
    y = pairs["label_up"].cast(pl.Float64).to_numpy()
    p = pairs["p_up"].to_numpy()
    days = pairs["date"].to_numpy()
    acc = accuracy_with_ci(y, p, days, block_days=horizon_days)
    m = classification_metrics(y, p)
    se = math.sqrt(acc["accuracy"] * (1 - acc["accuracy"]) / y.size)
    out: dict[str, object] = {
        "n": int(y.size),
        "days": int(np.unique(days).size),
        "accuracy": acc["accuracy"],
        "ci95": acc["ci95"],
        "ci95_naive": [acc["accuracy"] - 1.96 * se, acc["accuracy"] + 1.96 * se],
        "brier": m["brier"],
        "log_loss": m["log_loss"],
        "ece": m["ece"],
        "auc": m["auc"],
        "coverage90": coverage(
            pairs["fwd_return"].to_numpy(),
            pairs["return_low"].to_numpy(),
            pairs["return_high"].to_numpy(),
        ),
        "per_model": {
            c.removeprefix("p_"): _hit(pairs[c].to_numpy(), y)
            for c in MEMBER_COLUMNS
            if c in pairs.columns and pairs[c].null_count() == 0
        },
    }
    baselines = {"always_up": float(y.mean())}
    if momentum is not None:
        mom = pairs.select("ticker", "date").join(
            momentum.select("ticker", "date", "ret_20d"), on=["ticker", "date"], how="left"
        )
        up = mom["ret_20d"].fill_null(1.0).to_numpy() > 0
        baselines["momentum_20d"] = float((up == (y > 0.5)).mean())
    out["baselines"] = baselines
    _, period = long_short_periods(pairs, horizon_days)
    out["long_short"] = sharpe_with_ci(period, TRADING_DAYS_PER_YEAR / horizon_days)
    for key, frame in (("oracle_accuracy", oracle), ("observable_accuracy", observable)):
        if frame is None:
            continue
        o = pairs.select("ticker", "date").join(
            frame.select("ticker", "date", pl.col("p_up").alias("p_ceiling")),
            on=["ticker", "date"],
            how="left",
        )
        if o["p_ceiling"].null_count() == 0:
            out[key] = _hit(o["p_ceiling"].to_numpy(), y)
    return out

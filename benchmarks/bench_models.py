"""Model benchmarks: training the members on 50 tickers x 2 years of the demo world, batch inference
for one day of 500 tickers, and the walk-forward accuracy of the trees on five null worlds.

The data are built by the pipeline's own domain functions (demo sources -> ingestion -> scoring
-> features -> 30-session sequences -> labels: ``tft_assets_tests.models.world.demo_model_data``);
building them is timed apart (``*_data_s``) and never inside a measurement.

1. **Trees**: ``train_partition`` with ``TrainingConfig(families=("xgboost", "lightgbm"))``
   (default parameters, one thread) for the partition after the last label is known, so every
   labelled window is a fit or validation row. Target: < 10 s.
2. **TFT**: the same partition with ``families=("tft",)`` and the default ``TFTConfig``; the
   epochs actually run are reported. Target: < 180 s.
3. **Inference**: ``ModelBundle.predict`` (members, ensemble, return map, conformal interval,
   top contributions) on one day's 500 sequences, best of 5. The demo universe has 50 tickers,
   so the 500 are the 50 tickers' windows of the last 10 sessions, relabelled as 500 tickers of
   one day. Target for the trees-plus-ensemble bundle: < 100 ms; the trees' ``member_probs``
   alone (no contributions, no frame) and the TFT bundle are reported beside it (no target),
   and so is the bundle's CPU time (every thread of the process, best of 5): the work itself,
   which a shared, contended machine does not change, while it does stretch the wall time.
4. **Null worlds** (``signal_strength=0``): five seeds, each a trees-only ``walk_forward`` over
   enough sessions for >= 1000 predictions with known outcomes; all (ticker, day) predictions are
   pooled. Target: pooled accuracy within 0.5 +/- 0.015 (per-seed accuracies reported).

``TFT_BENCH_QUICK=1`` shrinks everything (10 tickers x 6 months, a 1-epoch TFT, two small null
worlds) for a smoke test; the output says ``"quick": true`` and no target is judged (met = null).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("TFT_BENCH_QUICK") == "1"
START = dt.date(2023, 1, 2)
WORLD_SEED = 7
SIGNAL_STRENGTH = 1.0  # the default demo world, for the training and inference timings
N_TICKERS, END = (10, dt.date(2023, 6, 30)) if QUICK else (50, dt.date(2024, 12, 31))
TFT_PARAMS: tuple = (("max_epochs", 1),) if QUICK else ()  # () = the default TFTConfig
INFERENCE_N = 500
INFERENCE_REPEATS = 5
NULL_SEEDS = (11, 12) if QUICK else (11, 12, 13, 14, 15)
NULL_TICKERS = 10 if QUICK else 20
NULL_END = dt.date(2023, 7, 31) if QUICK else dt.date(2023, 8, 31)
NULL_MIN_PREDICTIONS = 1000
TREES_TARGET_S = 10.0
TFT_TARGET_S = 180.0
INFERENCE_TARGET_MS = 100.0
NULL_ACCURACY, NULL_TOLERANCE = 0.5, 0.015
TREES = ("xgboost", "lightgbm")


def _world(strength: float, seed: int, tickers: int, start: dt.date, end: dt.date):
    """(ModelData, seconds to build it) of a demo world, via the tests' world builder."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tft_assets_tests.models.world import demo_model_data

    t = time.perf_counter()
    data, _ = demo_model_data(strength, seed, tickers, start, end)
    return data, time.perf_counter() - t


def _train(data, families: tuple[str, ...], tft_params: tuple = ()):
    """(bundle, seconds) of the partition after the last label of ``data`` is known."""
    from tft_assets.calendar import shift_trading_days
    from tft_assets.models.training import TrainingConfig, train_partition

    config = TrainingConfig(families=families, tft_params=tft_params)
    last = data.end_dates[~np.isnan(data.y)].max().astype(dt.date)
    day = shift_trading_days(last, config.horizon_days + 1)
    t = time.perf_counter()
    outcome = train_partition(data, day, config)
    seconds = time.perf_counter() - t
    assert outcome.bundle is not None, outcome.reason
    return outcome.bundle, seconds


def _one_day(data, n: int = INFERENCE_N):
    """``n`` windows of the last sessions of ``data``, relabelled as ``n`` tickers of one day."""
    import polars as pl

    from tft_assets.models import ModelData

    idx = np.arange(len(data))[-n:]
    day = data.index["end_date"].max()
    index = pl.DataFrame(
        {"ticker": [f"S{i:04d}" for i in range(len(idx))], "end_date": [day] * len(idx)}
    )
    nan = np.full(len(idx), np.nan)
    return ModelData(data.x[idx], index, data.feature_names, nan, nan.copy())


def _best_ms(fn, repeats: int = INFERENCE_REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def _best_cpu_ms(fn, repeats: int = INFERENCE_REPEATS) -> float:
    """Least process CPU time (all threads) of ``repeats`` calls of ``fn``, in ms."""
    times = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times) * 1000


def _null_world(seed: int) -> dict:
    """Trees-only walk-forward of one null world: its known predictions and figures."""
    import polars as pl

    from tft_assets.calendar import trading_days
    from tft_assets.models.evaluation import walk_forward_summary
    from tft_assets.models.training import TrainingConfig, first_trainable_day, walk_forward

    data, data_s = _world(0.0, seed, NULL_TICKERS, START, NULL_END)
    config = TrainingConfig(families=TREES)
    days = trading_days(first_trainable_day(data, config), NULL_END)
    t = time.perf_counter()
    pred, _ = walk_forward(data, days, config)
    wf_s = time.perf_counter() - t
    known = pred.filter(pl.col("y").is_not_nan()).rename({"end_date": "date"})
    labels = known.select("ticker", "date", "fwd_return", (pl.col("y") > 0.5).alias("label_up"))
    summary = walk_forward_summary(known.drop("y", "fwd_return"), labels, config.horizon_days)
    return {
        "seed": seed,
        "n": summary["n"],
        "days": summary["days"],
        "accuracy": round(summary["accuracy"], 4),
        "ci95": [round(v, 4) for v in summary["ci95"]],
        "data_s": round(data_s, 1),
        "walk_forward_s": round(wf_s, 1),
        "_pairs": known.select("date", "p_up", "y").with_columns(pl.lit(seed).alias("seed")),
    }


def run() -> dict:
    import polars as pl

    from tft_assets.models.metrics import accuracy_with_ci

    data, data_s = _world(SIGNAL_STRENGTH, WORLD_SEED, N_TICKERS, START, END)
    trees, trees_s = _train(data, TREES)
    tft, tft_s = _train(data, ("tft",), TFT_PARAMS)
    day = _one_day(data)
    trees_ms = _best_ms(lambda: trees.predict(day))
    trees_cpu_ms = _best_cpu_ms(lambda: trees.predict(day))
    members_ms = _best_ms(lambda: trees.member_probs(day))  # without contributions and frame
    tft_ms = _best_ms(lambda: tft.predict(day))

    seeds = [_null_world(s) for s in NULL_SEEDS]
    pairs = pl.concat([s.pop("_pairs") for s in seeds])
    keys = (pairs["seed"].cast(pl.String) + ":" + pairs["date"].cast(pl.String)).to_numpy()
    pooled = accuracy_with_ci(pairs["y"].to_numpy(), pairs["p_up"].to_numpy(), keys, 5)
    pooled_acc = pooled["accuracy"]
    enough = all(s["n"] >= NULL_MIN_PREDICTIONS for s in seeds)

    judged = not QUICK
    return {
        "quick": QUICK,
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "tickers": N_TICKERS,
        "start": START.isoformat(),
        "end": END.isoformat(),
        "windows": len(data),
        "labelled_windows": int((~np.isnan(data.y)).sum()),
        "data_s": round(data_s, 1),
        "fit_rows": trees.info["fit_rows"],
        "tail_rows": trees.info["tail_rows"],
        "trees_50x2y_s": round(trees_s, 2),
        "tft_50x2y_s": round(tft_s, 2),
        "tft_epochs": int(tft.members["tft"].epochs_run),
        "tft_config": tft.members["tft"].config.to_dict(),
        "inference_n": len(day),
        "inference_500_trees_ms": round(trees_ms, 1),
        "inference_500_trees_cpu_ms": round(trees_cpu_ms, 1),
        "inference_500_trees_member_probs_ms": round(members_ms, 1),
        "inference_500_tft_ms": round(tft_ms, 1),
        "null_pooled_accuracy": round(pooled_acc, 4),
        "null_pooled_ci95": [round(v, 4) for v in pooled["ci95"]],
        "null_pooled_n": pooled["n"],
        "null_seed_accuracies": [s["accuracy"] for s in seeds],
        "null_seeds": seeds,
        "targets": {
            "trees_50x2y_s": TREES_TARGET_S,
            "tft_50x2y_s": TFT_TARGET_S,
            "inference_500_trees_ms": INFERENCE_TARGET_MS,
            "null_pooled_accuracy": [
                NULL_ACCURACY - NULL_TOLERANCE,
                NULL_ACCURACY + NULL_TOLERANCE,
            ],
            "null_predictions_per_seed_min": NULL_MIN_PREDICTIONS,
        },
        "met": {
            "trees_50x2y_s": trees_s < TREES_TARGET_S if judged else None,
            "tft_50x2y_s": tft_s < TFT_TARGET_S if judged else None,
            "inference_500_trees_ms": trees_ms < INFERENCE_TARGET_MS if judged else None,
            "null_pooled_accuracy": (
                abs(pooled_acc - NULL_ACCURACY) <= NULL_TOLERANCE if judged else None
            ),
            "null_predictions_per_seed": enough if judged else None,
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, default=str))

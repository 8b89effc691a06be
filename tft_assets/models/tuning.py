"""Hyperparameter tuning of the tree members with Optuna (TPE sampler, median pruner).

The objective is the **walk-forward log loss** inside the training window of a day: the known
sessions are cut into ``folds + 1`` chronological blocks; fold ``k`` fits on blocks ``0..k``
(less an embargo of ``h`` sessions before the next block) and scores block ``k + 1``. The
boosters' own pruning callbacks (``optuna_integration.XGBoostPruningCallback`` /
``LightGBMPruningCallback``) report the validation log loss of the first fold every
:data:`PRUNING_INTERVAL` boosting rounds, so the median pruner stops hopeless trials early (a
pruned trial fits no later fold). Each report and each pruning decision is a round trip to the
study's RDB storage (it reads every trial back), so reporting every round would cost more than
the fits themselves.

The TFT member is not tuned: its Optuna pruning does not fire under lightning 2
(pytorch-forecasting issue #1290) and a single TFT fit costs more than a whole tree study.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tft_assets.models.dataset import ModelData, known_before
from tft_assets.models.metrics import classification_metrics
from tft_assets.models.tabular import TabularView
from tft_assets.models.trees import TREE_KINDS, fit_tree

FOLDS = 3
#: Boosting rounds between two reports to the pruner (the last round of each interval).
PRUNING_INTERVAL = 10


@dataclass(frozen=True)
class TuningResult:
    """Best parameters per tree kind and what the studies did."""

    params: dict[str, dict[str, Any]]
    best_log_loss: dict[str, float]
    n_trials: dict[str, int]
    n_pruned: dict[str, int]
    folds: int
    known_sessions: int
    trials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_trials(self) -> int:
        """Trials run over every kind (the deflated Sharpe ratio counts them all)."""
        return int(sum(self.n_trials.values()))


class NotEnoughHistory(ValueError):
    """Too few known sessions before the day to cut the folds (the message says how many)."""


def fold_masks(
    data: ModelData, day: dt.date, horizon_days: int, folds: int = FOLDS, min_block: int = 20
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(fit, valid)`` masks of the walk-forward folds over samples known before ``day``."""
    ends = data.end_dates
    known = ~np.isnan(data.y) & known_before(ends, day, horizon_days)
    sessions = np.unique(ends[known])
    if sessions.size < (folds + 1) * min_block + horizon_days:
        raise NotEnoughHistory(
            f"{sessions.size} known sessions before {day}; {folds} folds need "
            f"{(folds + 1) * min_block + horizon_days}"
        )
    blocks = np.array_split(sessions, folds + 1)
    out = []
    for k in range(folds):
        start = blocks[k + 1][0]
        valid = known & (ends >= start) & (ends <= blocks[k + 1][-1])
        fit = known & known_before(ends, start.astype(dt.date), horizon_days)
        out.append((fit, valid))
    return out


def _space(trial: Any, kind: str) -> dict[str, Any]:
    if kind == "xgboost":
        return {
            "num_boost_round": trial.suggest_int("num_boost_round", 50, 400, step=50),
            "eta": trial.suggest_float("eta", 0.01, 0.2, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 5),
            "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 100.0, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "lambda": trial.suggest_float("lambda", 0.1, 20.0, log=True),
        }
    return {
        "num_boost_round": trial.suggest_int("num_boost_round", 50, 400, step=50),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 3, 31, log=True),
        "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 10, 200, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
        "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
        "lambda_l2": trial.suggest_float("lambda_l2", 0.1, 20.0, log=True),
    }


def _pruning_callback(trial: Any, kind: str, interval: int = PRUNING_INTERVAL) -> Any:
    """The booster's Optuna pruning callback, reporting every ``interval`` rounds only."""
    from optuna_integration import LightGBMPruningCallback, XGBoostPruningCallback

    if kind == "xgboost":

        class EveryXGBoost(XGBoostPruningCallback):
            def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
                if (epoch + 1) % interval:
                    return False
                return super().after_iteration(model, epoch, evals_log)

        return EveryXGBoost(trial, "valid-logloss")

    class EveryLightGBM(LightGBMPruningCallback):
        def __call__(self, env: Any) -> None:
            if (env.iteration + 1) % interval == 0:
                super().__call__(env)

    return EveryLightGBM(trial, "binary_logloss", valid_name="valid")


def tune_trees(
    data: ModelData,
    day: dt.date,
    *,
    horizon_days: int,
    normalisation: str = "rank",
    kinds: tuple[str, ...] = TREE_KINDS,
    n_trials: int = 20,
    timeout_s: float | None = None,
    seed: int = 0,
    storage: str | None = None,
    study_prefix: str = "tft-trader",
) -> TuningResult:
    """One Optuna study per tree kind over samples known before ``day``.

    ``storage``: an Optuna RDB URL (e.g. ``sqlite:///data/optuna.db``); a study named
    ``<study_prefix>-<kind>-<day>`` is replaced when it exists, so a rerun is idempotent.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    masks = fold_masks(data, day, horizon_days)
    view = TabularView(normalisation)
    columns = view.columns(data.feature_names)
    table = view.transform(data.x, data.feature_names, data.end_dates)
    params, best, counts, pruned, trials = {}, {}, {}, {}, []
    for kind in kinds:
        name = f"{study_prefix}-{kind}-{day.isoformat()}"
        if storage is not None and name in optuna.get_all_study_names(storage=storage):
            optuna.delete_study(study_name=name, storage=storage)
        study = optuna.create_study(
            study_name=name,
            storage=storage,
            direction="minimize",
            sampler=optuna.samplers.TPESampler(seed=seed),
            pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=20),
        )

        def objective(trial: Any, kind: str = kind) -> float:
            p = _space(trial, kind)
            losses = []
            for k, (fit, valid) in enumerate(masks):
                callbacks = [_pruning_callback(trial, kind)] if k == 0 else None
                model = fit_tree(
                    kind,
                    table[fit],
                    data.y[fit],
                    columns,
                    p,
                    seed=seed,
                    valid=(table[valid], data.y[valid]),
                    callbacks=callbacks,
                )
                pv = model.predict(table[valid])
                losses.append(float(classification_metrics(data.y[valid], pv)["log_loss"]))
            return float(np.mean(losses))

        study.optimize(objective, n_trials=n_trials, timeout=timeout_s, gc_after_trial=False)
        done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        counts[kind] = len(study.trials)
        pruned[kind] = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
        if done:
            params[kind] = dict(study.best_params)
            best[kind] = float(study.best_value)
        trials += [
            {"kind": kind, "number": t.number, "state": t.state.name, "value": t.value}
            for t in study.trials
        ]
    sessions = int(np.unique(data.end_dates[masks[-1][0] | masks[-1][1]]).size)
    return TuningResult(params, best, counts, pruned, FOLDS, sessions, trials)

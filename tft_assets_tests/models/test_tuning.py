"""Optuna tuning of the tree members: an RDB study per kind, pruning reports every
``PRUNING_INTERVAL`` rounds (each report is a storage round trip), the best parameters kept."""

import datetime as dt

import optuna
import pytest

from tft_assets.models.tuning import PRUNING_INTERVAL, tune_trees
from tft_assets_tests.models.world import demo_model_data

DAY = dt.date(2023, 9, 25)


@pytest.fixture(scope="module")
def data():
    return demo_model_data(1.0, 3, 5, dt.date(2023, 1, 1), dt.date(2023, 9, 29))[0]


@pytest.mark.parametrize("kind", ["xgboost", "lightgbm"])
def test_a_study_reports_to_the_pruner_every_interval_only(data, tmp_path, kind):
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    result = tune_trees(data, DAY, horizon_days=5, kinds=(kind,), n_trials=6, storage=storage)
    assert result.n_trials[kind] == 6 and kind in result.params
    study = optuna.load_study(study_name=f"tft-trader-{kind}-{DAY.isoformat()}", storage=storage)
    steps = {s for t in study.trials for s in t.intermediate_values}
    assert steps, "the pruning callback reported nothing"
    assert all((s + 1) % PRUNING_INTERVAL == 0 for s in steps), sorted(steps)[:5]
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert max(len(t.intermediate_values) for t in complete) >= 2

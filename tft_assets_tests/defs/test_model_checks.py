"""The warning check on trained_models: worse than the base rate beyond the tail's noise."""

import datetime as dt
from types import SimpleNamespace

import dagster as dg

from tft_assets.defs.models.checks import trained_model_checks
from tft_assets.models.training import TrainOutcome


def _trained(day: int, log_loss: float, base: float, ci95: list[float]) -> TrainOutcome:
    info = {
        "validation": {"ensemble": {"log_loss": log_loss}},
        "base_rate_log_loss": base,
        "log_loss_excess": {"mean": log_loss - base, "ci95": ci95},
    }
    return TrainOutcome(dt.date(2024, 1, day), SimpleNamespace(info=info), retrained=("xgboost",))


def test_a_training_worse_beyond_the_noise_fails_the_warning_and_noise_does_not():
    noise = _trained(2, 0.6935, 0.6911, [-0.004, 0.009])  # above the rate, within the noise
    good = _trained(3, 0.6800, 0.6911, [-0.020, -0.002])
    carried = TrainOutcome(dt.date(2024, 1, 4), SimpleNamespace(info={}), carried=("xgboost",))
    [result] = trained_model_checks([noise, good, carried])
    assert result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["trainings"].value == 2
    assert result.metadata["above_base_rate_within_noise"].value == 1

    worse = _trained(5, 0.7300, 0.6911, [0.021, 0.057])
    [result] = trained_model_checks([noise, good, worse])
    assert not result.passed
    assert result.metadata["worse_than_base_rate"].value == 1
    [example] = result.metadata["examples"].value
    assert example.startswith("2024-01-05: 0.73000 > base rate 0.69110, excess 95 % +0.02100")

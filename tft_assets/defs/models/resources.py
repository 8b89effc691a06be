"""The configuration of the model stages, as a resource the launchpad can override."""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import Field

from tft_assets.models.training import TrainingConfig
from tft_assets.models.trees import TREE_KINDS


class ModelTrainingResource(dg.ConfigurableResource):
    """How ``tuned_hyperparameters`` and ``trained_models`` train (see ``TrainingConfig``)."""

    horizon_days: int = Field(default=5, description="Label horizon, sessions.")
    families: list[str] = Field(
        default=["xgboost", "lightgbm", "linear", "tft"], description="Ensemble members."
    )
    window: str = Field(default="expanding", description="expanding | rolling")
    rolling_sessions: int = Field(default=252, description="Fit sessions of a rolling window.")
    min_train_sessions: int = Field(default=40, description="Fewer fit sessions: no training.")
    validation_sessions: int = Field(default=40, description="Sessions of the validation tail.")
    normalisation: str = Field(default="rank", description="none | rank | zscore, per day.")
    tree_cadence: str = Field(default="weekly", description="daily | weekly | monthly | quarterly")
    tft_cadence: str = Field(default="monthly", description="daily | weekly | monthly | quarterly")
    tft_max_epochs: int = Field(default=4, description="TFT epochs per training.")
    seed: int = Field(default=0, description="Seed of every member.")
    threads: int = Field(default=1, description="Threads per tree fit.")
    tuning_trials: int = Field(default=20, description="Optuna trials per tree kind.")
    tuning_timeout_s: float = Field(default=600.0, description="Time limit of one study.")
    optuna_storage: str = Field(description="Optuna RDB storage URL.")

    def training_config(self, tuned: dict[str, dict[str, Any]] | None = None) -> TrainingConfig:
        cfg = TrainingConfig(
            horizon_days=self.horizon_days,
            window=self.window,
            rolling_sessions=self.rolling_sessions,
            min_train_sessions=self.min_train_sessions,
            validation_sessions=self.validation_sessions,
            families=tuple(self.families),
            cadence=(
                ("lightgbm", self.tree_cadence),
                ("linear", self.tree_cadence),
                ("tft", self.tft_cadence),
                ("xgboost", self.tree_cadence),
            ),
            normalisation=self.normalisation,
            seed=self.seed,
            threads=self.threads,
            tft_params=(("max_epochs", self.tft_max_epochs), ("seed", self.seed)),
        )
        return cfg.with_tree_params(tuned) if tuned else cfg

    @property
    def tree_kinds(self) -> tuple[str, ...]:
        return tuple(f for f in self.families if f in TREE_KINDS)

"""Experiment tracking and the model registry (MLflow), shared by every model of the project."""

from tft_assets.tracking.model_store import ModelStore, ModelStoreError, RegisteredModel

__all__ = ["ModelStore", "ModelStoreError", "RegisteredModel"]

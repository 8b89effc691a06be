"""MLflow registry for the sentiment classifier (MLflow is imported inside the functions)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL_NAME = "tft-sentiment"
EXPERIMENT_NAME = "tft-sentiment"


@dataclass(frozen=True)
class RegisteredSentimentModel:
    """A registered classifier plus where it came from (``predict_proba`` over raw texts)."""

    pipeline: Any
    registered_name: str
    registered_version: str

    @property
    def classes_(self) -> Any:
        return self.pipeline.classes_

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.predict_proba(texts)


def _sqlite_missing(tracking_uri: str) -> bool:
    if not tracking_uri.startswith("sqlite:///"):
        return False
    return not Path(tracking_uri.removeprefix("sqlite:///")).exists()


def ensure_experiment(tracking_uri: str, artifact_root: Path, name: str = EXPERIMENT_NAME) -> str:
    """Id of the experiment ``name``, created with ``artifact_root/name`` as its artifact location."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = (Path(artifact_root) / name).resolve()
    location.mkdir(parents=True, exist_ok=True)
    return client.create_experiment(name, artifact_location=location.as_uri())


def register_sentiment_model(
    pipeline: Any,
    tracking_uri: str,
    artifact_root: Path,
    params: dict[str, Any],
    metrics: dict[str, float],
    name: str = DEFAULT_MODEL_NAME,
) -> RegisteredSentimentModel:
    """Log ``pipeline`` (sklearn) with params/metrics to MLflow and register it as ``name``."""
    import mlflow
    import mlflow.sklearn

    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    experiment_id = ensure_experiment(tracking_uri, artifact_root)
    with mlflow.start_run(experiment_id=experiment_id, run_name="sentiment-train"):
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        info = mlflow.sklearn.log_model(sk_model=pipeline, name="model", registered_model_name=name)
    version = getattr(info, "registered_model_version", None)
    return RegisteredSentimentModel(pipeline, name, str(version) if version is not None else "?")


def load_registered_sentiment_model(
    tracking_uri: str, name: str = DEFAULT_MODEL_NAME
) -> RegisteredSentimentModel | None:
    """The latest registered version of ``name``, or None when none is registered."""
    if _sqlite_missing(tracking_uri):
        return None
    import mlflow
    import mlflow.sklearn
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    versions = client.search_model_versions(f"name='{name}'")
    if not versions:
        return None
    latest = max(versions, key=lambda v: int(v.version))
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    pipeline = mlflow.sklearn.load_model(f"models:/{name}/{latest.version}")
    return RegisteredSentimentModel(pipeline, name, str(latest.version))

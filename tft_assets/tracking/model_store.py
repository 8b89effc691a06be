"""The model store: MLflow tracking plus its model registry, behind one small class.

Every model of the project (the sentiment classifier, the price models) is logged and
registered through :class:`ModelStore`, so tracking URI, artifact location and registry
conventions live in one place. MLflow is imported inside the methods (it costs ~1.7 s).

Experiments are created with an explicit ``artifact_root/<experiment>`` location, otherwise
MLflow writes artifacts to ``./mlruns`` of whatever directory the process runs in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RegisteredModel:
    """A loaded registered model: the Python object plus its registry name and version."""

    model: Any
    name: str
    version: str


class ModelStoreError(RuntimeError):
    """The tracking server or a stored model could not be reached or loaded (one line)."""


@dataclass(frozen=True)
class ModelStore:
    """MLflow tracking + registry at ``tracking_uri``; local artifacts under ``artifact_root``."""

    tracking_uri: str
    artifact_root: Path

    def _local_sqlite(self) -> Path | None:
        if self.tracking_uri.startswith("sqlite:///"):
            return Path(self.tracking_uri.removeprefix("sqlite:///"))
        return None

    def exists(self) -> bool:
        """False only for a local SQLite store that was never written (nothing registered)."""
        db = self._local_sqlite()
        return db is None or db.exists()

    def client(self) -> Any:
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def ensure_experiment(self, name: str) -> str:
        """Id of experiment ``name``, created with ``artifact_root/name`` as artifact location."""
        db = self._local_sqlite()
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
        client = self.client()
        exp = client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        location = (Path(self.artifact_root) / name).resolve()
        location.mkdir(parents=True, exist_ok=True)
        return client.create_experiment(name, artifact_location=location.as_uri())

    @contextmanager
    def start_run(self, experiment: str, run_name: str) -> Iterator[Any]:
        """An active MLflow run in ``experiment`` (tracking and registry URIs set first)."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        experiment_id = self.ensure_experiment(experiment)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            yield run

    def log_sklearn(
        self,
        pipeline: Any,
        experiment: str,
        name: str,
        params: dict[str, Any],
        metrics: dict[str, float],
    ) -> RegisteredModel:
        """Log a scikit-learn ``pipeline`` with params/metrics in a new run; register as ``name``."""
        import mlflow.sklearn

        with self.start_run(experiment, run_name=f"{experiment}-train"):
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            info = mlflow.sklearn.log_model(
                sk_model=pipeline, name="model", registered_model_name=name
            )
        version = getattr(info, "registered_model_version", None)
        return RegisteredModel(pipeline, name, str(version) if version is not None else "?")

    def latest_version(self, name: str) -> str | None:
        """The highest registered version of ``name``, or None when there is none."""
        if not self.exists():
            return None
        versions = self.client().search_model_versions(f"name='{name}'")
        return max((v.version for v in versions), key=int, default=None)

    def load_latest_sklearn(self, name: str) -> RegisteredModel | None:
        """The latest registered version of the scikit-learn model ``name`` (None: none yet)."""
        version = self.latest_version(name)
        if version is None:
            return None
        import mlflow
        import mlflow.sklearn

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        uri = f"models:/{name}/{version}"
        try:
            model = mlflow.sklearn.load_model(uri)
        except Exception as exc:  # re-raised as one line naming what and where
            raise ModelStoreError(
                f"cannot load {uri} from {self.tracking_uri}: {type(exc).__name__}: {exc}"
            ) from exc
        return RegisteredModel(model, name, str(version))

    # ------------------------------------------------------------------ runs with artifacts

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``; any failure re-raised as one line naming what and where."""
        try:
            return fn(*args, **kwargs)
        except ModelStoreError:
            raise
        except Exception as exc:  # re-raised as one line naming what and where
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ModelStoreError(
                f"MLflow at {self.tracking_uri}: {what} failed: {type(exc).__name__}: {first}"
            ) from None  # one line naming what and where

    def log_run(
        self,
        experiment: str,
        run_name: str,
        *,
        params: dict[str, Any],
        metrics: dict[str, float],
        artifacts: dict[str, bytes],
        figures: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """A finished run with ``params``, ``metrics``, byte ``artifacts`` (``path -> bytes``)
        and matplotlib ``figures`` (``path.png -> Figure``); returns its run id."""

        def run() -> str:
            import tempfile

            import mlflow

            with self.start_run(experiment, run_name) as active:
                if tags:
                    mlflow.set_tags(tags)
                mlflow.log_params({k: str(v)[:6000] for k, v in params.items()})
                finite = {k: float(v) for k, v in metrics.items() if v is not None and v == v}
                mlflow.log_metrics(finite)
                with tempfile.TemporaryDirectory() as tmp:
                    for path, blob in artifacts.items():
                        local = Path(tmp) / path
                        local.parent.mkdir(parents=True, exist_ok=True)
                        local.write_bytes(blob)
                        parent = str(Path(path).parent)
                        mlflow.log_artifact(str(local), None if parent == "." else parent)
                for path, fig in (figures or {}).items():
                    mlflow.log_figure(fig, path)
                return str(active.info.run_id)

        return self._call(f"logging run {run_name!r}", run)

    def finished_run(self, experiment: str, tags: dict[str, str]) -> str | None:
        """The id of the earliest *finished* run of ``experiment`` that carries every tag in
        ``tags`` (None: no such run, or no such experiment). Runs that failed or whose process
        died mid-logging are not finished, so an incomplete run is never reused."""

        def find() -> str | None:
            if not self.exists():
                return None
            client = self.client()
            exp = client.get_experiment_by_name(experiment)
            if exp is None:
                return None
            terms = [f"tags.`{k}` = '{v}'" for k, v in sorted(tags.items())]
            runs = client.search_runs(
                [exp.experiment_id],
                filter_string=" and ".join([*terms, "attributes.status = 'FINISHED'"]),
                order_by=["attributes.start_time ASC"],
                max_results=1,
            )
            return str(runs[0].info.run_id) if runs else None

        return self._call(f"searching runs of {experiment!r}", find)

    def run_version(self, name: str, run_id: str) -> str | None:
        """The lowest version of registered model ``name`` made from run ``run_id`` (or None)."""

        def find() -> str | None:
            if not self.exists():
                return None
            versions = self.client().search_model_versions(f"name='{name}' and run_id='{run_id}'")
            return min((str(v.version) for v in versions), key=int, default=None)

        return self._call(f"searching versions of {name!r}", find)

    def register(self, name: str, run_id: str, artifact_path: str) -> str:
        """A new version of registered model ``name`` whose source is the run's artifact."""

        def reg() -> str:
            client = self.client()
            if not client.search_registered_models(filter_string=f"name='{name}'"):
                client.create_registered_model(name)
            source = f"{client.get_run(run_id).info.artifact_uri}/{artifact_path}"
            return str(client.create_model_version(name, source, run_id=run_id).version)

        return self._call(f"registering {name!r}", reg)

    def alias_version(self, name: str, alias: str) -> str | None:
        """The version of ``name`` that carries ``alias``, or None."""

        def get() -> str | None:
            if not self.exists():
                return None
            from mlflow.exceptions import MlflowException

            try:
                return str(self.client().get_model_version_by_alias(name, alias).version)
            except MlflowException as exc:  # absent model or alias; a server error propagates
                if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
                    return None
                raise

        return self._call(f"reading alias {alias!r} of {name!r}", get)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._call(
            f"setting alias {alias!r} of {name!r}",
            lambda: self.client().set_registered_model_alias(name, alias, version),
        )

    def version_run_id(self, name: str, version: str) -> str:
        return self._call(
            f"reading {name!r} version {version}",
            lambda: str(self.client().get_model_version(name, version).run_id),
        )

    def download(self, run_id: str, path: str) -> bytes:
        """The bytes of artifact ``path`` of run ``run_id``."""

        def get() -> bytes:
            import mlflow.artifacts
            from mlflow.environment_variables import MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR

            MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR.set(False)  # no progress bars in run logs

            local = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=path, tracking_uri=self.tracking_uri
            )
            return Path(local).read_bytes()

        return self._call(f"downloading {path!r} of run {run_id}", get)

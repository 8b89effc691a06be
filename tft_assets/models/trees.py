"""Gradient-boosted trees (XGBoost, LightGBM) on the tabular view, as binary classifiers of
P(forward return > 0).

Both libraries handle NaN natively (a learned default direction per split), train seeded and
single-threaded by default (identical inputs and parameters give identical models), serialise
to bytes (XGBoost UBJSON, LightGBM's text format) and give per-prediction feature
contributions (Tree SHAP: ``pred_contribs`` / ``pred_contrib``; the last column is the bias),
in log-odds units. The libraries are imported inside the functions that need them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TREE_KINDS = ("xgboost", "lightgbm")

#: Small, regularised defaults for a few thousand noisy rows (tuning may override them).
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "xgboost": {
        "num_boost_round": 200,
        "eta": 0.03,
        "max_depth": 3,
        "min_child_weight": 20.0,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "lambda": 5.0,
    },
    "lightgbm": {
        "num_boost_round": 200,
        "learning_rate": 0.03,
        "num_leaves": 7,
        "min_data_in_leaf": 50,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "lambda_l2": 5.0,
    },
}


@dataclass
class TreeModel:
    """A fitted booster of ``kind`` over the columns ``feature_names``."""

    kind: str
    booster: Any
    feature_names: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)

    def predict(self, table: np.ndarray, threads: int = 1) -> np.ndarray:
        """P(up), float64 ``(n,)``, for the rows of a tabular view ``(n, len(feature_names))``,
        on ``threads`` library threads (rows are independent: the thread count never changes
        a value)."""
        return self.predict_with_contributions(table, threads, contributions=False)[0]

    def contributions(self, table: np.ndarray, threads: int | None = None) -> np.ndarray:
        """Tree SHAP contributions, float64 ``(n, F + 1)`` in log-odds (last column: bias); each
        row sums to the logit of :meth:`predict`. Runs on ``threads`` library threads (default:
        every CPU); rows are independent, so the result does not depend on the thread count."""
        threads = threads or os.cpu_count() or 1
        out = self.predict_with_contributions(table, threads, contributions=True)[1]
        assert out is not None
        return out

    def predict_with_contributions(
        self, table: np.ndarray, threads: int = 1, *, contributions: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`predict` and (when ``contributions``) :meth:`contributions` of the same rows
        from one input build (one XGBoost ``DMatrix``), on ``threads`` library threads.

        Several calls may run at once on *different* models (both libraries release the GIL);
        one model serves one call at a time, since XGBoost's thread count is booster state.
        """
        self._check(table)
        threads = max(1, int(threads))
        if self.kind == "xgboost":
            import xgboost as xgb

            self.booster.set_param({"nthread": threads})
            try:
                matrix = xgb.DMatrix(table, missing=np.nan, nthread=threads)
                p = self.booster.predict(matrix)
                c = self.booster.predict(matrix, pred_contribs=True) if contributions else None
            finally:
                self.booster.set_param({"nthread": self.params.get("nthread", 1)})
        else:
            p = self.booster.predict(table, num_threads=threads)
            c = (
                self.booster.predict(table, pred_contrib=True, num_threads=threads)
                if contributions
                else None
            )
        p = np.asarray(p, dtype=np.float64)
        return p, (None if c is None else np.asarray(c, dtype=np.float64))

    def importance(self) -> dict[str, float]:
        """Total gain per column, normalised to sum 1 (0 for columns never split on)."""
        if self.kind == "xgboost":
            raw = self.booster.get_score(importance_type="total_gain")
            gains = np.array([raw.get(f"f{i}", 0.0) for i in range(len(self.feature_names))])
        else:
            gains = np.asarray(self.booster.feature_importance(importance_type="gain"), float)
        total = gains.sum()
        share = gains / total if total > 0 else gains
        return {f: float(v) for f, v in zip(self.feature_names, share, strict=True)}

    def to_bytes(self) -> bytes:
        if self.kind == "xgboost":
            return bytes(self.booster.save_raw(raw_format="ubj"))
        return self.booster.model_to_string().encode()

    @classmethod
    def from_bytes(
        cls, kind: str, blob: bytes, feature_names: tuple[str, ...], params: dict[str, Any]
    ) -> TreeModel:
        if kind == "xgboost":
            import xgboost as xgb

            booster = xgb.Booster()
            booster.load_model(bytearray(blob))
        elif kind == "lightgbm":
            import lightgbm as lgb

            booster = lgb.Booster(model_str=blob.decode())
        else:
            raise ValueError(f"unknown tree kind {kind!r}")
        return cls(kind, booster, feature_names, dict(params))

    def _check(self, table: np.ndarray) -> None:
        if table.ndim != 2 or table.shape[1] != len(self.feature_names):
            raise ValueError(
                f"{self.kind}: expected {len(self.feature_names)} columns, got shape {table.shape}"
            )


def fit_tree(
    kind: str,
    table: np.ndarray,
    y: np.ndarray,
    feature_names: tuple[str, ...],
    params: dict[str, Any] | None = None,
    *,
    seed: int = 0,
    threads: int = 1,
    valid: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: list[Any] | None = None,
) -> TreeModel:
    """Fit a ``kind`` booster on ``table`` ``(n, F)`` and labels ``y`` in {0, 1}.

    ``params`` override :data:`DEFAULT_PARAMS` (``num_boost_round`` included). ``valid`` is an
    evaluation set for ``callbacks`` (e.g. Optuna's pruning callbacks, which read its
    ``binary_logloss`` / ``logloss``).
    """
    if kind not in TREE_KINDS:
        raise ValueError(f"unknown tree kind {kind!r}; one of {', '.join(TREE_KINDS)}")
    if len(np.unique(y)) < 2:
        raise ValueError(f"{kind}: the training labels hold a single class")
    merged = {**DEFAULT_PARAMS[kind], **(params or {})}
    rounds = int(merged.pop("num_boost_round"))
    if kind == "xgboost":
        booster = _fit_xgboost(table, y, merged, rounds, seed, threads, valid, callbacks)
    else:
        booster = _fit_lightgbm(table, y, merged, rounds, seed, threads, valid, callbacks)
    return TreeModel(kind, booster, tuple(feature_names), {**merged, "num_boost_round": rounds})


def _fit_xgboost(table, y, params, rounds, seed, threads, valid, callbacks) -> Any:
    import xgboost as xgb

    dtrain = xgb.DMatrix(table, label=y, missing=np.nan)
    evals = []
    if valid is not None:
        evals = [(xgb.DMatrix(valid[0], label=valid[1], missing=np.nan), "valid")]
    config = {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
        "seed": seed,
        "nthread": threads,
        "verbosity": 0,
        **params,
    }
    return xgb.train(
        config, dtrain, num_boost_round=rounds, evals=evals, callbacks=callbacks, verbose_eval=False
    )


def _fit_lightgbm(table, y, params, rounds, seed, threads, valid, callbacks) -> Any:
    import lightgbm as lgb

    config = {
        "objective": "binary",
        "metric": "binary_logloss",
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": threads,
        "bagging_freq": 1,
        "verbosity": -1,
        **params,
    }
    dtrain = lgb.Dataset(table, label=y, free_raw_data=True)
    valid_sets, names = [], []
    if valid is not None:
        valid_sets, names = [lgb.Dataset(valid[0], label=valid[1], reference=dtrain)], ["valid"]
    return lgb.train(
        config,
        dtrain,
        num_boost_round=rounds,
        valid_sets=valid_sets,
        valid_names=names,
        callbacks=callbacks,
    )


def predict_trees(
    models: dict[str, TreeModel],
    table: np.ndarray | None,
    threads: int,
    *,
    contributions: bool = True,
) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Per model name (``models``' order), :meth:`TreeModel.predict_with_contributions` of
    ``table``, the models running at once on ``threads`` CPUs in all.

    One worker per model, each calling its library with ``threads // len(models)`` threads
    (at least 1): single-threaded library calls on two CPUs leave no OpenMP team spinning at a
    barrier while the other library or another process holds a core. Each model sees the same
    rows, so every value equals the one a single sequential call gives.
    """
    if not models:
        return {}
    assert table is not None, "tree models need the tabular view"
    per_model = max(1, threads // len(models))

    def run(model: TreeModel) -> tuple[np.ndarray, np.ndarray | None]:
        return model.predict_with_contributions(table, per_model, contributions=contributions)

    if len(models) == 1 or threads < 2:
        return {name: run(model) for name, model in models.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(models), threads)) as pool:
        futures = {name: pool.submit(run, model) for name, model in models.items()}
        return {name: future.result() for name, future in futures.items()}


def top_contributions(
    contributions: np.ndarray, feature_names: tuple[str, ...], k: int = 3
) -> list[list[dict[str, float | str]]]:
    """Per row, the ``k`` features with the largest absolute contribution (bias excluded), as
    ``[{"feature": name, "contribution": log-odds}, ...]``, largest first."""
    c = contributions[:, : len(feature_names)]
    order = np.argsort(-np.abs(c), axis=1, kind="stable")[:, :k]
    return [
        [{"feature": feature_names[j], "contribution": round(float(c[i, j]), 6)} for j in row]
        for i, row in enumerate(order)
    ]


def top_contributions_json(
    contributions: np.ndarray, feature_names: tuple[str, ...], k: int = 3
) -> list[str]:
    """Per row, ``json.dumps`` of its :func:`top_contributions` list, string for string.

    The selection is ``k`` vectorised arg-max passes over the absolute contributions (the first
    of equal values wins, as in the stable sort of :func:`top_contributions`); the strings are
    formatted from the selected values. Non-finite contributions take the plain path.
    """
    import json

    c = contributions[:, : len(feature_names)]
    if not np.isfinite(c).all():
        return [json.dumps(r) for r in top_contributions(contributions, feature_names, k)]
    k = min(k, c.shape[1])
    magnitude = np.abs(c)
    rows = np.arange(len(c))
    order = np.empty((len(c), k), dtype=np.intp)
    for rank in range(k):
        order[:, rank] = magnitude.argmax(axis=1)
        magnitude[rows, order[:, rank]] = -np.inf
    values = np.take_along_axis(c, order, axis=1)
    quoted = [json.dumps(f) for f in feature_names]
    item = '{"feature": %s, "contribution": %r}'
    return [
        "["
        + ", ".join([item % (quoted[j], round(v, 6)) for j, v in zip(js, vs, strict=True)])
        + "]"
        for js, vs in zip(order.tolist(), values.tolist(), strict=True)
    ]

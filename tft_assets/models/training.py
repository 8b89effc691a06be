"""Training one partition's model, and the walk-forward that chains partitions.

The model of partition ``D`` (DESIGN.md §3):

* **known rows**: samples whose label was known before ``D`` (``t + h`` sessions ``< D``);
* **validation tail**: the last ``validation_sessions`` sessions of the known rows;
* **fit rows**: known rows whose label was known before the tail starts (``t + h`` sessions
  ``<`` tail start): an embargo of ``h`` sessions between fit rows and tail; ``expanding``
  (every such row) or ``rolling`` (the last ``rolling_sessions`` sessions of them);
* the members (XGBoost, LightGBM, TFT; optionally an L1 logistic regression) fit on the fit
  rows; the ensemble's weights and
  calibration, the expected-return map and the conformal interval fit on their predictions
  over the tail, which no member has seen.

**Cadence.** A member retrains when the partition is in a new period of its cadence (trees
and the linear member ``weekly``, TFT ``monthly`` by default) or its parameters changed; otherwise it is carried
forward. When no member retrains, the whole bundle is carried forward (same version).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from tft_assets.calendar import shift_trading_days
from tft_assets.models.conformal import Conformal, fit_conformal
from tft_assets.models.dataset import ModelData, known_before
from tft_assets.models.ensemble import Ensemble, fit_ensemble
from tft_assets.models.guard import guard_inputs
from tft_assets.models.linear import LINEAR_KIND, LinearModel, fit_linear
from tft_assets.models.metrics import (
    base_rate_log_loss,
    classification_metrics,
    log_loss_excess,
    reliability_bins,
)
from tft_assets.models.tabular import TabularView
from tft_assets.models.trees import (
    DEFAULT_PARAMS,
    TREE_KINDS,
    TreeModel,
    fit_tree,
    predict_trees,
    top_contributions_json,
)

FAMILIES = (*TREE_KINDS, LINEAR_KIND, "tft")
#: The members trained unless configured otherwise.
DEFAULT_FAMILIES = (*TREE_KINDS, "linear", "tft")
#: Members that read the tabular view (the TFT reads the windows).
TABULAR = (TreeModel, LinearModel)
CADENCES = ("daily", "weekly", "monthly", "quarterly")
#: Features whose importance share is below this are listed as dead in the training log.
DEAD_FEATURE_SHARE = 0.001


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides a model besides its data (see the module docstring)."""

    horizon_days: int = 5
    window: str = "expanding"  # "expanding" | "rolling"
    rolling_sessions: int = 252
    min_train_sessions: int = 40
    validation_sessions: int = 40
    families: tuple[str, ...] = DEFAULT_FAMILIES
    cadence: tuple[tuple[str, str], ...] = (
        ("xgboost", "weekly"),
        ("lightgbm", "weekly"),
        ("linear", "weekly"),
        ("tft", "monthly"),
    )
    normalisation: str = "rank"
    #: calibration when the tail's calibration half has fewer than 1,000 rows
    calibration_small: str = "temperature"
    seed: int = 0
    threads: int = 1
    conformal_alpha: float = 0.1
    tree_params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    #: overrides of :class:`~tft_assets.models.tft.TFTConfig`'s defaults, as (name, value) pairs
    tft_params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.window not in ("expanding", "rolling"):
            raise ValueError(f"window must be expanding or rolling, got {self.window!r}")
        unknown = set(self.families) - set(FAMILIES)
        if unknown or not self.families:
            raise ValueError(
                f"families must be a non-empty subset of {FAMILIES}, got {self.families}"
            )
        for fam, cad in self.cadence:
            if cad not in CADENCES:
                raise ValueError(f"cadence of {fam} must be one of {CADENCES}, got {cad!r}")
        TabularView(self.normalisation)

    def cadence_of(self, family: str) -> str:
        return dict(self.cadence).get(family, "weekly")

    def params_of(self, kind: str) -> dict[str, Any]:
        return {**DEFAULT_PARAMS[kind], **dict(dict(self.tree_params).get(kind, ()))}

    def with_tree_params(self, params: dict[str, dict[str, Any]]) -> TrainingConfig:
        """A copy whose tree parameters are ``params`` (e.g. from ``tuned_hyperparameters``)."""
        frozen = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in params.items()))
        return replace(self, tree_params=frozen)

    def tft_config(self) -> Any:
        """The :class:`~tft_assets.models.tft.TFTConfig` of the TFT member."""
        from tft_assets.models.tft import TFTConfig

        return TFTConfig(**dict(self.tft_params))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tft_params"] = dict(self.tft_params)
        d["tree_params"] = {k: dict(v) for k, v in self.tree_params}
        d["cadence"] = dict(self.cadence)
        d["families"] = list(self.families)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainingConfig:
        """The inverse of :meth:`to_dict`."""
        d = dict(d)
        d["families"] = tuple(d["families"])
        d["cadence"] = tuple(sorted(d["cadence"].items()))
        d["tft_params"] = tuple(sorted(d["tft_params"].items()))
        d["tree_params"] = tuple(
            sorted((k, tuple(sorted(v.items()))) for k, v in d["tree_params"].items())
        )
        return cls(**d)


def period_of(day: dt.date, cadence: str) -> tuple[int, ...]:
    """The cadence period holding ``day``: the day, its ISO week, its month or its quarter."""
    if cadence == "daily":
        return (day.toordinal(),)
    if cadence == "weekly":
        iso = day.isocalendar()
        return (iso.year, iso.week)
    if cadence == "quarterly":
        return (day.year, (day.month - 1) // 3)
    return (day.year, day.month)


@dataclass(frozen=True)
class Split:
    """Row masks of one partition's training, over a :class:`ModelData`."""

    fit: np.ndarray
    tail: np.ndarray
    fit_sessions: int
    tail_start: dt.date
    tail_end: dt.date


class NotEnoughData(ValueError):
    """Too few known sessions to train the model of a partition (the message says how many)."""


def split_for(data: ModelData, day: dt.date, config: TrainingConfig) -> Split:
    """The fit and tail masks of partition ``day``'s model; :class:`NotEnoughData` if short."""
    labelled = ~np.isnan(data.y)
    ends = data.end_dates
    known = labelled & known_before(ends, day, config.horizon_days)
    sessions = np.unique(ends[known])
    need = config.min_train_sessions + config.validation_sessions + config.horizon_days
    if sessions.size < need:
        raise NotEnoughData(
            f"{sessions.size} sessions of known labels before {day}; training needs {need} "
            f"({config.min_train_sessions} to fit + {config.horizon_days} embargo + "
            f"{config.validation_sessions} validation)"
        )
    tail_start = sessions[-config.validation_sessions].astype(dt.date)
    tail = known & (ends >= sessions[-config.validation_sessions])
    fit = known & known_before(ends, tail_start, config.horizon_days)
    if config.window == "rolling":
        fit_sessions = np.unique(ends[fit])[-config.rolling_sessions :]
        fit &= ends >= fit_sessions[0]
    n_fit = int(np.unique(ends[fit]).size)
    if n_fit < config.min_train_sessions:
        raise NotEnoughData(
            f"{n_fit} fit sessions before the embargo of {day}'s validation tail; "
            f"training needs {config.min_train_sessions}"
        )
    return Split(fit, tail, n_fit, tail_start, sessions[-1].astype(dt.date))


#: A fitted member: a :class:`TreeModel`, a :class:`~tft_assets.models.linear.LinearModel` or
#: a :class:`~tft_assets.models.tft.TFTModel`.
Member = Any


@dataclass
class ModelBundle:
    """The model of one partition: members, ensemble, return map, conformal interval, log."""

    trained_on: dt.date
    config: TrainingConfig
    feature_names: tuple[str, ...]
    columns: tuple[str, ...]
    members: dict[str, Member]
    member_trained_on: dict[str, dt.date]
    ensemble: Ensemble
    return_map: tuple[float, float]  # expected return = a + b * (p - 0.5), fraction
    conformal: Conformal
    info: dict[str, Any] = field(default_factory=dict)
    #: content id: the first 16 hex digits of the SHA-256 of :meth:`to_bytes` when it was made
    version: str = ""

    def with_version(self) -> ModelBundle:
        return replace(self, version=blob_version(self.to_bytes()))

    @property
    def view(self) -> TabularView:
        return TabularView(self.config.normalisation)

    def member_probs(self, data: ModelData, table: np.ndarray | None = None) -> np.ndarray:
        """``(n, M)`` P(up) of every member, in ``ensemble.names`` order (``table``: the trees'
        tabular view of ``data`` when already built)."""
        return self._member_outputs(data, table, contributions=False)[0]

    def _member_outputs(
        self, data: ModelData, table: np.ndarray | None, *, contributions: bool
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """:meth:`member_probs`, and with ``contributions`` each tree member's Tree SHAP
        contributions ``(n, len(columns) + 1)`` by name; the tree members run at once,
        sharing the CPUs (:func:`~tft_assets.models.trees.predict_trees`)."""
        trees = {n: m for n, m in self.members.items() if isinstance(m, TreeModel)}
        tabular = any(isinstance(m, TABULAR) for m in self.members.values())
        if tabular and table is None:
            table = data.table(self.view)
        outputs = predict_trees(trees, table, os.cpu_count() or 1, contributions=contributions)

        def output(name: str) -> np.ndarray:
            if name in outputs:
                return outputs[name][0]
            member = self.members[name]
            return member.predict(table if isinstance(member, LinearModel) else data.x)

        cols = [output(name) for name in self.ensemble.names]
        contribs = {n: c for n, (_, c) in outputs.items() if c is not None}
        return np.column_stack(cols), contribs

    def p_up(self, data: ModelData) -> np.ndarray:
        """``(n,)`` calibrated P(up) alone: :meth:`predict`'s ``p_up`` without the trees'
        contributions (what the registry gate compares)."""
        _check_features(data.feature_names, self.feature_names)
        return np.clip(self.ensemble.predict(self.member_probs(data)), 0.0, 1.0)

    def predict(self, data: ModelData) -> pl.DataFrame:
        """One row per sample: calibrated ``p_up``, the expected forward return and its
        conformal interval, every member's output, and the three largest contributions."""
        _check_features(data.feature_names, self.feature_names)
        probs, contribs = self._member_outputs(data, None, contributions=True)
        p = np.clip(self.ensemble.predict(probs), 0.0, 1.0)
        a, b = self.return_map
        expected = a + b * (p - 0.5)
        low, high = self.conformal.interval(expected)
        frame = data.index.with_columns(
            pl.Series("p_up", p),
            pl.Series("expected_return", expected),
            pl.Series("return_low", low),
            pl.Series("return_high", high),
            *(pl.Series(f"p_{n}", probs[:, i]) for i, n in enumerate(self.ensemble.names)),
            pl.Series("top_features", self._top(len(data), contribs), dtype=pl.String),
        )
        return frame

    def _top(self, n: int, contribs: dict[str, np.ndarray]) -> list[str]:
        """Per row, the JSON list of the three largest contributions of the tree members'
        Tree SHAP output, averaged with the ensemble's weights renormalised over the trees."""
        if not contribs:
            return [json.dumps([])] * n
        weights = dict(zip(self.ensemble.names, self.ensemble.weights, strict=True))
        w = np.array([weights.get(name, 0.0) for name in contribs])
        w = w / w.sum() if w.sum() > 0 else np.full(len(contribs), 1.0 / len(contribs))
        contrib = sum(wi * c for wi, c in zip(w, contribs.values(), strict=True))
        return top_contributions_json(contrib, self.columns, k=3)

    def to_bytes(self) -> bytes:
        """A zip: ``manifest.json`` plus one file per member; deterministic for equal bundles."""
        manifest = {
            "trained_on": self.trained_on.isoformat(),
            "config": self.config.to_dict(),
            "feature_names": list(self.feature_names),
            "columns": list(self.columns),
            "members": {
                n: {
                    "kind": m.kind if isinstance(m, TABULAR) else "tft",
                    "trained_on": self.member_trained_on[n].isoformat(),
                    "params": m.params if isinstance(m, TABULAR) else m.config.to_dict(),
                }
                for n, m in self.members.items()
            },
            "ensemble": self.ensemble.to_dict(),
            "return_map": list(self.return_map),
            "conformal": self.conformal.to_dict(),
            "info": self.info,
        }
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            _write(z, "manifest.json", json.dumps(manifest, sort_keys=True, default=str).encode())
            for n, m in sorted(self.members.items()):
                _write(z, f"members/{n}.bin", m.to_bytes())
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> ModelBundle:
        """Rebuild a bundle from :meth:`to_bytes`; its version is that of ``blob``."""
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            manifest = json.loads(z.read("manifest.json"))
            members: dict[str, Member] = {}
            for n, spec in manifest["members"].items():
                raw = z.read(f"members/{n}.bin")
                if spec["kind"] == "tft":
                    from tft_assets.models.tft import TFTModel

                    members[n] = TFTModel.from_bytes(raw)
                elif spec["kind"] == LINEAR_KIND:
                    members[n] = LinearModel.from_bytes(raw)
                else:
                    members[n] = TreeModel.from_bytes(
                        spec["kind"], raw, tuple(manifest["columns"]), spec["params"]
                    )
        return cls(
            dt.date.fromisoformat(manifest["trained_on"]),
            TrainingConfig.from_dict(manifest["config"]),
            tuple(manifest["feature_names"]),
            tuple(manifest["columns"]),
            members,
            {n: dt.date.fromisoformat(s["trained_on"]) for n, s in manifest["members"].items()},
            Ensemble.from_dict(manifest["ensemble"]),
            (float(manifest["return_map"][0]), float(manifest["return_map"][1])),
            Conformal.from_dict(manifest["conformal"]),
            info=manifest.get("info", {}),
            version=blob_version(blob),
        )


def blob_version(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()[:16]


def _write(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def _check_features(got: tuple[str, ...], want: tuple[str, ...]) -> None:
    if tuple(got) != tuple(want):
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        raise ValueError(
            f"the sequences' features differ from the model's: missing {missing}, extra {extra}"
        )


@dataclass(frozen=True)
class TrainOutcome:
    """What training partition ``day`` did: a bundle (new or carried) or a reason for none."""

    day: dt.date
    bundle: ModelBundle | None
    retrained: tuple[str, ...] = ()
    carried: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def carried_forward(self) -> bool:
        return self.bundle is not None and not self.retrained


def _needs_retrain(
    name: str, day: dt.date, config: TrainingConfig, previous: ModelBundle | None
) -> bool:
    if previous is None or name not in previous.members:
        return True
    cadence = config.cadence_of(name)
    if period_of(day, cadence) != period_of(previous.member_trained_on[name], cadence):
        return True
    model = previous.members[name]
    if isinstance(model, LinearModel):
        return False  # no parameters of its own: the penalty is chosen inside each fit
    if isinstance(model, TreeModel):
        return model.params != config.params_of(name)
    return model.config != config.tft_config()


def train_partition(
    data: ModelData, day: dt.date, config: TrainingConfig, previous: ModelBundle | None = None
) -> TrainOutcome:
    """The model of partition ``day`` from the labelled samples of ``data`` (rows after ``day``
    and labels not yet known are never read: :func:`split_for` masks them)."""
    retrain = [f for f in config.families if _needs_retrain(f, day, config, previous)]
    if previous is not None and not retrain:
        return TrainOutcome(day, previous, (), tuple(config.families), None)
    try:
        split = split_for(data, day, config)
    except NotEnoughData as exc:
        if previous is not None:
            return TrainOutcome(
                day, previous, (), tuple(previous.members), f"carried forward: {exc}"
            )
        return TrainOutcome(day, None, (), (), str(exc))
    view = TabularView(config.normalisation)
    data.table(view)  # built once over every sample; the subsets below take their rows
    fit, tail = data.subset(split.fit), data.subset(split.tail)
    columns = view.columns(data.feature_names)
    fit_table = fit.table(view)
    rho = guard_inputs(data.feature_names, fit_table, columns, fit.y)
    guard_inputs(data.feature_names, fit.x[:, -1, :], data.feature_names, fit.y)
    members: dict[str, Member] = {}
    trained_on: dict[str, dt.date] = {}
    for name in config.families:
        if name in retrain:
            members[name] = _fit_member(name, fit, fit_table, columns, config)
            trained_on[name] = day
        else:
            assert previous is not None
            members[name] = previous.members[name]
            trained_on[name] = previous.member_trained_on[name]
    draft = ModelBundle(
        day,
        config,
        data.feature_names,
        columns,
        members,
        trained_on,
        # placeholder calibration: only the member names are read before the ensemble is fitted
        Ensemble(tuple(config.families), (1.0 / len(members),) * len(members), "platt", {}),
        (0.0, 0.0),
        Conformal(0.0, config.conformal_alpha, 0),
    )
    probs = draft.member_probs(tail)
    ensemble = fit_ensemble(probs, tail.y, tuple(config.families), small=config.calibration_small)
    p_tail = np.clip(ensemble.predict(probs), 0.0, 1.0)
    return_map = _fit_return_map(p_tail, tail.fwd_return)
    expected = return_map[0] + return_map[1] * (p_tail - 0.5)
    conformal = fit_conformal(expected, tail.fwd_return, alpha=config.conformal_alpha)
    info = _training_info(split, fit, tail, probs, p_tail, members, config, rho, columns)
    bundle = replace(
        draft, ensemble=ensemble, return_map=return_map, conformal=conformal, info=info
    ).with_version()
    carried = tuple(n for n in config.families if n not in retrain)
    return TrainOutcome(day, bundle, tuple(retrain), carried, None)


def _fit_member(
    name: str, fit: ModelData, table: np.ndarray, columns: tuple[str, ...], config: TrainingConfig
) -> Member:
    if name == "tft":
        from tft_assets.models.tft import fit_tft

        return fit_tft(fit.x, fit.y, fit.feature_names, config.tft_config())
    if name == LINEAR_KIND:
        return fit_linear(
            table,
            fit.y,
            columns,
            ends=fit.end_dates,
            horizon_days=config.horizon_days,
            seed=config.seed,
        )
    return fit_tree(
        name,
        table,
        fit.y,
        columns,
        config.params_of(name),
        seed=config.seed,
        threads=config.threads,
    )


def _fit_return_map(p: np.ndarray, fwd: np.ndarray) -> tuple[float, float]:
    """Least squares ``fwd ~ a + b * (p - 0.5)`` over the tail (b = 0 when p is constant)."""
    z = p - 0.5
    a = float(fwd.mean())
    var = float(((z - z.mean()) ** 2).sum())
    if var <= 0:
        return a, 0.0
    b = float(((z - z.mean()) * (fwd - fwd.mean())).sum() / var)
    return float(fwd.mean() - b * z.mean()), b


def _training_info(split, fit, tail, probs, p_tail, members, config, rho, columns) -> dict:
    metrics = {
        name: classification_metrics(tail.y, probs[:, i]) for i, name in enumerate(config.families)
    }
    metrics["ensemble"] = classification_metrics(tail.y, p_tail)
    importance: dict[str, dict[str, float]] = {}
    for name, model in members.items():
        importance[name] = (
            model.importance() if isinstance(model, TABULAR) else model.variable_importance()
        )
    dead = {
        name: sorted(f for f, share in imp.items() if share < DEAD_FEATURE_SHARE)
        for name, imp in importance.items()
    }
    ends = fit.end_dates
    return {
        "fit_rows": len(fit),
        "fit_sessions": split.fit_sessions,
        "fit_start": str(ends.min().astype(dt.date)),
        "fit_end": str(ends.max().astype(dt.date)),
        "tail_rows": len(tail),
        "tail_start": split.tail_start.isoformat(),
        "tail_end": split.tail_end.isoformat(),
        "validation": metrics,
        "reliability": reliability_bins(tail.y, p_tail),
        "base_rate_log_loss": base_rate_log_loss(fit.y, tail.y),
        "log_loss_excess": log_loss_excess(
            fit.y, tail.y, p_tail, tail.end_dates, config.horizon_days, seed=config.seed
        ),
        "importance": importance,
        "dead_features": dead,
        "max_abs_rho": float(np.nanmax(np.abs(rho))) if np.isfinite(rho).any() else None,
        "columns": len(columns),
    }


def walk_forward(
    data: ModelData,
    days: list[dt.date],
    config: TrainingConfig,
    previous: ModelBundle | None = None,
) -> tuple[pl.DataFrame, list[TrainOutcome]]:
    """Train the model of every day in ``days`` (ascending), carrying bundles forward by
    cadence, and predict each day's samples with that day's model.

    Returns the predictions (``ticker, end_date, p_up, ...`` plus ``y`` and ``fwd_return``
    where known) and the outcome of every day.
    """
    outcomes, frames = [], []
    ends = data.end_dates
    for day in days:
        outcome = train_partition(data, day, config, previous)
        outcomes.append(outcome)
        previous = outcome.bundle
        today = ends == np.datetime64(day, "D")
        if previous is None or not today.any():
            continue
        sub = data.subset(today)
        frames.append(
            previous.predict(sub).with_columns(
                pl.Series("y", sub.y), pl.Series("fwd_return", sub.fwd_return)
            )
        )
    return (pl.concat(frames) if frames else pl.DataFrame()), outcomes


def first_trainable_day(data: ModelData, config: TrainingConfig) -> dt.date | None:
    """The first session whose model :func:`split_for` can train (None: never in ``data``)."""
    sessions = np.unique(data.end_dates[~np.isnan(data.y)])
    need = config.min_train_sessions + config.validation_sessions + config.horizon_days
    if sessions.size < need:
        return None
    return shift_trading_days(sessions[need - 1].astype(dt.date), config.horizon_days + 1)

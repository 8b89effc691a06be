"""``tuned_hyperparameters`` (weekly), ``trained_models`` and ``predictions`` (daily).

The daily partitioning is the walk-forward: the model of partition D trains on rows whose label
was known before D, and the predictions of D come from the model of D. A range run trains the
days in order, carrying the model forward by cadence, exactly as day-by-day runs would (a
single-day run starts from the model of the latest stored partition before it).
"""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from tft_assets.calendar import is_trading_day
from tft_assets.defs.metadata import md_table, png_markdown
from tft_assets.defs.models import checks
from tft_assets.defs.models.resources import ModelTrainingResource
from tft_assets.defs.partitions import daily_asset_options
from tft_assets.defs.resources import LakeResource, ModelStoreResource
from tft_assets.models import ModelData, model_data
from tft_assets.models.training import ModelBundle, TrainOutcome, split_for, train_partition
from tft_assets.schemas import (
    PREDICTIONS_SCHEMA,
    TRAINED_MODELS_SCHEMA,
    TUNED_HYPERPARAMETERS_SCHEMA,
    conform,
    empty_frame,
)

MODELS_GROUP = "models"
OWNERS = ["team:quant-research"]
REGISTERED_MODEL = "tft-trader-ensemble"
EXPERIMENT = "tft-trader-models"
BUNDLE_ARTIFACT = "bundle/bundle.zip"
VALIDATION_METRICS = ("accuracy", "log_loss", "brier", "auc", "ece")


def _day(key: str) -> dt.date:
    return dt.date.fromisoformat(key)


def load_model_data(lake: LakeResource, last_key: str, first_key: str | None = None) -> ModelData:
    """Sequences (and their labels where stored) of partitions ``first_key..last_key``."""
    from tft_assets.lake.storage import list_partitions

    stored = [k for k in list_partitions(lake.base_url, "feature_sequences") if k <= last_key]
    if not stored:
        raise dg.Failure(
            f"no feature_sequences partitions up to {last_key}: materialise feature_sequences first"
        )
    # stored but empty (the first 30 sessions have no full window): no samples, and training
    # says so in its reason
    seqs = lake.read_range("feature_sequences", first_key, last_key)
    labels = lake.read_range("labels", first_key, last_key)
    return model_data(seqs, labels if labels.width else None)


# ----------------------------------------------------------------------------- tuning


def build_model_assets(
    daily: dg.PartitionsDefinition, weekly: dg.PartitionsDefinition, horizon_days: int
) -> list:
    previous_week = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)

    @dg.asset(
        partitions_def=weekly,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=MODELS_GROUP,
        owners=OWNERS,
        tags={"layer": "gold", "domain": "models"},
        kinds={"optuna", "xgboost", "lightgbm"},
        deps=[
            dg.AssetDep("feature_sequences", partition_mapping=previous_week),
            dg.AssetDep("labels", partition_mapping=previous_week),
        ],
        description="Per week (key: its Monday), an Optuna study per tree kind (TPE sampler, median "
        "pruner, the boosters' pruning callbacks) minimising walk-forward log loss over 3 folds of "
        "the samples known before that Monday. Stored in the Optuna RDB under $TFT_DATA_DIR; the "
        "number of trials is recorded for the deflated Sharpe ratio.",
    )
    def tuned_hyperparameters(
        context: dg.AssetExecutionContext, lake: LakeResource, model_training: ModelTrainingResource
    ) -> dg.Output:
        return tune_range(context, lake, model_training)

    @dg.asset(
        **daily_asset_options(daily, MODELS_GROUP, OWNERS, "gold", "models",
                              kinds=("xgboost", "lightgbm", "pytorch", "mlflow")),
        deps=[
            "feature_sequences",
            "labels",
            dg.AssetDep("tuned_hyperparameters", partition_mapping=dg.TimeWindowPartitionMapping()),
        ],
        check_specs=checks.TRAINED_MODEL_CHECKS,
        description="The model of day D: XGBoost, LightGBM and TFT members fitted on samples whose label "
        f"was known before D, less an embargo of {horizon_days} sessions before a validation tail on which "
        "the non-negative ensemble weights, the calibration and the conformal interval are fitted. One "
        "row per member plus an `ensemble` row. Members retrain by cadence (trees weekly, TFT monthly) "
        "and are otherwise carried forward; each training is an MLflow run and a version of "
        f"`{REGISTERED_MODEL}` (alias `champion` or `challenger`).",
    )  # fmt: skip
    def trained_models(
        context: dg.AssetExecutionContext,
        lake: LakeResource,
        model_store: ModelStoreResource,
        model_training: ModelTrainingResource,
    ) -> Iterator:
        yield from train_range(context, lake, model_store, model_training)

    @dg.asset(
        **daily_asset_options(daily, MODELS_GROUP, OWNERS, "gold", "models"),
        deps=["trained_models", "feature_sequences", "feature_snapshots"],
        check_specs=checks.PREDICTION_CHECKS,
        description="One row per ticker with a sequence at D, from the model of D: calibrated P(up), "
        "the expected forward return with its split-conformal 90 % interval, each member's output and "
        "the ensemble weights, the model version, MLflow run and snapshot id, and the three largest "
        "feature contributions (the boosters' Tree SHAP output, log-odds).",
    )
    def predictions(
        context: dg.AssetExecutionContext, lake: LakeResource, model_store: ModelStoreResource
    ) -> Iterator:
        yield from predict_range(context, lake, model_store)

    return [tuned_hyperparameters, trained_models, predictions]


def tune_range(
    context: dg.AssetExecutionContext, lake: LakeResource, model_training: ModelTrainingResource
) -> dg.Output:
    from tft_assets.models.tuning import NotEnoughHistory, tune_trees

    keys = list(context.partition_keys)
    data = load_model_data(lake, (_day(keys[-1]) - dt.timedelta(days=1)).isoformat())
    frames, notes, trials = {}, {}, 0
    for key in keys:
        week = _day(key)
        try:
            result = tune_trees(
                data,
                week,
                horizon_days=model_training.horizon_days,
                normalisation=model_training.normalisation,
                kinds=model_training.tree_kinds,
                n_trials=model_training.tuning_trials,
                timeout_s=model_training.tuning_timeout_s,
                seed=model_training.seed,
                storage=model_training.optuna_storage,
            )
        except NotEnoughHistory as exc:
            frames[key] = empty_frame(TUNED_HYPERPARAMETERS_SCHEMA)
            notes[key] = str(exc)
            context.log.info(f"tuned_hyperparameters {key}: not tuned: {exc}")
            continue
        trials += result.total_trials
        frames[key] = conform(
            pl.DataFrame(
                [
                    {
                        "week": week,
                        "kind": kind,
                        "params": json.dumps(params, sort_keys=True),
                        "best_log_loss": result.best_log_loss[kind],
                        "n_trials": result.n_trials[kind],
                        "n_pruned": result.n_pruned[kind],
                        "folds": result.folds,
                        "known_sessions": result.known_sessions,
                    }
                    for kind, params in result.params.items()
                ]
            ),
            TUNED_HYPERPARAMETERS_SCHEMA,
        )
    rows = pl.concat(list(frames.values()))
    meta: dict[str, Any] = {
        "row_count": dg.MetadataValue.int(rows.height),
        "n_trials": trials,
        "optuna_storage": model_training.optuna_storage,
    }
    if notes:
        meta["not_tuned"] = dg.MetadataValue.json(notes)
    if rows.height:
        meta["best"] = md_table(
            rows.select("week", "kind", "best_log_loss", "n_trials", "n_pruned")
        )
    return dg.Output(frames, metadata=meta)


def train_range(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    model_store: ModelStoreResource,
    model_training: ModelTrainingResource,
) -> Iterator:
    keys = list(context.partition_keys)
    store = model_store.store()
    data = load_model_data(lake, keys[-1])
    tuned = _tuned_by_week(lake, keys[-1])
    previous, runs = _previous_model(lake, store, keys[0])
    frames, decisions, outcomes = {}, {}, []
    cache: dict[str, ModelBundle] = {}  # champion bundles read back for the promotion gate
    for key in keys:
        day = _day(key)
        if not is_trading_day(day):
            frames[key] = empty_frame(TRAINED_MODELS_SCHEMA)
            continue
        config = model_training.training_config(_tuned_at(tuned, day))
        outcome = train_partition(data, day, config, previous)
        outcomes.append(outcome)
        bundle = outcome.bundle
        if bundle is not None and outcome.retrained:
            run_id, version, decisions[key] = _record_training(
                store, lake, data, bundle, outcome, config, cache
            )
            runs[bundle.version] = (run_id, version)
        if outcome.reason:
            context.log.info(f"trained_models {key}: {outcome.reason}")
        frames[key] = _model_rows(day, outcome, runs)
        previous = bundle
    last = frames[keys[-1]]
    meta: dict[str, Any] = {
        "row_count": dg.MetadataValue.int(sum(f.height for f in frames.values())),
        "trainings": sum(1 for o in outcomes if o.retrained),
        "carried_forward": sum(1 for o in outcomes if o.carried_forward),
        "without_model": sum(1 for o in outcomes if o.bundle is None),
    }
    if decisions:
        meta["registry_decisions"] = dg.MetadataValue.json(decisions)
    if last.height:
        meta["models"] = md_table(
            last.select("model", "model_version", "trained_on", "retrained", "weight",
                        "val_accuracy", "val_log_loss", "val_ece", "reason")
        )  # fmt: skip
        run_id = last["mlflow_run_id"][0]
        if run_id:
            meta["mlflow_run_id"] = run_id
            meta["mlflow_run"] = _run_link(model_store.tracking_uri, store, run_id)
    if outcomes and outcomes[-1].bundle is not None:
        bundle = outcomes[-1].bundle
        meta["reliability_diagram"] = png_markdown(_reliability_png(bundle), "reliability")
    yield dg.Output(frames, metadata=meta)
    yield from checks.trained_model_checks(outcomes)


def predict_range(
    context: dg.AssetExecutionContext, lake: LakeResource, model_store: ModelStoreResource
) -> Iterator:
    keys = list(context.partition_keys)
    store = model_store.store()
    models = lake.read_range("trained_models", keys[0], keys[-1])
    missing = sorted(set(keys) - set(_stored_keys(lake, "trained_models", keys)))
    if missing:
        raise dg.Failure(
            f"predictions need trained_models of {missing[0]}"
            f"{f' (+{len(missing) - 1} more days)' if len(missing) > 1 else ''}: materialise it first"
        )
    seqs = lake.read_range("feature_sequences", keys[0], keys[-1])
    snaps = lake.read_range(
        "feature_snapshots", keys[0], keys[-1], columns=["ticker", "date", "snapshot_id"]
    )
    cache: dict[str, ModelBundle] = {}
    frames, reasons = {}, {}
    for key in keys:
        day = _day(key)
        row = (
            models.filter((pl.col("date") == day) & (pl.col("model") == "ensemble"))
            if models.height
            else models
        )
        day_seqs = seqs.filter(pl.col("end_date") == day) if seqs.height else seqs
        if row.is_empty() or row["model_version"][0] is None or day_seqs.is_empty():
            frames[key] = empty_frame(PREDICTIONS_SCHEMA)
            if row.height and row["reason"][0]:
                reasons[key] = row["reason"][0]
            continue
        bundle = _bundle(store, cache, row["mlflow_run_id"][0], row["model_version"][0])
        frames[key] = _prediction_rows(
            bundle,
            model_data(day_seqs),
            day,
            row,
            snaps.filter(pl.col("date") == day) if snaps.height else snaps,
        )
    rows = pl.concat(list(frames.values()))
    meta: dict[str, Any] = {
        "row_count": dg.MetadataValue.int(rows.height),
        "days_with_predictions": sum(1 for f in frames.values() if f.height),
    }
    if reasons:
        meta["days_without_model"] = len(reasons)
        meta["first_reason"] = next(iter(reasons.values()))
    if rows.height:
        meta["mean_p_up"] = round(float(rows["p_up"].mean()), 4)
        meta["preview"] = md_table(
            frames[keys[-1]].select("ticker", "date", "p_up", "expected_return", "return_low",
                                    "return_high", "top_features"), max_rows=10, max_chars=90)  # fmt: skip
    yield dg.Output(frames, metadata=meta)
    yield from checks.prediction_checks(rows, store, REGISTERED_MODEL)


# ----------------------------------------------------------------------------- helpers


def _stored_keys(lake: LakeResource, asset: str, keys: list[str]) -> list[str]:
    from tft_assets.lake.storage import list_partitions

    wanted = set(keys)
    return [k for k in list_partitions(lake.base_url, asset) if k in wanted]


def _tuned_by_week(lake: LakeResource, last_key: str) -> dict[dt.date, dict[str, dict]]:
    rows = lake.read_range("tuned_hyperparameters", None, last_key)
    out: dict[dt.date, dict[str, dict]] = {}
    for r in rows.iter_rows(named=True) if rows.height else ():
        out.setdefault(r["week"], {})[r["kind"]] = json.loads(r["params"])
    return out


def _tuned_at(tuned: dict[dt.date, dict[str, dict]], day: dt.date) -> dict[str, dict] | None:
    """The parameters of the latest tuned week starting at or before ``day``."""
    weeks = [w for w in tuned if w <= day]
    return tuned[max(weeks)] if weeks else None


def _previous_model(
    lake: LakeResource, store: Any, first_key: str
) -> tuple[ModelBundle | None, dict[str, tuple[str, str]]]:
    """The bundle of the latest stored ``trained_models`` partition before ``first_key``."""
    before = (_day(first_key) - dt.timedelta(days=1)).isoformat()
    rows = lake.read_range("trained_models", None, before)
    if rows.is_empty():
        return None, {}
    rows = rows.filter((pl.col("model") == "ensemble") & pl.col("model_version").is_not_null())
    if rows.is_empty():
        return None, {}
    last = rows.sort("date").row(-1, named=True)
    bundle = _bundle(store, {}, last["mlflow_run_id"], last["model_version"])
    return bundle, {bundle.version: (last["mlflow_run_id"], last["registry_version"])}


def _bundle(store: Any, cache: dict[str, ModelBundle], run_id: str, version: str) -> ModelBundle:
    if version not in cache:
        blob = store.download(run_id, BUNDLE_ARTIFACT)
        try:
            bundle = ModelBundle.from_bytes(blob)
        except Exception as exc:  # re-raised as one line naming what and where
            raise dg.Failure(
                f"cannot load the model bundle of MLflow run {run_id} ({BUNDLE_ARTIFACT}): "
                f"{type(exc).__name__}: {exc}"
            ) from None  # the one line is the message; the cause adds no where
        if bundle.version != version:
            raise dg.Failure(
                f"MLflow run {run_id} holds bundle {bundle.version}, trained_models names {version}"
            )
        cache[version] = bundle
    return cache[version]


def _record_training(
    store: Any,
    lake: LakeResource,
    data: ModelData,
    bundle: ModelBundle,
    outcome: TrainOutcome,
    config: Any,
    cache: dict[str, ModelBundle],
) -> tuple[str, str, dict]:
    """The MLflow run, registry version and registry decision of a retrained ``bundle``.

    A bundle's version is the hash of its bytes, so a finished run tagged with it already holds
    this very model: a rerun of the partition reuses that run and its registered version (and
    leaves the aliases alone) instead of logging a copy, so the partition's rows, which name the
    run and the version, come out the same. A run logged by a process that died before
    registering it is registered now.
    """
    run_id = store.finished_run(EXPERIMENT, {"bundle_version": bundle.version})
    if run_id is None:
        run_id = _log_training(store, lake, bundle, outcome)
    version = store.run_version(REGISTERED_MODEL, run_id)
    if version is not None:
        return run_id, version, {"version": version, "alias": None,
                                 "reason": f"bundle {bundle.version} already registered (run {run_id})"}  # fmt: skip
    version = store.register(REGISTERED_MODEL, run_id, BUNDLE_ARTIFACT)
    return run_id, version, _promote(store, data, bundle, version, config, cache)


def _log_training(
    store: Any, lake: LakeResource, bundle: ModelBundle, outcome: TrainOutcome
) -> str:
    from tft_assets.models.plots import reliability_figure

    info = bundle.info
    snaps = lake.read_range(
        "feature_snapshots",
        info["fit_start"],
        info["tail_end"],
        columns=["snapshot_id", "feature_version"],
    )
    snapshot_ids = sorted(set(snaps["snapshot_id"].to_list())) if snaps.height else []
    versions = sorted(set(snaps["feature_version"].to_list())) if snaps.height else []
    params = {
        **{f"config.{k}": json.dumps(v, sort_keys=True, default=str) for k, v in bundle.config.to_dict().items()},
        "trained_on": bundle.trained_on.isoformat(),
        "retrained": ",".join(outcome.retrained),
        "carried": ",".join(outcome.carried),
        "feature_version": ",".join(versions),
        "snapshot_ids": len(snapshot_ids),
        **{k: info[k] for k in ("fit_rows", "fit_sessions", "fit_start", "fit_end", "tail_rows", "tail_start", "tail_end")},
        "bundle_version": bundle.version,
    }  # fmt: skip
    metrics = {
        f"val_{name}_{m}": v
        for name, vals in info["validation"].items()
        for m, v in vals.items()
        if m in VALIDATION_METRICS and v is not None
    }
    metrics["base_rate_log_loss"] = info["base_rate_log_loss"]
    excess = info["log_loss_excess"]
    metrics["log_loss_excess"] = excess["mean"]
    metrics["log_loss_excess_ci95_low"], metrics["log_loss_excess_ci95_high"] = excess["ci95"]
    metrics.update(
        {
            f"weight_{n}": w
            for n, w in zip(bundle.ensemble.names, bundle.ensemble.weights, strict=True)
        }
    )
    artifacts = {
        BUNDLE_ARTIFACT: bundle.to_bytes(),
        "feature_importance.json": json.dumps(
            info["importance"], indent=1, sort_keys=True
        ).encode(),
        "dead_features.json": json.dumps(info["dead_features"], indent=1, sort_keys=True).encode(),
        "snapshot_ids.json": json.dumps(snapshot_ids).encode(),
        "validation.json": json.dumps(info["validation"], indent=1, sort_keys=True).encode(),
    }
    fig = reliability_figure(
        info["reliability"], f"ensemble of {bundle.trained_on}, validation tail"
    )
    try:
        return store.log_run(
            EXPERIMENT,
            f"trained_models-{bundle.trained_on}",
            params=params,
            metrics=metrics,
            artifacts=artifacts,
            figures={"reliability_diagram.png": fig},
            tags={"partition": bundle.trained_on.isoformat(), "bundle_version": bundle.version},
        )
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def _promote(
    store: Any,
    data: ModelData,
    bundle: ModelBundle,
    version: str,
    config: Any,
    cache: dict[str, ModelBundle],
) -> dict:
    """Move ``champion`` to ``version`` when it beats the champion's log loss on this version's
    validation tail; otherwise alias it ``challenger``. Returns the decision and its reason."""
    from tft_assets.models.metrics import classification_metrics

    champion = store.alias_version(REGISTERED_MODEL, "champion")
    if champion is None:
        cache.clear()
        cache[bundle.version] = bundle
        store.set_alias(REGISTERED_MODEL, "champion", version)
        return {"version": version, "alias": "champion", "reason": "first registered version"}
    tail = data.subset(split_for(data, bundle.trained_on, config).tail)
    champ = _bundle(
        store, cache, store.version_run_id(REGISTERED_MODEL, champion), _version_of(store, champion)
    )
    # the new bundle's own tail predictions are the ones its validation metrics were computed on
    new_ll = bundle.info["validation"]["ensemble"]["log_loss"]
    old_ll = classification_metrics(tail.y, champ.p_up(tail))["log_loss"]
    window = f"{bundle.info['tail_start']}..{bundle.info['tail_end']} ({len(tail)} rows)"
    # the cache keeps the champion only: the next training's gate reads it, no other bundle
    cache.clear()
    if new_ll < old_ll:
        cache[bundle.version] = bundle
        store.set_alias(REGISTERED_MODEL, "champion", version)
        return {"version": version, "alias": "champion", "reason":
                f"log loss {new_ll:.5f} < champion v{champion}'s {old_ll:.5f} on {window}"}  # fmt: skip
    cache[champ.version] = champ
    store.set_alias(REGISTERED_MODEL, "challenger", version)
    return {"version": version, "alias": "challenger", "reason":
            f"log loss {new_ll:.5f} >= champion v{champion}'s {old_ll:.5f} on {window}"}  # fmt: skip


def _version_of(store: Any, registry_version: str) -> str:
    run = store.client().get_run(store.version_run_id(REGISTERED_MODEL, registry_version))
    return run.data.tags["bundle_version"]


def _model_rows(
    day: dt.date, outcome: TrainOutcome, runs: dict[str, tuple[str, str]]
) -> pl.DataFrame:
    bundle = outcome.bundle
    if bundle is None:
        return conform(pl.DataFrame([{"date": day, "model": "ensemble", "retrained": False,
                                      "reason": outcome.reason}]), TRAINED_MODELS_SCHEMA)  # fmt: skip
    run_id, registry_version = runs.get(bundle.version, (None, None))
    val = bundle.info.get("validation", {})
    weights = dict(zip(bundle.ensemble.names, bundle.ensemble.weights, strict=True))
    info = bundle.info
    rows = []
    for name in (*bundle.ensemble.names, "ensemble"):
        m = val.get(name, {})
        rows.append({
            "date": day, "model": name, "model_version": bundle.version,
            "trained_on": bundle.member_trained_on.get(name, bundle.trained_on),
            "retrained": name in outcome.retrained or (name == "ensemble" and bool(outcome.retrained)),
            "mlflow_run_id": run_id, "registry_version": registry_version,
            "weight": weights.get(name, 1.0),
            **{f"val_{k}": m.get(k) for k in VALIDATION_METRICS},
            "fit_rows": info.get("fit_rows"), "tail_rows": info.get("tail_rows"),
            "reason": outcome.reason or (None if outcome.retrained else f"carried forward from {bundle.trained_on}"),
        })  # fmt: skip
    return conform(pl.DataFrame(rows, infer_schema_length=None), TRAINED_MODELS_SCHEMA)


def _prediction_rows(
    bundle: ModelBundle, data: ModelData, day: dt.date, row: pl.DataFrame, snaps: pl.DataFrame
) -> pl.DataFrame:
    pred = bundle.predict(data).rename({"end_date": "date"})
    weights = json.dumps(dict(zip(bundle.ensemble.names, bundle.ensemble.weights, strict=True)))
    out = pred.with_columns(
        pl.lit(weights).alias("ensemble_weights"),
        pl.lit(bundle.version).alias("model_version"),
        pl.lit(row["mlflow_run_id"][0]).alias("mlflow_run_id"),
        pl.lit(row["registry_version"][0]).alias("registry_version"),
    )
    if snaps.height:
        out = out.join(snaps.select("ticker", "snapshot_id"), on="ticker", how="left")
    return conform(out, PREDICTIONS_SCHEMA)


def _run_link(tracking_uri: str, store: Any, run_id: str) -> dg.MetadataValue:
    if tracking_uri.startswith(("http://", "https://")):
        exp = store.client().get_run(run_id).info.experiment_id
        return dg.MetadataValue.url(f"{tracking_uri.rstrip('/')}/#/experiments/{exp}/runs/{run_id}")
    return dg.MetadataValue.text(
        f"run {run_id} in {tracking_uri} (open with `mlflow ui --backend-store-uri {tracking_uri}`)"
    )


def _reliability_png(bundle: ModelBundle) -> bytes:
    from tft_assets.models.plots import figure_png, reliability_figure

    return figure_png(
        reliability_figure(bundle.info.get("reliability", []), f"ensemble of {bundle.trained_on}")
    )

"""Materialise every asset of a Definitions object over a partition range, in-process.

Assets run stage by stage in dependency order; each stage is one run over the whole range
(every asset has ``BackfillPolicy.single_run()``), recorded in the ``DAGSTER_HOME`` instance,
so the runs appear in the Dagster UI exactly as a single-run backfill would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from tft_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG

#: Console logging of in-process CLI runs: warnings and errors only (the UI has the full log).
QUIET_LOGGING = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class StageResult:
    assets: tuple[str, ...]
    success: bool
    run_id: str
    seconds: float
    start: dt.date | None = None
    end: dt.date | None = None
    error: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: one line per failed check: what its metadata says (see :func:`check_reason`)
    check_reasons: dict[str, str] = field(default_factory=dict)


RangeOf = Callable[[str], "tuple[dt.date, dt.date] | None"]


@dataclass(frozen=True)
class Stage:
    """Assets materialised together in one run over ``start..end``."""

    keys: tuple[dg.AssetKey, ...]
    start: dt.date
    end: dt.date


def stages(
    defs: dg.Definitions, start: dt.date, end: dt.date, range_of: RangeOf | None = None
) -> list[Stage]:
    """Materialisable daily assets grouped by depth in the asset graph (upstream first) and by
    range (unpartitioned assets such as ``sentiment_model`` are materialised on their own).

    ``range_of(asset_name)`` may give an asset its own range (e.g. a warm-up for ingestion, or
    labels ending where future prices end); ``None`` from it skips the asset.
    """
    graph = defs.resolve_asset_graph()
    keys = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and graph.get(k).partitions_def is not None
    ]
    depth: dict[dg.AssetKey, int] = {}

    def d(key: dg.AssetKey) -> int:
        if key not in depth:
            parents = [p for p in graph.get(key).parent_keys if p in set(keys)]
            depth[key] = 1 + max((d(p) for p in parents), default=-1)
        return depth[key]

    groups: dict[tuple[int, dt.date, dt.date], list[dg.AssetKey]] = {}
    for key in keys:
        window = range_of(key.to_user_string()) if range_of else (start, end)
        if window is None:
            continue
        groups.setdefault((d(key), *window), []).append(key)
    return [
        Stage(tuple(sorted(groups[g], key=lambda k: k.to_user_string())), g[1], g[2])
        for g in sorted(groups)
    ]


def _metadata_value(value: Any) -> Any:
    return getattr(value, "value", value)


def materialize_range(
    defs: dg.Definitions,
    start: dt.date,
    end: dt.date,
    instance: dg.DagsterInstance,
    on_stage: Callable[[StageResult], None] | None = None,
    range_of: RangeOf | None = None,
) -> list[StageResult]:
    """Materialise all assets for partitions ``start..end`` (or ``range_of`` per asset), one run
    per stage; stop at the first failed stage."""
    results = []
    for stage in stages(defs, start, end, range_of):
        outcome = run_range(defs, list(stage.keys), stage.start, stage.end, instance)
        results.append(outcome)
        if on_stage:
            on_stage(outcome)
        if not outcome.success:
            break
    return results


def run_range(
    defs: dg.Definitions,
    keys: list[dg.AssetKey],
    start: dt.date | None,
    end: dt.date | None,
    instance: dg.DagsterInstance,
    run_config: dict | None = None,
) -> StageResult:
    """One single-run backfill of ``keys`` over ``start..end`` (``None``: unpartitioned assets;
    ``run_config`` added to the quiet logging), summarised: rows, metadata and check outcomes
    per asset."""
    import time

    t0 = time.perf_counter()
    tags = {"tft/launched_by": "tft-trader"}
    if start is not None and end is not None:
        tags |= {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat()}
    res = dg.materialize(
        list(defs.assets or []),
        selection=keys,
        resources=dict(defs.resources or {}),
        instance=instance,
        run_config={**QUIET_LOGGING, **(run_config or {})},
        tags=tags,
        raise_on_error=False,
    )
    rows, meta = {}, {}
    evaluations = check_evaluations(res)
    for event in res.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        name = mat.asset_key.to_user_string()
        md = {k: _metadata_value(v) for k, v in mat.metadata.items()}
        meta[name] = md
        rows[name] = int(md.get("rows_written", md.get("row_count", 0)) or 0)
    return StageResult(
        assets=tuple(k.to_user_string() for k in keys),
        success=res.success,
        run_id=res.run_id,
        seconds=time.perf_counter() - t0,
        start=start,
        end=end,
        error=None if res.success else failure_message(res),
        rows=rows,
        checks={name: ev.passed for name, ev in evaluations.items()},
        metadata=meta,
        check_reasons={n: check_reason(ev) for n, ev in evaluations.items() if not ev.passed},
    )


def check_evaluations(result: Any) -> dict[str, Any]:
    """``{check_name: AssetCheckEvaluation}`` of every asset check evaluated in a run."""
    return {
        ev.asset_check_evaluation_data.check_name: ev.asset_check_evaluation_data
        for ev in result.all_events
        if ev.event_type_value == "ASSET_CHECK_EVALUATION"
    }


#: Metadata too bulky for a one-line reason (tables, previews, plots).
_BULKY_METADATA = ("preview", "table", "plot", "sample")


def check_reason(evaluation: Any, width: int = 240) -> str:
    """A failed check's metadata as one line (``key=value; ...``), tables left out, cut at
    ``width`` characters: what a user needs to see why, without opening the UI."""
    import json

    parts = []
    for key, value in evaluation.metadata.items():
        if any(b in key for b in _BULKY_METADATA):
            continue
        v = _metadata_value(value)
        text = v if isinstance(v, str) else json.dumps(v, default=str, separators=(",", ":"))
        parts.append(f"{key}={text}")
    line = "; ".join(parts) or "no metadata"
    return line if len(line) <= width else line[: width - 3] + "..."


def print_failed_checks(reasons: dict[str, str], file: Any = None) -> None:
    """``check NAME failed: REASON``, one line each."""
    for name in sorted(reasons):
        print(f"  check {name} failed: {reasons[name]}", file=file)


def dagster_instance(settings: Any | None = None) -> dg.DagsterInstance:
    """The persistent Dagster instance of ``settings`` (:attr:`Settings.instance_dir`:
    ``DAGSTER_HOME``, else ``$TFT_DATA_DIR/dagster_home``, created). The environment is not
    changed: the directory is passed to Dagster explicitly."""
    from tft_assets.settings import load_settings

    home = (settings or load_settings()).instance_dir
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(home), overrides=_pooled_event_log(home))
    )


#: Instance settings that choose the storage; with none of them the instance stores in SQLite.
_STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def _pooled_event_log(home: Path) -> dict[str, Any]:
    """Overrides that give a SQLite-backed instance in ``home`` the pooled event log
    (:class:`tft_assets.defs.event_log.PooledSqliteEventLogStorage`, same files as Dagster's
    default); none when its ``dagster.yaml`` names a storage (PostgreSQL in production)."""
    import yaml

    config = home / "dagster.yaml"
    chosen = yaml.safe_load(config.read_text()) if config.exists() else None
    if isinstance(chosen, dict) and any(k in chosen for k in _STORAGE_KEYS):
        return {}
    return {
        "event_log_storage": {
            "module": "tft_assets.defs.event_log",
            "class": "PooledSqliteEventLogStorage",
            "config": {"base_dir": str(home / "history" / "runs")},
        }
    }


def failure_message(result: Any) -> str:
    """One line saying why a run failed: the failing step and its innermost error."""
    for ev in result.all_events:
        if ev.is_step_failure:
            err = ev.event_specific_data.error
            while err is not None and err.cause is not None:
                err = err.cause
            line = err.message.strip().splitlines()[0] if err and err.message.strip() else "failed"
            return f"{ev.step_key}: {line}"
    return "run failed"

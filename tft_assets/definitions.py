"""The code location: each area under ``tft_assets/defs/`` builds its own ``dg.Definitions`` for
the settings, merged here. Loading this module is cheap; Dagster calls :func:`defs` to build it."""

from __future__ import annotations

import warnings

import dagster as dg

from tft_assets.settings import Settings, load_settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Every asset, check, job, schedule, sensor and resource for ``settings`` (env by default),
    with the executor of ``TFT_EXECUTOR`` (Dagster's default when unset)."""
    from tft_assets.defs.environment import build_resource_definitions
    from tft_assets.defs.executors import build_executor
    from tft_assets.defs.features import build_features_definitions
    from tft_assets.defs.ingestion import build_ingestion_definitions
    from tft_assets.defs.models import build_models_definitions
    from tft_assets.defs.monitoring import build_monitoring_definitions
    from tft_assets.defs.scoring import build_scoring_definitions
    from tft_assets.defs.signals import build_signals_definitions

    settings = settings or load_settings()
    areas = (
        build_resource_definitions,
        build_ingestion_definitions,
        build_scoring_definitions,
        build_features_definitions,
        build_models_definitions,
        build_signals_definitions,
        build_monitoring_definitions,
    )
    with warnings.catch_warnings():
        # backfill_policy is marked beta; single-run backfills are a deliberate choice here.
        warnings.simplefilter("ignore", dg.BetaWarning)
        merged = dg.Definitions.merge(*(area(settings) for area in areas))
    executor = build_executor(settings)
    if executor is None:  # Dagster's default: no server, no broker
        return merged
    return dg.Definitions.merge(merged, dg.Definitions(executor=executor))


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()

"""The features area: ``feature_snapshots`` (+ ``feature_lineage``), ``feature_sequences`` and
``labels``, with their checks."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_features_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.features.assets import build_feature_assets
    from tft_assets.defs.partitions import daily_partitions

    partitions = daily_partitions(settings.start_date)
    return dg.Definitions(assets=build_feature_assets(partitions, settings.horizon_days))

"""Dagster wrappers of the model stages (see ``definitions.py``)."""

from tft_assets.defs.models.definitions import build_models_definitions

__all__ = ["build_models_definitions"]

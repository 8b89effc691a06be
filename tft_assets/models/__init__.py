"""Price models (pure domain code, no Dagster): one subpackage per model family.

Every family trains and predicts on :class:`~tft_assets.models.dataset.ModelData`, the
sequences of ``feature_sequences`` joined to their ``labels``.
"""

from tft_assets.models.dataset import ModelData, known_before, model_data

__all__ = ["ModelData", "known_before", "model_data"]

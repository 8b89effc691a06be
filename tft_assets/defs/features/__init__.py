from tft_assets.defs.features.definitions import build_features_definitions

__all__ = ["build_features_definitions"]

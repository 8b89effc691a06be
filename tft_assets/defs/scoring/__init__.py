from tft_assets.defs.scoring.definitions import build_scoring_definitions

__all__ = ["build_scoring_definitions"]

from tft_assets.defs.ingestion.definitions import build_ingestion_definitions

__all__ = ["build_ingestion_definitions"]

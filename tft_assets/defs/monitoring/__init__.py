from tft_assets.defs.monitoring.definitions import build_monitoring_definitions

__all__ = ["build_monitoring_definitions"]

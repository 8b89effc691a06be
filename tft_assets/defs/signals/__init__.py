"""The signals area: the Dagster assets and checks that wrap ``tft_assets.risk`` and
``tft_assets.backtest``."""

from tft_assets.defs.signals.definitions import build_signals_definitions

__all__ = ["build_signals_definitions"]

"""The signals area: the Dagster assets and checks that wrap ``tft_assets.risk`` and
``tft_assets.backtest``."""

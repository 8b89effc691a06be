"""The models area: the Dagster assets, checks and schedules that wrap ``tft_assets.models``."""

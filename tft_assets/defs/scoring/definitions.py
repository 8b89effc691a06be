"""The scoring area: ``scored_posts`` (quality, tickers, sentiment) and the registered
``sentiment_model`` it can use."""

from __future__ import annotations

import dagster as dg

from tft_assets.settings import Settings


def build_scoring_definitions(settings: Settings) -> dg.Definitions:
    from tft_assets.defs.partitions import daily_partitions
    from tft_assets.defs.scoring.assets import build_posts_assets
    from tft_assets.defs.scoring.sentiment_model import sentiment_model

    scored = build_posts_assets(
        daily_partitions(settings.start_date),
        settings.min_quality,
        settings.watchlist,
        settings.universe_files,
        settings.bundled_listings,
    )
    return dg.Definitions(assets=[*scored, sentiment_model])

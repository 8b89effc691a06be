"""The one place that turns settings (environment) into resources."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from tft_assets.defs.io_manager import PolarsParquetIOManager
from tft_assets.defs.resources import (
    DemoPostsResource,
    DemoPricesResource,
    DemoWorldResource,
    LakeResource,
    PrivacyResource,
    SentimentModelResource,
)
from tft_assets.settings import Settings

POSTS_SOURCES = ("demo",)
PRICES_SOURCES = ("demo",)


def build_resources(settings: Settings) -> dict[str, Any]:
    """Resources for ``settings``: the lake, privacy, and one posts and one prices source."""
    world = DemoWorldResource(
        seed=settings.demo_seed,
        n_tickers=settings.demo_tickers,
        signal_strength=settings.demo_signal_strength,
        horizon_days=settings.horizon_days,
    )
    if settings.posts_source == "demo":
        posts: Any = DemoPostsResource(world=world)
    else:
        raise ValueError(
            f"TFT_POSTS_SOURCE={settings.posts_source!r} is not one of {', '.join(POSTS_SOURCES)}"
        )
    if settings.prices_source == "demo":
        prices: Any = DemoPricesResource(world=world)
    else:
        raise ValueError(
            f"TFT_PRICES_SOURCE={settings.prices_source!r} is not one of {', '.join(PRICES_SOURCES)}"
        )
    salt = dg.EnvVar("TFT_AUTHOR_SALT") if os.environ.get("TFT_AUTHOR_SALT") else None
    return {
        "io_manager": PolarsParquetIOManager(base_url=settings.lake_url),
        "lake": LakeResource(base_url=settings.lake_url),
        "privacy": PrivacyResource(author_salt=salt),
        "posts": posts,
        "prices": prices,
        "sentiment_model": SentimentModelResource(
            mode=settings.sentiment_model, tracking_uri=settings.mlflow_tracking_uri
        ),
    }

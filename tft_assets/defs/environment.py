"""The one place that turns settings (environment) into resources."""

from __future__ import annotations

from typing import Any

import dagster as dg

from tft_assets.defs.io_manager import PolarsParquetIOManager
from tft_assets.defs.models.resources import ModelTrainingResource
from tft_assets.defs.resources import (
    ArchivePostsResource,
    DemoPostsResource,
    DemoPricesResource,
    DemoWorldResource,
    FilePricesResource,
    LakeResource,
    ModelStoreResource,
    PrivacyResource,
    RedditPostsResource,
    SentimentModelResource,
    YahooPricesResource,
)
from tft_assets.settings import Settings

POSTS_SOURCES = ("demo", "reddit", "archive")
PRICES_SOURCES = ("demo", "yahoo", "files")


def _env_if(name: str, is_set: bool) -> dg.EnvVar | None:
    """``EnvVar(name)`` when the settings saw it set; Dagster reads the value at run time."""
    return dg.EnvVar(name) if is_set else None


def _paths(var: str, paths: tuple[str, ...]) -> list[str]:
    if not paths:
        raise ValueError(f"{var} is not set: name the files (comma-separated paths or globs)")
    return list(paths)


def build_resources(settings: Settings) -> dict[str, Any]:
    """Resources for ``settings``: the lake, privacy, the model store, and one posts and one
    prices source."""
    world = DemoWorldResource(
        seed=settings.demo_seed,
        n_tickers=settings.demo_tickers,
        signal_strength=settings.demo_signal_strength,
        horizon_days=settings.horizon_days,
    )
    if settings.posts_source == "demo":
        posts: Any = DemoPostsResource(world=world)
    elif settings.posts_source == "reddit":
        # EnvVar: Dagster resolves the secrets at run time and never shows their values; a
        # missing variable fails the run with a message naming it.
        posts = RedditPostsResource(
            client_id=dg.EnvVar("REDDIT_CLIENT_ID"),
            client_secret=dg.EnvVar("REDDIT_CLIENT_SECRET"),
            user_agent=dg.EnvVar("REDDIT_USER_AGENT"),
            username=_env_if("REDDIT_USERNAME", settings.reddit_login_set[0]),
            password=_env_if("REDDIT_PASSWORD", settings.reddit_login_set[1]),
            subreddits=list(settings.subreddits),
        )
    elif settings.posts_source == "archive":
        posts = ArchivePostsResource(paths=_paths("TFT_ARCHIVE_POSTS", settings.archive_posts))
    else:
        raise ValueError(
            f"TFT_POSTS_SOURCE={settings.posts_source!r} is not one of {', '.join(POSTS_SOURCES)}"
        )
    if settings.prices_source == "demo":
        prices: Any = DemoPricesResource(world=world)
    elif settings.prices_source == "yahoo":
        if not settings.watchlist:
            raise ValueError(
                "TFT_PRICES_SOURCE=yahoo needs TFT_WATCHLIST (comma-separated tickers)"
            )
        prices = YahooPricesResource(tickers=list(settings.watchlist))
    elif settings.prices_source == "files":
        prices = FilePricesResource(
            paths=_paths("TFT_PRICES_FILES", settings.prices_files),
            tickers=list(settings.watchlist),
        )
    else:
        raise ValueError(
            f"TFT_PRICES_SOURCE={settings.prices_source!r} is not one of {', '.join(PRICES_SOURCES)}"
        )
    salt = _env_if("TFT_AUTHOR_SALT", settings.author_salt_set)
    model_store = ModelStoreResource(
        tracking_uri=settings.mlflow_tracking_uri,
        artifact_root=str(settings.mlflow_artifact_root.resolve()),
    )
    return {
        "io_manager": PolarsParquetIOManager(base_url=settings.lake_url),
        "lake": LakeResource(base_url=settings.lake_url),
        "privacy": PrivacyResource(author_salt=salt),
        "posts": posts,
        "prices": prices,
        "model_store": model_store,
        "model_training": ModelTrainingResource(
            horizon_days=settings.horizon_days,
            families=list(settings.model_families),
            window=settings.train_window.split(":")[0],
            rolling_sessions=int(settings.train_window.split(":")[1])
            if settings.train_window.startswith("rolling:")
            else 252,
            tft_cadence=settings.tft_cadence,
            tuning_trials=settings.tuning_trials,
            tuning_timeout_s=settings.tuning_timeout_s,
            optuna_storage=f"sqlite:///{(settings.data_dir / 'optuna.db').resolve()}",
        ),
        "sentiment_model": SentimentModelResource(
            mode=settings.sentiment_model, model_store=model_store
        ),
    }


def build_resource_definitions(settings: Settings) -> dg.Definitions:
    """The resources every area shares, as a Definitions object to merge with the areas."""
    return dg.Definitions(resources=build_resources(settings))

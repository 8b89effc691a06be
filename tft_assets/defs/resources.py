"""Dagster resources: thin configurable wrappers that pick a source implementation.

Every posts resource offers ``fetch_posts(start_utc, end_utc) -> Fetched`` and every prices
resource ``fetch_prices(start, end) -> Fetched`` for its watchlist, whatever the backing source
(demo world, live API, archive files). The definitions function chooses one of each.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field, PrivateAttr

from tft_assets.ingest.privacy import DEV_AUTHOR_SALT
from tft_assets.lake.storage import (
    QUARANTINE_DIR,
    atomic_write_parquet,
    list_partitions,
    partition_path,
    read_partitions,
)
from tft_assets.sources.base import Fetched


def with_resilience_note(fetched: Fetched, counters: dict[str, Any]) -> Fetched:
    """Add the live source's retry/circuit-breaker counters to the notes shown in metadata."""
    import json

    return Fetched(
        fetched.frame, {**fetched.notes, "resilience": json.dumps(counters, default=str)}
    )


class LakeResource(dg.ConfigurableResource):
    """Side files of the lake (quarantine) and direct reads for the CLI and checks."""

    base_url: str = Field(description="Lake root: a local path or any fsspec URL.")

    @property
    def quarantine_url(self) -> str:
        """Root of the quarantine files (same layout as the lake: asset/key.parquet)."""
        return f"{self.base_url.rstrip('/')}/{QUARANTINE_DIR}"

    def write_quarantine(self, asset: str, partitions: dict[str, pl.DataFrame]) -> dict[str, int]:
        """Replace the quarantine file of each partition (a partition with no rejected rows has
        none, and a stale one from an earlier run is removed), so reruns are idempotent."""
        base = self.quarantine_url
        for key, frame in partitions.items():
            path = partition_path(base, asset, key)
            if frame.height:
                atomic_write_parquet(frame, path)
            elif path.exists():
                path.unlink()
        return {k: f.height for k, f in partitions.items()}

    def read_range(
        self, asset: str, first_key: str | None, last_key: str, columns: list[str] | None = None
    ) -> pl.DataFrame:
        """Every stored partition of ``asset`` with ``first_key <= key <= last_key`` (None: from
        the first one), concatenated. Used for history windows wider than a partition mapping."""
        keys = [
            k
            for k in list_partitions(self.base_url, asset)
            if (first_key is None or k >= first_key) and k <= last_key
        ]
        return read_partitions(self.base_url, asset, keys, columns=columns)


class PrivacyResource(dg.ConfigurableResource):
    """The HMAC salt for author hashes. Set ``TFT_AUTHOR_SALT`` in any real deployment."""

    author_salt: str | None = Field(
        default=None, description="Secret HMAC key (from env, never logged)."
    )

    def salt(self, log: Any | None = None) -> str:
        if self.author_salt:
            return self.author_salt
        if log is not None:
            log.warning("TFT_AUTHOR_SALT is not set: author hashes use the public development salt")
        return DEV_AUTHOR_SALT


class DemoWorldResource(dg.ConfigurableResource):
    """The simulated world behind the demo posts and prices (deterministic per seed and date)."""

    seed: int = Field(default=7, description="World seed.")
    n_tickers: int = Field(default=20, description="Number of tickers in the world.")
    signal_strength: float = Field(
        default=1.0, description="Effect of hype on future returns; 0 = null world."
    )
    horizon_days: int = Field(
        default=5, description="Horizon (trading days) of the oracle probability."
    )
    _world: Any = PrivateAttr(default=None)

    def world(self) -> Any:
        if self._world is None:
            from tft_assets.sources.demo import DemoWorld, DemoWorldConfig

            self._world = DemoWorld(
                DemoWorldConfig(
                    seed=self.seed,
                    n_tickers=self.n_tickers,
                    signal_strength=self.signal_strength,
                    horizon_days=self.horizon_days,
                )
            )
        return self._world


class PostsResource(dg.ConfigurableResource, ABC):
    """Interface: posts created in ``[start_utc, end_utc)``."""

    @abstractmethod
    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched: ...


class PricesResource(dg.ConfigurableResource, ABC):
    """Interface: daily bars of the watchlist on sessions ``start..end`` (inclusive)."""

    @abstractmethod
    def watchlist(self) -> list[str]: ...

    @abstractmethod
    def fetch_prices(self, start: dt.date, end: dt.date) -> Fetched: ...


class DemoPostsResource(PostsResource):
    world: DemoWorldResource

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        from tft_assets.sources.demo import DemoPostsSource

        return DemoPostsSource(self.world.world()).fetch_posts(start_utc, end_utc)


class DemoPricesResource(PricesResource):
    world: DemoWorldResource

    def watchlist(self) -> list[str]:
        return list(self.world.world().tickers)

    def fetch_prices(self, start: dt.date, end: dt.date) -> Fetched:
        from tft_assets.sources.demo import DemoPricesSource

        return DemoPricesSource(self.world.world()).fetch_prices(self.watchlist(), start, end)


class ModelStoreResource(dg.ConfigurableResource):
    """MLflow tracking plus its model registry: the one place every model is logged, registered
    and loaded from (local SQLite under ``$TFT_DATA_DIR`` by default, a server by env var)."""

    tracking_uri: str = Field(description="MLflow tracking (and registry) URI.")
    artifact_root: str = Field(description="Artifact location of experiments created here.")

    def store(self) -> Any:
        from pathlib import Path

        from tft_assets.tracking import ModelStore

        return ModelStore(self.tracking_uri, Path(self.artifact_root))


class SentimentModelResource(dg.ConfigurableResource):
    """Which sentiment ensemble ``scored_posts`` uses: the lexicons alone, or the lexicons plus
    the classifier registered in the model store (the ``sentiment_model`` asset)."""

    mode: str = Field(default="lexicon", description="lexicon | registered")
    model_store: ModelStoreResource
    model_name: str = Field(default="tft-sentiment", description="Registered model name.")
    _model: Any = PrivateAttr(default=None)

    def load(self) -> Any | None:
        """The registered model (cached), or None in lexicon mode. Missing model: a clear error."""
        if self.mode == "lexicon":
            return None
        if self.mode != "registered":
            raise ValueError(
                f"TFT_SENTIMENT_MODEL must be lexicon or registered, got {self.mode!r}"
            )
        if self._model is None:
            from tft_assets.posts.sentiment_training import load_sentiment_model

            self._model = load_sentiment_model(self.model_store.store(), self.model_name)
            if self._model is None:
                raise RuntimeError(
                    f"TFT_SENTIMENT_MODEL=registered but no model {self.model_name!r} is registered at "
                    f"{self.model_store.tracking_uri} (materialise sentiment_model, or run "
                    "`tft-trader sentiment train LABELLED.csv`)"
                )
        return self._model


class RedditPostsResource(PostsResource):
    """Live Reddit through praw; credentials only from environment variables (``EnvVar``)."""

    client_id: str = Field(description="REDDIT_CLIENT_ID")
    client_secret: str = Field(description="REDDIT_CLIENT_SECRET")
    user_agent: str = Field(description="REDDIT_USER_AGENT")
    username: str | None = Field(default=None, description="REDDIT_USERNAME (optional)")
    password: str | None = Field(default=None, description="REDDIT_PASSWORD (optional)")
    subreddits: list[str] = Field(default=["wallstreetbets"], description="Subreddits to read.")
    comments_per_submission: int = Field(
        default=10, description="Top comments kept per submission."
    )
    base_url: str | None = Field(
        default=None, description="Alternative API base URL (proxy, test server)."
    )

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        from tft_assets.sources.reddit import RedditCredentials, RedditPostsSource

        creds = RedditCredentials(
            client_id=self.client_id,
            client_secret=self.client_secret,
            user_agent=self.user_agent,
            username=self.username,
            password=self.password,
        )
        source = RedditPostsSource(
            creds,
            subreddits=self.subreddits,
            comments_per_submission=self.comments_per_submission,
            base_url=self.base_url,
        )
        return with_resilience_note(source.fetch_posts(start_utc, end_utc), source.metadata())


class ArchivePostsResource(PostsResource):
    """Pushshift/Arctic-Shift NDJSON(.zst), Kaggle-style CSV or Parquet files (paths or globs)."""

    paths: list[str] = Field(description="Archive files or globs.")

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        from tft_assets.sources.archive import ArchivePostsSource

        return ArchivePostsSource(self.paths).fetch_posts(start_utc, end_utc)


class YahooPricesResource(PricesResource):
    """Daily bars from Yahoo Finance (yfinance), one download per batch of tickers per run."""

    tickers: list[str] = Field(description="Watchlist (TFT_WATCHLIST).")

    def watchlist(self) -> list[str]:
        return list(self.tickers)

    def fetch_prices(self, start: dt.date, end: dt.date) -> Fetched:
        from tft_assets.sources.yahoo import YahooPricesSource

        source = YahooPricesSource()
        return with_resilience_note(
            source.fetch_prices(self.tickers, start, end), source.metadata()
        )


class FilePricesResource(PricesResource):
    """Long-format OHLCV CSV/Parquet files (``date, ticker, open, high, low, close, volume``)."""

    paths: list[str] = Field(description="Prices files or globs (TFT_PRICES_FILES).")
    tickers: list[str] = Field(
        default=[], description="Watchlist; empty = every ticker in the files."
    )

    _source: Any = PrivateAttr(default=None)

    def _files(self) -> Any:
        """One reader per resource instance: the files are read once per run."""
        if self._source is None:
            from tft_assets.sources.files import FilePricesSource

            self._source = FilePricesSource(self.paths)
        return self._source

    def watchlist(self) -> list[str]:
        if self.tickers:
            return list(self.tickers)
        # rows without a ticker are not a watchlist entry; fetch_prices passes them on to be
        # quarantined with their reason
        tickers = self._files().frame().get_column("ticker").drop_nulls().unique().to_list()
        return sorted(t for t in tickers if t.strip())

    def fetch_prices(self, start: dt.date, end: dt.date, after: dt.date | None = None) -> Fetched:
        """Bars dated ``start..end``, and with ``after`` those dated after that day too."""
        return self._files().fetch_prices(self.watchlist(), start, end, after=after)

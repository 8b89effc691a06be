"""Configuration of the demo world (a frozen dataclass validated at construction)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tft_assets.sources.demo.universe import UNIVERSE

#: Defect kinds written to ``gt_defect`` (``None`` for a clean row).
DEFECT_KINDS: tuple[str, ...] = (
    "spam",
    "brigaded",
    "duplicate",
    "deleted",
    "non_english",
    "oversized",
    "missing_author",
    "missing_score",
    "missing_post_id",
    "missing_created_utc",
)


#: Upper bound of ``posts_per_ticker_day * n_tickers`` (keeps a day's rows inside its id block).
MAX_POSTS_PER_DAY_BASE = 20_000


@dataclass(frozen=True)
class DemoWorldConfig:
    """Knobs of the demo world. Every field has a production-sensible default.

    Rates are per generated post (probabilities); ``posts_per_ticker_day`` is the mean base
    Poisson rate of posts+comments per ticker and calendar day before the attention boost
    (with the defaults, 20 tickers give roughly 400-550 rows per calendar day).
    """

    seed: int = 7
    n_tickers: int = 20
    signal_strength: float = 1.0  # k: effect of hype on future returns; 0 = null world
    horizon_days: int = 5  # h: oracle horizon in trading days
    posts_per_ticker_day: float = 13.0
    subreddits: tuple[str, ...] = ("wallstreetbets", "stocks", "investing")
    comment_fraction: float = 0.65  # share of ticker posts that are comments
    multi_ticker_rate: float = 0.15  # posts that also mention a second ticker
    chatter_fraction: float = 0.10  # extra posts with no ticker (relative to ticker posts)
    spam_rate: float = 0.02
    brigade_rate: float = 0.01  # submissions only (comments carry no upvote_ratio)
    duplicate_rate: float = 0.02  # cross-posted copies of submissions (extra rows)
    deleted_rate: float = 0.02
    non_english_rate: float = 0.015
    oversized_rate: float = 0.001  # body > 40 kB
    missing_author_rate: float = 0.01
    missing_score_rate: float = 0.005
    missing_post_id_rate: float = 0.001
    missing_created_utc_rate: float = 0.001
    halt_rate: float = 0.001  # per (ticker, session): no bar that day

    def __post_init__(self) -> None:
        self._check_scale()
        self._check_subreddits()
        self._check_rates()

    def _check_scale(self) -> None:
        """Seed, tickers, signal, horizon and post volume."""
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")
        if not 1 <= self.n_tickers <= len(UNIVERSE):
            raise ValueError(f"n_tickers must be in 1..{len(UNIVERSE)}, got {self.n_tickers}")
        if not (math.isfinite(self.signal_strength) and self.signal_strength >= 0):
            raise ValueError(f"signal_strength must be finite and >= 0, got {self.signal_strength}")
        if not 1 <= self.horizon_days <= 250:
            raise ValueError(f"horizon_days must be in 1..250, got {self.horizon_days}")
        if not (math.isfinite(self.posts_per_ticker_day) and 0 < self.posts_per_ticker_day <= 5000):
            raise ValueError(
                f"posts_per_ticker_day must be in (0, 5000], got {self.posts_per_ticker_day}"
            )
        if self.posts_per_ticker_day * self.n_tickers > MAX_POSTS_PER_DAY_BASE:
            raise ValueError(
                f"posts_per_ticker_day * n_tickers must be <= {MAX_POSTS_PER_DAY_BASE} (id space per day)"
            )

    def _check_subreddits(self) -> None:
        subs = self.subreddits
        if (
            not subs
            or len(set(subs)) != len(subs)
            or not all(isinstance(s, str) and s for s in subs)
        ):
            raise ValueError(f"subreddits must be distinct non-empty names, got {subs!r}")
        if self.duplicate_rate > 0 and len(subs) < 2:
            raise ValueError("cross-post duplicates need at least two subreddits")

    def _check_rates(self) -> None:
        """Every rate in [0, 1); the defect rates together at most 0.5."""
        for name in (
            "comment_fraction",
            "multi_ticker_rate",
            "chatter_fraction",
            "halt_rate",
            *self._defect_rate_fields(),
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value < 1):
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if sum(self.defect_rates().values()) > 0.5:
            raise ValueError("defect rates must sum to at most 0.5")

    @staticmethod
    def _defect_rate_fields() -> tuple[str, ...]:
        return tuple(f"{kind}_rate" for kind in _RATE_NAME)

    def defect_rates(self) -> dict[str, float]:
        """``{defect kind: rate}`` for every planted defect."""
        return {_RATE_NAME[name]: getattr(self, f"{name}_rate") for name in _RATE_NAME}


_RATE_NAME: dict[str, str] = {
    "spam": "spam",
    "brigade": "brigaded",
    "duplicate": "duplicate",
    "deleted": "deleted",
    "non_english": "non_english",
    "oversized": "oversized",
    "missing_author": "missing_author",
    "missing_score": "missing_score",
    "missing_post_id": "missing_post_id",
    "missing_created_utc": "missing_created_utc",
}

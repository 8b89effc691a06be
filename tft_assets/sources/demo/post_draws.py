"""What the demo world draws for one calendar day's posts, in a fixed order.

The random draws of a day come from one generator (``rng_for(seed, STREAM_POSTS, day)``) and
their order is part of the seed contract: the same seed gives byte-identical posts. First the
arrivals (per session segment and ticker: Poisson counts, minute of arrival, second; then the
stance; then chatter), then the per-row attributes (:func:`draw_rows`), then, after sorting by
creation time, each comment's parent (:func:`link_parents`, no draws). The model's constants
are described in :mod:`tft_assets.sources.demo.posts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

import numpy as np

from tft_assets import calendar
from tft_assets.sources.demo import text
from tft_assets.sources.demo.config import DEFECT_KINDS, DemoWorldConfig
from tft_assets.sources.demo.latent import LatentPaths
from tft_assets.sources.demo.universe import UNIVERSE

#: Relative posting activity per local (ET) hour 0..23.
HOURLY_ACTIVITY_ET: tuple[float, ...] = (
    0.45, 0.35, 0.25, 0.18, 0.15, 0.18, 0.35, 0.6, 0.9, 1.4, 1.6, 1.5,
    1.4, 1.4, 1.5, 1.6, 1.4, 1.1, 0.95, 0.9, 0.85, 0.8, 0.7, 0.55,
)  # fmt: skip
#: Posting rate on Saturdays and Sundays relative to weekdays.
WEEKEND_ACTIVITY_FACTOR = 0.6
#: Log post-rate increase per unit of |hype| (attention).
ATTENTION_COEF = 0.6
#: Probability that a ticker post is neutral.
NEUTRAL_STANCE_PROB = 0.3
#: Slope of P(bullish | not neutral) = sigmoid(coef * hype).
STANCE_HYPE_COEF = 1.5
#: Share of self (text) submissions; the rest are link posts with an empty body.
SELF_POST_SHARE = 0.7
#: Share of posts that carry a false-positive word line.
FALSE_POSITIVE_LINE_RATE = 0.3
#: Mention style probabilities: $GME, $gme, GME, company name / alias.
MENTION_STYLE_PROBS = (0.35, 0.10, 0.30, 0.25)
#: Defects drawn per row; cross-post duplicates are extra rows, made separately.
DEFECTS_PER_ROW = tuple(kind for kind in DEFECT_KINDS if kind != "duplicate")
#: ``gt_defect`` per drawn defect index (the last, None, is a clean row).
DEFECT_NAMES: tuple[str | None, ...] = (*DEFECTS_PER_ROW, None)
_STANDARD_DAY_MASS = 60.0 * sum(HOURLY_ACTIVITY_ET)
_SINGLE_LETTER = np.array([len(listing.symbol) == 1 for listing in UNIVERSE])


@dataclass(frozen=True)
class DayContext:
    """What the day generator needs from the world (no mutable state)."""

    config: DemoWorldConfig
    base_rate: np.ndarray  # (n_tickers,) expected posts per ticker and standard day at s = 0
    popularity_p: np.ndarray  # (n_tickers,) probabilities for second-ticker draws
    latent: LatentPaths  # covers every session a post of the day can feed
    authors: tuple[str, ...]
    spam_authors: tuple[str, ...]

    def hype_of(self, session: dt.date) -> np.ndarray:
        """(n_tickers,) hype of ``session``."""
        return self.latent.hype[self.latent.index_of(session), : self.config.n_tickers]


def segments_of_day(day: dt.date) -> list[tuple[dt.datetime, dt.datetime, dt.date]]:
    """``(start_utc, end_utc, session)`` pieces of calendar ``day`` by the session they feed."""
    start, end = calendar.day_bounds_utc(day)
    after = calendar.shift_trading_days(day + dt.timedelta(days=1), 0)
    if calendar.is_trading_day(day):
        close = calendar.market_close_utc(day)
        return [(start, close, day), (close, end, after)]
    return [(start, end, after)]


def minute_weights(start_utc: dt.datetime, end_utc: dt.datetime) -> np.ndarray:
    """Activity weight of every UTC minute in ``[start_utc, end_utc)`` (DST-aware)."""
    n = int((end_utc - start_utc).total_seconds() // 60)
    hourly = np.asarray(HOURLY_ACTIVITY_ET)
    off0 = start_utc.astimezone(calendar.MARKET_TZ).utcoffset()
    off1 = (end_utc - dt.timedelta(seconds=1)).astimezone(calendar.MARKET_TZ).utcoffset()
    if off0 == off1:
        local0 = start_utc.astimezone(calendar.MARKET_TZ)
        first = local0.hour * 60 + local0.minute
        return hourly[((first + np.arange(n)) % 1440) // 60]
    hours = [
        (start_utc + dt.timedelta(minutes=m)).astimezone(calendar.MARKET_TZ).hour for m in range(n)
    ]
    return hourly[np.asarray(hours)]


def epoch_s(t: dt.datetime) -> int:
    """Whole epoch seconds of ``t``."""
    return int(t.timestamp())


@dataclass(frozen=True)
class DayClock:
    """The calendar day being generated: its session segments, minute weights and bounds."""

    day: dt.date
    segments: list[tuple[dt.datetime, dt.datetime, dt.date]]  # see segments_of_day
    weights: np.ndarray  # activity weight per UTC minute of the day
    t0: int  # epoch seconds of the day's start (00:00 ET)
    t_end: int  # epoch seconds of the next day's start

    @classmethod
    def of(cls, day: dt.date) -> DayClock:
        start, end = calendar.day_bounds_utc(day)
        return cls(
            day, segments_of_day(day), minute_weights(start, end), epoch_s(start), epoch_s(end)
        )

    def segment_starts(self) -> np.ndarray:
        """Epoch seconds at which each segment starts."""
        return np.array([epoch_s(a) for a, _, _ in self.segments])


@dataclass(frozen=True)
class Arrivals:
    """The day's posts before their attributes: one entry per row, ticker posts first."""

    created: np.ndarray  # epoch seconds
    tick: np.ndarray  # primary listing index, -1 for chatter
    stance: np.ndarray  # -1 / 0 / +1
    hype: np.ndarray  # hype of the session at generation (0 for chatter)


@dataclass(frozen=True)
class RowDraws:
    """Every draw of the day, one entry per row (``tpl`` and ``u_misc`` have one row each)."""

    created: np.ndarray
    tick: np.ndarray
    stance: np.ndarray
    subreddit: np.ndarray
    is_comment: np.ndarray
    style1: np.ndarray
    style1b: np.ndarray
    alias1: np.ndarray
    second: np.ndarray
    style2: np.ndarray
    is_self: np.ndarray
    has_fp: np.ndarray
    tpl: np.ndarray
    defect: np.ndarray
    share_i: np.ndarray
    strike: np.ndarray
    author_i: np.ndarray
    spam_author_i: np.ndarray
    abs_h: np.ndarray
    z_score: np.ndarray
    z_ncom: np.ndarray
    ratio_draw: np.ndarray
    u_misc: np.ndarray
    deleted_kind: np.ndarray
    codes: list[str]

    def sorted_by_creation(self) -> RowDraws:
        """The rows ordered by creation time (stable), so ids increase with time."""
        order = np.argsort(self.created, kind="stable")
        arrays = {f.name: getattr(self, f.name)[order] for f in fields(self) if f.name != "codes"}
        return RowDraws(**arrays, codes=[self.codes[i] for i in order.tolist()])


def _ticker_arrivals(
    rng: np.random.Generator, ctx: DayContext, day: DayClock
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(tick, created, hype, expected count)`` of the ticker posts, segment by segment."""
    day_factor = WEEKEND_ACTIVITY_FACTOR if day.day.weekday() >= 5 else 1.0
    weights, t0 = day.weights, day.t0
    seg_bounds = [(epoch_s(a) - t0) // 60 for a, _, _ in day.segments] + [len(weights)]
    tick_parts, time_parts, hype_parts = [], [], []
    total_lam = 0.0
    for k, (_, _, session) in enumerate(day.segments):
        w = weights[seg_bounds[k] : seg_bounds[k + 1]]
        hype = ctx.hype_of(session)
        lam = (
            ctx.base_rate
            * day_factor
            * (w.sum() / _STANDARD_DAY_MASS)
            * np.exp(ATTENTION_COEF * np.abs(hype))
        )
        total_lam += float(lam.sum())
        counts = rng.poisson(lam)
        tick = np.repeat(np.arange(ctx.config.n_tickers), counts)
        cdf = np.cumsum(w)
        minute = np.searchsorted(cdf, rng.random(tick.size) * cdf[-1], side="right")
        time_parts.append(t0 + 60 * (seg_bounds[k] + minute) + rng.integers(0, 60, tick.size))
        tick_parts.append(tick)
        hype_parts.append(hype[tick])
    return (
        np.concatenate(tick_parts),
        np.concatenate(time_parts),
        np.concatenate(hype_parts),
        total_lam,
    )


def draw_arrivals(rng: np.random.Generator, ctx: DayContext, day: DayClock) -> Arrivals:
    """Ticker posts (counts, times, stance), then chatter without a ticker."""
    tick, created, hype_at_gen, total_lam = _ticker_arrivals(rng, ctx, day)
    n_tp = tick.size
    stance = np.where(
        rng.random(n_tp) < NEUTRAL_STANCE_PROB,
        0,
        np.where(rng.random(n_tp) < 1.0 / (1.0 + np.exp(-STANCE_HYPE_COEF * hype_at_gen)), 1, -1),
    )
    n_ch = int(rng.poisson(ctx.config.chatter_fraction * total_lam))
    weights, t0 = day.weights, day.t0
    cdf_all = np.cumsum(weights)
    ch_min = np.searchsorted(cdf_all, rng.random(n_ch) * cdf_all[-1], side="right")
    return Arrivals(
        created=np.concatenate([created, t0 + 60 * ch_min + rng.integers(0, 60, n_ch)]),
        tick=np.concatenate([tick, np.full(n_ch, -1)]),
        stance=np.concatenate([stance, np.zeros(n_ch, dtype=np.int64)]),
        hype=np.concatenate([hype_at_gen, np.zeros(n_ch)]),
    )


def _defects(rng: np.random.Generator, cfg: DemoWorldConfig, is_comment: np.ndarray) -> np.ndarray:
    """Index into :data:`DEFECT_NAMES` per row (the last one, None, for a clean row)."""
    rates = cfg.defect_rates()
    probs = np.array([rates[k] for k in DEFECTS_PER_ROW])
    defect = np.searchsorted(np.cumsum(probs), rng.random(len(is_comment)), side="right")
    brig = DEFECTS_PER_ROW.index("brigaded")
    return np.where((defect == brig) & is_comment, len(DEFECTS_PER_ROW), defect)


def draw_rows(rng: np.random.Generator, ctx: DayContext, arrivals: Arrivals) -> RowDraws:
    """Per-row attributes, drawn in a fixed order (the order is part of the seed contract)."""
    cfg = ctx.config
    n_t = cfg.n_tickers
    tick = arrivals.tick
    n = tick.size
    n_sub = len(cfg.subreddits)
    sub_p = 1.0 / (np.arange(n_sub) + 1.0) ** 1.3
    subreddit = rng.choice(n_sub, size=n, p=sub_p / sub_p.sum())
    is_comment = rng.random(n) < cfg.comment_fraction
    style1 = rng.choice(4, size=n, p=MENTION_STYLE_PROBS)
    style1b = rng.choice(4, size=n, p=MENTION_STYLE_PROBS)
    alias1 = rng.random(n) < 0.4
    second = np.where(
        (rng.random(n) < cfg.multi_ticker_rate) & (tick >= 0) & (n_t > 1),
        rng.choice(n_t, size=n, p=ctx.popularity_p),
        -1,
    )
    second = np.where(second == tick, (second + 1) % n_t, second)
    style2 = rng.choice(4, size=n, p=MENTION_STYLE_PROBS)
    is_self = rng.random(n) < SELF_POST_SHARE
    has_fp = rng.random(n) < FALSE_POSITIVE_LINE_RATE
    tpl = rng.integers(0, 1 << 30, (n, 6))  # template picks (taken modulo pool sizes)
    defect = _defects(rng, cfg, is_comment)
    # Spam pumps its ticker whatever the hype: bullish text, no information.
    spam = (defect == DEFECTS_PER_ROW.index("spam")) & (tick >= 0)
    share_i = rng.integers(0, len(text.SHARE_COUNTS), n)
    strike = rng.integers(5, 500, n)
    codes = text.random_codes(rng, n)
    author_i = (len(ctx.authors) * rng.random(n) ** 2.5).astype(np.int64)
    spam_author_i = rng.integers(0, len(ctx.spam_authors), n)
    z_score = rng.standard_normal(n)
    z_ncom = rng.standard_normal(n)
    ratio_draw = rng.beta(9.0, 1.6, n)
    u_misc = rng.random((n, 3))
    deleted_kind = rng.random(n) < 0.5
    # Single-letter symbols (F, T) are never written bare: they would be unreadable.
    single = _SINGLE_LETTER[np.maximum(tick, 0)]
    return RowDraws(
        created=arrivals.created,
        tick=tick,
        stance=np.where(spam, 1, arrivals.stance),
        subreddit=subreddit,
        is_comment=is_comment,
        style1=np.where((style1 == 2) & single, 0, style1),
        style1b=np.where((style1b == 2) & single, 0, style1b),
        alias1=alias1,
        second=second,
        style2=np.where((style2 == 2) & _SINGLE_LETTER[np.maximum(second, 0)], 0, style2),
        is_self=is_self,
        has_fp=has_fp,
        tpl=tpl,
        defect=defect,
        share_i=share_i,
        strike=strike,
        author_i=author_i,
        spam_author_i=spam_author_i,
        abs_h=np.abs(np.where(tick >= 0, arrivals.hype, 0.0)),
        z_score=z_score,
        z_ncom=z_ncom,
        ratio_draw=ratio_draw,
        u_misc=u_misc,
        deleted_kind=deleted_kind,
        codes=codes,
    )


def link_parents(rows: RowDraws, n_sub: int, t_end: int) -> tuple[np.ndarray, RowDraws]:
    """Each comment's parent: an earlier submission of the same day and subreddit (a comment
    before the day's first submission replies shortly after it; a subreddit without
    submissions has none, so its comments become submissions).

    Returns ``(parent row per row, -1 for submissions; rows with is_comment and created
    updated)``."""
    is_comment = rows.is_comment.copy()
    created = rows.created.copy()
    parent = np.full(is_comment.size, -1, dtype=np.int64)
    u_misc = rows.u_misc
    for s in range(n_sub):
        subs = np.flatnonzero(~is_comment & (rows.subreddit == s))
        coms = np.flatnonzero(is_comment & (rows.subreddit == s))
        if coms.size == 0:
            continue
        if subs.size == 0:
            is_comment[coms] = False  # nothing to reply to: these become submissions
            continue
        n_before = np.searchsorted(created[subs], created[coms], side="right")
        pick = np.floor(u_misc[coms, 0] * np.maximum(n_before, 1)).astype(np.int64)
        parent[coms] = subs[pick]
        late = n_before == 0  # before the day's first submission: reply shortly after it
        created[coms[late]] = np.minimum(
            created[subs[0]] + 1 + (u_misc[coms[late], 1] * 600).astype(np.int64), t_end - 1
        )
    return parent, replace(rows, is_comment=is_comment, created=created)

"""Posts and comments of the demo world for one calendar day (America/New_York).

Generative model, per calendar day ``d`` and ticker ``i``:

* The day is cut at the 16:00 ET close (trading days only) into segments; each segment feeds
  one session (:func:`tft_assets.calendar.session_of`), whose hype ``s`` drives it.
* Count per segment ~ Poisson(base_i * day_factor * W_seg * exp(ATTENTION_COEF * |s|)), where
  ``base_i`` is ``posts_per_ticker_day`` times the ticker's relative popularity (mean 1 over the
  world), ``day_factor`` is 1 on weekdays and :data:`WEEKEND_ACTIVITY_FACTOR` on weekends,
  and ``W_seg`` the share of the :data:`HOURLY_ACTIVITY_ET` profile inside the segment (US
  hours dominate, but posts arrive around the clock and on weekends).
* Stance: neutral with probability :data:`NEUTRAL_STANCE_PROB`, otherwise bullish with
  probability ``sigmoid(STANCE_HYPE_COEF * s)``.
* Chatter without tickers adds ``chatter_fraction`` of the expected ticker posts.
* Defects (one per row at most, rates from the config) are recorded in ``gt_defect``;
  cross-post duplicates are extra rows copied from clean submissions.

Ground truth: ``gt_tickers`` lists the universe symbols the delivered text mentions (primary
first), ``gt_sentiment`` the author's stance (-1/0/+1) toward the primary ticker (0 for
chatter, +1 for spam pumps, kept for deleted comments whose text is gone), ``gt_hype`` the primary ticker's hype for the session the post feeds (null for
chatter), ``gt_is_spam`` and ``gt_defect``.

Comments have no title, ``upvote_ratio`` or ``num_comments`` (as in Reddit's API); their
``parent_id`` is a submission of the same day and subreddit created before them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from tft_assets import calendar
from tft_assets.schemas import SOURCE_POSTS_SCHEMA
from tft_assets.sources.demo import text
from tft_assets.sources.demo.config import DEFECT_KINDS, DemoWorldConfig
from tft_assets.sources.demo.latent import HYPE_EPOCH, STREAM_POSTS, LatentPaths, rng_for
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
#: Posts per day above which ids would collide (ids are day_index * stride + rank).
ID_STRIDE_PER_DAY = 1 << 18
_ID_OFFSET = 36**6
#: Defects drawn per row; cross-post duplicates are extra rows, made separately.
_DEFECTS_PER_ROW = tuple(kind for kind in DEFECT_KINDS if kind != "duplicate")
_UTM_SUFFIX = "?utm_source=share&utm_medium=web2x&context=3"
_SLUG_DROP = re.compile(r"[^a-z0-9 ]+")
_STANDARD_DAY_MASS = 60.0 * sum(HOURLY_ACTIVITY_ET)
_SINGLE_LETTER = np.array([len(listing.symbol) == 1 for listing in UNIVERSE])
_B36 = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))


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


def base36_ids(numbers: np.ndarray) -> list[str]:
    """Fixed-width (7 characters) base36 strings of non-negative ints < 36**7."""
    n = np.asarray(numbers, dtype=np.int64)
    if n.size == 0:
        return []
    powers = 36 ** np.arange(6, -1, -1, dtype=np.int64)
    digits = _B36[(n[:, None] // powers[None, :]) % 36]
    return ["".join(row) for row in digits.tolist()]


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


def _epoch_s(t: dt.datetime) -> int:
    return int(t.timestamp())


def _mention(listing_idx: int, style: int, pick_alias: bool) -> str:
    listing = UNIVERSE[listing_idx]
    sym = listing.symbol
    if style == 0:
        return "$" + sym
    if style == 1:
        return "$" + sym.lower()
    if style == 2:
        return sym
    if pick_alias and listing.aliases:
        return listing.aliases[0]
    return listing.name


#: ``_MENTIONS[listing][2 * style + use_alias]``: every way a listing is written.
_MENTIONS: tuple[tuple[str, ...], ...] = tuple(
    tuple(_mention(i, style, alias) for style in range(4) for alias in (False, True))
    for i in range(len(UNIVERSE))
)


def _slug(title: str) -> str:
    words = _SLUG_DROP.sub("", title.lower()).split()
    return "_".join(words[:6]) or "post"


def _url_variant(url: str, which: int) -> str:
    """A cross-post URL that canonicalises to ``url`` (tracking query, host or scheme variant)."""
    if which == 0:
        return url + _UTM_SUFFIX
    if which == 1:
        if "://www.reddit.com/" in url:
            return url.replace("://www.reddit.com/", "://old.reddit.com/", 1)
        return url.replace("://www.", "://", 1) if "://www." in url else url + "?utm_source=reddit"
    stripped = url.rstrip("/") if url.endswith("/") else url
    return stripped.replace("https://", "http://", 1) + ("" if stripped != url else "?ref=share")


def generate_day(day: dt.date, ctx: DayContext) -> pl.DataFrame:
    """All posts and comments created on calendar ``day`` (ET), sorted by id.

    Columns: SOURCE_POSTS_SCHEMA then gt_tickers, gt_sentiment, gt_hype, gt_is_spam, gt_defect.
    """
    cfg = ctx.config
    if day < HYPE_EPOCH:
        raise ValueError(f"the demo world starts at {HYPE_EPOCH}, got {day}")
    rng = rng_for(cfg.seed, STREAM_POSTS, day.toordinal())
    n_t = cfg.n_tickers
    day_start, day_end = calendar.day_bounds_utc(day)
    t0 = _epoch_s(day_start)
    t_end = _epoch_s(day_end)
    segments = segments_of_day(day)
    weights = minute_weights(day_start, day_end)
    day_factor = WEEKEND_ACTIVITY_FACTOR if day.weekday() >= 5 else 1.0

    # --- ticker posts: counts per (segment, ticker), times, stance ------------------------
    seg_bounds = [(_epoch_s(a) - t0) // 60 for a, _, _ in segments] + [len(weights)]
    tick_parts, time_parts, hype_parts = [], [], []
    total_lam = 0.0
    for k, (_, _, session) in enumerate(segments):
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
        tick = np.repeat(np.arange(n_t), counts)
        cdf = np.cumsum(w)
        minute = np.searchsorted(cdf, rng.random(tick.size) * cdf[-1], side="right")
        time_parts.append(t0 + 60 * (seg_bounds[k] + minute) + rng.integers(0, 60, tick.size))
        tick_parts.append(tick)
        hype_parts.append(hype[tick])
    tick = np.concatenate(tick_parts)
    created = np.concatenate(time_parts)
    hype_at_gen = np.concatenate(hype_parts)
    n_tp = tick.size
    stance = np.where(
        rng.random(n_tp) < NEUTRAL_STANCE_PROB,
        0,
        np.where(rng.random(n_tp) < 1.0 / (1.0 + np.exp(-STANCE_HYPE_COEF * hype_at_gen)), 1, -1),
    )

    # --- chatter (no ticker) --------------------------------------------------------------
    n_ch = int(rng.poisson(cfg.chatter_fraction * total_lam))
    cdf_all = np.cumsum(weights)
    ch_min = np.searchsorted(cdf_all, rng.random(n_ch) * cdf_all[-1], side="right")
    created = np.concatenate([created, t0 + 60 * ch_min + rng.integers(0, 60, n_ch)])
    tick = np.concatenate([tick, np.full(n_ch, -1)])
    stance = np.concatenate([stance, np.zeros(n_ch, dtype=np.int64)])
    n = n_tp + n_ch
    if n >= ID_STRIDE_PER_DAY // 2:
        raise RuntimeError(f"{n} posts on {day} exceed the id space; lower posts_per_ticker_day")

    # --- per-row attributes ---------------------------------------------------------------
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
    rates = cfg.defect_rates()
    probs = np.array([rates[k] for k in _DEFECTS_PER_ROW])
    defect = np.searchsorted(np.cumsum(probs), rng.random(n), side="right")  # len == clean
    defect_names = (*_DEFECTS_PER_ROW, None)
    brig = _DEFECTS_PER_ROW.index("brigaded")
    defect = np.where((defect == brig) & is_comment, len(_DEFECTS_PER_ROW), defect)
    # Spam pumps its ticker whatever the hype: bullish text, no information.
    stance = np.where((defect == _DEFECTS_PER_ROW.index("spam")) & (tick >= 0), 1, stance)
    share_i = rng.integers(0, len(text.SHARE_COUNTS), n)
    strike = rng.integers(5, 500, n)
    codes = text.random_codes(rng, n)
    author_i = (len(ctx.authors) * rng.random(n) ** 2.5).astype(np.int64)
    spam_author_i = rng.integers(0, len(ctx.spam_authors), n)
    abs_h = np.abs(np.where(tick >= 0, np.concatenate([hype_at_gen, np.zeros(n_ch)]), 0.0))
    z_score = rng.standard_normal(n)
    z_ncom = rng.standard_normal(n)
    ratio_draw = rng.beta(9.0, 1.6, n)
    u_misc = rng.random((n, 3))
    deleted_kind = rng.random(n) < 0.5
    # Single-letter symbols (F, T) are never written bare: they would be unreadable.
    single = _SINGLE_LETTER[np.maximum(tick, 0)]
    style1 = np.where((style1 == 2) & single, 0, style1)
    style1b = np.where((style1b == 2) & single, 0, style1b)
    style2 = np.where((style2 == 2) & _SINGLE_LETTER[np.maximum(second, 0)], 0, style2)

    # Sort by creation time so ids increase with time.
    order = np.argsort(created, kind="stable")
    (created, tick, stance, subreddit, is_comment, style1, style1b, alias1, second, style2,
     is_self, has_fp, tpl, defect, share_i, strike, author_i, spam_author_i, abs_h, z_score,
     z_ncom, ratio_draw, u_misc, deleted_kind) = (
        a[order] for a in (created, tick, stance, subreddit, is_comment, style1, style1b, alias1,
                           second, style2, is_self, has_fp, tpl, defect, share_i, strike,
                           author_i, spam_author_i, abs_h, z_score, z_ncom, ratio_draw, u_misc,
                           deleted_kind)
    )  # fmt: skip
    codes = [codes[i] for i in order.tolist()]
    day_index = (day - HYPE_EPOCH).days
    ids = base36_ids(_ID_OFFSET + day_index * ID_STRIDE_PER_DAY + np.arange(n))

    # --- parents: an earlier submission of the same day and subreddit ----------------------
    parent = np.full(n, -1, dtype=np.int64)
    for s in range(n_sub):
        subs = np.flatnonzero(~is_comment & (subreddit == s))
        coms = np.flatnonzero(is_comment & (subreddit == s))
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

    # --- session of the final creation time -> gt_hype -------------------------------------
    seg_starts = np.array([_epoch_s(a) for a, _, _ in segments])
    seg_of_row = np.searchsorted(seg_starts, created, side="right") - 1
    hype_rows = np.stack([ctx.hype_of(sess) for _, _, sess in segments])
    gt_hype = np.where(tick >= 0, hype_rows[seg_of_row, np.maximum(tick, 0)], np.nan)

    # --- text, urls, scores ----------------------------------------------------------------
    date_path = day.strftime("%Y/%m/%d")
    rows = _assemble_text(
        n=n, tick=tick, stance=stance, is_comment=is_comment, style1=style1, style1b=style1b,
        alias1=alias1, second=second, style2=style2, is_self=is_self, has_fp=has_fp, tpl=tpl,
        defect=defect, defect_names=defect_names, share_i=share_i, strike=strike, codes=codes,
        deleted_kind=deleted_kind,
    )  # fmt: skip
    titles, bodies, gt_tickers, is_spam = rows
    subreddit_names = [cfg.subreddits[s] for s in subreddit.tolist()]
    names = np.array(defect_names, dtype=object)[defect]
    spam_rows = names == "spam"
    link_post = ~is_comment & ~is_self & ~spam_rows
    urls: list[str] = []
    for i, (com, link, par, dom_i) in enumerate(
        zip(
            is_comment.tolist(),
            link_post.tolist(),
            parent.tolist(),
            (tpl[:, 5] % len(text.LINK_DOMAINS)).tolist(),
            strict=True,
        )
    ):
        if com:
            urls.append(
                f"https://www.reddit.com/r/{subreddit_names[i]}/comments/{ids[par]}/_/{ids[i]}/"
            )
        elif not link:
            urls.append(
                f"https://www.reddit.com/r/{subreddit_names[i]}/comments/{ids[i]}/{_slug(titles[i] or '')}/"
            )
        else:
            slug = _slug(titles[i] or "").replace("_", "-")
            urls.append(text.LINK_DOMAINS[dom_i].format(date=date_path, slug=slug, code=codes[i]))
            if names[i] not in ("deleted", "oversized"):
                bodies[i] = ""  # link posts have no body

    score = np.where(
        is_comment,
        np.floor(np.exp(0.5 + 0.4 * abs_h + 1.2 * z_score)),
        np.floor(np.exp(1.2 + 0.6 * abs_h + 1.6 * z_score)),
    ).astype(np.int64)
    score = np.minimum(score, 250_000)
    downvoted = is_comment & (u_misc[:, 2] < 0.12)
    score = np.where(downvoted, -(1 + (u_misc[:, 1] * 8).astype(np.int64)), score)
    num_comments = np.floor(np.maximum(score, 0) ** 0.8 * np.exp(0.6 * z_ncom)).astype(np.int64)
    upvote_ratio = np.round(np.clip(ratio_draw, 0.4, 1.0), 2)
    brig_rows = names == "brigaded"
    score = np.where(spam_rows, (u_misc[:, 1] * 3).astype(np.int64), score)
    upvote_ratio = np.where(spam_rows, np.round(0.4 + 0.3 * u_misc[:, 2], 2), upvote_ratio)
    score = np.where(brig_rows, (u_misc[:, 1] * 4).astype(np.int64), score)
    upvote_ratio = np.where(brig_rows, np.round(0.05 + 0.34 * u_misc[:, 2], 2), upvote_ratio)

    authors: list[str | None] = [
        ctx.spam_authors[j] if is_sp else ctx.authors[a]
        for is_sp, j, a in zip(
            spam_rows.tolist(), spam_author_i.tolist(), author_i.tolist(), strict=True
        )
    ]
    for i in np.flatnonzero((names == "deleted") & deleted_kind).tolist():
        authors[i] = "[deleted]"

    cols: dict[str, list | np.ndarray] = {
        "post_id": ids,
        "kind": np.where(is_comment, "comment", "submission").tolist(),
        "parent_id": [
            ids[p] if c else None for p, c in zip(parent.tolist(), is_comment.tolist(), strict=True)
        ],
        "subreddit": subreddit_names,
        "author": authors,
        "created_utc": created,
        "title": titles,
        "body": bodies,
        "url": urls,
        "score": score,
        "upvote_ratio": upvote_ratio,
        "num_comments": num_comments,
        "source": ["demo"] * n,
        "gt_tickers": [",".join(t) for t in gt_tickers],
        "gt_sentiment": stance.astype(np.int8),
        "gt_hype": gt_hype,
        "gt_is_spam": is_spam,
        "gt_defect": names.tolist(),
    }
    _add_duplicates(cols, rng, cfg, day_index, t_end, seg_starts, hype_rows, tick)
    return _frame(cols)


def _assemble_text(
    *,
    n: int,
    tick: np.ndarray,
    stance: np.ndarray,
    is_comment: np.ndarray,
    style1: np.ndarray,
    style1b: np.ndarray,
    alias1: np.ndarray,
    second: np.ndarray,
    style2: np.ndarray,
    is_self: np.ndarray,
    has_fp: np.ndarray,
    tpl: np.ndarray,
    defect: np.ndarray,
    defect_names: tuple[str | None, ...],
    share_i: np.ndarray,
    strike: np.ndarray,
    codes: list[str],
    deleted_kind: np.ndarray,
) -> tuple[list[str | None], list[str], list[list[str]], list[bool]]:
    """Titles (None for comments), bodies, mentioned symbols and spam flags, one per row."""
    titles: list[str | None] = []
    bodies: list[str] = []
    gt: list[list[str]] = []
    spam: list[bool] = []
    tl, sl, tp = tick.tolist(), stance.tolist(), tpl.tolist()
    is_comment_l, is_self_l, has_fp_l = is_comment.tolist(), is_self.tolist(), has_fp.tolist()
    style1_l, style1b_l, alias1_l = style1.tolist(), style1b.tolist(), alias1.tolist()
    second_l, style2_l, defect_l = second.tolist(), style2.tolist(), defect.tolist()
    strike_l, share_l, deleted_l = strike.tolist(), share_i.tolist(), deleted_kind.tolist()
    mention = _MENTIONS
    for i in range(n):
        t, st, d = tl[i], sl[i] + 1, defect_names[defect_l[i]]
        p = tp[i]
        comment = is_comment_l[i]
        e = text.EMOJIS[st][p[4] % len(text.EMOJIS[st])]
        k = f"${strike_l[i]}{'p' if st == 0 else 'c'}"
        nn = text.SHARE_COUNTS[share_l[i]]
        code = codes[i]
        if t < 0:  # chatter
            if d == "spam":
                body = text.SPAM[p[0] % len(text.SPAM)].format(t="", code=code, CODE=code.upper())
                title = (
                    None
                    if comment
                    else text.SPAM_TITLES[p[1] % len(text.SPAM_TITLES)].format(
                        t="", CODE=code.upper()
                    )
                )
                spam.append(True)
            elif d == "non_english":
                pool = text.NON_ENGLISH_CHATTER
                title = None if comment else pool[p[1] % len(pool)]
                body = pool[(p[1] + 1 + p[0] % (len(pool) - 1)) % len(pool)]
                spam.append(False)
            else:
                title = (
                    None
                    if comment
                    else text.CHATTER_TITLES[p[1] % len(text.CHATTER_TITLES)].format(e=e)
                )
                body = text.CHATTER_LINES[p[0] % len(text.CHATTER_LINES)].format(e=e)
                if has_fp_l[i]:
                    body += " " + text.FALSE_POSITIVE_LINES[p[2] % len(text.FALSE_POSITIVE_LINES)]
                spam.append(False)
            body = _finish_body(body, d, deleted_l[i])
            titles.append(title)
            bodies.append(body)
            gt.append([])
            continue
        sym = UNIVERSE[t].symbol
        m1 = mention[t][2 * style1_l[i] + alias1_l[i]]
        m1b = mention[t][2 * style1b_l[i] + (not alias1_l[i])]
        if d == "spam":
            cash = "$" + sym
            body = text.SPAM[p[0] % len(text.SPAM)].format(t=cash, code=code, CODE=code.upper())
            title = (
                None
                if comment
                else text.SPAM_TITLES[p[1] % len(text.SPAM_TITLES)].format(
                    t=cash, CODE=code.upper()
                )
            )
            titles.append(title)
            bodies.append(body)
            gt.append([sym])
            spam.append(True)
            continue
        spam.append(False)
        if d == "non_english":
            pool = text.NON_ENGLISH[st]
            lang = p[0] % len(pool)
            body = pool[lang].format(t=m1b, n=nn)
            title = (
                None
                if comment
                else pool[(lang + 1 + p[1] % (len(pool) - 1)) % len(pool)].format(t=m1, n=nn)
            )
            titles.append(title)
            bodies.append(body)
            gt.append([sym])
            continue
        fmt = {"t": m1b, "n": nn, "k": k, "e": e}
        parts = [text.LINES[st][p[0] % len(text.LINES[st])].format(**fmt)]
        if p[3] % 2 == 0:
            parts.append(text.FILLERS[st][p[3] % len(text.FILLERS[st])])
        if has_fp_l[i]:
            parts.append(text.FALSE_POSITIVE_LINES[p[2] % len(text.FALSE_POSITIVE_LINES)])
        mentioned = [sym]
        s2 = second_l[i]
        second_line = ""
        if s2 >= 0:
            second_line = text.SECOND_TICKER_LINES[p[5] % len(text.SECOND_TICKER_LINES)].format(
                t2=mention[s2][2 * style2_l[i] + (p[5] % 3 == 0)]
            )
            mentioned.append(UNIVERSE[s2].symbol)
        if comment:
            title = None
            if second_line:
                parts.append(second_line)
        else:
            title = text.TITLES[st][p[1] % len(text.TITLES[st])].format(t=m1, n=nn, k=k, e=e)
            if second_line:
                if is_self_l[i]:
                    parts.append(second_line)
                else:  # link posts have no body: the second mention goes to the title
                    title = f"{title} / {second_line}"
        body = _finish_body(" ".join(parts), d, deleted_l[i])
        if d == "deleted" and comment:
            mentioned = []
        elif d == "deleted" and second_line and is_self_l[i]:
            mentioned = [sym]
        titles.append(title)
        bodies.append(body)
        gt.append(mentioned)
    return titles, bodies, gt, spam


def _finish_body(body: str, defect: str | None, deleted_by_author: bool) -> str:
    if defect == "deleted":
        return "[deleted]" if deleted_by_author else "[removed]"
    if defect == "oversized":
        reps = math.ceil(text.OVERSIZED_MIN_BYTES / len(text.OVERSIZED_PARAGRAPH.encode())) + 1
        return body + "\n\n" + text.OVERSIZED_PARAGRAPH * reps
    return body


_FRAME_DTYPES: dict[str, pl.DataType] = {
    **SOURCE_POSTS_SCHEMA,
    "created_utc": pl.Int64(),  # epoch seconds until converted
    "gt_tickers": pl.String(),  # comma-joined until split
    "gt_sentiment": pl.Int8(),
    "gt_hype": pl.Float64(),
    "gt_is_spam": pl.Boolean(),
    "gt_defect": pl.String(),
}


def empty_posts_frame() -> pl.DataFrame:
    """A zero-row frame with the demo posts columns (SOURCE_POSTS_SCHEMA + ground truth)."""
    return _frame({name: [] for name in _FRAME_DTYPES})


def _frame(cols: dict[str, list | np.ndarray]) -> pl.DataFrame:
    """One frame from the per-row lists; comment-only nulls and missing_* defects applied."""
    d = pl.col("gt_defect")
    comment = pl.col("kind") == "comment"
    frame = pl.DataFrame(cols, schema=_FRAME_DTYPES)
    return frame.select(
        pl.when(d == "missing_post_id").then(None).otherwise(pl.col("post_id")).alias("post_id"),
        "kind",
        "parent_id",
        "subreddit",
        pl.when(d == "missing_author").then(None).otherwise(pl.col("author")).alias("author"),
        pl.when(d == "missing_created_utc")
        .then(None)
        .otherwise(pl.col("created_utc") * 1_000_000)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
        .alias("created_utc"),
        "title",
        "body",
        "url",
        pl.when(d == "missing_score").then(None).otherwise(pl.col("score")).alias("score"),
        pl.when(comment).then(None).otherwise(pl.col("upvote_ratio")).alias("upvote_ratio"),
        pl.when(comment).then(None).otherwise(pl.col("num_comments")).alias("num_comments"),
        "source",
        pl.col("gt_tickers").str.split(",").list.filter(pl.element() != ""),
        "gt_sentiment",
        pl.col("gt_hype").fill_nan(None),
        "gt_is_spam",
        "gt_defect",
    )


def _add_duplicates(
    cols: dict[str, list | np.ndarray],
    rng: np.random.Generator,
    cfg: DemoWorldConfig,
    day_index: int,
    t_end: int,
    seg_starts: np.ndarray,
    hype_rows: np.ndarray,
    tick: np.ndarray,
) -> None:
    """Append cross-posts: copies of clean submissions in another subreddit, with a new id and
    a URL variant that canonicalises to the original's (tracking query, old./www. host, scheme)."""
    n_main = len(cols["post_id"])
    kind = np.array(cols["kind"])
    clean = np.flatnonzero(
        (kind == "submission") & np.array([d is None for d in cols["gt_defect"]], bool)
    )
    n_dup = min(
        int(rng.binomial(int((kind == "submission").sum()), cfg.duplicate_rate)), clean.size
    )
    pick = np.sort(rng.choice(clean, size=n_dup, replace=False)) if n_dup else np.zeros(0, np.int64)
    delay = rng.integers(60, 6 * 3600, n_dup)
    shift = rng.integers(1, max(len(cfg.subreddits), 2), n_dup)
    variant = rng.integers(0, 3, n_dup)
    score = np.floor(np.exp(1.0 + 1.4 * rng.standard_normal(n_dup))).astype(np.int64)
    if n_dup == 0:
        return
    created = np.minimum(np.asarray(cols["created_utc"])[pick] + delay, t_end - 1)
    seg = np.searchsorted(seg_starts, created, side="right") - 1
    hype = np.where(tick[pick] >= 0, hype_rows[seg, np.maximum(tick[pick], 0)], np.nan)
    subs = cfg.subreddits
    sub_index = {name: j for j, name in enumerate(subs)}
    new_values = {
        "post_id": base36_ids(
            _ID_OFFSET + day_index * ID_STRIDE_PER_DAY + n_main + np.arange(n_dup)
        ),
        "subreddit": [
            subs[(sub_index[cols["subreddit"][i]] + k) % len(subs)]
            for i, k in zip(pick.tolist(), shift.tolist(), strict=True)
        ],
        "created_utc": created.tolist(),
        "url": [
            _url_variant(cols["url"][i], v)
            for i, v in zip(pick.tolist(), variant.tolist(), strict=True)
        ],
        "score": score.tolist(),
        "num_comments": np.floor(np.maximum(score, 0) ** 0.7).astype(np.int64).tolist(),
        "gt_hype": hype.tolist(),
        "gt_defect": ["duplicate"] * n_dup,
    }
    for name in list(cols):
        values = cols[name]
        if isinstance(values, np.ndarray):
            added = (
                np.asarray(new_values[name], values.dtype) if name in new_values else values[pick]
            )
            cols[name] = np.concatenate([values, added])
        else:
            values.extend(
                new_values[name] if name in new_values else [values[i] for i in pick.tolist()]
            )

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

The constants named above and the draws live in :mod:`~tft_assets.sources.demo.post_draws`,
the text of a row in :mod:`~tft_assets.sources.demo.post_text`; this module turns the draws
into the day's frame (ids, urls, scores, authors, cross-posts).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tft_assets.schemas import SOURCE_POSTS_SCHEMA
from tft_assets.sources.demo import text
from tft_assets.sources.demo.config import DemoWorldConfig
from tft_assets.sources.demo.latent import HYPE_EPOCH, STREAM_POSTS, rng_for
from tft_assets.sources.demo.post_draws import (
    DEFECT_NAMES,
    DayClock,
    DayContext,
    RowDraws,
    draw_arrivals,
    draw_rows,
    link_parents,
    minute_weights,
    segments_of_day,
)
from tft_assets.sources.demo.post_text import PostDraw, PostText, post_text, slug

__all__ = [
    "ID_STRIDE_PER_DAY",
    "DayContext",
    "base36_ids",
    "empty_posts_frame",
    "generate_day",
    "minute_weights",
    "segments_of_day",
]

#: Posts per day above which ids would collide (ids are day_index * stride + rank).
ID_STRIDE_PER_DAY = 1 << 18
_ID_OFFSET = 36**6
_UTM_SUFFIX = "?utm_source=share&utm_medium=web2x&context=3"
_B36 = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))


def base36_ids(numbers: np.ndarray) -> list[str]:
    """Fixed-width (7 characters) base36 strings of non-negative ints < 36**7."""
    n = np.asarray(numbers, dtype=np.int64)
    if n.size == 0:
        return []
    powers = 36 ** np.arange(6, -1, -1, dtype=np.int64)
    digits = _B36[(n[:, None] // powers[None, :]) % 36]
    return ["".join(row) for row in digits.tolist()]


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


def _texts(rows: RowDraws) -> list[PostText]:
    """The text of every row (see :mod:`~tft_assets.sources.demo.post_text`)."""
    columns = {
        "tick": rows.tick.tolist(),
        "stance": rows.stance.tolist(),
        "comment": rows.is_comment.tolist(),
        "self_post": rows.is_self.tolist(),
        "false_positive": rows.has_fp.tolist(),
        "style1": rows.style1.tolist(),
        "style1b": rows.style1b.tolist(),
        "alias1": rows.alias1.tolist(),
        "second": rows.second.tolist(),
        "style2": rows.style2.tolist(),
        "picks": rows.tpl.tolist(),
        "defect": [DEFECT_NAMES[k] for k in rows.defect.tolist()],
        "strike": rows.strike.tolist(),
        "share": rows.share_i.tolist(),
        "code": rows.codes,
        "deleted_by_author": rows.deleted_kind.tolist(),
    }
    assert tuple(columns) == PostDraw._fields
    return [post_text(PostDraw(*values)) for values in zip(*columns.values(), strict=True)]


def _urls(
    rows: RowDraws,
    ids: list[str],
    parent: np.ndarray,
    subreddit_names: list[str],
    titles: list[str | None],
    link_post: np.ndarray,
    day: dt.date,
) -> list[str]:
    """Comment permalinks, self-post permalinks and link-post targets."""
    date_path = day.strftime("%Y/%m/%d")
    urls: list[str] = []
    for i, (com, link, par, dom_i) in enumerate(
        zip(
            rows.is_comment.tolist(),
            link_post.tolist(),
            parent.tolist(),
            (rows.tpl[:, 5] % len(text.LINK_DOMAINS)).tolist(),
            strict=True,
        )
    ):
        if com:
            urls.append(
                f"https://www.reddit.com/r/{subreddit_names[i]}/comments/{ids[par]}/_/{ids[i]}/"
            )
        elif not link:
            urls.append(
                f"https://www.reddit.com/r/{subreddit_names[i]}/comments/{ids[i]}/{slug(titles[i] or '')}/"
            )
        else:
            link_slug = slug(titles[i] or "").replace("_", "-")
            urls.append(
                text.LINK_DOMAINS[dom_i].format(date=date_path, slug=link_slug, code=rows.codes[i])
            )
    return urls


def _link_bodies(bodies: list[str], link_post: np.ndarray, names: np.ndarray) -> list[str]:
    """Link posts have no body (unless deleted or oversized: those defects are in the body)."""
    return [
        "" if link and name not in ("deleted", "oversized") else body
        for body, link, name in zip(bodies, link_post.tolist(), names.tolist(), strict=True)
    ]


def _scores(rows: RowDraws, names: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(score, num_comments, upvote_ratio)``; spam and brigaded rows score low."""
    is_comment, u_misc, abs_h = rows.is_comment, rows.u_misc, rows.abs_h
    score = np.where(
        is_comment,
        np.floor(np.exp(0.5 + 0.4 * abs_h + 1.2 * rows.z_score)),
        np.floor(np.exp(1.2 + 0.6 * abs_h + 1.6 * rows.z_score)),
    ).astype(np.int64)
    score = np.minimum(score, 250_000)
    downvoted = is_comment & (u_misc[:, 2] < 0.12)
    score = np.where(downvoted, -(1 + (u_misc[:, 1] * 8).astype(np.int64)), score)
    num_comments = np.floor(np.maximum(score, 0) ** 0.8 * np.exp(0.6 * rows.z_ncom)).astype(
        np.int64
    )
    upvote_ratio = np.round(np.clip(rows.ratio_draw, 0.4, 1.0), 2)
    spam_rows = names == "spam"
    brig_rows = names == "brigaded"
    score = np.where(spam_rows, (u_misc[:, 1] * 3).astype(np.int64), score)
    upvote_ratio = np.where(spam_rows, np.round(0.4 + 0.3 * u_misc[:, 2], 2), upvote_ratio)
    score = np.where(brig_rows, (u_misc[:, 1] * 4).astype(np.int64), score)
    upvote_ratio = np.where(brig_rows, np.round(0.05 + 0.34 * u_misc[:, 2], 2), upvote_ratio)
    return score, num_comments, upvote_ratio


def _authors(ctx: DayContext, rows: RowDraws, names: np.ndarray) -> list[str | None]:
    """Spam accounts for spam, the heavy-tailed regulars otherwise; "[deleted]" when the
    author deleted the post."""
    authors: list[str | None] = [
        ctx.spam_authors[j] if is_sp else ctx.authors[a]
        for is_sp, j, a in zip(
            (names == "spam").tolist(),
            rows.spam_author_i.tolist(),
            rows.author_i.tolist(),
            strict=True,
        )
    ]
    for i in np.flatnonzero((names == "deleted") & rows.deleted_kind).tolist():
        authors[i] = "[deleted]"
    return authors


def _columns(
    ctx: DayContext,
    day: dt.date,
    rows: RowDraws,
    ids: list[str],
    parent: np.ndarray,
    gt_hype: np.ndarray,
) -> dict[str, list | np.ndarray]:
    """The per-row lists of the day's frame (before duplicates)."""
    texts = _texts(rows)
    titles = [t.title for t in texts]
    subreddit_names = [ctx.config.subreddits[s] for s in rows.subreddit.tolist()]
    names = np.array(DEFECT_NAMES, dtype=object)[rows.defect]
    link_post = ~rows.is_comment & ~rows.is_self & ~(names == "spam")
    score, num_comments, upvote_ratio = _scores(rows, names)
    return {
        "post_id": ids,
        "kind": np.where(rows.is_comment, "comment", "submission").tolist(),
        "parent_id": [
            ids[p] if c else None
            for p, c in zip(parent.tolist(), rows.is_comment.tolist(), strict=True)
        ],
        "subreddit": subreddit_names,
        "author": _authors(ctx, rows, names),
        "created_utc": rows.created,
        "title": titles,
        "body": _link_bodies([t.body for t in texts], link_post, names),
        "url": _urls(rows, ids, parent, subreddit_names, titles, link_post, day),
        "score": score,
        "upvote_ratio": upvote_ratio,
        "num_comments": num_comments,
        "source": ["demo"] * len(ids),
        "gt_tickers": [",".join(t.mentioned) for t in texts],
        "gt_sentiment": rows.stance.astype(np.int8),
        "gt_hype": gt_hype,
        "gt_is_spam": [t.is_spam for t in texts],
        "gt_defect": names.tolist(),
    }


def generate_day(day: dt.date, ctx: DayContext) -> pl.DataFrame:
    """All posts and comments created on calendar ``day`` (ET), sorted by id.

    Columns: SOURCE_POSTS_SCHEMA then gt_tickers, gt_sentiment, gt_hype, gt_is_spam, gt_defect.
    """
    cfg = ctx.config
    if day < HYPE_EPOCH:
        raise ValueError(f"the demo world starts at {HYPE_EPOCH}, got {day}")
    rng = rng_for(cfg.seed, STREAM_POSTS, day.toordinal())
    clock = DayClock.of(day)
    arrivals = draw_arrivals(rng, ctx, clock)
    n = arrivals.tick.size
    if n >= ID_STRIDE_PER_DAY // 2:
        raise RuntimeError(f"{n} posts on {day} exceed the id space; lower posts_per_ticker_day")
    rows = draw_rows(rng, ctx, arrivals).sorted_by_creation()
    day_index = (day - HYPE_EPOCH).days
    ids = base36_ids(_ID_OFFSET + day_index * ID_STRIDE_PER_DAY + np.arange(n))
    parent, rows = link_parents(rows, len(cfg.subreddits), clock.t_end)
    # Session of the final creation time -> gt_hype.
    seg_starts = clock.segment_starts()
    seg_of_row = np.searchsorted(seg_starts, rows.created, side="right") - 1
    hype_rows = np.stack([ctx.hype_of(sess) for _, _, sess in clock.segments])
    gt_hype = np.where(rows.tick >= 0, hype_rows[seg_of_row, np.maximum(rows.tick, 0)], np.nan)
    cols = _columns(ctx, day, rows, ids, parent, gt_hype)
    _add_duplicates(cols, rng, cfg, day_index, clock.t_end, seg_starts, hype_rows, rows.tick)
    return _frame(cols)


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

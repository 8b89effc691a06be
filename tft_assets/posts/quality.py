"""Explainable post quality (0-100) from four dimensions, each its own column (0-100, higher
is better):

* ``quality_engagement`` — log-scaled upvotes (score) and comment count;
* ``quality_content`` — text length (linear penalty below :data:`MIN_CONTENT_CHARS`
  characters, log-scaled credit up to :data:`FULL_CONTENT_CHARS`); deleted/removed/empty is 0;
* ``quality_vote_ratio`` — upvote ratio; ``is_brigaded`` when it is below
  :data:`BRIGADING_UPVOTE_RATIO`;
* ``quality_spam`` — 100 minus penalties for emoji density, all-caps share, referral/promo
  links and keywords, and runs of a repeated character.

``quality_score`` is the weighted mean of the dimensions. Archive posts often carry crawl-time
votes (score 0/1, no ratio, no comments): then engagement counts as the neutral prior
:data:`UNKNOWN_ENGAGEMENT_PRIOR`, the vote-ratio weight moves to the other dimensions (also
whenever the ratio is missing, as for comments), and ``quality_degraded`` says so. Spam also
scales the total (down to :data:`SPAM_GATE_FLOOR`). A post with
no readable text (empty, ``[deleted]``, ``[removed]``) scores 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

MIN_CONTENT_CHARS = 50
FULL_CONTENT_CHARS = 1000
SCORE_SATURATION_UPVOTES = 1000
COMMENTS_SATURATION = 200
BRIGADING_UPVOTE_RATIO = 0.4
UNINFORMATIVE_MAX_SCORE = 1
#: Engagement assumed (0-100) when the vote fields are missing or uninformative.
UNKNOWN_ENGAGEMENT_PRIOR = 40.0
EMOJI_DENSITY_LIMIT = 0.1
CAPS_SHARE_LIMIT = 0.7
CAPS_MIN_LETTERS = 20
REPEAT_RUN_CHARS = 5
#: Multiplier of the weighted mean when the spam dimension is 0 (1.0 when it is 100).
SPAM_GATE_FLOOR = 0.4

DELETED_MARKERS = ("[deleted]", "[removed]", "[deleted by user]")
TIER_ORDER = ("poor", "fair", "good", "excellent")

_PROMO_PATTERN = (
    r"(?i)ref(?:erral)?=|(?-u:\b)referral(?-u:\b)|promo ?code|use my (?:code|link)|invite code|"
    r"sign ?up (?:here|with|using)|free (?:stock|shares)|(?-u:\b)discount(?-u:\b)|bit\.ly/|t\.me/|"
    r"discord\.gg/|join (?:my|our) (?:discord|telegram|group|channel)|whatsapp|"
    r"robinhood\.com/referral|webull\.com/activity|dm me|guaranteed (?:returns|profit)"
)
_REPEAT_RUNS = [
    c * REPEAT_RUN_CHARS for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?.$"
]
#: Fewest upper-case letters that can make the caps share exceed its limit.
_MIN_UPPER_FOR_CAPS = math.floor(CAPS_SHARE_LIMIT * CAPS_MIN_LETTERS)


def _letter_and_emoji_counts(text: pl.Series) -> pl.DataFrame:
    """``_up``, ``_lo`` (upper/lower-case letters) and ``_emoji`` per text (Float64).

    ``_lo`` is counted only where ``_up`` could make the caps share exceed its limit (0
    elsewhere, which gives the same caps penalty of 0), and emoji only in texts with
    non-ASCII characters: the costly counts run on the few texts that need them."""
    t = text.cast(pl.String).fill_null("")
    up = t.str.count_matches(r"\p{Lu}").cast(pl.Float64)
    lo = pl.Series(np.zeros(t.len()), dtype=pl.Float64)
    at = (up >= _MIN_UPPER_FOR_CAPS).arg_true()
    if at.len():
        lo = lo.scatter(at, t.gather(at).str.count_matches(r"\p{Ll}").cast(pl.Float64))
    emoji = pl.Series(np.zeros(t.len()), dtype=pl.Float64)
    at = (t.str.len_bytes() != t.str.len_chars()).arg_true()
    if at.len():
        counts = t.gather(at).str.count_matches(r"\p{Extended_Pictographic}")
        emoji = emoji.scatter(at, counts.cast(pl.Float64))
    return pl.DataFrame({"_up": up, "_lo": lo, "_emoji": emoji})


@dataclass(frozen=True)
class QualityWeights:
    """Weights of the four dimensions (normalised over the informative ones per row)."""

    engagement: float = 0.35
    content: float = 0.30
    vote_ratio: float = 0.15
    spam: float = 0.20


def _clip01(e: pl.Expr) -> pl.Expr:
    return e.clip(0.0, 1.0)


def add_quality_columns(
    df: pl.DataFrame, text_column: str, weights: QualityWeights = QualityWeights()
) -> pl.DataFrame:
    """Add the quality columns to ``df`` (which has ``score``, ``upvote_ratio``,
    ``num_comments`` (nullable) and the post text in ``text_column``).

    Adds: quality_engagement, quality_content, quality_vote_ratio, quality_spam (Float64
    0-100; engagement and vote ratio null when unknown), is_brigaded, quality_degraded
    (Boolean) and quality_score (Float64 0-100, 2 decimals). Computed in three vectorised
    stages so that Polars evaluates the independent text features in parallel.
    """
    c = pl.col
    body = c(text_column).fill_null("")
    stripped = body.str.strip_chars()
    feats = df.with_columns(
        pl.when(stripped.is_in(list(DELETED_MARKERS)))
        .then(0)
        .otherwise(stripped.str.len_chars())
        .cast(pl.Float64)
        .alias("_len"),
        body.str.contains(_PROMO_PATTERN).alias("_promo"),
        body.str.contains_any(_REPEAT_RUNS).alias("_repeat"),
    )
    feats = feats.hstack(_letter_and_emoji_counts(df.get_column(text_column)))
    score = c("score").cast(pl.Float64)
    comments = c("num_comments").cast(pl.Float64)
    ratio = c("upvote_ratio").cast(pl.Float64)
    length = c("_len")
    up_score = _clip01(score.clip(0, None).log1p() / math.log1p(SCORE_SATURATION_UPVOTES))
    up_comm = _clip01(comments.clip(0, None).log1p() / math.log1p(COMMENTS_SATURATION))
    engagement = (
        pl.when(score.is_null() & comments.is_null())
        .then(None)
        .when(comments.is_null())
        .then(up_score)
        .when(score.is_null())
        .then(up_comm)
        .otherwise(0.6 * up_score + 0.4 * up_comm)
        * 100.0
    )
    # crawl-time votes: score 0/1 with no comments and no ratio tells nothing
    informative = ~(
        (score.is_null() | (score <= UNINFORMATIVE_MAX_SCORE))
        & (comments.is_null() | (comments == 0))
        & ratio.is_null()
    )
    content = (
        pl.when(length < MIN_CONTENT_CHARS)
        .then(60.0 * length / MIN_CONTENT_CHARS)
        .otherwise(
            60.0
            + 40.0
            * _clip01(
                (length / MIN_CONTENT_CHARS).log()
                / math.log(FULL_CONTENT_CHARS / MIN_CONTENT_CHARS)
            )
        )
    )
    vote = _clip01((ratio - 0.3) / 0.65) * 100.0
    letters = c("_up") + c("_lo")
    emoji_density = c("_emoji") / length.clip(1, None)
    caps_share = pl.when(letters >= CAPS_MIN_LETTERS).then(c("_up") / letters).otherwise(0.0)
    spam_pen = (
        40.0 * _clip01((emoji_density - EMOJI_DENSITY_LIMIT) / (0.5 - EMOJI_DENSITY_LIMIT))
        + 30.0 * _clip01((caps_share - CAPS_SHARE_LIMIT) / (1.0 - CAPS_SHARE_LIMIT))
        + 50.0 * c("_promo").cast(pl.Float64)
        + 15.0 * c("_repeat").cast(pl.Float64)
    )
    dims = feats.with_columns(
        engagement.round(2).alias("quality_engagement"),
        content.round(2).alias("quality_content"),
        vote.round(2).alias("quality_vote_ratio"),
        (100.0 - spam_pen).clip(0.0, 100.0).round(2).alias("quality_spam"),
        (ratio < BRIGADING_UPVOTE_RATIO).fill_null(False).alias("is_brigaded"),
        (~informative).alias("quality_degraded"),
    )
    eng_used = (
        pl.when(~c("quality_degraded") & c("quality_engagement").is_not_null())
        .then(c("quality_engagement"))
        .otherwise(UNKNOWN_ENGAGEMENT_PRIOR)
    )
    w_vote = (
        pl.when(~c("quality_degraded") & c("quality_vote_ratio").is_not_null())
        .then(weights.vote_ratio)
        .otherwise(0.0)
    )
    total = (
        weights.engagement * eng_used
        + weights.content * c("quality_content")
        + w_vote * c("quality_vote_ratio").fill_null(0.0)
        + weights.spam * c("quality_spam")
    ) / (weights.engagement + weights.content + w_vote + weights.spam)
    # spam also gates the total (x SPAM_GATE_FLOOR for the spammiest post)
    total = total * (SPAM_GATE_FLOOR + (1.0 - SPAM_GATE_FLOOR) * c("quality_spam") / 100.0)
    # nothing to read (empty, deleted or removed): no other dimension can make it worth reading
    total = pl.when(c("_len") == 0).then(0.0).otherwise(total)
    return dims.with_columns(total.clip(0.0, 100.0).round(2).alias("quality_score")).drop(
        "_len", "_up", "_lo", "_emoji", "_promo", "_repeat"
    )


def tier_expr(score: pl.Expr) -> pl.Expr:
    """poor (< 30), fair (30-50), good (50-70), excellent (>= 70)."""
    return (
        pl.when(score >= 70)
        .then(pl.lit("excellent"))
        .when(score >= 50)
        .then(pl.lit("good"))
        .when(score >= 30)
        .then(pl.lit("fair"))
        .otherwise(pl.lit("poor"))
    )

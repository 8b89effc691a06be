"""The text of a demo post: title, body, the symbols it mentions and whether it is spam.

Pure functions of one row's draws (:class:`PostDraw`): no randomness here, so the text of a
row depends only on what :mod:`tft_assets.sources.demo.posts` drew for it. Templates come from
:mod:`tft_assets.sources.demo.text`; mentions are written in one of four styles ($GME, $gme,
GME, company name or alias).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from tft_assets.sources.demo import text
from tft_assets.sources.demo.universe import UNIVERSE

_SLUG_DROP = re.compile(r"[^a-z0-9 ]+")


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


#: ``MENTIONS[listing][2 * style + use_alias]``: every way a listing is written.
MENTIONS: tuple[tuple[str, ...], ...] = tuple(
    tuple(_mention(i, style, alias) for style in range(4) for alias in (False, True))
    for i in range(len(UNIVERSE))
)


class PostDraw(NamedTuple):
    """What was drawn for one row that its text depends on."""

    tick: int  # primary listing index, -1 for chatter
    stance: int  # -1 bearish, 0 neutral, +1 bullish
    comment: bool
    self_post: bool
    false_positive: bool  # carries a false-positive word line
    style1: int  # mention style in the title
    style1b: int  # mention style in the body
    alias1: bool  # the title's name mention uses the alias (the body's the other)
    second: int  # second listing index, -1 for none
    style2: int
    picks: list[int]  # template picks (taken modulo pool sizes), 6 per row
    defect: str | None
    strike: int
    share: int  # index into text.SHARE_COUNTS
    code: str  # referral code
    deleted_by_author: bool  # "[deleted]" rather than "[removed]"


class PostText(NamedTuple):
    title: str | None  # None for comments
    body: str
    mentioned: list[str]  # universe symbols in the delivered text, primary first
    is_spam: bool


def slug(title: str) -> str:
    """The URL slug of a title (first six words, lower-case, underscores)."""
    words = _SLUG_DROP.sub("", title.lower()).split()
    return "_".join(words[:6]) or "post"


def finish_body(body: str, defect: str | None, deleted_by_author: bool) -> str:
    """``body`` as delivered: replaced for deleted posts, padded for oversized ones."""
    if defect == "deleted":
        return "[deleted]" if deleted_by_author else "[removed]"
    if defect == "oversized":
        reps = math.ceil(text.OVERSIZED_MIN_BYTES / len(text.OVERSIZED_PARAGRAPH.encode())) + 1
        return body + "\n\n" + text.OVERSIZED_PARAGRAPH * reps
    return body


def _pick(pool: tuple[str, ...], pick: int) -> str:
    return pool[pick % len(pool)]


def _spam(d: PostDraw, ticker: str) -> tuple[str | None, str]:
    """``(title, body)`` of a spam pump for ``ticker`` (a cashtag, or "" for chatter)."""
    p, code = d.picks, d.code
    body = _pick(text.SPAM, p[0]).format(t=ticker, code=code, CODE=code.upper())
    title = None if d.comment else _pick(text.SPAM_TITLES, p[1]).format(t=ticker, CODE=code.upper())
    return title, body


def _chatter(d: PostDraw, emoji: str) -> PostText:
    p = d.picks
    if d.defect == "spam":
        title, body = _spam(d, "")
    elif d.defect == "non_english":
        pool = text.NON_ENGLISH_CHATTER
        title = None if d.comment else pool[p[1] % len(pool)]
        body = pool[(p[1] + 1 + p[0] % (len(pool) - 1)) % len(pool)]
    else:
        title = None if d.comment else _pick(text.CHATTER_TITLES, p[1]).format(e=emoji)
        body = _pick(text.CHATTER_LINES, p[0]).format(e=emoji)
        if d.false_positive:
            body += " " + _pick(text.FALSE_POSITIVE_LINES, p[2])
    body = finish_body(body, d.defect, d.deleted_by_author)
    return PostText(title, body, [], d.defect == "spam")


def _non_english(d: PostDraw, symbol: str, shares: str) -> PostText:
    p = d.picks
    pool = text.NON_ENGLISH[d.stance + 1]
    lang = p[0] % len(pool)
    body = pool[lang].format(t=MENTIONS[d.tick][2 * d.style1b + (not d.alias1)], n=shares)
    title = (
        None
        if d.comment
        else pool[(lang + 1 + p[1] % (len(pool) - 1)) % len(pool)].format(
            t=MENTIONS[d.tick][2 * d.style1 + d.alias1], n=shares
        )
    )
    return PostText(title, body, [symbol], False)


def _body_parts(d: PostDraw, st: int, fmt: dict[str, str]) -> list[str]:
    """The body's lines before any second-ticker line: stance line, filler, false positive."""
    p = d.picks
    parts = [_pick(text.LINES[st], p[0]).format(**fmt)]
    if p[3] % 2 == 0:
        parts.append(_pick(text.FILLERS[st], p[3]))
    if d.false_positive:
        parts.append(_pick(text.FALSE_POSITIVE_LINES, p[2]))
    return parts


def _second_line(d: PostDraw) -> str:
    """The line mentioning the second ticker ("" when there is none)."""
    if d.second < 0:
        return ""
    p5 = d.picks[5]
    return _pick(text.SECOND_TICKER_LINES, p5).format(
        t2=MENTIONS[d.second][2 * d.style2 + (p5 % 3 == 0)]
    )


def _delivered_mentions(d: PostDraw, symbol: str, second_line: str) -> list[str]:
    """Symbols the delivered text still mentions (a deleted body mentions nothing)."""
    if d.defect == "deleted" and d.comment:
        return []
    if d.defect == "deleted" and second_line and d.self_post:
        return [symbol]
    return [symbol, UNIVERSE[d.second].symbol] if d.second >= 0 else [symbol]


def _ticker_post(d: PostDraw, symbol: str, shares: str, emoji: str) -> PostText:
    st = d.stance + 1
    strike = f"${d.strike}{'p' if st == 0 else 'c'}"
    fmt = {
        "t": MENTIONS[d.tick][2 * d.style1b + (not d.alias1)],
        "n": shares,
        "k": strike,
        "e": emoji,
    }
    parts = _body_parts(d, st, fmt)
    second_line = _second_line(d)
    title = None
    if not d.comment:
        title = _pick(text.TITLES[st], d.picks[1]).format(
            t=MENTIONS[d.tick][2 * d.style1 + d.alias1], n=shares, k=strike, e=emoji
        )
    if second_line and (d.comment or d.self_post):
        parts.append(second_line)
    elif second_line:  # link posts have no body: the second mention goes to the title
        title = f"{title} / {second_line}"
    body = finish_body(" ".join(parts), d.defect, d.deleted_by_author)
    return PostText(title, body, _delivered_mentions(d, symbol, second_line), False)


def post_text(d: PostDraw) -> PostText:
    """Title, body, mentioned symbols and spam flag of one row."""
    st = d.stance + 1
    emoji = _pick(text.EMOJIS[st], d.picks[4])
    if d.tick < 0:
        return _chatter(d, emoji)
    symbol = UNIVERSE[d.tick].symbol
    if d.defect == "spam":
        title, body = _spam(d, "$" + symbol)
        return PostText(title, body, [symbol], True)
    shares = text.SHARE_COUNTS[d.share]
    if d.defect == "non_english":
        return _non_english(d, symbol, shares)
    return _ticker_post(d, symbol, shares, emoji)

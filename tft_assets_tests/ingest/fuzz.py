"""Seeded generators of good and malformed ingestion input, every row knowing its fate.

:func:`posts_rows` and :func:`prices_rows` draw rows from a table of cases (a good post with
emojis, a post whose ``created_utc`` is ``"yesterday"``, a bar with ``high < low``, ...). A
:class:`FuzzRow` carries its fields (Reddit JSON names for posts, OHLCV columns for prices) and
its expected fate: :data:`KEPT`, or the quarantine reason category ingestion must give it. The
writers put rows into files (CSV, NDJSON, NDJSON ``.zst``, Parquet) and add the damage only
that format can carry (a line that is not JSON, a CSV line cut short, a byte order mark), each
damaged line a row with its own fate; :func:`broken_files` are whole files whose expected
outcome is a one-line error naming the file.

Everything is deterministic per ``seed``. Dates sit in the week of :data:`FIRST_DAY` (the first
partition): good rows on its days, bad ones before it, in the far future (after any last
partition a test can meet, :data:`FUTURE_FROM`) or nowhere at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
KEPT = "kept"
#: The first partition of every fuzz run (``TFT_START_DATE``), a Friday.
FIRST_DAY = dt.date(2024, 3, 1)
#: Days good posts fall on: the first partition to the Friday after.
POST_DAYS = tuple(FIRST_DAY + dt.timedelta(days=i) for i in range(8))
#: NYSE sessions among :data:`POST_DAYS` (2 and 3 March 2024 are a weekend).
SESSIONS = tuple(d for d in POST_DAYS if d.weekday() < 5)
WEEKEND = tuple(d for d in POST_DAYS if d.weekday() >= 5)
#: Every "future" row is dated on or after this day.
FUTURE_FROM = dt.date(2100, 1, 1)
#: Partition keys of the fuzz runs (``FIRST_DAY`` .. ``POST_DAYS[-1]``).
RUN_KEYS = tuple(d.isoformat() for d in POST_DAYS)

#: Reason categories (as ingestion names them).
MISSING_ID = "missing post_id"
INVALID_ID = "invalid post_id"
NO_CREATED = "missing or unparsable created_utc"
BEFORE_FIRST = "before the first partition (TFT_START_DATE)"
AFTER_LAST = "after the last partition (in the future)"
OVERSIZED = "oversized text"
DUPLICATE_ID = "duplicate post_id"
DUPLICATE_URL = "duplicate canonical_url"
MALFORMED_JSON = "malformed JSON"
NO_TICKER_OR_DATE = "missing ticker or date"
INVALID_TICKER = "invalid ticker"
NOT_A_SESSION = "not a trading day"
BAD_PRICE = "non-positive or NaN price"
HIGH_BELOW_LOW = "high < low"
OHLC = "OHLC inconsistent"
BAD_SPLIT = "invalid split ratio"
NO_VOLUME = "missing volume"
NEGATIVE_VOLUME = "negative volume"
DUPLICATE_BAR = "duplicate (ticker, date)"

MAX_TEXT_CHARS = 40_000
REDDIT_FIELDS = (
    "id", "name", "link_id", "parent_id", "subreddit", "author", "created_utc", "title",
    "selftext", "body", "url", "permalink", "score", "upvote_ratio", "num_comments",
)  # fmt: skip
PRICE_FIELDS = ("date", "ticker", "open", "high", "low", "close", "adj_close", "volume", "split")


@dataclass(frozen=True)
class FuzzRow:
    """One input row and what ingestion must do with it.

    ``fields``: the row's values (any JSON type; a missing key is a missing field).
    ``fate``: :data:`KEPT` or the reason category of its quarantine row.
    ``day``: the New York day its timestamp names (``None``: none readable).
    ``key``: what identifies a kept row (``post_id``; ``TICKER|YYYY-MM-DD``).
    ``text``: for a kept post, the body it must keep, character for character.
    ``line``: bytes written as they are instead of ``fields`` (damage of one format).
    """

    case: str
    fate: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    day: str | None = None
    key: str | None = None
    text: str | None = None
    line: bytes | None = None


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------

UNICODE_SNIPPETS = (
    "🚀🚀 to the moon 💎🙌", "ゲームストップ 買い", "שלום עולם", "مرحبا", "Ünïcödé naïve café",
    "e\u0301\u0301 combining", "zero\u200bwidth\u200djoiner", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math", "한국어 텍스트",
    "\u2028line separator\u2029paragraph", "emoji family 👨‍👩‍👧‍👦", "\ufeffinner BOM",
)  # fmt: skip
CONTROL_SNIPPETS = (
    "tab\there", "bell\x07", "esc\x1b[31mred\x1b[0m", "del\x7f", "nul\x00inside",
    "form\x0cfeed", "vertical\x0btab", "\x01\x02\x03 start", "backspace\x08",
)  # fmt: skip
QUOTE_SNIPPETS = (
    'she said "buy"', '""', '"', "a,b,c", "semi;colon", "line one\nline two", "crlf\r\nnext",
    "cr\ronly", "trailing newline\n", "\n", "'single'", '{"json": "inside"}', "back\\slash",
)  # fmt: skip


def _words(rng: random.Random, n: int) -> str:
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(n)
    )


def _epoch(day: dt.date, rng: random.Random) -> int:
    """An instant between 10:00 and 19:00 New York time on ``day`` (epoch seconds): a few
    minutes later is still the same day."""
    start = dt.datetime.combine(day, dt.time(10), NEW_YORK)
    return int(start.timestamp()) + rng.randint(0, 9 * 3600)


def _ny_day(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).astimezone(NEW_YORK).date().isoformat()


def _iso_z(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_offset(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, NEW_YORK).isoformat()


@dataclass
class _Context:
    """What the generator remembers while drawing: good rows (for duplicates), ids used."""

    rng: random.Random
    index: int = 0
    good_posts: list[tuple[str, int, str | None]] = field(default_factory=list)
    good_bars: list[Mapping[str, Any]] = field(default_factory=list)
    used_keys: set[str] = field(default_factory=set)

    def new_id(self) -> str:
        return f"f{self.index:06d}{self.rng.choice(string.ascii_lowercase)}"


# ---------------------------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------------------------


def _good_post(
    ctx: _Context,
    *,
    text: str | None = None,
    title: Any = None,
    created: Callable[[int], Any] | None = None,
    comment: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], int, str | None]:
    """A valid post: ``(fields, epoch, the body it keeps)``."""
    rng = ctx.rng
    post_id = ctx.new_id()
    epoch = _epoch(rng.choice(POST_DAYS), rng)
    body = text if text is not None else _words(rng, rng.randint(3, 30))
    fields: dict[str, Any] = {
        "id": post_id,
        "subreddit": "wallstreetbets",
        "author": f"user{rng.randint(0, 500)}",
        "created_utc": created(epoch) if created else epoch,
        "score": rng.randint(-5, 5000),
        "num_comments": rng.randint(0, 300),
    }
    if comment:
        fields |= {"link_id": f"t3_s{rng.randint(0, 99)}", "body": body}
    else:
        fields |= {
            "title": title if title is not None else _words(rng, rng.randint(1, 8)),
            "selftext": body,
            "upvote_ratio": round(rng.random(), 2),
        }
    if rng.random() < 0.7:
        fields["url"] = f"https://example.com/p/{post_id}"
    else:
        fields["permalink"] = f"/r/wallstreetbets/comments/{post_id}/t/"
    fields |= dict(extra or {})
    url = fields.get("url")
    return fields, epoch, url if isinstance(url, str) else None


def _kept(ctx: _Context, case: str, **kwargs: Any) -> FuzzRow:
    fields, epoch, url = _good_post(ctx, **kwargs)
    ctx.good_posts.append((fields["id"], epoch, url))
    body = fields.get("selftext", fields.get("body"))
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return FuzzRow(case, KEPT, fields, _ny_day(epoch), str(fields["id"]), text)


def _bad(
    ctx: _Context, case: str, fate: str, changes: Mapping[str, Any], drop: Sequence[str] = ()
) -> FuzzRow:
    """A good post with ``changes`` applied and the keys in ``drop`` removed."""
    fields, epoch, _ = _good_post(ctx)
    fields |= dict(changes)
    for key in drop:
        fields.pop(key, None)
    created = fields.get("created_utc")
    day = _ny_day(created) if isinstance(created, int) and not isinstance(created, bool) else None
    if fate == NO_CREATED:
        day = None
    return FuzzRow(case, fate, fields, day)


def _dated_bad(ctx: _Context, case: str, fate: str, epoch: float, created: Any) -> FuzzRow:
    fields, _, _ = _good_post(ctx)
    fields["created_utc"] = created
    return FuzzRow(case, fate, fields, _ny_day(epoch))


def _post_duplicate(ctx: _Context) -> FuzzRow | None:
    if not ctx.good_posts:
        return None
    post_id, epoch, _ = ctx.rng.choice(ctx.good_posts)
    later = epoch + ctx.rng.randint(0, 600)
    fields, _, _ = _good_post(ctx)
    fields |= {"id": post_id, "created_utc": later, "url": f"https://example.com/dup/{ctx.index}"}
    return FuzzRow("duplicate post_id", DUPLICATE_ID, fields, _ny_day(later))


def _url_variant(rng: random.Random, url: str) -> str:
    """``url`` spelled differently with the same canonical form."""
    rest = url.removeprefix("https://")
    host, _, path = rest.partition("/")
    scheme = rng.choice(["http://", "https://", "HTTPS://"])
    host = rng.choice(["www.", "old.", "m.", ""]) + (host.upper() if rng.random() < 0.5 else host)
    tail = rng.choice(["", "/", "?utm_source=share", "#top", "/?ref=x#y"])
    return f"{scheme}{host}/{path}{tail}"


def _url_duplicate(ctx: _Context) -> FuzzRow | None:
    with_url = [p for p in ctx.good_posts[-200:] if p[2] is not None]
    if not with_url:
        return None
    _, epoch, url = ctx.rng.choice(with_url)
    assert url is not None
    later = epoch + ctx.rng.randint(1, 600)
    fields, _, _ = _good_post(ctx)
    fields |= {"created_utc": later, "url": _url_variant(ctx.rng, url)}
    fields.pop("permalink", None)
    return FuzzRow("duplicate canonical_url", DUPLICATE_URL, fields, _ny_day(later))


def _future_epoch(rng: random.Random) -> int:
    day = FUTURE_FROM + dt.timedelta(days=rng.randint(0, 365 * 900))
    return _epoch(day, rng)


def _before_epoch(rng: random.Random) -> int:
    return _epoch(FIRST_DAY - dt.timedelta(days=rng.randint(1, 365 * 50)), rng)


_PostCase = tuple[str, float, Callable[[_Context], FuzzRow | None]]

#: (case, weight, builder): ~55 % of the rows are good, the rest bad in one way each.
POST_CASES: tuple[_PostCase, ...] = (
    ("good", 18, lambda c: _kept(c, "good")),
    ("good comment", 5, lambda c: _kept(c, "good comment", comment=True)),
    ("good unicode", 5, lambda c: _kept(c, "good unicode", text=c.rng.choice(UNICODE_SNIPPETS),
                                        title=c.rng.choice(UNICODE_SNIPPETS))),
    ("good control characters", 4, lambda c: _kept(
        c, "good control characters", text=c.rng.choice(CONTROL_SNIPPETS),
        title=c.rng.choice(CONTROL_SNIPPETS))),
    ("good quotes and newlines", 5, lambda c: _kept(
        c, "good quotes and newlines", text=c.rng.choice(QUOTE_SNIPPETS),
        title=c.rng.choice(QUOTE_SNIPPETS))),
    ("good empty text", 1, lambda c: _kept(c, "good empty text", text="", title="")),
    ("good text at the size limit", 0.3, lambda c: _kept(
        c, "good text at the size limit", text="é" * MAX_TEXT_CHARS)),
    ("good created as ISO Z", 2, lambda c: _kept(c, "good created as ISO Z", created=_iso_z)),
    ("good created as ISO offset", 2, lambda c: _kept(
        c, "good created as ISO offset", created=_iso_offset)),
    ("good created as text", 2, lambda c: _kept(
        c, "good created as text", created=lambda e: f" {e} ")),
    ("good created as float", 2, lambda c: _kept(
        c, "good created as float", created=lambda e: e + 0.25)),
    ("good created in ms", 2, lambda c: _kept(
        c, "good created in ms", created=lambda e: e * 1000 + 123)),
    ("good junk numbers", 3, lambda c: _kept(c, "good junk numbers", extra={
        "score": c.rng.choice(["abc", "", "NaN", "1e999", None, 1e300, -1]),
        "num_comments": c.rng.choice(["many", -3, "7.0", "99999999999999999999999"]),
        "upvote_ratio": c.rng.choice(["x", 2.5, -1.0, None])})),
    ("good deleted author", 1, lambda c: _kept(c, "good deleted author", extra={
        "author": c.rng.choice(["[deleted]", "", None, "AutoModerator"])})),
    ("good unicode author", 1, lambda c: _kept(c, "good unicode author", extra={
        "author": c.rng.choice(UNICODE_SNIPPETS)})),
    ("good wrong-typed text", 1, lambda c: _kept(c, "good wrong-typed text", title=12345,
                                                 extra={"selftext": ["a", 1, {"b": None}]})),
    ("good integer id", 1, lambda c: _kept_int_id(c)),
    ("missing id", 3, lambda c: _bad(c, "missing id", MISSING_ID, {}, drop=("id",))),
    ("null id", 1, lambda c: _bad(c, "null id", MISSING_ID, {"id": None})),
    ("empty id", 2, lambda c: _bad(c, "empty id", MISSING_ID, {
        "id": c.rng.choice(["", " ", "\t", "   "])})),
    ("garbage id", 2, lambda c: _bad(c, "garbage id", INVALID_ID, {
        "id": c.rng.choice(["a b", "new\nline", "ctl\x01", "x" * 101, "ünï", "🚀", "{}", "[1]",
                            " padded", "semi;colon", "quote\""])})),
    ("missing created", 2, lambda c: _bad(c, "missing created", NO_CREATED, {},
                                          drop=("created_utc",))),
    ("unparsable created", 4, lambda c: _bad(c, "unparsable created", NO_CREATED, {
        "created_utc": c.rng.choice([
            None, "", "yesterday", "2024-13-45", "2024-02-30 10:00:00", "03/05/2024",
            "2024-03-05T25:61:00Z", "NaN", "inf", "-inf", "1e400", True, False, [1709650000],
            {"t": 1709650000}, "0x65e6f0d0", "1709650000abc", 1e20, -1e20, 1e300])})),
    ("created before the first partition", 3, lambda c: _before(c)),
    ("created in the future", 3, lambda c: _future(c)),
    ("oversized body", 0.3, lambda c: _bad(c, "oversized body", OVERSIZED, {
        "selftext": "x" * (MAX_TEXT_CHARS + 1 + c.rng.randint(0, 5000))})),
    ("oversized title", 0.2, lambda c: _bad(c, "oversized title", OVERSIZED, {
        "title": "🚀" * (MAX_TEXT_CHARS + 1)})),
    ("duplicate post_id", 4, _post_duplicate),
    ("duplicate canonical_url", 3, _url_duplicate),
)  # fmt: skip


def _kept_int_id(ctx: _Context) -> FuzzRow:
    row = _kept(ctx, "good integer id")
    number = 900_000_000 + ctx.index
    fields = {**row.fields, "id": number}
    if "url" in fields:
        fields["url"] = f"https://example.com/p/{number}"
    else:
        fields["permalink"] = f"/r/wallstreetbets/comments/{number}/t/"
    post_id, epoch, _ = ctx.good_posts.pop()
    url = fields.get("url")
    ctx.good_posts.append((str(number), epoch, url if isinstance(url, str) else None))
    return replace(row, fields=fields, key=str(number))


def _before(ctx: _Context) -> FuzzRow:
    epoch = _before_epoch(ctx.rng)
    style = ctx.rng.choice(["epoch", "iso", "zero", "negative"])
    if style == "zero":
        return _dated_bad(ctx, "created before the first partition", BEFORE_FIRST, 0, 0)
    if style == "negative":
        epoch = -ctx.rng.randint(1, 2_000_000_000)
    created = _iso_z(epoch) if style == "iso" else epoch
    return _dated_bad(ctx, "created before the first partition", BEFORE_FIRST, epoch, created)


def _future(ctx: _Context) -> FuzzRow:
    epoch = _future_epoch(ctx.rng)
    style = ctx.rng.choice(["epoch", "iso", "ms"])
    created = {"epoch": epoch, "iso": _iso_z(epoch), "ms": epoch * 1000}[style]
    return _dated_bad(ctx, "created in the future", AFTER_LAST, epoch, created)


def _draw(
    cases: Sequence[tuple[str, float, Callable[[_Context], FuzzRow | None]]],
    n: int,
    seed: int,
    accept: Callable[[FuzzRow], bool],
    ctx_hook: Callable[[_Context, FuzzRow], None] | None = None,
) -> list[FuzzRow]:
    ctx = _Context(random.Random(seed))
    weights = [w for _, w, _ in cases]
    rows: list[FuzzRow] = []
    while len(rows) < n:
        ctx.index += 1
        _, _, build = ctx.rng.choices(cases, weights)[0]
        snapshot = (len(ctx.good_posts), len(ctx.good_bars))
        row = build(ctx)
        if row is None or not accept(row):
            del ctx.good_posts[snapshot[0] :]
            del ctx.good_bars[snapshot[1] :]
            continue
        rows.append(row)
    return rows


#: Cases only typed columns carry (a NaN in JSON would make the line malformed instead).
TYPED_POST_CASES: tuple[_PostCase, ...] = (
    ("created NaN or infinite", 3, lambda c: _bad(c, "created NaN or infinite", NO_CREATED, {
        "created_utc": c.rng.choice([math.nan, math.inf, -math.inf])})),
    ("good NaN numbers", 3, lambda c: _kept(c, "good NaN numbers", extra={
        "score": c.rng.choice([math.nan, math.inf]), "upvote_ratio": math.nan})),
)  # fmt: skip


def posts_rows(n: int, seed: int, *, typed: bool = False) -> list[FuzzRow]:
    """``n`` posts drawn from :data:`POST_CASES`; ``typed`` keeps only rows whose values fit
    the Parquet column types of :func:`write_posts_parquet` (Parquet holds typed columns) and
    adds :data:`TYPED_POST_CASES`."""
    if typed:
        return _draw(POST_CASES + TYPED_POST_CASES, n, seed, _fits_posts_parquet)
    return _draw(POST_CASES, n, seed, lambda row: True)


# ---------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------

SYMBOLS = ("AAPL", "MSFT", "GME", "AMC", "BRK-B", "BF.B", "^GSPC", "EURUSD=X", "TSLA", "BB")


def _bar_values(rng: random.Random) -> dict[str, Any]:
    low = round(rng.uniform(1, 500), 2)
    high = round(low * rng.uniform(1.0, 1.2), 2)
    open_, close = (round(rng.uniform(low, high), 2) for _ in range(2))
    return {"open": open_, "high": high, "low": low, "close": close,
            "adj_close": close, "volume": rng.randint(0, 10**9)}  # fmt: skip


def _new_bar(ctx: _Context, day: dt.date | None = None) -> dict[str, Any]:
    """A valid bar on a fresh (ticker, session)."""
    rng = ctx.rng
    while True:
        ticker = rng.choice(SYMBOLS) if rng.random() < 0.3 else f"Z{rng.randint(0, 9999):04d}"
        when = day or rng.choice(SESSIONS)
        key = f"{ticker}|{when.isoformat()}"
        if key not in ctx.used_keys:
            ctx.used_keys.add(key)
            return {"date": when.isoformat(), "ticker": ticker, **_bar_values(rng)}


def _kept_bar(ctx: _Context, case: str, **changes: Any) -> FuzzRow:
    bar = _new_bar(ctx)
    key = f"{bar['ticker']}|{bar['date']}"
    ctx.good_bars.append(bar)
    fields = bar | changes
    return FuzzRow(case, KEPT, fields, bar["date"], key)


def _bad_bar(
    ctx: _Context, case: str, fate: str, day: str | None = "keep", **changes: Any
) -> FuzzRow:
    bar = _new_bar(ctx) | changes
    bar = {k: v for k, v in bar.items() if v is not _DROP}
    return FuzzRow(case, fate, bar, bar.get("date") if day == "keep" else day)


_DROP = object()


def _ohlc_break(ctx: _Context) -> FuzzRow:
    bar = _bar_values(ctx.rng)
    kind = ctx.rng.choice(["open above high", "close below low"])
    if kind == "open above high":
        return _bad_bar(ctx, "OHLC inconsistent", OHLC, open=bar["high"] * 2 + 1, low=bar["low"],
                        high=bar["high"], close=bar["high"])  # fmt: skip
    return _bad_bar(ctx, "OHLC inconsistent", OHLC, close=bar["low"] / 4, low=bar["low"],
                    high=bar["high"], open=bar["low"])  # fmt: skip


def _bar_duplicate(ctx: _Context) -> FuzzRow | None:
    if not ctx.good_bars:
        return None
    bar = dict(ctx.rng.choice(ctx.good_bars))
    spelling = ctx.rng.choice([bar["ticker"], f" {bar['ticker'].lower()} ", bar["ticker"] + " "])
    fields = bar | _bar_values(ctx.rng) | {"ticker": spelling}
    return FuzzRow("duplicate (ticker, date)", DUPLICATE_BAR, fields, bar["date"])


def _high_below_low(ctx: _Context) -> FuzzRow:
    bar = _bar_values(ctx.rng)
    return _bad_bar(ctx, "high < low", HIGH_BELOW_LOW, high=bar["low"] * 0.5, low=bar["low"])


def _bad_number(ctx: _Context) -> FuzzRow:
    column = ctx.rng.choice(["open", "high", "low", "close"])
    value = ctx.rng.choice(["abc", "", None, "nan", "NaN", "inf", "-inf", 0, -1.5, "1,234.5",
                            "12.5.1", "$10", float("nan"), float("inf"), -0.0, True])  # fmt: skip
    return _bad_bar(ctx, f"bad {column}", BAD_PRICE, **{column: value})


def _bad_optional(ctx: _Context) -> FuzzRow:
    column = ctx.rng.choice(["adj_close", "split"])
    values = ["abc", "nan", "inf", -1, 0.0 if column == "adj_close" else -2, "x1"]
    fate = BAD_PRICE if column == "adj_close" else BAD_SPLIT
    return _bad_bar(ctx, f"bad {column}", fate, **{column: ctx.rng.choice(values)})


_BarCase = tuple[str, float, Callable[[_Context], FuzzRow | None]]

#: (case, weight, builder), as :data:`POST_CASES`.
PRICE_CASES: tuple[_BarCase, ...] = (
    ("good", 25, lambda c: _kept_bar(c, "good")),
    ("good ticker spelling", 4, lambda c: _good_spelling(c)),
    ("good numbers as text", 4, lambda c: _good_text_numbers(c)),
    ("good float volume", 2, lambda c: _kept_bar(c, "good float volume",
                                                 volume=f"{c.rng.randint(0, 10**6)}.0")),
    ("good without adj_close", 2, lambda c: _kept_bar(c, "good without adj_close",
                                                      adj_close=None)),
    ("good split", 1, lambda c: _kept_bar(c, "good split", split=c.rng.choice([2.0, 0.5, 0]))),
    ("good blank split", 1, lambda c: _kept_bar(c, "good blank split", split=None)),
    ("missing ticker", 3, lambda c: _bad_bar(c, "missing ticker", NO_TICKER_OR_DATE,
                                             ticker=c.rng.choice([None, "", "   ", "\t"]))),
    ("invalid ticker", 3, lambda c: _bad_bar(c, "invalid ticker", INVALID_TICKER,
        ticker=c.rng.choice(["A B", "GM\nE", "ÄPPL", "X" * 30, "$GME", "gm€", "🚀", "T\x00",
                             "-X", "a,b"]))),
    ("missing date", 2, lambda c: _bad_bar(c, "missing date", NO_TICKER_OR_DATE, day=None,
                                           date=_DROP)),
    ("unparsable date", 4, lambda c: _bad_bar(c, "unparsable date", NO_TICKER_OR_DATE, day=None,
        date=c.rng.choice([None, "", "03/04/2024", "2024-13-01", "2024-02-30", "yesterday",
                           "20240304", "2024/03/04", "04-03-2024", "NaN", 20240304, True,
                           "२०२४-०३-०४"]))),
    ("weekend", 3, lambda c: _weekend(c)),
    ("date before the first partition", 3, lambda c: _bar_before(c)),
    ("date in the future", 3, lambda c: _bar_future(c)),
    ("bad price", 6, _bad_number),
    ("bad optional number", 2, _bad_optional),
    ("high < low", 3, _high_below_low),
    ("OHLC inconsistent", 3, _ohlc_break),
    ("missing volume", 2, lambda c: _bad_bar(c, "missing volume", NO_VOLUME,
        volume=c.rng.choice([None, "", "abc", "nan", "inf", 1e30, "1e400"]))),
    ("negative volume", 2, lambda c: _bad_bar(c, "negative volume", NEGATIVE_VOLUME,
                                              volume=-c.rng.randint(1, 10**6))),
    ("duplicate (ticker, date)", 4, _bar_duplicate),
)  # fmt: skip


def _good_spelling(ctx: _Context) -> FuzzRow:
    row = _kept_bar(ctx, "good ticker spelling")
    ticker = row.fields["ticker"]
    spelling = ctx.rng.choice([ticker.lower(), f"  {ticker}", f"{ticker}\t", f" {ticker.lower()} "])
    return replace(row, fields={**row.fields, "ticker": spelling})


def _good_text_numbers(ctx: _Context) -> FuzzRow:
    row = _kept_bar(ctx, "good numbers as text")
    fields = dict(row.fields)
    for column in ("open", "high", "low", "close"):
        fields[column] = ctx.rng.choice([f" {fields[column]} ", f"{fields[column]:e}"])
    return replace(row, fields=fields)


def _weekend(ctx: _Context) -> FuzzRow:
    day = ctx.rng.choice(WEEKEND).isoformat()
    return _bad_bar(ctx, "weekend", NOT_A_SESSION, date=day)


def _bar_before(ctx: _Context) -> FuzzRow:
    day = FIRST_DAY - dt.timedelta(days=ctx.rng.randint(1, 365 * 60))
    return _bad_bar(ctx, "date before the first partition", BEFORE_FIRST, date=day.isoformat())


def _bar_future(ctx: _Context) -> FuzzRow:
    day = FUTURE_FROM + dt.timedelta(days=ctx.rng.randint(0, 365 * 7000))
    return _bad_bar(ctx, "date in the future", AFTER_LAST, date=day.isoformat())


def prices_rows(n: int, seed: int, *, typed: bool = False) -> list[FuzzRow]:
    """``n`` bars drawn from :data:`PRICE_CASES` (``typed``: as :func:`posts_rows`)."""
    return _draw(PRICE_CASES, n, seed, _fits_prices_parquet if typed else lambda r: True)


# ---------------------------------------------------------------------------------------------
# Values as text, typed columns
# ---------------------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A value as a CSV field: JSON for non-strings, the empty field for a missing value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # nan, inf, -inf
    return json.dumps(value, ensure_ascii=False)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


_POSTS_NUMBER_FIELDS = {"created_utc", "score", "upvote_ratio", "num_comments"}


def _fits_posts_parquet(row: FuzzRow) -> bool:
    if row.line is not None:
        return False
    for name, value in row.fields.items():
        if name in _POSTS_NUMBER_FIELDS:
            if not _is_number(value) or (name == "num_comments" and isinstance(value, float)):
                return False
        elif not (value is None or isinstance(value, str)):
            return False
    return True


def _as_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _fits_prices_parquet(row: FuzzRow) -> bool:
    if row.line is not None:
        return False
    for name, value in row.fields.items():
        if name == "date":
            if value is not None and _as_date(value) is None:
                return False
        elif name == "ticker":
            if not (value is None or isinstance(value, str)):
                return False
        elif not _is_number(value):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Writers (each returns the rows as written: damaged lines included, in file order)
# ---------------------------------------------------------------------------------------------


def _damage_ndjson(rng: random.Random, index: int) -> FuzzRow:
    """A line no JSON parser takes for an object, or one with absurd values in valid JSON."""
    good = json.dumps({"id": f"d{index}", "created_utc": _epoch(POST_DAYS[3], rng), "title": "t"})
    kind = rng.choice(["text", "truncated", "binary", "array", "scalar", "nan", "two objects",
                       "trailing garbage", "deep", "big number", "lone surrogate", "bom"])  # fmt: skip
    day = _ny_day(json.loads(good)["created_utc"])
    if kind == "bom":  # a byte order mark before a line in mid-file: the object is read
        return FuzzRow("ndjson byte order mark", KEPT, {"id": f"d{index}"}, day, f"d{index}",
                       line=b"\xef\xbb\xbf" + good.encode())  # fmt: skip
    if kind == "big number":  # valid JSON: the number just cannot be a time
        line = good.replace('"created_utc": ', '"created_utc": 1' + "0" * 400 + ', "x": ')
        return FuzzRow("ndjson big number", NO_CREATED, {"id": f"d{index}"}, None,
                       line=line.encode())  # fmt: skip
    if kind == "lone surrogate":  # valid JSON; the body is not UTF-8, the row is kept
        line = good[:-1] + ', "selftext": "\\ud800 alone"}'
        return FuzzRow("ndjson lone surrogate", KEPT, {"id": f"d{index}"}, day, f"d{index}",
                       line=line.encode())  # fmt: skip
    data = {
        "text": lambda: _words(rng, 4).encode(),
        "truncated": lambda: good[: rng.randint(1, len(good) - 2)].encode(),
        "binary": lambda: b"\x00" + bytes(rng.choice(range(14, 256)) for _ in range(40)),
        "array": lambda: b"[1, 2, 3]",
        "scalar": lambda: rng.choice([b"42", b'"a string"', b"null", b"true"]),
        "nan": lambda: good.replace('"title": "t"', '"score": NaN').encode(),
        "two objects": lambda: (good + good).encode(),
        "trailing garbage": lambda: (good + " xyz").encode(),
        "deep": lambda: b'{"id": "deep", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    }[kind]()
    return FuzzRow(f"ndjson {kind}", MALFORMED_JSON, {}, None, line=data)


def _write_lines(path: Path, lines: list[bytes], compress: bool) -> None:
    blob = b"".join(line + b"\n" for line in lines)
    if compress:
        import zstandard

        blob = zstandard.ZstdCompressor(level=3).compress(blob)
    path.write_bytes(blob)


def write_posts_ndjson(
    rows: Sequence[FuzzRow], path: Path, seed: int, *, damage: float = 0.05, compress: bool = False
) -> list[FuzzRow]:
    """Reddit NDJSON (zstd-compressed with ``compress``): one JSON object per row, a blank line
    now and then (no row), and a ``damage`` share of damaged lines (rows with their own fate)."""
    rng = random.Random(seed)
    lines: list[bytes] = []
    written: list[FuzzRow] = []
    for i, row in enumerate(rows):
        if rng.random() < damage:
            bad = _damage_ndjson(rng, i)
            lines.append(bad.line or b"")
            written.append(bad)
        if rng.random() < 0.01:
            lines.append(rng.choice([b"", b"   ", b"\t"]))
        ascii_only = rng.random() < 0.5
        lines.append(json.dumps(row.fields, ensure_ascii=ascii_only).encode())
        written.append(row)
    _write_lines(path, lines, compress)
    return written


def _csv_text(rows: list[list[str]], header: Sequence[str], bom: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def write_posts_csv(
    rows: Sequence[FuzzRow], path: Path, seed: int, *, damage: float = 0.03, bom: bool = True
) -> list[FuzzRow]:
    """A Reddit-field CSV export (``reddit_csv``), every field quoted as needed, CRLF line
    ends; a ``damage`` share of lines cut short before ``created_utc`` (a row that has lost
    its time) or carrying extra fields (ignored: the header decides the columns)."""
    rng = random.Random(seed)
    table: list[list[str]] = []
    written: list[FuzzRow] = []
    for i, row in enumerate(rows):
        cells = [as_text(row.fields.get(name)) for name in REDDIT_FIELDS]
        roll = rng.random()
        if roll < damage / 2:
            cut = {"id": f"cut{i}", "title": "cut"}
            table.append([as_text(cut.get(n)) for n in REDDIT_FIELDS[: rng.randint(1, 6)]])
            written.append(FuzzRow("csv line cut short", NO_CREATED, cut))
        elif roll < damage:
            cells = cells + ["extra", "fields"][: rng.randint(1, 2)]
        table.append(cells)
        written.append(row)
    path.write_bytes(_csv_text(table, REDDIT_FIELDS, bom))
    return written


def write_posts_parquet(rows: Sequence[FuzzRow], path: Path) -> list[FuzzRow]:
    """Reddit fields as typed Parquet columns (``created_utc``, ``score`` and ``upvote_ratio``
    Float64, ``num_comments`` Int64, the rest String): rows from ``posts_rows(typed=True)``."""
    import polars as pl

    numbers = {"created_utc": pl.Float64, "score": pl.Float64, "upvote_ratio": pl.Float64,
               "num_comments": pl.Int64}  # fmt: skip
    schema = {name: numbers.get(name, pl.String) for name in REDDIT_FIELDS}
    columns = {
        name: [
            float(v) if isinstance(v, int) and numbers.get(name) is pl.Float64 else v
            for v in (row.fields.get(name) for row in rows)
        ]
        for name in REDDIT_FIELDS
    }
    pl.DataFrame(columns, schema=schema).write_parquet(path, row_group_size=2_500)
    return list(rows)


_PRICE_HEADER = ("date", "ticker", "open", "high", "low", "close", "adj_close", "volume", "split")


def write_prices_csv(
    rows: Sequence[FuzzRow], path: Path, seed: int, *, damage: float = 0.03, compress: bool = False
) -> list[FuzzRow]:
    """A long OHLCV CSV (zstd-compressed with ``compress``), BOM and CRLF; a ``damage`` share
    of lines cut short after ``open`` (a bar without high/low/close) or with extra fields."""
    rng = random.Random(seed)
    table: list[list[str]] = []
    written: list[FuzzRow] = []
    for i, row in enumerate(rows):
        cells = [as_text(row.fields.get(name)) for name in _PRICE_HEADER]
        roll = rng.random()
        if roll < damage / 2:
            day = rng.choice(SESSIONS).isoformat()
            table.append([day, f"CUT{i}", "10"][: rng.randint(2, 3)])
            written.append(FuzzRow("csv line cut short", BAD_PRICE, {"ticker": f"CUT{i}"}, day))
        elif roll < damage:
            cells = cells + ["extra"]
        table.append(cells)
        written.append(row)
    blob = _csv_text(table, _PRICE_HEADER, bom=True)
    if compress:
        import zstandard

        blob = zstandard.ZstdCompressor(level=3).compress(blob)
    path.write_bytes(blob)
    return written


def write_prices_parquet(rows: Sequence[FuzzRow], path: Path) -> list[FuzzRow]:
    """Typed OHLCV Parquet (``date`` Date, ``ticker`` String, numbers Float64): rows from
    ``prices_rows(typed=True)``."""
    import polars as pl

    schema = {"date": pl.Date, "ticker": pl.String} | {
        name: pl.Float64 for name in _PRICE_HEADER[2:]
    }
    columns = {
        "date": [_as_date(row.fields.get("date")) for row in rows],
        "ticker": [row.fields.get("ticker") for row in rows],
    } | {
        name: [None if (v := row.fields.get(name)) is None else float(v) for row in rows]
        for name in _PRICE_HEADER[2:]
    }
    pl.DataFrame(columns, schema=schema).write_parquet(path, row_group_size=2_500)
    return list(rows)


# ---------------------------------------------------------------------------------------------
# Whole files that cannot be read
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenFile:
    """A file whose import must fail in one line naming it (and ``line``, when given)."""

    name: str
    data: bytes
    kind: str  # "posts" | "prices"
    message: str  # a piece of the one-line error
    line: int | None = None


def broken_files(seed: int) -> list[BrokenFile]:
    """Files no reader can take: binary, cut-off compressed streams, corrupt Parquet, an
    unterminated quote, an unknown layout, empty, or nothing but rows that cannot be dated."""
    import zstandard

    rng = random.Random(seed)
    garbage = b"\x00" + bytes(rng.randrange(256) for _ in range(4000))
    ndjson = b"".join(
        json.dumps({"id": f"z{i}", "created_utc": _epoch(POST_DAYS[2], rng)}).encode() + b"\n"
        for i in range(400)
    )
    zst = zstandard.ZstdCompressor().compress(ndjson)
    prices = _csv_text([["2024-03-04", "AAPL", "1", "2", "0.5", "1.5", "", "10", ""]] * 50,
                       _PRICE_HEADER, bom=False)  # fmt: skip
    unterminated = (
        b"id,created_utc,title\r\nok1,1709650000,fine\r\n"
        b'bad,1709650001,"never closed\r\nok2,1709650002,fine\r\n'
    )
    return [
        BrokenFile("binary.csv", garbage, "posts", "line 1 is binary", 1),
        BrokenFile("binary.ndjson", garbage, "posts", "line 1 is binary", 1),
        BrokenFile("binary_prices.csv", garbage, "prices", "line 1 is binary", 1),
        BrokenFile("unterminated.csv", unterminated, "posts", "quoted field that never closes", 3),
        BrokenFile("unterminated_prices.csv", prices + b'2024-03-05,"AAPL,1,2\n', "prices",
                   "quoted field that never closes", 52),
        BrokenFile("cut.ndjson.zst", zst[: len(zst) // 2], "posts", "truncated zstd data"),
        BrokenFile("not_zstd.ndjson.zst", ndjson[:500], "posts", "corrupt or truncated zstd"),
        BrokenFile("cut_prices.csv.zst", zstandard.ZstdCompressor().compress(prices)[:-6],
                   "prices", "truncated zstd data"),
        BrokenFile("cut.csv.gz", _gzip(b"id,created_utc\r\n" + b"a,1709650000\r\n" * 500)[:-20],
                   "posts", "truncated gzip data"),
        BrokenFile("corrupt.parquet", b"PAR1" + garbage + b"PAR1", "posts",
                   "not a readable Parquet file"),
        BrokenFile("corrupt_prices.parquet", b"PAR1" + garbage[:100], "prices",
                   "not a readable Parquet file"),
        BrokenFile("empty.parquet", b"", "posts", "not a readable Parquet file"),
        BrokenFile("unknown_layout.csv", b"foo,bar\r\n1,2\r\n", "posts",
                   "unrecognised archive layout (header: bar, foo)"),
        BrokenFile("wrong_columns_prices.csv", b"day,symbol,price\n2024-03-04,A,1\n", "prices",
                   "missing price column(s) open, high, low, close"),
        BrokenFile("empty.csv", b"", "posts", "no dated rows"),
        BrokenFile("bom_only.ndjson", b"\xef\xbb\xbf", "posts", "no dated rows"),
        BrokenFile("empty_prices.csv", b"", "prices", "empty file, no header"),
        BrokenFile("header_only.csv", b"id,created_utc,title\r\n", "posts", "no dated rows"),
        BrokenFile("all_future_prices.csv", _csv_text(
            [["2999-01-04", "AAPL", "1", "2", "0.5", "1.5", "", "10", ""]], _PRICE_HEADER,
            bom=False), "prices", "no dated rows on or before the last partition"),
        BrokenFile("only_garbage.ndjson", b"{{{\nnot json\n[1,2]\n", "posts", "no dated rows"),
    ]  # fmt: skip


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


# ---------------------------------------------------------------------------------------------
# Expectations
# ---------------------------------------------------------------------------------------------


def expected_counts(rows: Sequence[FuzzRow]) -> dict[str, int]:
    """``{fate: rows}`` (:data:`KEPT` and every reason category), sorted by fate."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.fate] = counts.get(row.fate, 0) + 1
    return dict(sorted(counts.items()))


def kept_keys(rows: Sequence[FuzzRow]) -> list[str]:
    """Sorted identities of the rows that must be kept."""
    return sorted(row.key for row in rows if row.fate == KEPT and row.key is not None)

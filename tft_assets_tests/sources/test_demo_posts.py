"""Demo world posts: contract, determinism, realism features, ground truth and time semantics."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tft_assets import calendar
from tft_assets.schemas import SOURCE_POSTS_SCHEMA
from tft_assets.sources.demo import FALSE_POSITIVE_WORDS, UNIVERSE, DemoWorld, DemoWorldConfig

REPO = Path(__file__).resolve().parents[2]
MONTH_START, MONTH_END = dt.date(2021, 1, 1), dt.date(2021, 1, 31)
GT_SCHEMA = {
    "gt_tickers": pl.List(pl.String()),
    "gt_sentiment": pl.Int8(),
    "gt_hype": pl.Float64(),
    "gt_is_spam": pl.Boolean(),
    "gt_defect": pl.String(),
}
LISTING = {x.symbol: x for x in UNIVERSE}


def window(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return calendar.day_bounds_utc(first)[0], calendar.day_bounds_utc(last)[1]


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(DemoWorldConfig())


@pytest.fixture(scope="module")
def month(world) -> pl.DataFrame:
    return world.fetch_posts(*window(MONTH_START, MONTH_END)).frame


def text_of(row: dict) -> str:
    return f"{row['title'] or ''}\n{row['body'] or ''}"


def mentions(symbol: str, text: str) -> bool:
    """Whether ``text`` mentions ``symbol`` as $cashtag, bare upper-case symbol, name or alias."""
    listing = LISTING[symbol]
    sym = re.escape(symbol)
    if re.search(rf"\${sym}(?![A-Za-z])", text, flags=re.IGNORECASE):
        return True
    if re.search(rf"(?<![A-Za-z$.]){sym}(?![A-Za-z])", text):
        return True
    return any(n.lower() in text.lower() for n in (listing.name, *listing.aliases))


def canonical_url(url: str) -> str:
    parts = urlsplit(url)
    host = re.sub(r"^(www\.|old\.|m\.)", "", parts.netloc.lower())
    return f"https://{host}{parts.path.rstrip('/')}"


# ----------------------------------------------------------------------------- contract


def test_schema_matches_contract_plus_ground_truth(month):
    expected = {**SOURCE_POSTS_SCHEMA, **GT_SCHEMA}
    assert list(month.columns) == list(expected)
    assert dict(month.schema) == expected
    assert (month["source"] == "demo").all()
    assert set(month["kind"].unique()) == {"submission", "comment"}


def test_daily_volume_is_in_the_documented_range(month):
    per_day = month.height / ((MONTH_END - MONTH_START).days + 1)
    assert 300 <= per_day <= 600
    local = month.drop_nulls("created_utc").with_columns(
        local=pl.col("created_utc").dt.convert_time_zone("America/New_York")
    )
    days = local["local"].dt.date()
    assert days.min() >= MONTH_START and days.max() <= MONTH_END
    hours = local["local"].dt.hour().alias("hour").value_counts().sort("hour")
    assert hours.height == 24  # around the clock
    by_hour = dict(hours.iter_rows())
    assert by_hour[11] > 3 * by_hour[4]  # US hours dominate
    weekday = local.filter(local["local"].dt.weekday() <= 5).height / 21
    weekend = local.filter(local["local"].dt.weekday() > 5).height / 10
    assert 0.3 * weekday < weekend < 0.9 * weekday


def test_ids_are_unique_base36(month):
    ids = month["post_id"].drop_nulls()
    assert ids.is_unique().all()
    assert ids.str.contains(r"^[0-9a-z]{7}$").all()


# ----------------------------------------------------------------------------- determinism


def test_a_day_alone_in_a_fresh_world_equals_the_month_slice(world, month):
    day = dt.date(2021, 1, 27)
    fresh = DemoWorld(DemoWorldConfig())
    fresh.posts_for_day(dt.date(2021, 1, 29))  # a different order of generation
    alone = fresh.fetch_posts(*window(day, day)).frame
    start, end = window(day, day)
    timed = month.filter(pl.col("created_utc").is_between(start, end, closed="left"))
    assert alone.height > 300
    assert alone.drop_nulls("created_utc").equals(timed)
    assert alone.equals(world.fetch_posts(start, end).frame)
    assert alone.equals(DemoWorld(DemoWorldConfig()).posts_for_day(day))


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    day=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_same_seed_and_date_give_identical_frames(seed, day):
    cfg = DemoWorldConfig(seed=seed, n_tickers=5, posts_per_ticker_day=10.0)
    a = DemoWorld(cfg).posts_for_day(day)
    b_world = DemoWorld(cfg)
    b_world.posts_for_day(day + dt.timedelta(days=400))  # extends the latent cache first
    assert a.equals(b_world.posts_for_day(day))
    other = DemoWorld(DemoWorldConfig(seed=seed + 1, n_tickers=5, posts_per_ticker_day=10.0))
    assert not a.equals(other.posts_for_day(day))


def test_a_day_is_identical_in_another_process(world):
    day = dt.date(2021, 2, 1)
    code = (
        "import datetime as dt, hashlib;"
        "from tft_assets.sources.demo import DemoWorld;"
        f"f = DemoWorld().posts_for_day(dt.date({day.year}, {day.month}, {day.day}));"
        "print(hashlib.sha256(f.write_ipc(None).getvalue()).hexdigest())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    local = world.posts_for_day(day).write_ipc(None).getvalue()
    import hashlib

    assert out.stdout.strip() == hashlib.sha256(local).hexdigest()


def test_null_created_rows_are_delivered_exactly_once_day_by_day(world, month):
    days = [MONTH_START + dt.timedelta(days=i) for i in range(31)]
    pieces = [world.fetch_posts(*window(d, d)).frame for d in days]
    daily = pl.concat(pieces)
    assert daily.height == month.height
    assert daily["created_utc"].null_count() == month["created_utc"].null_count() > 0
    # Windows that cut a day in two deliver each timed row once.
    noon = dt.datetime(2021, 1, 5, 17, 0, tzinfo=dt.UTC)
    first = world.fetch_posts(window(days[4], days[4])[0], noon).frame
    second = world.fetch_posts(noon, window(days[4], days[4])[1]).frame
    assert first.height + second.height == pieces[4].height
    assert (second["created_utc"] >= noon).all() and (
        first["created_utc"].drop_nulls() < noon
    ).all()


def test_fetch_posts_rejects_naive_datetimes(world):
    with pytest.raises(ValueError, match="timezone-aware"):
        world.fetch_posts(dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 2))
    empty = world.fetch_posts(*reversed(window(MONTH_START, MONTH_START))).frame
    assert empty.height == 0 and list(empty.columns) == [*SOURCE_POSTS_SCHEMA, *GT_SCHEMA]


# ----------------------------------------------------------------------------- realism


@pytest.mark.parametrize(
    "kind",
    ["spam", "brigaded", "duplicate", "deleted", "non_english", "oversized",
     "missing_author", "missing_score", "missing_post_id", "missing_created_utc"],
)  # fmt: skip
def test_every_defect_kind_is_planted_and_looks_like_itself(month, kind):
    rows = month.filter(pl.col("gt_defect") == kind)
    assert rows.height >= 5
    clean = month.filter(pl.col("gt_defect").is_null())
    if kind == "spam":
        assert rows["gt_is_spam"].all() and not clean["gt_is_spam"].any()
        body = rows["body"]
        flagged = (
            body.str.contains(r"https?://|discord\.gg|t\.me/")
            | body.str.contains("🚀🚀🚀")
            | (body == body.str.to_uppercase())
        )
        assert flagged.all()
    elif kind == "brigaded":
        assert (rows["upvote_ratio"] < 0.4).all() and (rows["kind"] == "submission").all()
        assert (clean["upvote_ratio"].drop_nulls() >= 0.4).all()
    elif kind == "deleted":
        assert rows["body"].is_in(["[deleted]", "[removed]"]).all()
        assert rows["body"].n_unique() == 2
    elif kind == "non_english":
        text = rows["title"].fill_null("") + " " + rows["body"]
        assert text.str.contains(
            r"[¿¡áéíóúñäöüß]|[\u3040-\u30ff\u4e00-\u9fff]|\b(?:Aktien|acciones|opinan|haltet|Markt)\b"
        ).all()
    elif kind == "oversized":
        assert (rows["body"].str.len_bytes() > 40_000).all()
        assert (clean["body"].str.len_bytes() < 5_000).all()
    elif kind.startswith("missing_"):
        column = {"missing_author": "author", "missing_score": "score", "missing_post_id": "post_id",
                  "missing_created_utc": "created_utc"}[kind]  # fmt: skip
        assert rows[column].is_null().all()
        assert clean[column].null_count() == 0


def test_duplicates_are_cross_posts_with_canonicalisable_urls(month):
    dups = month.filter(pl.col("gt_defect") == "duplicate")
    originals = month.filter(pl.col("gt_defect").is_null(), pl.col("kind") == "submission")
    by_key: dict[tuple, list[dict]] = {}
    for r in originals.iter_rows(named=True):
        by_key.setdefault((canonical_url(r["url"]), r["title"], r["body"]), []).append(r)
    variants = set()
    for dup in dups.iter_rows(named=True):
        candidates = by_key[(canonical_url(dup["url"]), dup["title"], dup["body"])]
        assert any(
            o["post_id"] != dup["post_id"]
            and o["subreddit"] != dup["subreddit"]
            and o["url"] != dup["url"]
            and o["created_utc"] <= dup["created_utc"]
            for o in candidates
        )
        variants.add("utm" if "utm_" in dup["url"] else urlsplit(dup["url"]).netloc.split(".")[0])
    assert len(variants) >= 3


def test_mention_styles_slang_emojis_and_false_positive_words(month):
    text = (month["title"].fill_null("") + "\n" + month["body"].fill_null("")).to_list()
    joined = "\n".join(text)
    assert re.search(r"\$[A-Z]{2,5}\b", joined)  # $GME
    assert re.search(r"\$[a-z]{2,5}\b", joined)  # $gme
    assert re.search(r"(?<![$A-Za-z])GME(?![A-Za-z])", joined)  # bare
    for name in ("GameStop", "BlackBerry", "Tesla", "Palantir"):
        assert name in joined
    for token in ("tendies", "diamond hands", "💎🙌", "🚀", "apes", "moon", "bagholder", "puts", "calls",
                  "🌈🐻", "rug pull", "squeeze", "to the moon", "shares"):  # fmt: skip
        assert token.lower() in joined.lower(), token
    assert re.search(r"\$\d+c\b", joined) and re.search(r"\$\d+p\b", joined)
    for word in FALSE_POSITIVE_WORDS:
        assert re.search(rf"(?<![A-Za-z$]){re.escape(word)}(?![A-Za-z])", joined), word
    assert not month["gt_tickers"].explode().is_in(list(FALSE_POSITIVE_WORDS)).any()
    multi = month.filter(pl.col("gt_tickers").list.len() >= 2)
    assert multi.height > 0.05 * month.height


def test_ground_truth_tickers_are_real_and_really_mentioned(world, month):
    symbols = month["gt_tickers"].explode().drop_nulls()
    assert set(symbols.unique()) <= set(world.tickers)
    assert symbols.n_unique() == len(world.tickers)
    for row in month.iter_rows(named=True):
        text = text_of(row)
        for symbol in row["gt_tickers"]:
            assert mentions(symbol, text), (symbol, text[:200])
        if not row["gt_tickers"]:
            assert row["gt_hype"] is None or row["gt_defect"] == "deleted"
    chatter = month.filter(pl.col("gt_tickers").list.len() == 0, pl.col("gt_defect").is_null())
    assert chatter.height > 0.03 * month.height


def test_comments_reply_to_same_day_submissions(month):
    subs = month.filter(pl.col("kind") == "submission")
    coms = month.filter(pl.col("kind") == "comment")
    assert coms.height > subs.height
    assert subs["parent_id"].is_null().all() and coms["parent_id"].is_not_null().all()
    assert coms["title"].is_null().all() and coms["upvote_ratio"].is_null().all()
    parents = subs.select(
        pl.col("post_id").alias("parent_id"),
        pl.col("subreddit").alias("parent_sub"),
        pl.col("created_utc").alias("parent_created"),
    )
    # Every parent id names a submission of the world (a few have a null id themselves).
    joined = coms.join(parents, on="parent_id", how="left")
    assert joined["parent_sub"].null_count() < 0.01 * coms.height
    joined = joined.drop_nulls(["parent_sub", "created_utc", "parent_created"])
    assert (joined["subreddit"] == joined["parent_sub"]).all()
    assert (joined["created_utc"] >= joined["parent_created"]).all()
    same_day = (
        joined["created_utc"].dt.convert_time_zone("America/New_York").dt.date()
        == joined["parent_created"].dt.convert_time_zone("America/New_York").dt.date()
    )
    assert same_day.all()


def test_scores_are_heavy_tailed_and_authors_plausible(month):
    subs = month.filter(pl.col("kind") == "submission", pl.col("gt_defect").is_null())
    score = subs["score"]
    assert score.max() > 100 * max(score.median(), 1)
    assert (month.filter(pl.col("kind") == "comment")["score"].drop_nulls() < 0).any()
    assert ((subs["upvote_ratio"] >= 0.4) & (subs["upvote_ratio"] <= 1.0)).all()
    assert (subs["num_comments"] >= 0).all()
    authors = month["author"].drop_nulls()
    assert authors.n_unique() > 1000
    top = authors.value_counts(sort=True)["count"][0]
    assert top > 5  # a few prolific posters
    assert authors.str.contains(r"^[A-Za-z0-9_\-\[\]]{3,30}$").all()


# ----------------------------------------------------------------------------- latent link


def test_posts_after_the_close_carry_the_next_sessions_hype(world, month):
    latent = world.latent_frame(MONTH_START, dt.date(2021, 2, 10)).select("ticker", "date", "hype")
    rows = month.drop_nulls("created_utc").filter(pl.col("gt_tickers").list.len() > 0)
    rows = rows.with_columns(ticker=pl.col("gt_tickers").list.first())
    sessions = [calendar.session_of(t) for t in rows["created_utc"].to_list()]
    rows = rows.with_columns(session=pl.Series(sessions, dtype=pl.Date()))
    joined = rows.join(
        latent, left_on=["ticker", "session"], right_on=["ticker", "date"], how="left"
    )
    assert joined["hype"].null_count() == 0
    np.testing.assert_array_equal(joined["gt_hype"].to_numpy(), joined["hype"].to_numpy())
    # Both sides of a close are represented, and they differ.
    day = dt.date(2021, 1, 26)
    close = calendar.market_close_utc(day)
    before = joined.filter(pl.col("session") == day)
    after = joined.filter(pl.col("created_utc") >= close, pl.col("session") == dt.date(2021, 1, 27))
    assert before.height > 50 and after.height > 20
    assert (after["created_utc"].dt.convert_time_zone("America/New_York").dt.date() == day).any()


def test_attention_and_stance_follow_hype(world, month):
    latent = world.latent_frame(MONTH_START, dt.date(2021, 2, 10))
    rows = month.filter(pl.col("gt_tickers").list.len() > 0, pl.col("gt_defect").is_null())
    rows = rows.with_columns(ticker=pl.col("gt_tickers").list.first())
    bull = rows.filter(pl.col("gt_sentiment") != 0)
    corr = np.corrcoef(
        bull["gt_hype"].to_numpy(), bull["gt_sentiment"].cast(pl.Float64).to_numpy()
    )[0, 1]
    assert corr > 0.3
    assert rows["gt_sentiment"].is_in([-1, 0, 1]).all()
    counts = rows.group_by("ticker", "gt_hype").len()
    joined = counts.join(
        latent.select("ticker", pl.col("hype").alias("gt_hype")), on=["ticker", "gt_hype"]
    )
    log_rate = np.log(joined["len"].to_numpy())
    assert np.corrcoef(np.abs(joined["gt_hype"].to_numpy()), log_rate)[0, 1] > 0.1


@pytest.mark.parametrize("day", [dt.date(2021, 3, 14), dt.date(2021, 11, 7), dt.date(2021, 11, 25)])
def test_dst_switches_and_holidays(world, day):
    """23- and 25-hour days and a market holiday: rows stay inside the day and feed the right session."""
    frame = world.posts_for_day(day).drop_nulls("created_utc")
    start, end = calendar.day_bounds_utc(day)
    assert frame.height > 150
    assert frame["created_utc"].is_between(start, end, closed="left").all()
    session = calendar.shift_trading_days(day + dt.timedelta(days=1), 0)
    latent = world.latent_frame(session, session)
    hype = dict(zip(latent["ticker"], latent["hype"], strict=True))
    rows = frame.filter(pl.col("gt_tickers").list.len() > 0)
    expected = [hype[t[0]] for t in rows["gt_tickers"].to_list()]
    assert rows["gt_hype"].to_list() == expected  # none of these days is a session
    local_hours = frame["created_utc"].dt.convert_time_zone("America/New_York").dt.hour()
    assert local_hours.n_unique() >= 20


@pytest.mark.parametrize("n_tickers", [1, len(UNIVERSE)])
def test_smallest_and_largest_worlds(n_tickers):
    world = DemoWorld(DemoWorldConfig(n_tickers=n_tickers, posts_per_ticker_day=5.0))
    day = dt.date(2022, 6, 6)
    posts = world.fetch_posts(*window(day, day)).frame
    symbols = set(posts["gt_tickers"].explode().drop_nulls())
    assert symbols <= set(world.tickers) and len(symbols) >= min(n_tickers, 30)
    prices = world.fetch_prices(world.tickers, day, day).frame
    assert prices.height >= n_tickers - 1


def test_spam_is_a_bullish_pump_unrelated_to_hype(month):
    spam = month.filter(pl.col("gt_is_spam"), pl.col("gt_tickers").list.len() > 0)
    assert spam.height > 50 and (spam["gt_sentiment"] == 1).all()

"""score_posts: contract, quality tiers, bad input, determinism (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tft_assets.posts import (
    EXTRA_SCORED_COLUMNS,
    ScoringConfig,
    quality_histogram_png,
    score_posts,
    summarize_scored,
    texts_to_series,
)
from tft_assets.schemas import RAW_POSTS_SCHEMA, SCORED_POSTS_SCHEMA

NOW = dt.datetime(2021, 1, 27, 15, 0, tzinfo=dt.UTC)


def _raw(bodies, titles=None, score=None, ratio=None, comments=None, **extra) -> pl.DataFrame:
    n = len(bodies)
    data = {
        "post_id": [f"p{i}" for i in range(n)],
        "kind": ["submission"] * n,
        "created_utc": [NOW] * n,
        "title": titles if titles is not None else [None] * n,
        "body": list(bodies),
        "score": score if score is not None else [None] * n,
        "upvote_ratio": ratio if ratio is not None else [None] * n,
        "num_comments": comments if comments is not None else [None] * n,
        **extra,
    }
    return pl.DataFrame(
        data, schema_overrides={k: v for k, v in RAW_POSTS_SCHEMA.items() if k in data}
    )


def test_output_contract_and_passthrough() -> None:
    raw = _raw(["$GME to the moon 🚀 buying more shares"], gt_tickers=[["GME"]])
    out = score_posts(raw)
    assert out.columns[: len(SCORED_POSTS_SCHEMA)] == list(SCORED_POSTS_SCHEMA)
    for name, dtype in SCORED_POSTS_SCHEMA.items():
        assert out.schema[name] == dtype, name
    assert set(EXTRA_SCORED_COLUMNS) <= set(out.columns)
    assert out["gt_tickers"].to_list() == [["GME"]]
    row = out.row(0, named=True)
    assert row["tickers"] == ["GME"] and row["sentiment"] > 0
    assert row["ticker_sentiment"] == [row["sentiment"]]


@pytest.mark.parametrize(
    ("body", "score", "ratio", "comments", "tier"),
    [
        ("[deleted]", 1, None, 0, "poor"),
        ("", 1, None, 0, "poor"),
        ("USE MY REFERRAL CODE robinhood.com/referral/xyz FREE STOCK!!!!!!!", 1, None, 0, "poor"),
        (
            "Long post with a careful thesis on GME: the short interest is above 100% of float, "
            "the console cycle starts this year and the new board brings e-commerce experience. "
            "I hold 100 shares and some April calls; here is my reasoning in detail.",
            2500,
            0.97,
            600,
            "excellent",
        ),
    ],
)
def test_tiers(body, score, ratio, comments, tier) -> None:
    out = score_posts(_raw([body], score=[score], ratio=[ratio], comments=[comments]))
    assert out["quality_tier"].item() == tier


def test_brigading_and_degraded_flags() -> None:
    out = score_posts(
        _raw(
            ["some text about stocks " * 5] * 2, score=[50, 1], ratio=[0.2, None], comments=[30, 0]
        )
    )
    assert out["is_brigaded"].to_list() == [True, False]
    assert out["quality_degraded"].to_list() == [False, True]


def test_multi_ticker_attribution() -> None:
    out = score_posts(_raw(["GME is going to the moon, buying more. AMC is a scam and dumping."]))
    row = out.row(0, named=True)
    ts = dict(zip(row["tickers"], row["ticker_sentiment"], strict=True))
    assert ts["GME"] > 0 > ts["AMC"]


def test_attribution_follows_line_breaks_and_exclamations() -> None:
    body = "GME 🚀🚀 to the moon, love it!\nAMC is dumping, bagholders everywhere\n\nwhat about BB"
    row = score_posts(_raw([body])).row(0, named=True)
    ts = dict(zip(row["tickers"], row["ticker_sentiment"], strict=True))
    assert ts["GME"] > 0 > ts["AMC"]
    assert ts["BB"] == 0.0  # its sentence holds no sentiment word


def test_threaded_chunks_equal_sequential_scoring() -> None:
    from tft_assets.posts.scoring import PARALLEL_MIN_ROWS

    n = PARALLEL_MIN_ROWS + 10
    bodies = [f"$GME {i} calls 🚀, NOK and BB. AMC dumping! {'x' * (i % 7)}" for i in range(n)]
    raw = _raw(bodies, score=list(range(n)))
    threaded = score_posts(raw)  # split in chunks scored side by side
    halves = [raw.slice(0, n // 2), raw.slice(n // 2)]  # each below the threading threshold
    sequential = pl.concat([score_posts(h) for h in halves])
    assert threaded.equals(sequential)


def test_symbols_in_play_are_the_whole_frames_whatever_the_chunks() -> None:
    bodies = ["Why did they freeze AG???", "filler", "Loaded up on $AG calls", "more filler"]
    raw = _raw(bodies)
    whole = score_posts(raw)
    assert whole["tickers"].to_list() == [["AG"], [], ["AG"], []]
    assert score_posts(raw, ScoringConfig(chunk_rows=1)).equals(whole)
    reordered = score_posts(raw.reverse())
    assert reordered["tickers"].to_list() == whole["tickers"].to_list()[::-1]


def test_min_quality_and_chunking_are_consistent() -> None:
    bodies = [f"post {i} about $TSLA calls and puts, length varies {'x' * i}" for i in range(40)]
    raw = _raw(bodies, score=list(range(40)), comments=list(range(40)))
    a = score_posts(raw, ScoringConfig(chunk_rows=7))
    b = score_posts(raw)
    assert a.equals(b)
    strict = score_posts(raw, ScoringConfig(min_quality=101))
    assert not strict["is_quality"].any()


def test_empty_and_columnless_input() -> None:
    assert score_posts(pl.DataFrame()).height == 0
    assert score_posts(_raw([])).columns[:3] == ["post_id", "kind", "created_utc"]


def test_summary_and_histogram() -> None:
    raw = _raw(
        ["$GME to the moon 🚀", "[removed]", "AMC is a scam, sell now " * 4],
        score=[100, 1, 5],
        ratio=[0.9, None, 0.5],
        comments=[10, 0, 3],
    )
    out = score_posts(raw)
    s = summarize_scored(out)
    assert s["n_posts"] == 3 and sum(s["tier_distribution"].values()) == 3
    assert s["sentiment_share"] == 1.0
    assert {"symbol": "GME", "mentions": 1} in s["top_tickers"] or not out["is_quality"][0]
    png = quality_histogram_png(out)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


BAD_INPUTS = [
    "",
    "[deleted]",
    "[removed]",
    "🚀" * 50,
    "x" * 100_000,
    "Das ist ein sehr guter Tag für GameStop, oder?",
    "日本語のテキスト、株価は上がる",
    "\ud800 lone surrogate \udfff",
    None,
]


@pytest.mark.parametrize("body", BAD_INPUTS)
def test_bad_input_is_scored(body) -> None:
    series = texts_to_series([body])
    out = score_posts(_raw(series.to_list()))
    assert out.height == 1
    row = out.row(0, named=True)
    assert 0 <= row["quality_score"] <= 100
    assert -1 <= row["sentiment"] <= 1
    assert row["quality_tier"] in {"poor", "fair", "good", "excellent"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bodies=st.lists(st.one_of(st.none(), st.text(max_size=400)), min_size=1, max_size=8),
    title=st.one_of(st.none(), st.text(max_size=80)),
    score=st.one_of(st.none(), st.integers(-1000, 10**7)),
    ratio=st.one_of(st.none(), st.floats(0, 1)),
)
def test_scorer_is_total_and_deterministic(bodies, title, score, ratio) -> None:
    n = len(bodies)
    raw = _raw(
        texts_to_series(bodies).to_list(),
        titles=texts_to_series([title] * n).to_list(),
        score=[score] * n,
        ratio=[ratio] * n,
        comments=[None] * n,
    )
    a = score_posts(raw)
    b = score_posts(raw)
    assert a.equals(b)
    assert a.height == n
    assert a["quality_score"].is_between(0, 100).all()
    assert a["sentiment"].is_between(-1, 1).all()
    assert (a["tickers"].list.len() == a["ticker_sentiment"].list.len()).all()


def test_attribution_when_emoji_end_a_sentence() -> None:
    # the emoji rewrite puts a space after "!"; the sentence still ends after the emoji
    row = score_posts(_raw(["GME to the moon!🚀🚀 AMC is going down"])).row(0, named=True)
    ts = dict(zip(row["tickers"], row["ticker_sentiment"], strict=True))
    assert ts["GME"] > 0 > ts["AMC"]

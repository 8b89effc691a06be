"""Great Expectations suites: clean data passes, planted bad rows fail by name and count."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import polars as pl
import pytest

from tft_assets.schemas import RAW_POSTS_SCHEMA, RAW_PRICES_SCHEMA
from tft_assets.validation.expectations import (
    SUITES,
    GxResult,
    expectation_names,
    validate_with_gx,
)

pytest.importorskip("great_expectations")

N = 200


def clean_prices(n: int = N) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    close = rng.uniform(5, 100, n)
    return pl.DataFrame(
        {
            "date": [dt.date(2024, 1, 1) + dt.timedelta(days=i // 4) for i in range(n)],
            "ticker": [f"T{i % 4}" for i in range(n)],
            "open": close * 0.99,
            "high": close * 1.02,
            "low": close * 0.97,
            "close": close,
            "adj_close": close,
            "volume": rng.integers(0, 10**6, n),
            "split_ratio": np.ones(n),
            "source": ["demo"] * n,
        },
        schema=RAW_PRICES_SCHEMA,
    )


def clean_posts(n: int = N) -> pl.DataFrame:
    base = dt.datetime(2024, 1, 2, 14, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "kind": ["submission" if i % 3 else "comment" for i in range(n)],
            "parent_id": [None if i % 3 else "p1" for i in range(n)],
            "subreddit": ["wallstreetbets"] * n,
            "author_hash": ["ab" * 32 if i % 5 else None for i in range(n)],
            "created_utc": [base + dt.timedelta(minutes=i) for i in range(n)],
            "title": [f"GME {i}" for i in range(n)],
            "body": ["to the moon"] * n,
            "url": [None] * n,
            "canonical_url": [None] * n,
            "score": [i - 50 for i in range(n)],  # negative scores are normal on Reddit
            "upvote_ratio": [0.5 + (i % 50) / 100 for i in range(n)],
            "num_comments": [i % 9 for i in range(n)],
            "source": ["demo"] * n,
        },
        schema=RAW_POSTS_SCHEMA,
    )


def failed(result: GxResult) -> dict[str, int | None]:
    return {f.name: f.unexpected_count for f in result.failed}


@pytest.mark.parametrize(
    ("suite", "frame"), [("raw_prices", clean_prices), ("raw_posts", clean_posts)]
)
def test_clean_data_passes(suite, frame):
    result = validate_with_gx(frame(), suite)
    assert result.success, result.to_metadata()
    assert result.failed == ()
    assert result.evaluated == len(expectation_names(suite))
    assert result.row_count == N


def test_planted_bad_prices_fail_with_names_and_counts():
    df = clean_prices()
    idx = pl.int_range(pl.len())
    bad = df.with_columns(
        # rows 0-2: high below low (and below open/close)
        high=pl.when(idx < 3).then(pl.col("low") * 0.5).otherwise(pl.col("high")),
        # rows 10-11: negative volume
        volume=pl.when(idx.is_between(10, 11)).then(-1).otherwise(pl.col("volume")),
        # row 20: zero close; row 21: null open
        close=pl.when(idx == 20).then(0.0).otherwise(pl.col("close")),
        open=pl.when(idx == 21).then(None).otherwise(pl.col("open")),
    )
    bad = pl.concat([bad, bad.slice(30, 2)])  # two duplicate (ticker, date) pairs
    result = validate_with_gx(bad, "raw_prices")
    assert not result.success
    got = failed(result)
    assert got["high_ge_low"] == 3
    assert got["high_ge_open"] == 3  # row 21's null open is ignored by the pair rule
    assert got["high_ge_close"] == 3
    assert got["volume_non_negative"] == 2
    assert got["close_positive"] == 1
    assert got["open_not_null"] == 1
    assert got["ticker_date_unique"] == 4  # both copies of each duplicated pair
    assert "low_positive" not in got and "split_ratio_positive" not in got
    assert {f.name for f in result.blocking_failed} >= {"high_ge_low", "volume_non_negative"}
    meta = result.to_metadata()
    assert meta["failed"]["volume_non_negative"]["examples"] == ["-1", "-1"]


def test_planted_bad_posts_fail_with_names_and_counts():
    df = clean_posts()
    idx = pl.int_range(pl.len())
    bad = df.with_columns(
        post_id=pl.when(idx == 0).then(None).otherwise(pl.col("post_id")),
        created_utc=pl.when(idx.is_between(1, 2)).then(None).otherwise(pl.col("created_utc")),
        kind=pl.when(idx == 3).then(pl.lit("link")).otherwise(pl.col("kind")),
        upvote_ratio=pl.when(idx == 4).then(1.5).otherwise(pl.col("upvote_ratio")),
        author_hash=pl.when(idx == 6).then(pl.lit("alice")).otherwise(pl.col("author_hash")),
        body=pl.when(idx == 7).then(pl.lit("x" * 40_001)).otherwise(pl.col("body")),
        num_comments=pl.when(idx == 8).then(-2).otherwise(pl.col("num_comments")),
    )
    bad = pl.concat([bad, bad.slice(50, 1)])
    result = validate_with_gx(bad, "raw_posts")
    got = failed(result)
    assert got == {
        "post_id_not_null": 1,
        "post_id_unique": 2,
        "created_utc_not_null": 2,
        "kind_in_set": 1,
        "upvote_ratio_in_0_1": 1,
        "author_hash_is_hmac_hex": 1,
        "body_length": 1,
        "num_comments_non_negative": 1,
    }


def test_schema_drift_is_caught():
    df = clean_prices().with_columns(pl.col("volume").cast(pl.Float64)).drop("split_ratio")
    result = validate_with_gx(df, "raw_prices")
    got = failed(result)
    assert "columns_match" in got and "schema_dtypes" in got
    dtype = next(f for f in result.failed if f.name == "schema_dtypes")
    assert "volume" in dtype.observed


def test_unknown_suite_is_a_one_line_error():
    with pytest.raises(ValueError, match="unknown GX suite"):
        validate_with_gx(clean_prices(), "raw_bananas")
    assert set(SUITES) == {"raw_posts", "raw_prices"}


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tmp_path))
    validate_with_gx(clean_prices(), "raw_prices")
    validate_with_gx(clean_posts(), "raw_posts")
    assert set(os.listdir(tmp_path)) == before
    assert not (tmp_path / "gx").exists() and not (tmp_path / "great_expectations").exists()

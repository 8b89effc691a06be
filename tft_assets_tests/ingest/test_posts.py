import datetime as dt
import json

import polars as pl
import pytest

from tft_assets.ingest import MAX_TEXT_CHARS, canonical_url_expr, hash_authors, ingest_posts
from tft_assets.ingest.privacy import hmac_hex
from tft_assets.schemas import RAW_POSTS_SCHEMA

UTC = dt.UTC
NOON = dt.datetime(2024, 1, 2, 17, 0, tzinfo=UTC)  # 12:00 ET


def _posts(**cols) -> pl.DataFrame:
    n = len(next(iter(cols.values())))
    base = {
        "post_id": [f"p{i}" for i in range(n)],
        "kind": ["submission"] * n,
        "author": [f"user{i}" for i in range(n)],
        "created_utc": [NOON + dt.timedelta(minutes=i) for i in range(n)],
        "title": [f"title {i}" for i in range(n)],
        "body": [f"body {i}" for i in range(n)],
        "url": [f"https://reddit.com/r/wsb/comments/p{i}" for i in range(n)],
    }
    base.update(cols)
    return pl.DataFrame(base, schema_overrides={"created_utc": pl.Datetime("us", "UTC")})


def test_clean_rows_kept_with_contract_schema():
    res = ingest_posts(_posts(post_id=["a", "b", "c"]), ["2024-01-02"], author_salt="k")
    out = res.partitions["2024-01-02"]
    assert out.height == 3 and res.quarantined_rows == 0
    assert dict(out.schema) == RAW_POSTS_SCHEMA
    assert "author" not in out.columns


@pytest.mark.parametrize(
    ("column", "bad_value", "reason"),
    [
        ("post_id", None, "missing post_id"),
        ("post_id", "  ", "missing post_id"),
        ("post_id", "a b", "invalid post_id"),
        ("post_id", "line\nbreak", "invalid post_id"),
        ("post_id", "x" * 101, "invalid post_id"),
        ("post_id", "{}", "invalid post_id"),
        ("created_utc", None, "missing or unparsable created_utc"),
        ("body", "x" * (MAX_TEXT_CHARS + 1), "oversized text"),
        ("title", "y" * (MAX_TEXT_CHARS + 5), "oversized text"),
        ("created_utc", dt.datetime(2024, 1, 4, 12, tzinfo=UTC), "created_utc outside"),
    ],
)
def test_invalid_rows_quarantined_with_reason(column, bad_value, reason):
    rows = _posts(post_id=["a", "b", "c"])
    values = rows.get_column(column).to_list()
    values[1] = bad_value
    rows = rows.with_columns(pl.Series(column, values, dtype=rows.schema[column]))
    res = ingest_posts(rows, ["2024-01-02"], author_salt="k")
    q = res.quarantine["2024-01-02"]
    assert res.kept_rows == 2 and q.height == 1
    assert q.item(0, "reason").startswith(reason)
    record = json.loads(q.item(0, "record"))
    assert "author" not in record and record["author_hash"] == hmac_hex("k", "user1")


def test_duplicates_by_id_and_canonical_url_are_quarantined_not_lost():
    rows = _posts(
        post_id=["a", "a", "b", "c"],
        url=[
            "https://www.reddit.com/r/wsb/comments/x1/t/?utm_source=share",
            "https://www.reddit.com/r/wsb/comments/x1/t/",
            "http://old.reddit.com/r/wsb/comments/x1/t",
            "https://example.com/news#frag",
        ],
    )
    res = ingest_posts(rows, ["2024-01-02"], author_salt="k")
    assert res.partitions["2024-01-02"].get_column("post_id").to_list() == ["a", "c"]
    q = res.quarantine["2024-01-02"]
    # the reason is a category (GROUP BY reason counts kinds); the particulars are the detail
    assert q.get_column("reason").to_list() == ["duplicate post_id", "duplicate canonical_url"]
    assert q.get_column("detail").to_list() == ["a", "first seen as post a"]
    assert res.stats["rows_in"] == res.stats["rows_kept"] + res.stats["rows_quarantined"]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://www.reddit.com/r/wsb/comments/ab/x/?utm_source=share&utm_medium=web",
            "reddit.com/r/wsb/comments/ab/x",
        ),
        ("http://old.reddit.com/r/wsb/comments/ab/x/", "reddit.com/r/wsb/comments/ab/x"),
        ("HTTPS://NP.Reddit.com/r/WSB/comments/ab/x#c1", "reddit.com/r/wsb/comments/ab/x"),
        ("https://example.com/a?b=1", "example.com/a"),
    ],
)
def test_canonical_url(url, canonical):
    assert pl.DataFrame({"url": [url]}).select(canonical_url_expr()).item() == canonical


def test_rows_split_by_new_york_calendar_day():
    late = dt.datetime(2024, 1, 3, 4, 30, tzinfo=UTC)  # 23:30 ET on Jan 2
    early = dt.datetime(2024, 1, 3, 5, 30, tzinfo=UTC)  # 00:30 ET on Jan 3
    res = ingest_posts(
        _posts(created_utc=[late, early]), ["2024-01-02", "2024-01-03"], author_salt="k"
    )
    assert res.partitions["2024-01-02"].height == 1 and res.partitions["2024-01-03"].height == 1


def test_every_key_gets_a_frame_even_when_empty():
    res = ingest_posts(_posts(post_id=["a"]), ["2024-01-01", "2024-01-02"], author_salt="k")
    assert res.partitions["2024-01-01"].height == 0
    assert dict(res.partitions["2024-01-01"].schema) == RAW_POSTS_SCHEMA


def test_author_hash_is_keyed_hmac_and_deleted_authors_are_null():
    hashed = hash_authors(pl.Series(["alice", "bob", "alice", None, "[deleted]"]), "salt-1")
    assert hashed[0] == hashed[2] == hmac_hex("salt-1", "alice")
    assert hashed[0] != hash_authors(pl.Series(["alice"]), "salt-2")[0]
    assert hashed[3] is None and hashed[4] is None
    assert len(hashed[1]) == 64 and "bob" not in hashed[1]


def test_empty_salt_refused():
    with pytest.raises(ValueError, match="salt"):
        hash_authors(pl.Series(["a"]), "")


def test_ingest_is_deterministic_regardless_of_input_order():
    rows = _posts(post_id=[f"p{i}" for i in range(20)])
    a = ingest_posts(rows, ["2024-01-02"], author_salt="k").partitions["2024-01-02"]
    b = ingest_posts(rows.reverse(), ["2024-01-02"], author_salt="k").partitions["2024-01-02"]
    assert a.equals(b)


def test_a_post_dated_after_the_last_partition_is_in_the_future():
    rows = _posts(created_utc=[NOON, dt.datetime(2200, 1, 2, 17, tzinfo=UTC)])
    res = ingest_posts(rows, ["2024-01-02"], author_salt="k", last_partition="2026-01-01")
    q = res.quarantine["2024-01-02"]
    assert res.kept_rows == 1
    assert q.rows() == [
        (
            "raw_posts",
            "2024-01-02",
            "after the last partition (in the future)",
            "2200-01-02",
            q.item(0, "record"),
        )
    ]

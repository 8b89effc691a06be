"""Archive posts: every format maps to the contract; dumps stream in bounded memory."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tracemalloc

import polars as pl
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from tft_assets.schemas import ARCHIVE_POSTS_SCHEMA, SOURCE_POSTS_SCHEMA
from tft_assets.sources.archive import (
    ARCHIVE_COLUMN_MAPPING,
    DERIVED_ID_PREFIX,
    REDDIT_JSON_FIELDS,
    ArchivePostsSource,
    ArchiveStats,
    archive_mapping_markdown,
    detect_format,
    iter_posts_file,
    read_posts_file,
    reddit_json_to_contract,
)
from tft_assets.sources.archive.formats import csv_format
from tft_assets.sources.base import PostsSource
from tft_assets_tests.conftest import real_file

UTC = dt.UTC


def _assert_contract(df: pl.DataFrame, schema: dict = ARCHIVE_POSTS_SCHEMA) -> None:
    """Archive readers give the contract plus ``parse_error``; the mapping alone, the contract."""
    assert list(df.schema.items()) == list(schema.items())


SUBMISSION = {
    "id": "abc123",
    "name": "t3_abc123",
    "subreddit": "wallstreetbets",
    "author": "alice",
    "created_utc": 1611700000,
    "title": "GME YOLO",
    "selftext": "all in",
    "url": "https://www.reddit.com/r/wallstreetbets/comments/abc123/gme_yolo/",
    "permalink": "/r/wallstreetbets/comments/abc123/gme_yolo/",
    "score": -4,
    "upvote_ratio": 0.42,
    "num_comments": 12,
    "all_awardings": [{"name": "gold", "count": 1}],
    "media": None,
}
COMMENT = {
    "id": "c1",
    "link_id": "t3_abc123",
    "parent_id": "t1_c0",
    "subreddit": "wallstreetbets",
    "author": "bob",
    "created_utc": "1611700100",
    "body": "to the moon",
    "permalink": "/r/wallstreetbets/comments/abc123/gme_yolo/c1/",
    "score": "7",
}


def _write_ndjson(path, records, compression=None):
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    if compression == "zst":
        data = zstandard.ZstdCompressor().compress(data)
    elif compression == "gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "compression"),
    [("dump.ndjson", None), ("dump.jsonl.gz", "gz"), ("RS_2021-01.zst", "zst")],
)
def test_ndjson_submissions_and_comments_map_to_contract(tmp_path, name, compression):
    path = _write_ndjson(tmp_path / name, [SUBMISSION, COMMENT], compression)
    assert detect_format(path) == "reddit_ndjson"
    df = read_posts_file(path)
    _assert_contract(df)
    sub, com = df.row(0, named=True), df.row(1, named=True)
    assert sub["post_id"] == "abc123" and sub["kind"] == "submission" and sub["parent_id"] is None
    assert sub["created_utc"] == dt.datetime(2021, 1, 26, 22, 26, 40, tzinfo=UTC)
    assert (sub["title"], sub["body"], sub["score"], sub["upvote_ratio"], sub["num_comments"]) == (
        "GME YOLO",
        "all in",
        -4,
        0.42,
        12,
    )
    assert sub["source"] == f"archive:{name}"
    # comment: string epoch, t3_ stripped from link_id (the submission, not the t1_ parent)
    assert com["kind"] == "comment" and com["parent_id"] == "abc123"
    assert com["created_utc"] == dt.datetime(2021, 1, 26, 22, 28, 20, tzinfo=UTC)
    assert com["body"] == "to the moon" and com["title"] is None and com["score"] == 7
    assert com["url"] == "https://www.reddit.com/r/wallstreetbets/comments/abc123/gme_yolo/c1/"
    assert com["author"] == "bob"


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (1611700000, dt.datetime(2021, 1, 26, 22, 26, 40, tzinfo=UTC)),
        ("1611700000", dt.datetime(2021, 1, 26, 22, 26, 40, tzinfo=UTC)),
        (1611700000.5, dt.datetime(2021, 1, 26, 22, 26, 40, 500000, tzinfo=UTC)),
        (1611700000123, dt.datetime(2021, 1, 26, 22, 26, 40, 123000, tzinfo=UTC)),  # ms
        ("2021-01-26T22:26:40Z", dt.datetime(2021, 1, 26, 22, 26, 40, tzinfo=UTC)),
        ("2021-01-26 17:26:40-05:00", dt.datetime(2021, 1, 26, 22, 26, 40, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
        ("", None),
    ],
)
def test_created_utc_parsing(tmp_path, created, expected):
    path = _write_ndjson(tmp_path / "one.ndjson", [{**SUBMISSION, "created_utc": created}])
    assert read_posts_file(path)["created_utc"][0] == expected


def test_malformed_lines_become_idless_rows_not_lost(tmp_path):
    path = tmp_path / "RC_broken.ndjson"
    path.write_text(
        json.dumps(COMMENT) + "\n{not json\n\n" + json.dumps({**COMMENT, "id": "c2"}) + "\n[1, 2]\n"
    )
    stats = ArchiveStats()
    df = read_posts_file(path, stats=stats)
    assert stats.malformed_lines == 2
    assert df.height == 4  # in the file's order; the blank line is no row
    assert df["post_id"].to_list() == ["c1", None, "c2", None]
    bad = df.filter(pl.col("post_id").is_null())
    assert bad["body"].to_list() == ["{not json", "[1, 2]"]
    assert df.filter(pl.col("post_id").is_not_null())["parse_error"].is_null().all()
    errors = dict(zip(bad["body"], bad["parse_error"], strict=True))
    assert errors["{not json"].startswith("malformed JSON: Expecting property name")
    assert errors["[1, 2]"] == "malformed JSON: a JSON list, not an object"


def test_a_malformed_line_is_quarantined_as_malformed_json(tmp_path):
    from tft_assets.ingest.posts import ingest_posts

    path = tmp_path / "RC_broken.ndjson"
    good = {**COMMENT, "created_utc": 1704200000}  # 2024-01-02 in New York
    path.write_text(json.dumps(good) + "\n{not json\n")
    res = ingest_posts(read_posts_file(path), ["2024-01-02"], author_salt="k")
    assert res.partitions["2024-01-02"]["post_id"].to_list() == ["c1"]
    q = res.quarantine["2024-01-02"]
    assert q["reason"].to_list() == ["malformed JSON"]
    assert q["detail"][0].startswith("Expecting property name")
    assert json.loads(q["record"][0])["body"] == "{not json"
    assert res.stats["quarantined[malformed JSON]"] == 1
    assert "parse_error" not in res.partitions["2024-01-02"].columns


def test_kaggle_csv(tmp_path):
    path = tmp_path / "reddit_wsb.csv"
    pl.DataFrame(
        {
            "title": ["GME", "Crosspost"],
            "score": ["55", "-3"],
            "id": ["l6ulcx", "x9"],
            "url": [
                "https://www.reddit.com/r/wallstreetbets/comments/l6ulcx/gme/",
                "https://www.reddit.com/r/pcgaming/comments/zz1/other/",
            ],
            "comms_num": ["6", "0"],
            "created": ["1611862661.0", "oops"],
            "body": ["text", None],
            "timestamp": ["2021-01-28 21:37:41", "2021-01-28 21:37:41"],
        }
    ).write_csv(path)
    assert detect_format(path) == "kaggle_csv"
    df = read_posts_file(path)
    _assert_contract(df)
    assert df["created_utc"].to_list() == [dt.datetime(2021, 1, 28, 19, 37, 41, tzinfo=UTC), None]
    assert df["subreddit"].to_list() == ["wallstreetbets", None]  # a cross-post is not ours
    assert df["score"].to_list() == [55, -3]
    assert df["num_comments"].to_list() == [6, 0]
    assert df["kind"].unique().to_list() == ["submission"]


def test_daily_normalized_csv_stamps_end_of_new_york_day(tmp_path):
    path = tmp_path / "100days.csv"
    pl.DataFrame(
        {
            "id": ["a1", "a2"],
            "date": ["2021-01-06", "2021-03-14"],  # the second is a DST switch day
            "day_epoch_est_midnight": ["1609909200", "1615698000"],
            "title_normalized": ["gme", "amc"],
            "body_normalized": ["x", "y"],
            "flair": ["YOLO", "DD"],
            "score": ["15", "9"],
            "upvote_ratio": ["1.0", "0.8"],
            "num_comments": ["290", "60"],
            "url": ["https://www.reddit.com/r/wallstreetbets/comments/a1/t/", ""],
            "ticker_auto": [None, "AMC"],
        }
    ).write_csv(path)
    df = read_posts_file(path)
    _assert_contract(df)
    assert df["created_utc"].to_list() == [
        dt.datetime(2021, 1, 7, 4, 59, 59, tzinfo=UTC),  # 23:59:59 EST
        dt.datetime(2021, 3, 15, 3, 59, 59, tzinfo=UTC),  # 23:59:59 EDT
    ]
    assert df["upvote_ratio"].to_list() == [1.0, 0.8]


def test_ticker_search_comments_get_deterministic_content_ids(tmp_path):
    path = tmp_path / "AG_comments.csv.gz"
    csv = (
        "ticker_query,created_utc,body\n"
        'AG,2020-08-01 00:18:10,"multi\nline"\n'
        'BBBY,2020-08-01 00:18:10,"multi\nline"\n'
        "AG,2020-08-01 01:00:00,other\n"
    )
    path.write_bytes(gzip.compress(csv.encode()))
    assert detect_format(path) == "ticker_search_comments_csv"
    first = read_posts_file(path, subreddit="wallstreetbets")
    again = read_posts_file(path, subreddit="wallstreetbets")
    _assert_contract(first)
    ids = first["post_id"].to_list()
    assert ids == again["post_id"].to_list()
    assert all(
        i.startswith(DERIVED_ID_PREFIX) and len(i) == len(DERIVED_ID_PREFIX) + 16 for i in ids
    )
    assert ids[0] == ids[1] != ids[2]  # same comment found by two queries -> same id
    assert first["created_utc"][0] == dt.datetime(2020, 8, 1, 0, 18, 10, tzinfo=UTC)
    assert first["subreddit"].to_list() == ["wallstreetbets"] * 3
    assert first["parent_id"].is_null().all() and (first["kind"] == "comment").all()


@pytest.mark.parametrize(
    ("undated", "expected"),
    [("null", None), ("window_end", dt.datetime(2021, 1, 25, 4, 59, 59, tzinfo=UTC))],
)
def test_window_exports_have_no_timestamps_unless_asked(tmp_path, undated, expected):
    subs = tmp_path / "subs.csv"
    subs.write_text(
        "query_keyword,window_start,window_end,id,title,selftext,num_comments,link,subreddit\n"
        "GME,2021-01-18,2021-01-24,kzocqo,GME?,[removed],13,https://x/,wallstreetbets\n"
    )
    coms = tmp_path / "coms.csv"
    coms.write_text(
        "query_keyword,window_start,window_end,parent_id,id,body\n"
        "GME,2021-01-18,2021-01-24,t1_gjp011n,gjp1bj9,[deleted]\n"
    )
    assert detect_format(subs) == "window_submissions_csv"
    assert detect_format(coms) == "window_comments_csv"
    s = read_posts_file(subs, undated=undated)
    c = read_posts_file(coms, undated=undated)
    _assert_contract(s)
    _assert_contract(c)
    assert s["created_utc"][0] == expected and c["created_utc"][0] == expected
    assert s.row(0, named=True)["body"] == "[removed]" and s["num_comments"][0] == 13
    assert c.row(0, named=True)["parent_id"] == "gjp011n" and c["kind"][0] == "comment"


def test_parquet_contract_and_reddit_fields(tmp_path):
    contract = read_posts_file(_write_ndjson(tmp_path / "a.ndjson", [SUBMISSION, COMMENT]))
    contract.drop("source").write_parquet(tmp_path / "contract.parquet")
    assert detect_format(tmp_path / "contract.parquet") == "contract_parquet"
    back = read_posts_file(tmp_path / "contract.parquet")
    assert back.drop("source").equals(contract.drop("source"))
    assert back["source"].unique().to_list() == ["archive:contract.parquet"]

    pl.DataFrame([COMMENT]).write_parquet(tmp_path / "comments.parquet")
    assert detect_format(tmp_path / "comments.parquet") == "reddit_parquet"
    mapped = read_posts_file(tmp_path / "comments.parquet")
    _assert_contract(mapped)
    assert mapped.row(0, named=True)["parent_id"] == "abc123"


def test_unknown_layout_and_missing_file_fail_with_one_line(tmp_path):
    bad = tmp_path / "prices.csv"
    bad.write_text("ticker,close\nGME,1\n")
    with pytest.raises(ValueError, match="unrecognised archive layout") as err:
        detect_format(bad)
    assert "\n" not in str(err.value)
    with pytest.raises(FileNotFoundError):
        read_posts_file(tmp_path / "nope.zst")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            {"title", "score", "id", "url", "comms_num", "created", "body", "timestamp"},
            "kaggle_csv",
        ),
        ({"id", "date", "day_epoch_est_midnight", "title_normalized"}, "daily_normalized_csv"),
        ({"ticker_query", "created_utc", "body"}, "ticker_search_comments_csv"),
        # an id column makes a search export a Reddit-style CSV
        ({"ticker_query", "created_utc", "body", "id"}, "reddit_csv"),
        ({"window_start", "window_end", "id", "title", "selftext"}, "window_submissions_csv"),
        ({"window_start", "window_end", "id", "parent_id", "body"}, "window_comments_csv"),
        ({"id", "created_utc", "selftext"}, "reddit_csv"),
        ({"ticker", "close"}, None),
    ],
)
def test_csv_layout_is_the_first_rule_the_header_meets(header, expected):
    assert csv_format(header) == expected


def test_mapping_table_covers_every_column_and_format():
    table = archive_mapping_markdown()
    for col in SOURCE_POSTS_SCHEMA:
        if col != "source":
            assert f"`{col}`" in table
    for fmt, mapping in ARCHIVE_COLUMN_MAPPING.items():
        if fmt != "contract_parquet":
            assert set(mapping) == set(SOURCE_POSTS_SCHEMA) - {"source"}, fmt


def test_archive_source_filters_window_and_explains(tmp_path):
    inside = {**SUBMISSION, "id": "in1", "created_utc": 1611700000}
    outside = {**SUBMISSION, "id": "out1", "created_utc": 1611000000}
    undated = {**SUBMISSION, "id": "nodate", "created_utc": None}
    _write_ndjson(tmp_path / "RS_a.ndjson", [inside, outside, undated])
    _write_ndjson(tmp_path / "RS_b.ndjson", [outside])
    source = ArchivePostsSource(str(tmp_path / "RS_*.ndjson"))
    assert isinstance(source, PostsSource)
    fetched = source.fetch_posts(
        dt.datetime(2021, 1, 26, tzinfo=UTC), dt.datetime(2021, 1, 27, tzinfo=UTC)
    )
    assert fetched.frame["post_id"].to_list() == ["in1"]
    assert "1 rows without a timestamp skipped" in fetched.notes["RS_a.ndjson"]
    assert "no rows in" in fetched.notes["RS_b.ndjson"]


# ---------------------------------------------------------------------------------------------
# A large .zst dump streams in bounded memory
# ---------------------------------------------------------------------------------------------

N_DUMP_LINES = 200_000


@pytest.fixture(scope="module")
def zst_dump(tmp_path_factory):
    path = tmp_path_factory.mktemp("dump") / "wallstreetbets_comments.zst"
    base = 1_600_000_000
    filler = "x" * 200
    cctx = zstandard.ZstdCompressor(level=1)
    raw_bytes = 0
    with open(path, "wb") as fh, cctx.stream_writer(fh) as writer:
        for start in range(0, N_DUMP_LINES, 10_000):
            lines = "".join(
                f'{{"id":"c{i}","link_id":"t3_s{i % 997}","parent_id":"t3_s{i % 997}",'
                f'"author":"u{i % 101}","subreddit":"wallstreetbets","created_utc":{base + i},'
                f'"body":"GME {i} {filler}","score":{i % 50 - 5},"extra":{{"k":[1,2]}}}}\n'
                for i in range(start, start + 10_000)
            ).encode()
            raw_bytes += len(lines)
            writer.write(lines)
    return path, raw_bytes


def test_zst_dump_streams_with_bounded_memory(zst_dump):
    path, raw_bytes = zst_dump
    stats = ArchiveStats()
    tracemalloc.start()
    try:
        rows = 0
        comments = 0
        last_created = None
        for batch in iter_posts_file(path, batch_rows=10_000, stats=stats):
            rows += batch.height
            comments += int((batch["kind"] == "comment").sum())
            last_created = batch["created_utc"][-1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == N_DUMP_LINES and comments == N_DUMP_LINES
    assert stats.batches >= N_DUMP_LINES // 11_000  # really batched, not read whole
    assert stats.bytes_read == raw_bytes
    assert last_created == dt.datetime.fromtimestamp(1_600_000_000 + N_DUMP_LINES - 1, UTC)
    assert peak < raw_bytes / 4, f"peak traced {peak / 1e6:.1f} MB vs {raw_bytes / 1e6:.1f} MB"


# ---------------------------------------------------------------------------------------------
# The real exports in ../shared/data/real
# ---------------------------------------------------------------------------------------------

REAL_POSTS = [
    # file, format, rows, distinct ids, rows with a timestamp, kind
    (
        "wsb_posts_2022-01-18_to_2022-01-21_kaggle_format_jcp650.csv.gz",
        "kaggle_csv",
        1_892,
        1_892,
        1_892,
        "submission",
    ),
    (
        "wsb_posts_2021-01-06_to_2021-04-04_fryingpannn.csv.gz",
        "daily_normalized_csv",
        3_275,
        3_275,
        3_275,
        "submission",
    ),
    (
        "wsb_comments_ticker_search_2020-08_to_2021-01_lilfetz22.csv.gz",
        "ticker_search_comments_csv",
        16_142,
        None,
        16_142,
        "comment",
    ),
    (
        "wsb_gme_search_2021-01-18_to_2021-02-02_acatsama_submissions.csv.gz",
        "window_submissions_csv",
        800,
        793,
        0,
        "submission",
    ),
    (
        "wsb_gme_search_2021-01-18_to_2021-02-02_acatsama_comments.csv.gz",
        "window_comments_csv",
        7_203,
        6_999,
        0,
        "comment",
    ),
]


@pytest.mark.parametrize(("name", "fmt", "rows", "distinct", "dated", "kind"), REAL_POSTS)
def test_real_exports_import_to_contract(name, fmt, rows, distinct, dated, kind):
    path = real_file(name)
    stats = ArchiveStats()
    df = read_posts_file(path, stats=stats)
    _assert_contract(df)
    assert stats.format == fmt
    assert df.height == rows
    assert df["post_id"].null_count() == 0
    if distinct is not None:
        assert df["post_id"].n_unique() == distinct
    assert df["created_utc"].drop_nulls().len() == dated
    assert df["kind"].unique().to_list() == [kind]
    assert df["source"].unique().to_list() == [f"archive:{name}"]


def test_real_kaggle_timestamps_are_utc_epochs():
    df = read_posts_file(
        real_file("wsb_posts_2022-01-18_to_2022-01-21_kaggle_format_jcp650.csv.gz")
    )
    assert df["created_utc"].min() == dt.datetime(2022, 1, 18, 18, 45, 23, tzinfo=UTC)
    assert df["created_utc"].max() == dt.datetime(2022, 1, 21, 19, 8, 37, tzinfo=UTC)
    assert df["score"].min() == -7 and df["score"].max() == 47_887


def test_real_ticker_search_duplicates_share_ids():
    df = read_posts_file(
        real_file("wsb_comments_ticker_search_2020-08_to_2021-01_lilfetz22.csv.gz")
    )
    assert df["created_utc"].min() == dt.datetime(2020, 8, 1, 0, 18, 10, tzinfo=UTC)
    assert df["created_utc"].max() == dt.datetime(2021, 1, 31, 23, 59, 28, tzinfo=UTC)
    # Rows with the same (created_utc, body) found by several ticker queries share an id.
    assert df["post_id"].n_unique() == df.select("created_utc", "body").n_unique()


def test_csv_with_byte_order_mark_and_empty_dump(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        "\ufeffticker_query,created_utc,body\nAG,2020-08-01 00:18:10,hi\n".encode("utf-8")
    )
    assert detect_format(path) == "ticker_search_comments_csv"
    assert read_posts_file(path)["body"].to_list() == ["hi"]
    empty = tmp_path / "RS_empty.zst"
    empty.write_bytes(zstandard.ZstdCompressor().compress(b""))
    df = read_posts_file(empty)
    assert df.height == 0
    _assert_contract(df)


def test_a_csv_with_a_quote_that_never_closes_fails_in_one_line_naming_it(tmp_path):
    path = tmp_path / "unterminated.csv"
    path.write_text(
        "id,title,body,score,created_utc\nabc,ok,fine,1,1700000000\n"
        'xyz,"hello,world,2,1700000000\nqqq,ok,fine,3,1700000100\n'
    )
    with pytest.raises(ValueError, match=r"^unterminated.csv: not a readable CSV \(line 3: "):
        read_posts_file(path)


_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({}, optional=dict.fromkeys(REDDIT_JSON_FIELDS, _values)), max_size=8
    )
)
def test_any_reddit_record_maps_without_error_and_keeps_every_row(records):
    raw = pl.DataFrame(
        {
            f: [None if r.get(f) is None else str(r.get(f)) for r in records]
            for f in REDDIT_JSON_FIELDS
        },
        schema=dict.fromkeys(REDDIT_JSON_FIELDS, pl.String),
    )
    out = reddit_json_to_contract(raw, source="archive:x")
    _assert_contract(out, SOURCE_POSTS_SCHEMA)
    assert out.height == len(records)
    assert set(out["kind"].to_list()) <= {"submission", "comment"}


@pytest.mark.parametrize("name", ["junk.csv", "junk.ndjson", "junk.txt"])
def test_a_binary_file_is_one_line_naming_the_file(tmp_path, name):
    import random

    path = tmp_path / name
    path.write_bytes(bytes(random.Random(3).randrange(256) for _ in range(4000)) + b"\x00\n")
    with pytest.raises(ValueError, match=rf"^{name}: line 1 is binary, not text"):
        detect_format(path)

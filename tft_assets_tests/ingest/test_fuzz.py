"""Fuzzing ingestion: 10,000 generated posts and 10,000 bars, good and malformed, through the
row validation, every reader format, the import commands and the ingestion assets.

Each path must not crash, keep every good row (count, identity and text), and quarantine every
bad row under the reason category the generator expects (``kept + quarantined == rows in``);
a file no reader can take fails in one line naming the file (and the line, where there is one).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from tft_assets.ingest import IngestResult, ingest_posts, ingest_prices
from tft_assets.ingest.inbox import import_window
from tft_assets.sources.archive import read_posts_file
from tft_assets.sources.files import prices_contract, read_prices_file
from tft_assets.sources.reddit_json import reddit_json_to_contract
from tft_assets_tests.ingest import fuzz
from tft_assets_tests.ingest.fuzz import KEPT, FuzzRow

N_ROWS = 10_000
SEED = 20240301
#: A last partition for the runs that call ingestion directly (the assets use today's).
LAST_KEY = (fuzz.FUTURE_FROM - dt.timedelta(days=1)).isoformat()
SALT = "fuzz-salt"


# ---------------------------------------------------------------------------------------------
# Checking a result against the rows' fates
# ---------------------------------------------------------------------------------------------


def _observed_fates(result: IngestResult) -> dict[str, int]:
    counts = Counter({KEPT: result.kept_rows}) if result.kept_rows else Counter()
    for frame in result.quarantine.values():
        assert frame["reason"].null_count() == 0
        assert (frame["reason"].str.strip_chars() != "").all()
        counts.update(frame["reason"].to_list())
    return dict(sorted(counts.items()))


def _kept_posts(result: IngestResult) -> pl.DataFrame:
    return pl.concat(list(result.partitions.values()), how="vertical")


def _blank_to_none(text: str | None) -> str | None:
    return None if text == "" else text


def check_posts(kept: pl.DataFrame, fates: dict[str, int], rows: Sequence[FuzzRow], *,
                blank_is_null: bool = False) -> None:  # fmt: skip
    """Every row where the generator says: fates by category, kept ids, kept texts."""
    assert fates == fuzz.expected_counts(rows)
    assert sorted(kept["post_id"].to_list()) == fuzz.kept_keys(rows)
    texts = dict(zip(kept["post_id"].to_list(), kept["body"].to_list(), strict=True))
    for row in rows:
        if row.fate == KEPT and row.line is None:
            want = _blank_to_none(row.text) if blank_is_null else row.text
            got = _blank_to_none(texts[row.key]) if blank_is_null else texts[row.key]
            assert got == want, (row.case, row.key)
    days = kept.select(
        pl.col("created_utc").dt.convert_time_zone("America/New_York").dt.date().cast(pl.String)
    ).to_series()
    assert sorted(days.to_list()) == sorted(r.day for r in rows if r.fate == KEPT)


def check_prices(kept: pl.DataFrame, fates: dict[str, int], rows: Sequence[FuzzRow]) -> None:
    assert fates == fuzz.expected_counts(rows)
    keys = kept.select(pl.concat_str("ticker", pl.col("date").cast(pl.String), separator="|"))
    assert sorted(keys.to_series().to_list()) == fuzz.kept_keys(rows)
    by_key = {f"{r['ticker']}|{r['date']}": r for r in kept.iter_rows(named=True)}
    for row in rows:
        if row.fate == KEPT and row.line is None:
            bar = by_key[row.key]
            for column in ("open", "high", "low", "close"):
                assert bar[column] == pytest.approx(float(row.fields[column])), row.case
            assert bar["volume"] == round(float(row.fields["volume"]))


def _posts_result(frame: pl.DataFrame) -> IngestResult:
    return ingest_posts(
        frame, fuzz.RUN_KEYS, author_salt=SALT, first_partition=fuzz.RUN_KEYS[0],
        last_partition=LAST_KEY,
    )  # fmt: skip


def _prices_result(frame: pl.DataFrame) -> IngestResult:
    sessions = [d.isoformat() for d in fuzz.SESSIONS]
    return ingest_prices(
        frame, fuzz.RUN_KEYS, sessions, first_partition=fuzz.RUN_KEYS[0], last_partition=LAST_KEY
    )


def _text_frame(rows: Sequence[FuzzRow], names: Sequence[str]) -> pl.DataFrame:
    """The rows' fields as text columns (None stays null; other non-strings as JSON)."""
    return pl.DataFrame(
        {n: [None if (v := r.fields.get(n)) is None else fuzz.as_text(v) for r in rows]
         for n in names},
        schema=dict.fromkeys(names, pl.String),
    )  # fmt: skip


def _report(path: str, rows: Sequence[FuzzRow]) -> None:
    """The counts of a path, for the log (``pytest -s``)."""
    print(f"\nfuzz {path}: {len(rows)} rows: {json.dumps(fuzz.expected_counts(rows))}")


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


def test_generator_is_seeded_and_covers_every_case():
    posts = posts_rows()
    assert list(posts[:2_000]) == fuzz.posts_rows(2_000, SEED)  # the same seed, the same rows
    assert list(posts[:2_000]) != fuzz.posts_rows(2_000, SEED + 1)
    assert {r.case for r in posts} == {name for name, _, _ in fuzz.POST_CASES}
    prices = prices_rows()
    assert {r.case.split(" ")[0] for r in prices} >= {"good", "missing", "duplicate"}
    for rows in (posts, prices):
        counts = fuzz.expected_counts(rows)
        assert 0.4 < counts[KEPT] / len(rows) < 0.7  # plenty of both
        assert len(counts) >= 9  # kept and at least 8 reasons
    typed = posts_rows(typed=True)
    assert {"created NaN or infinite", "good NaN numbers"} <= {r.case for r in typed}
    assert {r.case for r in prices_rows(typed=True)} < {r.case for r in prices}


# ---------------------------------------------------------------------------------------------
# (b) Row validation: the shared mappings and ingestion, no file in between
# ---------------------------------------------------------------------------------------------


def test_posts_validation_fuzz():
    rows = posts_rows()
    frame = reddit_json_to_contract(_text_frame(rows, fuzz.REDDIT_FIELDS), source="fuzz")
    result = _posts_result(frame)
    check_posts(_kept_posts(result), _observed_fates(result), rows)
    assert result.stats["rows_in"] == N_ROWS
    _report("posts validation", rows)


def test_prices_validation_fuzz():
    rows = prices_rows()
    frame = prices_contract(_text_frame(rows, fuzz.PRICE_FIELDS), "fuzz")
    result = _prices_result(frame)
    check_prices(_kept_posts(result), _observed_fates(result), rows)
    assert result.stats["rows_in"] == N_ROWS
    _report("prices validation", rows)


# ---------------------------------------------------------------------------------------------
# (a) Every reader format
# ---------------------------------------------------------------------------------------------


@functools.cache
def posts_rows(typed: bool = False) -> tuple[FuzzRow, ...]:
    """The :data:`N_ROWS` fuzz posts (drawn once per session: the rows are immutable)."""
    return tuple(fuzz.posts_rows(N_ROWS, SEED, typed=typed))


@functools.cache
def prices_rows(typed: bool = False) -> tuple[FuzzRow, ...]:
    return tuple(fuzz.prices_rows(N_ROWS, SEED, typed=typed))


def write_posts(fmt: str, path: Path) -> list[FuzzRow]:
    """A fuzzed posts file of ``fmt`` at ``path``: the rows as written (damage included)."""
    if fmt == "parquet":
        return fuzz.write_posts_parquet(posts_rows(typed=True), path)
    rows = posts_rows()
    if fmt == "csv":
        return fuzz.write_posts_csv(rows, path, SEED)
    damage = 0.0 if fmt == "clean ndjson" else 0.05
    return fuzz.write_posts_ndjson(rows, path, SEED, damage=damage, compress=fmt == "ndjson.zst")


def write_prices(fmt: str, path: Path) -> list[FuzzRow]:
    if fmt == "parquet":
        return fuzz.write_prices_parquet(prices_rows(typed=True), path)
    return fuzz.write_prices_csv(prices_rows(), path, SEED, compress=fmt == "csv.zst")


POSTS_FILES = {"ndjson": "RS_fuzz.ndjson", "clean ndjson": "RS_clean.ndjson",
               "ndjson.zst": "RS_fuzz.ndjson.zst", "csv": "posts_fuzz.csv",
               "parquet": "posts_fuzz.parquet"}  # fmt: skip
PRICES_FILES = {"csv": "prices_fuzz.csv", "csv.zst": "prices_fuzz.csv.zst",
                "parquet": "prices_fuzz.parquet"}  # fmt: skip


@pytest.mark.parametrize("fmt", list(POSTS_FILES))
def test_posts_reader_fuzz(tmp_path, fmt):
    path = tmp_path / POSTS_FILES[fmt]
    rows = write_posts(fmt, path)
    result = _posts_result(read_posts_file(path))
    check_posts(_kept_posts(result), _observed_fates(result), rows, blank_is_null=fmt == "csv")
    _report(f"posts {fmt} reader", rows)


@pytest.mark.parametrize("fmt", list(PRICES_FILES))
def test_prices_reader_fuzz(tmp_path, fmt):
    path = tmp_path / PRICES_FILES[fmt]
    rows = write_prices(fmt, path)
    result = _prices_result(read_prices_file(path))
    check_prices(_kept_posts(result), _observed_fates(result), rows)
    _report(f"prices {fmt} reader", rows)


@pytest.mark.parametrize("broken", fuzz.broken_files(SEED), ids=lambda b: b.name)
def test_a_file_no_reader_can_take_fails_in_one_line_naming_it(tmp_path, broken):
    path = tmp_path / broken.name
    path.write_bytes(broken.data)
    with pytest.raises(ValueError) as raised:
        import_window(broken.kind, path, fuzz.FIRST_DAY, dt.date(2099, 12, 31))
    message = str(raised.value)
    assert "\n" not in message and broken.name in message and broken.message in message
    if broken.line is not None:
        assert f"line {broken.line}" in message


# ---------------------------------------------------------------------------------------------
# (c) The import commands, in-process
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def lake(settings, monkeypatch, tmp_path) -> str:
    """A fresh data dir and Dagster instance whose first partition is the fuzz week's; the
    lake's URL."""
    monkeypatch.setenv("TFT_START_DATE", fuzz.FIRST_DAY.isoformat())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return settings.lake_url


def _lake_fates(
    lake_url: str, asset: str, keys: Sequence[str] = fuzz.RUN_KEYS
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The stored rows of partitions ``keys`` and ``{fate: rows}`` read back from the lake."""
    from tft_assets.lake.storage import list_partitions, read_partitions

    assert list_partitions(lake_url, asset) == list(keys)
    kept = read_partitions(lake_url, asset, keys)
    base = f"{lake_url}/quarantine"
    quarantine = read_partitions(base, asset, list_partitions(base, asset))
    assert set(list_partitions(base, asset)) <= set(keys)
    fates = Counter(quarantine["reason"].to_list()) + Counter({KEPT: kept.height})
    assert quarantine["reason"].null_count() == 0
    return kept, dict(sorted(fates.items()))


def _import(command: str, path: Path, capsys) -> dict:
    from tft_assets.cli import main

    assert main([command, str(path), "--json"]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return json.loads(out.out.strip().splitlines()[-1])


def _assert_summary(summary: dict, rows: Sequence[FuzzRow]) -> None:
    kept = fuzz.expected_counts(rows)[KEPT]
    assert (summary["start"], summary["end"]) == (fuzz.RUN_KEYS[0], fuzz.RUN_KEYS[-1])
    assert (summary["rows"], summary["quarantined"]) == (kept, len(rows) - kept)


@pytest.mark.parametrize("fmt", ["ndjson.zst", "csv", "parquet"])
def test_import_posts_cli_fuzz(lake, tmp_path, capsys, fmt):
    path = tmp_path / POSTS_FILES[fmt]
    rows = write_posts(fmt, path)
    _assert_summary(_import("import-posts", path, capsys), rows)
    kept, fates = _lake_fates(lake, "raw_posts")
    check_posts(kept, fates, rows, blank_is_null=fmt == "csv")
    _report(f"posts {fmt} import-posts", rows)


@pytest.mark.parametrize("fmt", ["csv.zst", "parquet"])
def test_import_prices_cli_fuzz(lake, tmp_path, capsys, fmt):
    path = tmp_path / PRICES_FILES[fmt]
    rows = write_prices(fmt, path)
    _assert_summary(_import("import-prices", path, capsys), rows)
    kept, fates = _lake_fates(lake, "raw_prices")
    check_prices(kept, fates, rows)
    _report(f"prices {fmt} import-prices", rows)


@pytest.mark.parametrize("broken", fuzz.broken_files(SEED), ids=lambda b: b.name)
def test_importing_a_broken_file_is_one_line_on_stderr(lake, tmp_path, capsys, broken):
    from tft_assets.cli import main

    path = tmp_path / broken.name
    path.write_bytes(broken.data)
    assert main([f"import-{broken.kind}", str(path)]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "Traceback" not in out.err
    line = out.err.strip()
    assert "\n" not in line and line.startswith(f"tft-trader import-{broken.kind}: error: ")
    assert broken.name in line and broken.message in line


# ---------------------------------------------------------------------------------------------
# (d) The ingestion assets: the inbox sensor's runs, and a run of one partition
# ---------------------------------------------------------------------------------------------


def _fuzz_definitions(settings):
    import dataclasses

    from tft_assets.definitions import build_definitions

    return build_definitions(dataclasses.replace(settings, start_date=fuzz.FIRST_DAY))


def test_inbox_sensor_runs_ingest_fuzzed_files(lake, settings, instance):
    import dagster as dg

    defs = _fuzz_definitions(settings)
    (settings.inbox_dir / "posts").mkdir(parents=True)
    (settings.inbox_dir / "prices").mkdir(parents=True)
    posts = write_posts("ndjson", settings.inbox_dir / "posts" / "RS_fuzz.ndjson")
    prices = write_prices("csv", settings.inbox_dir / "prices" / "prices_fuzz.csv")
    broken = fuzz.broken_files(SEED)[0]  # a binary file: skipped with a log line, no run
    (settings.inbox_dir / "posts" / broken.name).write_bytes(broken.data)

    sensor = defs.get_sensor_def("archive_inbox_sensor")
    tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    requests = {r.tags["tft/inbox_file"]: r for r in tick.run_requests}
    assert sorted(requests) == ["RS_fuzz.ndjson", "prices_fuzz.csv"]
    for request in requests.values():
        assert request.partition_key_range == dg.PartitionKeyRange(*fuzz.RUN_KEYS[::7])
        result = dg.materialize(
            list(defs.assets), selection=request.asset_selection,
            resources=dict(defs.resources), instance=instance, run_config=request.run_config,
            tags=request.tags, raise_on_error=False,
        )  # fmt: skip
        assert result.success
    check_posts(*_lake_fates(lake, "raw_posts"), posts)
    check_prices(*_lake_fates(lake, "raw_prices"), prices)
    _report("posts ndjson inbox sensor run", posts)
    _report("prices csv inbox sensor run", prices)


def _in_partition(rows: Sequence[FuzzRow], key: str) -> list[FuzzRow]:
    """The rows a run of partition ``key`` alone reads from an imported file: those dated that
    day, and those no partition can hold (undated, in the future); the rows of other days are
    other runs', and rows before the first partition the first partition's."""
    return [r for r in rows if r.day in (key, None) or r.fate == fuzz.AFTER_LAST]


def test_a_run_of_one_partition_over_fuzzed_archives(lake, settings, instance, tmp_path):
    from tft_assets_tests.conftest import materialize

    defs = _fuzz_definitions(settings)
    key = fuzz.RUN_KEYS[4]  # a Tuesday, neither the first nor the last day of the files
    posts = write_posts("ndjson.zst", tmp_path / "RS_fuzz.ndjson.zst")
    prices = write_prices("parquet", tmp_path / "prices_fuzz.parquet")
    config = {"ops": {
        "raw_posts": {"config": {"archive_files": [str(tmp_path / "RS_fuzz.ndjson.zst")]}},
        "raw_prices": {"config": {"price_files": [str(tmp_path / "prices_fuzz.parquet")]}},
    }}  # fmt: skip
    result = materialize(defs, ["raw_posts", "raw_prices"], key, None, instance, config)
    assert result.success
    check_posts(*_lake_fates(lake, "raw_posts", [key]), _in_partition(posts, key))
    check_prices(*_lake_fates(lake, "raw_prices", [key]), _in_partition(prices, key))
    _report(f"posts ndjson.zst raw_posts {key}", _in_partition(posts, key))
    _report(f"prices parquet raw_prices {key}", _in_partition(prices, key))


# ---------------------------------------------------------------------------------------------
# Regressions: each kind of crash or silent loss the fuzzing found, on a few rows
# ---------------------------------------------------------------------------------------------

HEADER = "date,ticker,open,high,low,close,adj_close,volume\n"
BAR = ",AAPL,100,101,99,100.5,100.5,1000\n"


def _import_file(name: str, data: bytes, tmp_path: Path, capsys) -> str:
    from tft_assets.cli import main

    path = tmp_path / name
    path.write_bytes(data)
    kind = "prices" if name.startswith("prices") else "posts"
    assert main([f"import-{kind}", str(path)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return out.out


def _reasons(lake_url: str, asset: str) -> list[tuple[str, str | None]]:
    from tft_assets.lake.query import query

    sql = f"SELECT reason, detail FROM quarantine WHERE asset = '{asset}' ORDER BY reason, detail"
    return query(lake_url, sql).rows()


def test_import_prices_quarantines_the_rows_no_partition_can_hold(lake, tmp_path, capsys):
    """Undated, before 1970 and future bars used to vanish (the read window dropped them) or
    to stretch the import to partitions that do not exist."""
    days = ["2024-03-04", "n/a", "1964-05-04", "2999-01-04"]
    out = _import_file("prices.csv", (HEADER + "".join(d + BAR for d in days)).encode(),
                       tmp_path, capsys)  # fmt: skip
    assert "1 rows into raw_prices 2024-03-01..2024-03-04, 3 quarantined" in out
    assert _reasons(lake, "raw_prices") == [
        ("after the last partition (in the future)", "2999-01-04"),
        ("before the first partition (TFT_START_DATE)", "1964-05-04"),
        ("missing ticker or date", None),
    ]


def test_import_prices_of_a_weekend_is_quarantined_not_lost(lake, tmp_path, capsys):
    """A run without sessions fetched nothing: the bar vanished and a row of nulls took its
    place in the quarantine."""
    out = _import_file("prices.csv", (HEADER + "2024-03-02" + BAR).encode(), tmp_path, capsys)
    assert "0 rows into raw_prices 2024-03-02..2024-03-02, 1 quarantined" in out
    assert _reasons(lake, "raw_prices") == [("not a trading day", "2024-03-02")]


def test_import_posts_quarantines_the_rows_no_partition_can_hold(lake, tmp_path, capsys):
    good = {"id": "ok1", "created_utc": 1709650000, "title": "t"}  # 2024-03-05 in New York
    noon = 17 * 3600  # 12:00 in New York
    old = {**good, "id": "old", "created_utc": -315619200 + noon}  # 1960-01-01
    far = {**good, "id": "far", "created_utc": 4102444800 + noon}  # 2100-01-01
    lines = [good, old, far]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    out = _import_file("RS_dates.ndjson", data, tmp_path, capsys)
    assert "1 rows into raw_posts 2024-03-01..2024-03-05, 2 quarantined" in out
    assert _reasons(lake, "raw_posts") == [
        ("after the last partition (in the future)", "2100-01-01"),
        ("before the first partition (TFT_START_DATE)", "1960-01-01"),
    ]


@pytest.mark.parametrize(
    ("line", "post_id", "reason"),
    [
        (b'{"id": "n1", "created_utc": NaN}', None, "malformed JSON"),
        (b'{"id": "n2", "created_utc": 1' + b"0" * 400 + b"}", "n2", None),
        (b'{"id": "n3", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", None, "malformed JSON"),
        (b'{"id": "n4", "created_utc": 1709650000, "title": "\\ud800"}', "n4", None),
        (b'\xef\xbb\xbf{"id": "n5", "created_utc": 1709650000}', "n5", None),
        (b'{"id": "n6", "id": "again", "created_utc": 1709650000}', "n6", None),
    ],
    ids=["NaN", "400-digit number", "deep nesting", "lone surrogate", "byte order mark",
         "repeated key"],
)  # fmt: skip
def test_ndjson_lines_the_fast_parser_refuses_are_read_one_by_one(tmp_path, line, post_id,
                                                                  reason):  # fmt: skip
    """A block polars refuses is read line by line; lines Python's parser takes but polars
    does not (NaN, huge numbers, deep nesting) used to crash the whole import."""
    path = tmp_path / "RS_odd.ndjson"
    good = b'{"id": "g", "created_utc": 1709650000}'
    path.write_bytes(good + b"\n" + line + b"\nnot json\n")
    frame = read_posts_file(path)
    assert frame["post_id"].to_list() == ["g", post_id, None]
    error = frame["parse_error"][1]
    assert (error is None) if reason is None else error.startswith(reason)


def test_a_repeated_key_reads_the_same_in_a_clean_block_and_a_broken_one(tmp_path):
    line = b'{"id": "first", "id": "second", "created_utc": 1709650000}\n'
    path = tmp_path / "RS_keys.ndjson"
    path.write_bytes(line)
    clean = read_posts_file(path)["post_id"].to_list()
    path.write_bytes(line + b"not json\n")
    assert clean == read_posts_file(path)["post_id"].to_list()[:1] == ["first"]


def test_a_dump_that_starts_with_a_byte_order_mark_keeps_its_first_line(tmp_path):
    path = tmp_path / "RS_bom.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"id": "first", "created_utc": 1709650000}\n')
    frame = read_posts_file(path)
    assert frame["post_id"].to_list() == ["first"] and frame["parse_error"].is_null().all()


def test_a_zst_dump_cut_short_names_the_line_it_stops_after(tmp_path):
    """zstandard's stream reader returned what it had of a cut frame without a word."""
    import zstandard

    lines = b"".join(b'{"id": "z%d", "created_utc": %d}\n' % (i, 1709650000 + i)
                     for i in range(50_000))  # fmt: skip
    blob = zstandard.ZstdCompressor(level=1).compress(lines)
    path = tmp_path / "RS_cut.ndjson.zst"
    path.write_bytes(blob[:-4])
    with pytest.raises(
        ValueError,
        match=r"^RS_cut.ndjson.zst: corrupt or truncated zstd data "
        r"after line \d{4,} \(the data ends inside a zstd frame",
    ):
        read_posts_file(path)  # fmt: skip
    path.write_bytes(blob + blob)  # concatenated frames are one stream
    assert read_posts_file(path).height == 100_000

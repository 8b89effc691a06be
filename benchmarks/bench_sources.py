"""Archive streaming and Great Expectations cost.

* Synthetic Pushshift-style ``.zst`` comment dumps (250k and 500k lines) streamed through
  ``iter_posts_file`` (default batches): rows/s, peak Python-traced memory and peak RSS growth.
  Targets: >= 100k rows/s, and memory bounded by the batch, not the file: the traced peak of
  the 500k-line dump is within 25 % of the 250k-line one and under a quarter of its
  decompressed size.
* ``validate_with_gx`` on 10k rows for each suite: the first call (GX import included) and a
  warm call (target: warm < 2 s per suite, so checks never dominate an ingestion asset).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import tracemalloc
from pathlib import Path

DUMP_LINES = (250_000, 500_000)
STREAM_TARGET_ROWS_PER_S = 100_000
TRACED_PEAK_TARGET_FRACTION = 0.25
TRACED_PEAK_GROWTH_TOLERANCE = 1.25
GX_ROWS = 10_000
GX_WARM_TARGET_S = 2.0


def _write_dump(path: Path, lines: int) -> int:
    import zstandard

    filler = "lorem ipsum " * 15
    raw = 0
    with open(path, "wb") as fh, zstandard.ZstdCompressor(level=3).stream_writer(fh) as out:
        for start in range(0, lines, 50_000):
            block = "".join(
                f'{{"id":"c{i:x}","link_id":"t3_s{i % 4999:x}","parent_id":"t1_p{i:x}",'
                f'"author":"u{i % 1013}","subreddit":"wallstreetbets","created_utc":{1_600_000_000 + i},'
                f'"body":"$GME {i} {filler}","score":{i % 97 - 7},"gilded":0,"all_awardings":[]}}\n'
                for i in range(start, start + 50_000)
            ).encode()
            raw += len(block)
            out.write(block)
    return raw


def _stream(lines: int) -> dict:
    import psutil

    from tft_assets.sources.archive import ArchiveStats, iter_posts_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wallstreetbets_comments.zst"
        raw_bytes = _write_dump(path, lines)
        process = psutil.Process()
        rss0 = process.memory_info().rss
        rss_peak = rss0
        stats = ArchiveStats()
        tracemalloc.start()
        t0 = time.perf_counter()
        rows = 0
        for batch in iter_posts_file(path, stats=stats):
            rows += batch.height
            rss_peak = max(rss_peak, process.memory_info().rss)
        elapsed = time.perf_counter() - t0
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        compressed = path.stat().st_size
    return {
        "rows": rows,
        "batches": stats.batches,
        "decompressed_mb": round(raw_bytes / 1e6, 1),
        "compressed_mb": round(compressed / 1e6, 1),
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "mb_per_s_decompressed": round(raw_bytes / 1e6 / elapsed, 1),
        "traced_peak_mb": round(traced_peak / 1e6, 1),
        "traced_peak_fraction_of_decompressed": round(traced_peak / raw_bytes, 3),
        "rss_growth_peak_mb": round((rss_peak - rss0) / 1e6, 1),
    }


def _streams() -> dict:
    _stream(20_000)  # warm-up: imports and first-use costs out of the measurement
    small, large = (_stream(n) for n in DUMP_LINES)
    growth = large["traced_peak_mb"] / max(small["traced_peak_mb"], 1e-9)
    met = (
        min(small["rows_per_s"], large["rows_per_s"]) >= STREAM_TARGET_ROWS_PER_S
        and growth <= TRACED_PEAK_GROWTH_TOLERANCE
        and large["traced_peak_fraction_of_decompressed"] < TRACED_PEAK_TARGET_FRACTION
    )
    return {
        f"{DUMP_LINES[0]}_lines": small,
        f"{DUMP_LINES[1]}_lines": large,
        "traced_peak_growth_2x_file": round(growth, 2),
        "target_rows_per_s": STREAM_TARGET_ROWS_PER_S,
        "target_traced_peak_growth_max": TRACED_PEAK_GROWTH_TOLERANCE,
        "target_traced_peak_fraction": TRACED_PEAK_TARGET_FRACTION,
        "met": met,
    }


def _frames():
    import numpy as np
    import polars as pl

    from tft_assets.schemas import RAW_POSTS_SCHEMA, RAW_PRICES_SCHEMA

    n = GX_ROWS
    rng = np.random.default_rng(0)
    close = rng.uniform(5, 100, n)
    prices = pl.DataFrame(
        {
            "date": [dt.date(2020, 1, 1) + dt.timedelta(days=i // 50) for i in range(n)],
            "ticker": [f"T{i % 50}" for i in range(n)],
            "open": close * 0.99,
            "high": close * 1.02,
            "low": close * 0.97,
            "close": close,
            "adj_close": close,
            "volume": rng.integers(0, 10**7, n),
            "split_ratio": np.ones(n),
            "source": ["demo"] * n,
        },
        schema=RAW_PRICES_SCHEMA,
    )
    base = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    posts = pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "kind": ["submission" if i % 3 else "comment" for i in range(n)],
            "parent_id": [None if i % 3 else "p1" for i in range(n)],
            "subreddit": ["wallstreetbets"] * n,
            "author_hash": ["ab" * 32] * n,
            "created_utc": [base + dt.timedelta(seconds=7 * i) for i in range(n)],
            "title": [f"GME {i}" for i in range(n)],
            "body": ["to the moon " * 20] * n,
            "url": [None] * n,
            "canonical_url": [None] * n,
            "score": rng.integers(-50, 5000, n),
            "upvote_ratio": rng.uniform(0, 1, n),
            "num_comments": rng.integers(0, 500, n),
            "source": ["demo"] * n,
        },
        schema=RAW_POSTS_SCHEMA,
    )
    return {"raw_prices": prices, "raw_posts": posts}


def _gx() -> dict:
    from tft_assets.validation.expectations import validate_with_gx

    out: dict = {"rows": GX_ROWS, "target_warm_s": GX_WARM_TARGET_S}
    first = True
    warm_max = 0.0
    for suite, frame in _frames().items():
        t0 = time.perf_counter()
        result = validate_with_gx(frame, suite)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        validate_with_gx(frame, suite)
        warm = time.perf_counter() - t0
        warm_max = max(warm_max, warm)
        out[suite] = {
            "success": result.success,
            "expectations": result.evaluated,
            ("first_call_incl_import_s" if first else "first_call_s"): round(cold, 2),
            "warm_s": round(warm, 3),
            "rows_per_s_warm": round(GX_ROWS / warm),
        }
        first = False
    out["met"] = warm_max < GX_WARM_TARGET_S
    return out


def run() -> dict:
    stream = _streams()
    gx = _gx()
    return {"zst_stream": stream, "great_expectations": gx, "met": stream["met"] and gx["met"]}


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(run(), indent=2))

"""Asset checks for the ingestion assets (evaluated over every partition of the run)."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import polars as pl

from tft_assets.defs.metadata import schema_mismatches
from tft_assets.schemas import RAW_POSTS_SCHEMA, RAW_PRICES_SCHEMA, ground_truth_columns

CHECK_RAW_POSTS_SCHEMA = "check_raw_posts_schema"
CHECK_RAW_POSTS_UNIQUE_IDS = "check_raw_posts_unique_ids"
CHECK_RAW_POSTS_ROW_COUNT = "check_raw_posts_row_count"
CHECK_RAW_PRICES_SCHEMA = "check_raw_prices_schema"
CHECK_RAW_PRICES_UNIQUE_BARS = "check_raw_prices_unique_bars"
CHECK_RAW_PRICES_COVERAGE = "check_raw_prices_coverage"
CHECK_RAW_POSTS_GX_SUITE = "check_raw_posts_gx_suite"
CHECK_RAW_PRICES_GX_SUITE = "check_raw_prices_gx_suite"

RAW_POSTS_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_RAW_POSTS_SCHEMA,
        asset="raw_posts",
        blocking=True,
        description="Columns and dtypes match the raw_posts contract (no raw author column).",
    ),
    dg.AssetCheckSpec(
        CHECK_RAW_POSTS_UNIQUE_IDS,
        asset="raw_posts",
        blocking=True,
        description="post_id is non-null and unique within every partition.",
    ),
    dg.AssetCheckSpec(
        CHECK_RAW_POSTS_ROW_COUNT,
        asset="raw_posts",
        blocking=False,
        description="Every partition of the run has at least one post.",
    ),
    dg.AssetCheckSpec(
        CHECK_RAW_POSTS_GX_SUITE,
        asset="raw_posts",
        blocking=True,
        description="Great Expectations suite raw_posts: schema, unique non-null ids, timestamps, "
        "value ranges (failing expectations and counts in metadata).",
    ),
]
#: Coverage: a session missing more than this fraction of the watchlist is an outage (a failed
#: fetch, a wrong calendar); a ticker missing more than this fraction of the run's sessions, at
#: least MIN_TICKER_GAPS of them, is lost (delisted, renamed, a bad symbol). Single missing bars
#: are trading halts, which real markets have (and the demo world plants on 0.1 % of bars).
MAX_SESSION_MISSING = 0.10
MAX_TICKER_MISSING = 0.05
MIN_TICKER_GAPS = 3
RAW_PRICES_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_RAW_PRICES_SCHEMA,
        asset="raw_prices",
        blocking=True,
        description="Columns and dtypes match the raw_prices contract.",
    ),
    dg.AssetCheckSpec(
        CHECK_RAW_PRICES_UNIQUE_BARS,
        asset="raw_prices",
        blocking=True,
        description="(ticker, date) is unique and every bar's date equals its partition.",
    ),
    dg.AssetCheckSpec(
        CHECK_RAW_PRICES_COVERAGE,
        asset="raw_prices",
        blocking=False,
        description="No outage and no lost ticker: from each ticker's first bar on, no session misses more than "
        f"{MAX_SESSION_MISSING:.0%} of the watchlist's bars, and no ticker misses more than "
        f"{MAX_TICKER_MISSING:.0%} of the run's sessions (at least {MIN_TICKER_GAPS} of them). An "
        "isolated missing bar (a halt) is listed in the metadata, not a failure.",
    ),
    dg.AssetCheckSpec(
        CHECK_RAW_PRICES_GX_SUITE,
        asset="raw_prices",
        blocking=True,
        description="Great Expectations suite raw_prices: schema, unique bars, positive prices, "
        "OHLC consistency, non-negative volume.",
    ),
]


def gx_result(name: str, frames: dict[str, pl.DataFrame], suite: str) -> dg.AssetCheckResult:
    """Run the Great Expectations ``suite`` over every row of the run (ephemeral context)."""
    from tft_assets.validation.expectations import validate_with_gx

    non_empty = [f for f in frames.values() if f.height]
    frame = pl.concat(non_empty, how="vertical") if non_empty else next(iter(frames.values()))
    result = validate_with_gx(frame.drop(ground_truth_columns(frame)), suite)
    meta = result.to_metadata()
    # Any failed expectation fails the check; only failures of expectations that protect
    # downstream correctness (the suite's blocking set) are errors that stop downstream assets.
    return dg.AssetCheckResult(
        check_name=name,
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR
        if result.blocking_failed
        else dg.AssetCheckSeverity.WARN,
        metadata={
            "failed_expectations": dg.MetadataValue.json(meta["failed"]),
            "expectations_evaluated": meta["expectations_evaluated"],
            "rows": meta["rows"],
            "runtime_s": meta["runtime_s"],
        },
    )


def _schema_result(name: str, frames: dict[str, pl.DataFrame], schema: dict) -> dg.AssetCheckResult:
    problems = sorted({p for f in frames.values() for p in schema_mismatches(f, schema)})
    forbidden = sorted({c for f in frames.values() for c in f.columns if c == "author"})
    problems += [f"forbidden column {c}" for c in forbidden]
    return dg.AssetCheckResult(
        check_name=name,
        passed=not problems,
        metadata={
            "problems": dg.MetadataValue.json(problems[:20]),
            "expected_columns": list(schema),
        },
    )


def raw_posts_checks(frames: dict[str, pl.DataFrame]) -> Iterator[dg.AssetCheckResult]:
    yield _schema_result(CHECK_RAW_POSTS_SCHEMA, frames, RAW_POSTS_SCHEMA)
    dupes = {
        k: int(f.height - f.get_column("post_id").n_unique()) for k, f in frames.items() if f.height
    }
    nulls = {k: int(f.get_column("post_id").null_count()) for k, f in frames.items() if f.height}
    bad = {k: v for k, v in dupes.items() if v} | {
        f"{k} (null ids)": v for k, v in nulls.items() if v
    }
    yield dg.AssetCheckResult(
        check_name=CHECK_RAW_POSTS_UNIQUE_IDS,
        passed=not bad,
        metadata={"observed_duplicates": dg.MetadataValue.json(bad), "expected_duplicates": 0},
    )
    empty = sorted(k for k, f in frames.items() if f.height == 0)
    yield dg.AssetCheckResult(
        check_name=CHECK_RAW_POSTS_ROW_COUNT,
        passed=not empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "empty_partitions": dg.MetadataValue.json(empty),
            "min_rows": min((f.height for f in frames.values()), default=0),
        },
    )
    yield gx_result(CHECK_RAW_POSTS_GX_SUITE, frames, "raw_posts")


def coverage_result(
    frames: dict[str, pl.DataFrame], watchlist: list[str], sessions: set[str]
) -> dg.AssetCheckResult:
    """Outages and lost tickers fail (warning); isolated gaps are reported. A ticker is expected
    from its first bar in the run on (a listing that starts inside the run, such as an IPO, is not
    missing before it starts); a ticker without any bar is expected on every session."""
    expected = set(watchlist)
    days = sorted(k for k in frames if k in sessions)
    present = {k: set(frames[k].get_column("ticker").to_list()) if frames[k].height else set()
               for k in days}  # fmt: skip
    first_bar: dict[str, str] = {}
    for k in days:
        for t in present[k] - first_bar.keys():
            first_bar[t] = k
    missing = {
        k: sorted(t for t in expected - present[k] if first_bar.get(t, k) <= k) for k in days
    }
    outages = {
        k: len(m) for k, m in missing.items() if len(m) > MAX_SESSION_MISSING * len(expected)
    }
    per_ticker: dict[str, int] = {}
    for m in missing.values():
        for t in m:
            per_ticker[t] = per_ticker.get(t, 0) + 1
    lost = {t: n for t, n in sorted(per_ticker.items())
            if n >= MIN_TICKER_GAPS and n > MAX_TICKER_MISSING * len(days)}  # fmt: skip
    gaps = {k: m[:10] for k, m in missing.items() if m}
    return dg.AssetCheckResult(
        check_name=CHECK_RAW_PRICES_COVERAGE,
        passed=not outages and not lost,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "sessions": len(days),
            "watchlist_size": len(expected),
            "missing_bars": sum(len(m) for m in missing.values()),
            "outage_sessions": dg.MetadataValue.json(outages),
            "lost_tickers": dg.MetadataValue.json(lost),
            "missing_tickers_by_day": dg.MetadataValue.json(dict(list(gaps.items())[:50])),
        },
    )


def raw_prices_checks(
    frames: dict[str, pl.DataFrame], watchlist: list[str], sessions: set[str]
) -> Iterator[dg.AssetCheckResult]:
    yield _schema_result(CHECK_RAW_PRICES_SCHEMA, frames, RAW_PRICES_SCHEMA)
    bad: dict[str, int] = {}
    for key, f in frames.items():
        if f.height:
            dup = f.height - f.select(pl.struct("ticker", "date").n_unique()).item()
            wrong_day = int((f.get_column("date").cast(pl.String) != key).sum())
            if dup or wrong_day:
                bad[key] = dup + wrong_day
    yield dg.AssetCheckResult(
        check_name=CHECK_RAW_PRICES_UNIQUE_BARS,
        passed=not bad,
        metadata={"bad_rows_by_partition": dg.MetadataValue.json(bad)},
    )
    yield coverage_result(frames, watchlist, sessions)
    yield gx_result(CHECK_RAW_PRICES_GX_SUITE, frames, "raw_prices")

"""Checks on ``scored_posts``."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

MIN_SENTIMENT_COVERAGE = 0.95
MIN_MEAN_QUALITY = 40.0
MIN_TICKER_FOUND_RATE = 0.10

CHECK_SCORED_POSTS_SENTIMENT_COVERAGE = "check_scored_posts_sentiment_coverage"
CHECK_SCORED_POSTS_MEAN_QUALITY = "check_scored_posts_mean_quality"
CHECK_SCORED_POSTS_TICKER_RATE = "check_scored_posts_ticker_found_rate"

SCORED_POSTS_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_SCORED_POSTS_SENTIMENT_COVERAGE,
        asset="scored_posts",
        blocking=True,
        description=f"At least {MIN_SENTIMENT_COVERAGE:.0%} of posts in every partition have a sentiment score.",
    ),
    dg.AssetCheckSpec(
        CHECK_SCORED_POSTS_MEAN_QUALITY,
        asset="scored_posts",
        blocking=False,
        description=f"Mean quality score above {MIN_MEAN_QUALITY:g} (warning).",
    ),
    dg.AssetCheckSpec(
        CHECK_SCORED_POSTS_TICKER_RATE,
        asset="scored_posts",
        blocking=False,
        description=f"Share of posts with at least one ticker (warning below {MIN_TICKER_FOUND_RATE:.0%}).",
    ),
]


def scored_posts_checks(
    frames: dict[str, pl.DataFrame], summary: dict
) -> Iterator[dg.AssetCheckResult]:
    coverage = {
        k: round(float(f.get_column("sentiment").is_not_null().mean()), 4)
        for k, f in frames.items()
        if f.height
    }
    worst = min(coverage.values(), default=1.0)
    yield dg.AssetCheckResult(
        check_name=CHECK_SCORED_POSTS_SENTIMENT_COVERAGE,
        passed=worst >= MIN_SENTIMENT_COVERAGE,
        metadata={
            "observed_min_coverage": worst,
            "expected_min_coverage": MIN_SENTIMENT_COVERAGE,
            "failing_partitions": dg.MetadataValue.json(
                {k: v for k, v in coverage.items() if v < MIN_SENTIMENT_COVERAGE}
            ),
        },
    )
    mean_q = summary["mean_quality"]
    yield dg.AssetCheckResult(
        check_name=CHECK_SCORED_POSTS_MEAN_QUALITY,
        passed=mean_q is None or mean_q > MIN_MEAN_QUALITY,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed_mean_quality": mean_q, "expected_above": MIN_MEAN_QUALITY},
    )
    rate = summary["ticker_found_rate"]
    yield dg.AssetCheckResult(
        check_name=CHECK_SCORED_POSTS_TICKER_RATE,
        passed=rate is None or rate >= MIN_TICKER_FOUND_RATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed_ticker_found_rate": rate, "expected_at_least": MIN_TICKER_FOUND_RATE},
    )

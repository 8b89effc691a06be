"""Great Expectations suites for ``raw_posts`` and ``raw_prices``, as a pure function.

:func:`validate_with_gx` runs a named suite on a Polars frame in an *ephemeral* GX context
(nothing is written to disk, no ``gx/`` folder, progress bars off) and returns a frozen
:class:`GxResult`: overall success, how many expectations were evaluated, and for each failed
one its name, unexpected count / percent and a few unexpected examples. The Dagster layer
turns that into asset checks (blocking where downstream correctness depends on the rule).

Suites (each expectation has a stable ``name``, used as the check metadata key):

``raw_posts``
    ``columns_match`` (RAW_POSTS_SCHEMA names, in order), ``schema_dtypes`` (Polars dtypes equal
    the contract; checked with Polars before GX, since pandas dtypes cannot express it),
    ``post_id_not_null``, ``post_id_unique``, ``created_utc_not_null``, ``kind_in_set``
    (submission | comment), ``upvote_ratio_in_0_1``, ``score_in_range`` (Reddit scores may be
    negative: ``[-1e6, 1e8]``), ``num_comments_non_negative``, ``title_length``/``body_length``
    (at most :data:`~tft_assets.ingest.posts.MAX_TEXT_CHARS`), ``author_hash_is_hmac_hex``
    (64 lower-case hex digits where present), ``source_not_null``.
``raw_prices``
    ``columns_match``, ``schema_dtypes``, ``ticker_not_null``, ``date_not_null``,
    ``ticker_date_unique``, ``{open,high,low,close}_not_null``,
    ``{open,high,low,close,adj_close}_positive``, ``high_ge_low``, ``high_ge_open``,
    ``high_ge_close``, ``open_ge_low``, ``close_ge_low``, ``volume_non_negative``,
    ``split_ratio_positive``.

Column-map expectations ignore nulls (GX semantics) and the OHLC pair rules skip a row where
either value is null, so each column's null rule is its own expectation and a null counts once. Great Expectations and pandas are imported inside the function (importing GX
costs seconds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from tft_assets.ingest.posts import MAX_TEXT_CHARS
from tft_assets.schemas import RAW_POSTS_SCHEMA, RAW_PRICES_SCHEMA

SUITES: tuple[str, ...] = ("raw_posts", "raw_prices")
SUITE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw_posts": RAW_POSTS_SCHEMA,
    "raw_prices": RAW_PRICES_SCHEMA,
}
#: Expectations whose failure must block downstream assets (the rest are warnings).
BLOCKING_EXPECTATIONS: dict[str, frozenset[str]] = {
    "raw_posts": frozenset(
        {
            "columns_match",
            "schema_dtypes",
            "post_id_not_null",
            "post_id_unique",
            "created_utc_not_null",
            "kind_in_set",
        }
    ),
    "raw_prices": frozenset(
        {
            "columns_match",
            "schema_dtypes",
            "ticker_not_null",
            "date_not_null",
            "ticker_date_unique",
            "open_not_null",
            "high_not_null",
            "low_not_null",
            "close_not_null",
            "open_positive",
            "high_positive",
            "low_positive",
            "close_positive",
            "adj_close_positive",
            "high_ge_low",
            "volume_non_negative",
        }
    ),
}
SCORE_MIN = -1_000_000
SCORE_MAX = 100_000_000
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class FailedExpectation:
    """One failed expectation: ``name`` (stable), GX type, column(s), and what was wrong."""

    name: str
    expectation_type: str
    column: str | None
    unexpected_count: int | None
    unexpected_percent: float | None
    examples: tuple[str, ...]
    observed: str | None
    blocking: bool


@dataclass(frozen=True)
class GxResult:
    """Outcome of one suite on one frame."""

    suite: str
    success: bool
    evaluated: int  # expectations evaluated
    row_count: int
    failed: tuple[FailedExpectation, ...]
    runtime_s: float

    @property
    def blocking_failed(self) -> tuple[FailedExpectation, ...]:
        return tuple(f for f in self.failed if f.blocking)

    def failed_names(self) -> list[str]:
        return [f.name for f in self.failed]

    def to_metadata(self) -> dict[str, Any]:
        """JSON-serialisable summary for check metadata."""
        return {
            "suite": self.suite,
            "success": self.success,
            "expectations_evaluated": self.evaluated,
            "rows": self.row_count,
            "failed": {
                f.name: {
                    "unexpected_count": f.unexpected_count,
                    "unexpected_percent": f.unexpected_percent,
                    "examples": list(f.examples),
                    "observed": f.observed,
                    "blocking": f.blocking,
                }
                for f in self.failed
            },
            "runtime_s": round(self.runtime_s, 3),
        }


def _posts_expectations(gxe: Any) -> list[tuple[str, Any]]:
    return [
        (
            "columns_match",
            gxe.ExpectTableColumnsToMatchOrderedList(column_list=list(RAW_POSTS_SCHEMA)),
        ),
        ("post_id_not_null", gxe.ExpectColumnValuesToNotBeNull(column="post_id")),
        ("post_id_unique", gxe.ExpectColumnValuesToBeUnique(column="post_id")),
        ("created_utc_not_null", gxe.ExpectColumnValuesToNotBeNull(column="created_utc")),
        (
            "kind_in_set",
            gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=["submission", "comment"]),
        ),
        (
            "upvote_ratio_in_0_1",
            gxe.ExpectColumnValuesToBeBetween(column="upvote_ratio", min_value=0.0, max_value=1.0),
        ),
        (
            "score_in_range",
            gxe.ExpectColumnValuesToBeBetween(
                column="score", min_value=SCORE_MIN, max_value=SCORE_MAX
            ),
        ),
        (
            "num_comments_non_negative",
            gxe.ExpectColumnValuesToBeBetween(column="num_comments", min_value=0),
        ),
        (
            "title_length",
            gxe.ExpectColumnValueLengthsToBeBetween(column="title", max_value=MAX_TEXT_CHARS),
        ),
        (
            "body_length",
            gxe.ExpectColumnValueLengthsToBeBetween(column="body", max_value=MAX_TEXT_CHARS),
        ),
        (
            "author_hash_is_hmac_hex",
            gxe.ExpectColumnValuesToMatchRegex(column="author_hash", regex=r"^[0-9a-f]{64}$"),
        ),
        ("source_not_null", gxe.ExpectColumnValuesToNotBeNull(column="source")),
    ]


def _prices_expectations(gxe: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [
        (
            "columns_match",
            gxe.ExpectTableColumnsToMatchOrderedList(column_list=list(RAW_PRICES_SCHEMA)),
        ),
        ("ticker_not_null", gxe.ExpectColumnValuesToNotBeNull(column="ticker")),
        ("date_not_null", gxe.ExpectColumnValuesToNotBeNull(column="date")),
        ("ticker_date_unique", gxe.ExpectCompoundColumnsToBeUnique(column_list=["ticker", "date"])),
    ]
    out += [
        (f"{c}_not_null", gxe.ExpectColumnValuesToNotBeNull(column=c))
        for c in ("open", "high", "low", "close")
    ]
    out += [
        (
            f"{c}_positive",
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0.0, strict_min=True),
        )
        for c in ("open", "high", "low", "close", "adj_close")
    ]
    pairs = [
        ("high", "low"),
        ("high", "open"),
        ("high", "close"),
        ("open", "low"),
        ("close", "low"),
    ]
    out += [
        (
            f"{a}_ge_{b}",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        )
        for a, b in pairs
    ]
    out += [
        ("volume_non_negative", gxe.ExpectColumnValuesToBeBetween(column="volume", min_value=0)),
        (
            "split_ratio_positive",
            gxe.ExpectColumnValuesToBeBetween(column="split_ratio", min_value=0.0, strict_min=True),
        ),
    ]
    return out


_BUILDERS: dict[str, Callable[[Any], list[tuple[str, Any]]]] = {
    "raw_posts": _posts_expectations,
    "raw_prices": _prices_expectations,
}


def expectation_names(suite: str) -> list[str]:
    """Names of the expectations of ``suite`` (without running anything heavy)."""
    if suite not in _BUILDERS:
        raise ValueError(f"unknown GX suite {suite!r}; known: {', '.join(SUITES)}")
    static = {
        "raw_posts": [
            "columns_match", "schema_dtypes", "post_id_not_null", "post_id_unique",
            "created_utc_not_null", "kind_in_set", "upvote_ratio_in_0_1", "score_in_range",
            "num_comments_non_negative", "title_length", "body_length",
            "author_hash_is_hmac_hex", "source_not_null",
        ],
        "raw_prices": [
            "columns_match", "schema_dtypes", "ticker_not_null", "date_not_null",
            "ticker_date_unique", "open_not_null", "high_not_null", "low_not_null",
            "close_not_null", "open_positive", "high_positive", "low_positive",
            "close_positive", "adj_close_positive", "high_ge_low", "high_ge_open",
            "high_ge_close", "open_ge_low", "close_ge_low", "volume_non_negative",
            "split_ratio_positive",
        ],
    }  # fmt: skip
    return static[suite]


def _dtype_failure(df: pl.DataFrame, suite: str) -> FailedExpectation | None:
    """The ``schema_dtypes`` rule: every contract column present has the contract dtype."""
    schema = SUITE_SCHEMAS[suite]
    wrong = [
        f"{name}: {df.schema[name]} (expected {dtype})"
        for name, dtype in schema.items()
        if name in df.columns and df.schema[name] != dtype
    ]
    if not wrong:
        return None
    return FailedExpectation(
        name="schema_dtypes",
        expectation_type="polars_schema_dtypes",
        column=None,
        unexpected_count=len(wrong),
        unexpected_percent=None,
        examples=tuple(wrong[:MAX_EXAMPLES]),
        observed="; ".join(wrong),
        blocking=True,
    )


def _for_pandas(df: pl.DataFrame) -> Any:
    """pandas copy GX can evaluate: Polars nulls as None/NaN, datetimes kept tz-aware."""
    return df.to_pandas(use_pyarrow_extension_array=False)


def _example(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def validate_with_gx(df: pl.DataFrame, suite: str) -> GxResult:
    """Run ``suite`` ("raw_posts" or "raw_prices") on ``df``; never writes to disk."""
    if suite not in _BUILDERS:
        raise ValueError(f"unknown GX suite {suite!r}; known: {', '.join(SUITES)}")
    started = time.perf_counter()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # In-memory stores, no analytics events, no progress bars: nothing leaves the process.
    project_config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=project_config)
    named = _BUILDERS[suite](gxe)
    expectation_suite = gx.ExpectationSuite(name=f"{suite}_suite")
    for name, expectation in named:
        expectation.meta = {"name": name}
        expectation_suite.add_expectation(expectation)
    source = context.data_sources.add_pandas(name=f"{suite}_frames")
    asset = source.add_dataframe_asset(name=suite)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": _for_pandas(df)}
    )
    validation = batch.validate(
        expectation_suite,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES},
    )
    blocking = BLOCKING_EXPECTATIONS[suite]
    failed: list[FailedExpectation] = []
    dtype_failure = _dtype_failure(df, suite)
    if dtype_failure is not None:
        failed.append(dtype_failure)
    for item in validation.results:
        config = item.expectation_config
        name = (config.meta or {}).get("name", config.type)
        if item.success:
            continue
        result = item.result or {}
        exception = (item.exception_info or {}).get("exception_message")
        column = config.kwargs.get("column") or (
            ",".join(config.kwargs["column_list"]) if "column_list" in config.kwargs else None
        )
        if "column_A" in config.kwargs:
            column = f"{config.kwargs['column_A']},{config.kwargs['column_B']}"
        observed = result.get("observed_value")
        examples = result.get("partial_unexpected_list") or []
        failed.append(
            FailedExpectation(
                name=name,
                expectation_type=config.type,
                column=column,
                unexpected_count=result.get("unexpected_count"),
                unexpected_percent=result.get("unexpected_percent"),
                examples=tuple(_example(v) for v in examples[:MAX_EXAMPLES]),
                observed=exception or (None if observed is None else _example(observed)),
                blocking=name in blocking,
            )
        )
    return GxResult(
        suite=suite,
        success=not failed,
        evaluated=len(validation.results) + 1,  # + the Polars dtype rule
        row_count=df.height,
        failed=tuple(failed),
        runtime_s=time.perf_counter() - started,
    )

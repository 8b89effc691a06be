"""The end every ingestion shares: checked rows -> kept partitions, quarantine rows, counts.

An ingester (posts, prices) marks each row with a ``_reason`` (null = valid), its ``_partition``
key and its input position ``_row``; :func:`split_checked_rows` then keeps the valid rows (cast
to the raw schema, ground truth kept), turns the rejected ones into quarantine rows with their
original record and reason, counts both, and splits everything by partition key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from tft_assets.schemas import QUARANTINE_SCHEMA, empty_frame, ground_truth_columns

#: A quarantine message is ``"<reason>: <detail>"`` (or just ``"<reason>"``): the reason is a
#: fixed category (``missing post_id``, ``duplicate post_id``, ``malformed JSON``, ``high < low``,
#: ...), so ``GROUP BY reason`` counts categories; the detail (an id, a date, a length, the
#: parser's message) goes to its own column.
REASON_SEPARATOR = ": "


#: Reason of a row dated before the asset's first partition (``TFT_START_DATE``): it can never be
#: stored, so it is quarantined rather than left out of the import.
BEFORE_FIRST_PARTITION = "before the first partition (TFT_START_DATE)" + REASON_SEPARATOR
#: Reason of a row dated after the asset's last partition (a timestamp in the future): no
#: partition can hold it yet.
AFTER_LAST_PARTITION = "after the last partition (in the future)" + REASON_SEPARATOR


def reason_category(messages: pl.Expr) -> pl.Expr:
    return messages.str.splitn(REASON_SEPARATOR, 2).struct.field("field_0")


def reason_detail(messages: pl.Expr) -> pl.Expr:
    return messages.str.splitn(REASON_SEPARATOR, 2).struct.field("field_1")


@dataclass(frozen=True)
class IngestResult:
    """Validated rows split by partition key, rejected rows with reasons, and counts."""

    partitions: dict[str, pl.DataFrame]
    quarantine: dict[str, pl.DataFrame]
    stats: Mapping[str, int] = field(default_factory=dict)

    @property
    def quarantined_rows(self) -> int:
        return sum(f.height for f in self.quarantine.values())

    @property
    def kept_rows(self) -> int:
        return sum(f.height for f in self.partitions.values())


def _record_json(frame: pl.DataFrame) -> pl.Series:
    """One JSON string per row (for the quarantine ``record`` column)."""
    if frame.height == 0:
        return pl.Series("record", [], dtype=pl.String)
    return pl.Series(
        "record", [json.dumps(r, default=str, ensure_ascii=False) for r in frame.to_dicts()]
    )


def quarantine_frame(
    asset: str, frame: pl.DataFrame, reasons: pl.Series, partitions: pl.Series
) -> pl.DataFrame:
    """Build quarantine rows (schema :data:`QUARANTINE_SCHEMA`) from rejected ``frame`` rows;
    ``reasons`` are messages ``"<reason>: <detail>"``, split into the two columns."""
    return pl.DataFrame(
        {
            "asset": [asset] * frame.height,
            "partition": partitions,
            "reason": reasons.alias("reason"),
            "detail": reasons.alias("detail"),
            "record": _record_json(frame),
        },
        schema=QUARANTINE_SCHEMA,
    ).with_columns(
        reason_category(pl.col("reason")).alias("reason"),
        reason_detail(pl.col("detail")).alias("detail"),
    )


def split_by_key(
    frame: pl.DataFrame, keys: Sequence[str], key_col: str, schema: dict
) -> dict[str, pl.DataFrame]:
    """``{key: rows of frame whose key_col == key}`` for every key (empty frames included)."""
    groups = (
        {k[0]: g.drop(key_col) for k, g in frame.partition_by(key_col, as_dict=True).items()}
        if frame.height
        else {}
    )
    out = {}
    for key in keys:
        out[key] = groups.get(
            key, empty_frame(schema) if not frame.columns else frame.drop(key_col).clear()
        )
    return out


def _quarantine_partitions(rejected: pl.DataFrame, keys: list[str]) -> pl.Series:
    """The partition each rejected row is filed under: its own when it is one of the run's,
    else the run's first (``"unknown"`` for a run without keys)."""
    fallback = keys[0] if keys else "unknown"
    return pl.Series(
        [
            p if p in keys else fallback
            for p in rejected.get_column("_partition").fill_null(fallback).to_list()
        ],
        dtype=pl.String,
    )


def _no_extra_stats(kept: pl.DataFrame) -> dict[str, int]:
    return {}


def split_checked_rows(
    checked: pl.DataFrame,
    valid: pl.DataFrame,
    *,
    asset: str,
    partition_keys: Sequence[str],
    raw_schema: dict[str, pl.DataType],
    sort_by: Sequence[str],
    record_columns: Sequence[str],
    extra_stats: Callable[[pl.DataFrame], dict[str, int]] = _no_extra_stats,
) -> IngestResult:
    """Partitions, quarantine and counts of one ingestion run.

    Args:
        checked: every input row, with ``_reason`` (null = passed the row rules),
            ``_partition`` and ``_row``.
        valid: the rows of ``checked`` that passed the row rules, with ``_reason`` now set by
            the rules across rows (duplicates); null = kept.
        asset: the asset named in the quarantine rows.
        partition_keys: the run's partition keys (every one gets a frame, maybe empty).
        raw_schema: columns and dtypes of the kept rows (``gt_*`` columns are kept too).
        sort_by: order of the kept rows.
        record_columns: columns of a rejected row written to its quarantine ``record``.
        extra_stats: more counts from the kept rows, listed after the row counts.

    Returns:
        :class:`IngestResult`; ``rows_in == rows_kept + rows_quarantined``.
    """
    keys = list(partition_keys)
    rejected = pl.concat(
        [
            checked.filter(pl.col("_reason").is_not_null()),
            valid.filter(pl.col("_reason").is_not_null()),
        ]
    ).sort("_row")
    kept = valid.filter(pl.col("_reason").is_null())
    kept = kept.select(
        [pl.col(c).cast(t) for c, t in raw_schema.items()]
        + [pl.col(c) for c in ground_truth_columns(kept)]
        + ["_partition"]
    ).sort(list(sort_by))
    quarantine = quarantine_frame(
        asset,
        rejected.select(list(record_columns) + ground_truth_columns(rejected)),
        rejected.get_column("_reason"),
        _quarantine_partitions(rejected, keys),
    ).with_columns(pl.col("partition").alias("_partition"))
    stats = {
        "rows_in": checked.height,
        "rows_kept": kept.height,
        "rows_quarantined": rejected.height,
        **extra_stats(kept),
    }
    by_reason = (
        rejected.group_by(reason_category(pl.col("_reason")).alias("reason")).len().sort("reason")
    )
    stats.update({f"quarantined[{r}]": n for r, n in by_reason.iter_rows()})
    return IngestResult(
        partitions=split_by_key(kept, keys, "_partition", raw_schema),
        quarantine=split_by_key(quarantine, keys, "_partition", QUARANTINE_SCHEMA),
        stats=stats,
    )

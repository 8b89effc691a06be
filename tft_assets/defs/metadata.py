"""Helpers that turn frames into metadata a person wants to read in the Dagster UI."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import dagster as dg
import polars as pl


def md_table(frame: pl.DataFrame, max_rows: int = 10, max_chars: int = 60) -> dg.MetadataValue:
    """A Markdown table of the first ``max_rows`` rows (cells truncated to ``max_chars``)."""
    head = frame.head(max_rows)
    cols = head.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in head.iter_rows():
        cells = [str(v).replace("|", "\\|").replace("\n", " ")[:max_chars] for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def png_markdown(png: bytes, alt: str) -> dg.MetadataValue:
    """Embed a PNG in Markdown metadata (a data URI), as the Dagster UI renders it."""
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})")


def counts_json(counts: Mapping[str, Any]) -> dg.MetadataValue:
    return dg.MetadataValue.json({str(k): v for k, v in counts.items()})


def schema_mismatches(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> list[str]:
    """Human-readable differences between ``frame``'s columns and the contract ``schema``."""
    problems = [f"missing column {c}" for c in schema if c not in frame.columns]
    problems += [
        f"{c}: {frame.schema[c]} != {t}"
        for c, t in schema.items()
        if c in frame.columns and frame.schema[c] != t
    ]
    return problems

"""DuckDB over the lake: one view per asset (and ``quarantine``), then plain SQL.

Local lakes are read directly; remote lakes (s3://, gs://) go through DuckDB's httpfs/fsspec
support, registered from the lake's fsspec filesystem.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from upath import UPath

from tft_assets.lake.storage import QUARANTINE_DIR, list_assets, list_partitions


def _glob(base: UPath, *parts: str) -> str:
    path = base.joinpath(*parts)
    if getattr(base, "protocol", "") in ("", "file", "local"):
        return f"{path.path}/*.parquet"
    return f"{path}/*.parquet"


def connect(lake_url: str) -> Any:
    """An in-memory DuckDB connection with a view per asset in the lake at ``lake_url``."""
    import duckdb

    base = UPath(lake_url)
    con = duckdb.connect(":memory:")
    if getattr(base, "protocol", "") not in ("", "file", "local"):
        con.register_filesystem(base.fs)
    for asset in list_assets(base):
        if list_partitions(base, asset):
            con.execute(
                f"CREATE VIEW \"{asset}\" AS SELECT * FROM read_parquet('{_glob(base, asset)}', "
                "union_by_name = true, filename = true)"
            )
    q = base / QUARANTINE_DIR
    if q.exists() and any(list_partitions(q, a) for a in list_assets(q)):
        con.execute(
            f"CREATE VIEW quarantine AS SELECT * FROM read_parquet('{_glob(base, QUARANTINE_DIR, '*')}', "
            "union_by_name = true)"
        )
    return con


def query(lake_url: str, sql: str) -> pl.DataFrame:
    """Run ``sql`` against the lake's views; return a Polars frame."""
    con = connect(lake_url)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def views(lake_url: str) -> list[str]:
    con = connect(lake_url)
    try:
        return sorted(
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        )
    finally:
        con.close()

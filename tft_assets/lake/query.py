"""DuckDB over the lake: one view per asset (and ``quarantine``), then plain SQL.

Local lakes are read directly. Remote lakes (``s3://bucket/prefix``, gs://, ...) are read through
the lake's own fsspec filesystem, registered with ``con.register_filesystem`` (the one the IO
manager writes with, so the same environment configures both: ``AWS_ENDPOINT_URL``, credentials).
DuckDB's httpfs extension is never used: it is downloaded at run time, which a machine without
network access cannot do, so such connections are told not to auto-install extensions and fail
fast instead of hanging on a download.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from upath import UPath

from tft_assets.lake.storage import (
    QUARANTINE_DIR,
    is_local,
    lake_path,
    list_assets,
    list_partitions,
)


def _glob(base: UPath, *parts: str) -> str:
    """A quoted SQL string literal: the glob of the Parquet files under ``base/parts``."""
    path = base.joinpath(*parts)
    text = f"{path.path}/*.parquet" if is_local(base) else f"{path}/*.parquet"
    return "'" + text.replace("'", "''") + "'"


def connect(lake_url: str) -> Any:
    """An in-memory DuckDB connection with a view per asset in the lake at ``lake_url``."""
    import duckdb

    base = lake_path(lake_url)
    if is_local(base):
        con = duckdb.connect(":memory:")
    else:
        con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
        con.register_filesystem(base.fs)
    for asset in list_assets(base):
        if list_partitions(base, asset):
            con.execute(
                f'CREATE VIEW "{asset}" AS SELECT * FROM read_parquet({_glob(base, asset)}, '
                "union_by_name = true, filename = true)"
            )
    q = base / QUARANTINE_DIR
    if q.exists() and any(list_partitions(q, a) for a in list_assets(q)):
        files = _glob(base, QUARANTINE_DIR, "*")
        con.execute(
            f"CREATE VIEW quarantine AS SELECT * FROM read_parquet({files}, union_by_name = true)"
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

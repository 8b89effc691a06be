"""``tft-trader sql "SELECT ..."``: DuckDB over the lake."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sql", help="run SQL (DuckDB) over views of every asset in the lake")
    p.add_argument("query", help='e.g. "SELECT ticker, count(*) FROM raw_prices GROUP BY 1"')
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--max-rows", type=int, default=50, help="rows shown in table format")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import duckdb
    import polars as pl

    from tft_assets.lake.query import query, views
    from tft_assets.settings import load_settings

    lake = load_settings().lake_url
    try:
        frame = query(lake, args.query)
    except duckdb.Error as exc:
        available = ", ".join(views(lake)) or "none (the lake is empty: run `tft-trader demo`)"
        raise ValueError(f"{str(exc).splitlines()[0]} (views: {available})") from None
    if args.format == "csv":
        sys.stdout.write(frame.write_csv())
    elif args.format == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        with pl.Config(
            tbl_rows=args.max_rows, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200
        ):
            print(frame)
    return 0

"""``tft-trader features`` (feature table for files outside the lake) and ``snapshot rebuild``."""

from __future__ import annotations

import argparse
from pathlib import Path

PRICE_COLUMNS = ("date", "ticker", "open", "high", "low", "close", "volume")
_SCORED_MARKERS = ("is_quality", "quality_score", "tickers", "ticker_sentiment")
SNAPSHOTS_ASSET = "feature_snapshots"
PRICES_ASSET = "raw_prices"
SCORED_POSTS_ASSET = "scored_posts"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "features",
        help="compute the feature table from a prices file (and optionally a posts file)",
        description="Same code path as the feature_snapshots asset, for CSV/Parquet files outside the lake.",
    )
    p.add_argument(
        "prices_file",
        metavar="PRICES_FILE",
        help="long OHLCV CSV or Parquet: date, ticker, open, high, low, close, volume",
    )
    p.add_argument("output", metavar="OUTPUT", help="output file (.parquet or .csv)")
    p.add_argument(
        "--posts",
        metavar="POSTS_FILE",
        default=None,
        help="scored posts (Parquet with SCORED_POSTS_SCHEMA) or raw posts (scored first)",
    )
    p.add_argument(
        "--use-adj-close",
        action="store_true",
        help="use the adj_close column (when present) as the split-consistent price",
    )
    p.set_defaults(func=run_features)

    snap = sub.add_parser("snapshot", help="feature snapshot maintenance")
    snap_sub = snap.add_subparsers(dest="snapshot_command", required=True, metavar="ACTION")
    rb = snap_sub.add_parser(
        "rebuild", help="recompute a stored snapshot from the lake and verify its checksum"
    )
    rb.add_argument("snapshot_id", metavar="SNAPSHOT_ID")
    rb.add_argument(
        "--date", default=None, help="partition (YYYY-MM-DD) holding the snapshot; default: search"
    )
    rb.set_defaults(func=run_rebuild)


def _read_table(path: Path):
    import polars as pl

    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith(".parquet") or suffix.endswith(".pq"):
        return pl.read_parquet(path)
    if suffix.endswith(".csv") or suffix.endswith(".csv.gz"):
        return pl.read_csv(path, try_parse_dates=True, infer_schema_length=10_000)
    raise ValueError(f"{path.name}: expected a .csv or .parquet file")


def read_prices_file(path: str | Path):
    """Long-format OHLCV rows with ``date`` as Date; extra columns kept (the builder ignores them)."""
    import polars as pl

    df = _read_table(Path(path))
    missing = [c for c in PRICE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{Path(path).name}: missing columns {missing}")
    if df.schema["date"] == pl.String:
        df = df.with_columns(pl.col("date").str.to_date(strict=False))
    df = df.with_columns(pl.col("date").cast(pl.Date), pl.col("ticker").cast(pl.String))
    if df["date"].null_count():
        raise ValueError(
            f"{Path(path).name}: {df['date'].null_count()} rows have an unparseable date"
        )
    return df


def read_posts_file(path: str | Path):
    """Scored posts; raw posts (RAW_POSTS_SCHEMA) are scored with ``tft_assets.posts.score_posts`` first."""
    import polars as pl

    df = _read_table(Path(path))
    if "created_utc" not in df.columns:
        raise ValueError(f"{Path(path).name}: posts need a created_utc column")
    ts = df.schema["created_utc"]
    if ts == pl.String:
        df = df.with_columns(pl.col("created_utc").str.to_datetime(time_zone="UTC", strict=False))
    elif ts.is_integer():
        df = df.with_columns(
            pl.from_epoch("created_utc", time_unit="s").dt.replace_time_zone("UTC")
        )
    elif getattr(df.schema["created_utc"], "time_zone", None) is None:
        df = df.with_columns(pl.col("created_utc").dt.replace_time_zone("UTC"))
    if all(c in df.columns for c in _SCORED_MARKERS):
        return df
    from tft_assets.posts import score_posts

    return score_posts(df)


def run_features(args: argparse.Namespace) -> int:
    from tft_assets.features import FeatureConfig, compute_features

    prices = read_prices_file(args.prices_file)
    posts = read_posts_file(args.posts) if args.posts else None
    config = FeatureConfig(use_adj_close=bool(args.use_adj_close))
    table = compute_features(prices, posts, config)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        table.write_parquet(out)
    elif out.suffix.lower() == ".csv":
        table.write_csv(out)
    else:
        raise ValueError(f"OUTPUT must end in .parquet or .csv, got {out.name}")
    print(
        f"wrote {table.height} rows x {table.width} columns ({table['ticker'].n_unique()} tickers) to {out}"
    )
    return 0


def _find_snapshot(lake: str, snapshot_id: str, date: str | None) -> str:
    import polars as pl

    from tft_assets.lake import list_partitions, partition_path

    keys = [date] if date else list_partitions(lake, SNAPSHOTS_ASSET)
    for key in reversed(keys):
        path = partition_path(lake, SNAPSHOTS_ASSET, key)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            ids = pl.read_parquet(fh, columns=["snapshot_id"])["snapshot_id"]
        if ids.len() and ids[0] == snapshot_id:
            return key
    raise ValueError(f"snapshot {snapshot_id} is not in {lake}/{SNAPSHOTS_ASSET}")


def run_rebuild(args: argparse.Namespace) -> int:
    from tft_assets.features import rebuild_snapshot
    from tft_assets.lake import list_partitions, partition_path, read_partition, read_partitions
    from tft_assets.settings import load_settings

    lake = load_settings().lake_url
    key = _find_snapshot(lake, args.snapshot_id, args.date)
    stored = read_partition(partition_path(lake, SNAPSHOTS_ASSET, key))
    prices = read_partitions(
        lake, PRICES_ASSET, [k for k in list_partitions(lake, PRICES_ASSET) if k <= key]
    )
    post_keys = [k for k in list_partitions(lake, SCORED_POSTS_ASSET) if k <= key]
    posts = read_partitions(lake, SCORED_POSTS_ASSET, post_keys) if post_keys else None
    result = rebuild_snapshot(stored, prices, posts)
    print(result.describe())
    if not result.matches:
        raise RuntimeError(f"snapshot {args.snapshot_id} did not rebuild to the stored checksum")
    return 0

"""The Parquet lake: one file per asset partition on any fsspec filesystem (via UPath)."""

from tft_assets.lake.storage import (
    QUARANTINE_DIR,
    asset_dir,
    atomic_write_parquet,
    file_checksum,
    frame_checksum,
    list_assets,
    list_partitions,
    partition_path,
    read_partition,
    read_partitions,
)

__all__ = [
    "QUARANTINE_DIR",
    "asset_dir",
    "atomic_write_parquet",
    "file_checksum",
    "frame_checksum",
    "list_assets",
    "list_partitions",
    "partition_path",
    "read_partition",
    "read_partitions",
]

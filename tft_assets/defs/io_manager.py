"""Polars <-> Parquet IO manager on a UPath base, built on Dagster's ``UPathIOManager``.

Outputs
    * one partition: a ``pl.DataFrame`` (or a one-key ``dict``) -> ``<lake>/<asset>/<key>.parquet``
    * a partition range (``BackfillPolicy.single_run()``): a ``dict[partition_key, pl.DataFrame]``
      with one entry per key of the run; one file is written per key. A missing key is an error.
    Every file is written atomically (see :mod:`tft_assets.lake.storage`); metadata carries row
    counts and SHA-256 checksums of the bytes written.

Lake URLs
    A local path or an object-store URL such as ``s3://bucket/prefix`` (s3fs). The endpoint and
    credentials of S3 come from the environment (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ... as botocore reads them), never from this resource's config, so
    no secret is stored in the run config, logged or written into metadata (which carries the
    ``s3://`` paths only). On S3 a partition is one object uploaded whole, so it is absent or
    complete, never partial: S3 has no rename, and no temporary keys are written.

Inputs
    * one upstream partition: the ``pl.DataFrame``
    * several upstream partitions (a range run, or a ``TimeWindowPartitionMapping`` window): by
      default one concatenated ``pl.DataFrame`` (diagonal concat, so empty partitions are fine);
      annotate the input as ``dict`` to receive ``dict[partition_key, pl.DataFrame]`` instead.
"""

from __future__ import annotations

import hashlib
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field
from upath import UPath

from tft_assets.lake.storage import atomic_write_parquet, is_local, lake_path, read_partition


class _PolarsParquetUPathIOManager(dg.UPathIOManager):
    extension = ".parquet"

    def make_safe_partition_path(self, base_path: UPath, partition: str) -> UPath:
        # Private import on purpose: dagster 1.13 exports no public helper for this, and its own
        # PickledObjectFilesystemIOManager overrides this method with the same call. Partition
        # keys here are dates, so this is defence in depth against a ``..`` segment.
        from dagster._core.storage.upath_io_manager import escape_dotdot_segments

        return super().make_safe_partition_path(base_path, escape_dotdot_segments(partition))

    def make_directory(self, path: UPath) -> None:
        # Object stores have no folders (and s3fs's mkdir of a missing bucket would create it,
        # hiding a mistyped TFT_LAKE_URL): only local lakes need one.
        if is_local(path):
            super().make_directory(path)

    def dump_to_path(self, context: dg.OutputContext, obj: pl.DataFrame, path: UPath) -> None:
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: expected a polars DataFrame, got {type(obj).__name__}"
            )
        checksum = atomic_write_parquet(obj, path)
        self._checksums[path.name] = checksum

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pl.DataFrame:
        return read_partition(path)

    def load_partitions(self, context: dg.InputContext) -> Any:
        # One log line for the input rather than one per partition: a single-run backfill loads
        # hundreds of partitions, and each line is an event written to the Dagster instance.
        keys = list(context.asset_partition_keys)
        if len(keys) == 1 or isinstance(context.asset_partitions_def, dg.MultiPartitionsDefinition):
            return super().load_partitions(context)
        paths = self._get_paths_for_partitions(context)
        allow_missing = bool(
            (context.definition_metadata or {}).get("allow_missing_partitions", False)
        )
        context.log.debug(f"Loading {len(keys)} partitions from {paths[keys[0]].parent}")
        objs, missing = {}, []
        for key in keys:
            try:
                objs[key] = self.load_from_path(context, paths[key])
            except FileNotFoundError:
                if not allow_missing:
                    raise
                missing.append(key)
        if missing:
            context.log.warning(f"{len(missing)} partitions not found, skipped: {missing[:5]}")
        return objs

    def load_input(self, context: dg.InputContext) -> Any:
        obj = super().load_input(context)
        if _wants_dict(context) and isinstance(obj, pl.DataFrame) and context.has_asset_partitions:
            return {context.asset_partition_key: obj}
        if isinstance(obj, dict) and not _wants_dict(context):
            frames = [obj[k] for k in sorted(obj)]
            return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        return obj

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self._checksums: dict[str, str] = {}
        if obj is None:
            return
        if not context.has_asset_partitions:
            super().handle_output(context, obj)
            return
        keys = list(context.asset_partition_keys)
        if isinstance(obj, pl.DataFrame):
            if len(keys) != 1:
                raise ValueError(
                    f"{context.asset_key.to_user_string()}: a run over {len(keys)} partitions must "
                    "return dict[partition_key, DataFrame]"
                )
            obj = {keys[0]: obj}
        missing = sorted(set(keys) - set(obj))
        extra = sorted(set(obj) - set(keys))
        if missing or extra:
            raise ValueError(
                f"{context.asset_key.to_user_string()}: output keys do not match the run's partitions"
                f" (missing {missing[:3]}{'...' if len(missing) > 3 else ''}, unexpected {extra[:3]})"
            )
        paths = self._get_paths_for_partitions(context)
        rows = {}
        for key in keys:
            path = paths[key]
            self.make_directory(path.parent)
            self.dump_to_path(context=context, obj=obj[key], path=path)
            rows[key] = obj[key].height
        meta: dict[str, Any] = {
            "lake_path": dg.MetadataValue.path(str(paths[keys[0]].parent)),
            "partitions_written": len(keys),
            "rows_written": sum(rows.values()),
        }
        if len(keys) == 1:
            meta["path"] = dg.MetadataValue.path(str(paths[keys[0]]))
            meta["sha256"] = self._checksums[paths[keys[0]].name]
        else:
            # Dagster copies output metadata onto every partition's materialization event, so a
            # range run carries a compact summary rather than per-partition maps (O(n) not O(n^2)).
            meta["min_rows_per_partition"] = min(rows.values())
            meta["max_rows_per_partition"] = max(rows.values())
            meta["sha256_of_partition_checksums"] = hashlib.sha256(
                "".join(self._checksums[paths[k].name] for k in keys).encode()
            ).hexdigest()
        context.add_output_metadata(meta)


def _wants_dict(context: dg.InputContext) -> bool:
    typing_type = getattr(context.dagster_type, "typing_type", None)
    return typing_type is dict or getattr(typing_type, "__origin__", None) is dict


class PolarsParquetIOManager(dg.ConfigurableIOManagerFactory):
    """Stores Polars frames as Parquet, one file per partition, under ``base_url``."""

    base_url: str = Field(
        default="data/lake",
        description="Lake root: a local path or any fsspec URL (s3://..., gs://...).",
    )

    def create_io_manager(self, context: dg.InitResourceContext) -> _PolarsParquetUPathIOManager:
        return _PolarsParquetUPathIOManager(base_path=lake_path(self.base_url))

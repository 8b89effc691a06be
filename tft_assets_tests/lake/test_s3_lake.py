"""The Parquet lake on S3, against a real S3 API: moto's server mode, an HTTP server on
127.0.0.1 (no mocked client). The lake is pointed at ``s3://<bucket>/lake`` through the
environment only (``TFT_LAKE_URL``, ``AWS_ENDPOINT_URL`` and fake credentials), as a user would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import uuid

import dagster as dg
import polars as pl
import pytest

from tft_assets.definitions import build_definitions
from tft_assets.lake import storage
from tft_assets.lake.query import connect, query, views
from tft_assets.lake.storage import atomic_write_parquet, list_partitions, partition_path
from tft_assets_tests.conftest import materialize

DAY = "2024-03-04"
#: The fake secret key: it must appear in no event, metadata entry, run config or log line.
SECRET = "fake-secret-4d1f9c2e-never-log-me"


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server in a thread of this process, on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(level)


@pytest.fixture
def bucket(s3_endpoint, monkeypatch, tmp_path):
    """A fresh bucket; the AWS environment points at the server (and at no real AWS config)."""
    import boto3
    import s3fs

    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fake-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3fs.S3FileSystem.clear_instance_cache()  # no client made under another test's environment
    name = f"tft-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    yield name
    s3fs.S3FileSystem.clear_instance_cache()


def _s3():
    import boto3

    return boto3.client("s3")


def _keys(bucket: str, prefix: str = "") -> set[str]:
    listed = _s3().list_objects_v2(Bucket=bucket, Prefix=prefix)
    return {o["Key"] for o in listed.get("Contents", [])}


def _object_sha256(bucket: str, key: str) -> str:
    return hashlib.sha256(_s3().get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()


def _s3_settings(monkeypatch, bucket: str):
    from tft_assets.settings import load_settings

    monkeypatch.setenv("TFT_LAKE_URL", f"s3://{bucket}/lake")
    s3 = dataclasses.replace(load_settings(), demo_tickers=5)
    assert s3.lake_url == f"s3://{bucket}/lake"
    return s3


def _cli_json(capsys, monkeypatch, lake_url: str, sql: str) -> str:
    from tft_assets.cli import main

    monkeypatch.setenv("TFT_LAKE_URL", lake_url)
    capsys.readouterr()
    assert main(["sql", sql, "--format", "json"]) == 0
    return capsys.readouterr().out


def _assert_no_secret(instance: dg.DagsterInstance, run_id: str, *texts: str) -> None:
    from dagster_shared.serdes import serialize_value

    events = "".join(serialize_value(e) for e in instance.all_logs(run_id))
    run = instance.get_run_by_id(run_id)
    assert run is not None and events
    for text in (events, json.dumps(run.run_config, default=str), *texts):
        assert SECRET not in text


def test_assets_materialise_to_s3_and_read_back_like_the_local_lake(
    settings, bucket, instance, monkeypatch, capsys, caplog
):
    assets = ["raw_posts", "raw_prices"]
    local = materialize(build_definitions(settings), assets, DAY, None, instance)
    assert local.success
    s3_settings = _s3_settings(monkeypatch, bucket)
    s3_defs = build_definitions(s3_settings)
    with dg.instance_for_test() as s3_instance:
        remote = materialize(s3_defs, assets, DAY, None, s3_instance)
        assert remote.success
        # the same files, as objects under the prefix; the same bytes (Parquet is deterministic)
        local_files = {
            p.relative_to(settings.lake_url).as_posix()
            for p in storage.lake_path(settings.lake_url).rglob("*.parquet")
        }
        assert f"raw_prices/{DAY}.parquet" in local_files and len(local_files) >= 2
        assert _keys(bucket) == {f"lake/{f}" for f in local_files}
        for asset in assets:
            mine = remote.asset_materializations_for_node(asset)[0].metadata
            theirs = local.asset_materializations_for_node(asset)[0].metadata
            assert mine["path"].value == f"s3://{bucket}/lake/{asset}/{DAY}.parquet"
            assert mine["sha256"].value == theirs["sha256"].value
            assert mine["sha256"].value == _object_sha256(bucket, f"lake/{asset}/{DAY}.parquet")
            # read back through the IO manager (its load_input), as a downstream asset would
            frame = s3_defs.load_asset_value(asset, partition_key=DAY, instance=s3_instance)
            assert isinstance(frame, pl.DataFrame) and frame.height > 0
            assert frame.equals(pl.read_parquet(partition_path(settings.lake_url, asset, DAY)))
        _assert_no_secret(s3_instance, remote.run_id, caplog.text, capsys.readouterr().err)

    # DuckDB over the S3 lake (fsspec filesystem, no httpfs): the same rows as the local lake
    s3_url = s3_settings.lake_url
    assert views(s3_url) == views(settings.lake_url) == ["quarantine", *assets]
    sql = "SELECT * EXCLUDE (filename) FROM {} ORDER BY ALL"
    for asset in assets:
        got = query(s3_url, sql.format(asset))
        assert got.height > 0 and got.equals(query(settings.lake_url, sql.format(asset)))
    assert query(s3_url, "SELECT min(filename) AS f FROM raw_prices")["f"][0].startswith("s3://")
    con = connect(s3_url)
    try:
        assert con.sql("SELECT count(*) FROM raw_posts").fetchall()[0][0] > 0
        loaded = con.sql(
            "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'httpfs'"
        ).fetchall()
        assert loaded in ([], [(False,)])
    finally:
        con.close()
    # and through the command line, configured from the environment alone
    cli_sql = "SELECT * EXCLUDE (filename) FROM raw_posts ORDER BY ALL"
    on_s3 = _cli_json(capsys, monkeypatch, s3_url, cli_sql)
    assert len(json.loads(on_s3)) > 10
    assert on_s3 == _cli_json(capsys, monkeypatch, settings.lake_url, cli_sql)


def _dying_write_parquet(real):
    """A ``DataFrame.write_parquet`` that writes the first half of the file, then fails."""

    def write_parquet(self, file, *args, **kwargs):
        buf = io.BytesIO()
        real(self, buf, *args, **kwargs)
        data = buf.getvalue()
        file.write(data[: len(data) // 2])
        raise OSError("writer died half-way through the file")

    return write_parquet


def test_a_writer_dying_mid_file_leaves_the_partition_whole_or_absent(
    settings, bucket, instance, monkeypatch
):
    defs = build_definitions(_s3_settings(monkeypatch, bucket))
    lake = f"s3://{bucket}/lake"
    key = f"lake/raw_prices/{DAY}.parquet"
    dying = _dying_write_parquet(pl.DataFrame.write_parquet)
    real = pl.DataFrame.write_parquet

    monkeypatch.setattr(pl.DataFrame, "write_parquet", dying)
    failed = materialize(defs, ["raw_prices"], DAY, None, instance)
    assert not failed.success
    assert _keys(bucket, "lake/raw_prices") == set()  # absent: no object, no temporary key
    assert list_partitions(lake, "raw_prices") == []
    assert instance.get_materialized_partitions(dg.AssetKey("raw_prices")) == set()

    monkeypatch.setattr(pl.DataFrame, "write_parquet", real)
    rerun = materialize(defs, ["raw_prices"], DAY, None, instance)
    assert rerun.success
    written = rerun.asset_materializations_for_node("raw_prices")[0].metadata["sha256"].value
    assert _keys(bucket, "lake/raw_prices") == {key}
    assert _object_sha256(bucket, key) == written
    assert list_partitions(lake, "raw_prices") == [DAY]

    # a failed rewrite leaves the whole old object in place
    monkeypatch.setattr(pl.DataFrame, "write_parquet", dying)
    assert not materialize(defs, ["raw_prices"], DAY, None, instance).success
    assert _keys(bucket, "lake/raw_prices") == {key}
    assert _object_sha256(bucket, key) == written


def test_a_multipart_upload_failing_mid_object_publishes_nothing(bucket, monkeypatch):
    """A file over twice ``OBJECT_PART_BYTES`` goes up in parts; the second part fails after the
    first reached the server: the old object stays, and no half upload is left behind."""
    import numpy as np

    monkeypatch.setattr(storage, "OBJECT_PART_BYTES", 5 * 2**20)  # S3's smallest part
    path = partition_path(f"s3://{bucket}/lake", "big", DAY)
    old = atomic_write_parquet(pl.DataFrame({"x": [1, 2, 3]}), path)
    rng = np.random.default_rng(0)
    big = pl.DataFrame({"x": rng.integers(-(2**62), 2**62, 1_700_000)})  # ~13 MiB, incompressible
    calls: list[str] = []

    def count(event_name: str, **_: object) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    def fail_second_part(**_: object) -> None:
        if calls.count("UploadPart") == 2:
            raise ConnectionResetError("connection lost during part 2")

    events = path.fs.s3.meta.events
    events.register("before-call.s3", count)
    events.register("before-call.s3.UploadPart", fail_second_part)
    key = f"lake/big/{DAY}.parquet"
    try:
        with pytest.raises(ConnectionResetError):
            atomic_write_parquet(big, path)
        assert calls.count("CreateMultipartUpload") == 1 and calls.count("UploadPart") >= 2
        assert "CompleteMultipartUpload" not in calls
        assert _object_sha256(bucket, key) == old  # the old object, whole
        assert not _s3().list_multipart_uploads(Bucket=bucket).get("Uploads")  # aborted
        events.unregister("before-call.s3.UploadPart", fail_second_part)
        calls.clear()
        written = atomic_write_parquet(big, path)
        assert calls.count("UploadPart") == 3 and "CompleteMultipartUpload" in calls
    finally:
        events.unregister("before-call.s3", count)
        events.unregister("before-call.s3.UploadPart", fail_second_part)
    assert _object_sha256(bucket, key) == written
    assert pl.read_parquet(_s3().get_object(Bucket=bucket, Key=key)["Body"].read()).equals(big)


def test_partitions_written_by_another_process_are_seen_at_once(bucket):
    """No stale listing cache: a long-lived process (a code server) sees new partitions."""
    lake = f"s3://{bucket}/lake"
    atomic_write_parquet(pl.DataFrame({"x": [1]}), partition_path(lake, "a", "2024-03-04"))
    assert list_partitions(lake, "a") == ["2024-03-04"]
    assert query(lake, "SELECT count(*) AS n FROM a")["n"][0] == 1
    buf = io.BytesIO()
    pl.DataFrame({"x": [2]}).write_parquet(buf)
    _s3().put_object(Bucket=bucket, Key="lake/a/2024-03-05.parquet", Body=buf.getvalue())
    assert partition_path(lake, "a", "2024-03-05").exists()
    assert list_partitions(lake, "a") == ["2024-03-04", "2024-03-05"]
    assert query(lake, "SELECT sum(x) AS s FROM a")["s"][0] == 3

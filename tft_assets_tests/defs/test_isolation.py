"""All generated state stays under TFT_DATA_DIR (and DAGSTER_HOME): nothing lands in the working
directory, and two deployments never share a file."""

import os
import subprocess
import sys
from pathlib import Path

from tft_assets_tests.conftest import REPO


def _demo(cwd: Path, data: Path, home: Path) -> None:
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "TFT_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "PYTHONPATH": str(REPO),
    }
    env.pop("TFT_LAKE_URL", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    cmd = [sys.executable, "-m", "tft_assets.cli", "demo", "--start", "2024-03-04", "--end", "2024-03-08",
           "--tickers", "3", "--warmup-days", "3", "--json"]  # fmt: skip
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_two_deployments_write_only_under_their_own_dirs(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    a_data, a_home = tmp_path / "a" / "data", tmp_path / "a" / "home"
    b_data, b_home = tmp_path / "b" / "data", tmp_path / "b" / "home"
    _demo(cwd, a_data, a_home)
    _demo(cwd, b_data, b_home)
    assert not any(cwd.iterdir()), sorted(str(p) for p in cwd.rglob("*"))
    a_lake = {p.relative_to(a_data) for p in _files(a_data / "lake")}
    b_lake = {p.relative_to(b_data) for p in _files(b_data / "lake")}
    assert a_lake and a_lake == b_lake  # same world, same partitions, each in its own lake
    assert (a_data / "lake" / "raw_posts" / "2024-03-05.parquet").exists()
    assert any(a_home.iterdir()) and any(b_home.iterdir())  # each instance kept its own runs


def test_every_entry_written_under_the_data_dir_is_described_in_its_readme(tmp_path):
    """data/README.md names each top-level entry and each lake folder a run writes, and each
    location the settings place under the data dir, so the README cannot drift from the code."""
    from tft_assets.settings import Settings, load_settings

    data = tmp_path / "data"
    _demo(tmp_path, data, tmp_path / "home")
    readme = (REPO / "data" / "README.md").read_text()
    written = {p.name + ("/" if p.is_dir() else "") for p in data.iterdir()}
    written |= {f"{p.name}/" for p in (data / "lake").iterdir() if p.name == "quarantine"}
    settings: Settings = load_settings()
    placed = {
        f"{settings.inbox_dir.name}/",
        f"{settings.mlflow_artifact_root.name}/",
        f"{Path(settings.mlflow_tracking_uri.removeprefix('sqlite:///')).name}",
        f"{(settings.data_dir / 'dagster_home').name}/",
    }
    missing = sorted(n for n in written | placed if f"`{n}" not in readme)
    assert not missing, f"data/README.md does not describe {missing}"
    assert {"lake/", "mlflow.db", "inbox/"} <= written | placed

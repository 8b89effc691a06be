"""``dagster asset materialize`` in child processes against a test deployment: the environment
that reproduces a :class:`~tft_assets.settings.Settings`, a ``DAGSTER_HOME`` with the project's
``dagster.yaml``, and a start with default signal handling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tft_assets_tests.conftest import REPO

#: Variables of the parent's environment that would leak into the child's deployment.
_DEPLOYMENT_VARS = ("TFT_", "MLFLOW_", "DAGSTER_HOME")


def dagster_home(root: Path) -> Path:
    """A ``DAGSTER_HOME`` under ``root`` holding the project's instance config, its SQLite
    storage created. (Processes that find a fresh home at the same moment each create the schema
    and stamp its migration version, leaving two heads that no later process can open: an
    instance is set up once, before the runs that share it.)"""
    import dagster as dg

    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)
    return home


def deployment_env(settings, home: Path) -> dict[str, str]:
    """The environment under which ``load_settings()`` gives ``settings``' demo deployment, its
    steps run in the launching process (``TFT_EXECUTOR=in_process``) and runs are recorded in
    ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DEPLOYMENT_VARS)}
    return env | {
        "TFT_DATA_DIR": str(settings.data_dir),
        "TFT_START_DATE": settings.start_date.isoformat(),
        "TFT_DEMO_TICKERS": str(settings.demo_tickers),
        "TFT_DEMO_SEED": str(settings.demo_seed),
        "TFT_EXECUTOR": "in_process",
        "DAGSTER_HOME": str(home),
    }


def materialize_args(assets: list[str], first: str, last: str) -> list[str]:
    """``dagster`` arguments of one single-run backfill of ``assets`` over ``first..last``."""
    return [
        "asset", "materialize", "-m", "tft_assets.definitions",
        "--select", ",".join(assets), "--partition-range", f"{first}...{last}",
    ]  # fmt: skip


def _reset_signals() -> None:  # background processes here start with SIGINT/SIGTERM ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start_python(code: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``python -c code args...`` with its output in ``log`` (a file: nobody reads a pipe)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_reset_signals,
        )


#: ``python -c`` code running the ``dagster`` command line with the arguments that follow.
DAGSTER_MAIN = "import sys; from dagster._cli import main; sys.argv[0] = 'dagster'; main()"


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

"""The Celery executor for real: a dagster-celery worker subprocess on this machine's Redis, reading
deploy/celery.yaml, runs the steps of an ingestion -> features run launched with
``TFT_EXECUTOR=celery``; the launcher and the worker share a persistent SQLite instance and a lake.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest

from tft_assets.defs.executors import CELERY_EXECUTOR_NAME, celery_executor_config
from tft_assets.defs.ingestion.automation import INGESTION_JOB
from tft_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
from tft_assets.settings import DEFAULT_CELERY_URL, load_settings
from tft_assets_tests.conftest import REPO

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CONFIG = REPO / "deploy" / "celery.yaml"
JOB = "celery_features_job"
ASSETS = ["raw_posts", "raw_prices", "scored_posts", "feature_snapshots", "feature_lineage"]
STEPS = {"raw_posts", "raw_prices", "scored_posts", "feature_snapshots"}
DAYS = ("2024-03-04", "2024-03-05")  # a Monday and a Tuesday: both NYSE sessions
N_TICKERS = 3
WORKER_READY_S, RUN_TIMEOUT_S, STOP_S = 60, 120, 20


def celery_features_job() -> dg.JobDefinition:
    """The job under test, built from the environment. Module-level, so that
    ``dg.reconstructable`` can point at it: the worker calls it again, in its own process."""
    from tft_assets.definitions import build_definitions

    job = dg.define_asset_job(JOB, selection=ASSETS)
    return dg.Definitions.merge(build_definitions(), dg.Definitions(jobs=[job])).resolve_job_def(
        JOB
    )


def _require_redis() -> None:
    """Skip without Redis (or its Python client); under CI, which starts Redis, fail instead."""
    problem = None
    try:
        import redis  # noqa: F401  (Celery's Redis transport needs it)
    except ImportError:
        problem = "the redis package (Celery's Redis transport) is not installed"
    if problem is None:
        try:
            with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
                pass
        except OSError:
            problem = f"Redis is not listening on {REDIS_HOST}:{REDIS_PORT}"
    if problem is None:
        return
    if os.environ.get("CI"):  # .ci/run starts Redis: missing there is a failure
        pytest.fail(f"{problem} under CI")
    pytest.skip(problem)


# --- wiring (no broker needed) ---------------------------------------------------------------


def test_the_default_executor_is_dagsters_own_and_needs_no_server(settings):
    from tft_assets.definitions import build_definitions

    assert settings.executor == "default"
    job = build_definitions(settings).resolve_job_def(INGESTION_JOB)
    assert job.executor_def.name == dg.multi_or_in_process_executor.name
    # and the code location loads without Celery (imported only when TFT_EXECUTOR=celery)
    code = (
        "import sys\n"
        "import tft_assets.definitions as d\n"
        "d.defs().resolve_job_def('ingestion_job')\n"
        "print(sorted(m for m in ('celery', 'dagster_celery', 'kombu') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TFT_EXECUTOR"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("choice", "name"),
    [
        ("in_process", dg.in_process_executor.name),
        ("multiprocess", dg.multiprocess_executor.name),
        ("celery", CELERY_EXECUTOR_NAME),
    ],
)
def test_tft_executor_sets_the_executor_of_every_job(settings, monkeypatch, choice, name):
    from tft_assets.definitions import build_definitions

    monkeypatch.setenv("TFT_EXECUTOR", choice)
    defs = build_definitions(load_settings())
    for job in (INGESTION_JOB, "models_daily_job"):
        assert defs.resolve_job_def(job).executor_def.name == name


def test_an_unknown_executor_is_refused(settings, monkeypatch):
    monkeypatch.setenv("TFT_EXECUTOR", "dask")
    with pytest.raises(ValueError, match="TFT_EXECUTOR='dask'"):
        load_settings()


def test_celery_urls_come_from_the_environment_at_run_time(settings, monkeypatch):
    monkeypatch.setenv("TFT_EXECUTOR", "celery")
    config = celery_executor_config(load_settings())
    assert config["broker"] == config["backend"] == DEFAULT_CELERY_URL
    assert config["config_source"]["task_default_queue"] == "dagster"
    monkeypatch.setenv("TFT_CELERY_BROKER_URL", "redis://:secret@broker:6379/2")
    monkeypatch.setenv("TFT_CELERY_QUEUE", "tft")
    config = celery_executor_config(load_settings())
    # the URL may hold a password: the config names the variable, Dagster reads it at run time
    assert config["broker"] == {"env": "TFT_CELERY_BROKER_URL"}
    assert config["backend"] == DEFAULT_CELERY_URL
    assert config["config_source"]["task_default_queue"] == "tft"


def test_the_worker_config_file_validates_and_reads_the_environment(monkeypatch):
    from dagster_celery.cli import get_validated_config

    monkeypatch.setenv("TFT_CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("TFT_CELERY_BACKEND_URL", "redis://127.0.0.1:6379/4")
    config = get_validated_config(str(CONFIG))
    assert config["broker"] == "redis://127.0.0.1:6379/3"
    assert config["backend"] == "redis://127.0.0.1:6379/4"


# --- a real worker -----------------------------------------------------------------------------


@pytest.fixture
def celery_env(settings, tmp_path, monkeypatch):
    """Environment shared by the launcher and the worker: a temporary DAGSTER_HOME (persistent
    SQLite) and data dir, the Celery executor on Redis, and a queue of this test's own."""
    _require_redis()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    queue = f"tft-test-{uuid.uuid4().hex[:10]}"
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
    for var, value in {
        "DAGSTER_HOME": str(home),
        "TFT_DEMO_TICKERS": str(N_TICKERS),
        "TFT_EXECUTOR": "celery",
        "TFT_CELERY_BROKER_URL": url,
        "TFT_CELERY_BACKEND_URL": url,
        "TFT_CELERY_QUEUE": queue,
    }.items():
        monkeypatch.setenv(var, value)
    return load_settings()


def _reset_signals() -> None:
    """Background processes here start with SIGINT/SIGTERM ignored: restore the defaults."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _wait_ready(proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WORKER_READY_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the worker exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        if " ready." in log.read_text():
            return
        time.sleep(0.3)
    pytest.fail(f"the worker was not ready in {WORKER_READY_S} s:\n{log.read_text()[-3000:]}")


def _forget(queue: str, log: Path) -> None:
    """Delete what the test left in Redis: its tasks' results, and every key naming its queue
    (the queue's priority lists when a failed run left messages, kombu's bindings)."""
    import redis

    tasks = set(re.findall(r"Task execute_plan\[([0-9a-f-]+)\] received", log.read_text()))
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0) as client:
        keys = [*client.scan_iter(match=f"*{queue}*"), *(f"celery-task-meta-{t}" for t in tasks)]
        if keys:
            client.delete(*keys)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the celery process (a child of the dagster-celery CLI, which then reaps it and
    exits); SIGKILL both if they are still there after STOP_S."""
    import psutil

    try:
        cli = psutil.Process(proc.pid)
        children = cli.children(recursive=True)
    except psutil.NoSuchProcess:
        cli, children = None, []
    for p in children or ([cli] if cli else []):
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    try:
        proc.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        for p in [*children, cli]:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()  # psutil checks the pid was not reused
        proc.wait(timeout=STOP_S)
    _, alive = psutil.wait_procs(children, timeout=STOP_S)
    assert not alive, f"worker processes survived: {alive}"


@pytest.fixture
def worker(celery_env, tmp_path):
    """A real worker on the test's queue: `--pool solo` (one step at a time, in the worker's
    own process) to fit 2 cores. Yields (process, worker name, log path)."""
    name = f"tft-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # the CLI runs `celery`
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    cmd = [
        str(bin_dir / "dagster-celery"),
        *("worker", "start", "-A", "dagster_celery.app", "-y", str(CONFIG)),
        *("-q", celery_env.celery_queue, "-n", name, "-l", "INFO"),
        *("--", "--pool", "solo", "--without-gossip", "--without-mingle"),
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_reset_signals,
            start_new_session=True,
        )
    try:
        _wait_ready(proc, log)
        yield proc, name, log
    finally:
        _stop(proc)
        _forget(celery_env.celery_queue, log)


def _execute(instance: dg.DagsterInstance, log: Path) -> dg.ExecuteJobResult:
    """Run the job over DAYS (one single-run backfill); a watchdog turns a hang into a failure
    (the Celery executor polls the broker forever if no worker takes its steps)."""
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = dg.execute_job(
                dg.reconstructable(celery_features_job),
                instance=instance,
                tags={RANGE_START_TAG: DAYS[0], RANGE_END_TAG: DAYS[-1]},
                raise_on_error=False,
            )
        except BaseException as exc:  # reported in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(RUN_TIMEOUT_S)
    if thread.is_alive():
        pytest.fail(f"the run did not finish in {RUN_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
    if "error" in box:
        raise box["error"]
    return box["result"]


def _step_pids(instance: dg.DagsterInstance, run_id: str) -> dict[str, int]:
    starts = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    return {e.dagster_event.step_key: e.dagster_event.pid for e in starts}


def _celery_hosts(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """{step key: the worker's hostname} from the engine events the worker reported."""
    hosts = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        metadata = entry.dagster_event.engine_event_data.metadata or {}
        if "Celery worker" in metadata:
            hosts[entry.dagster_event.step_key] = metadata["Celery worker"].value
    return hosts


# dagster-celery registers its task again for every step it submits
@pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")
def test_an_ingestion_to_features_run_executes_its_steps_on_a_celery_worker(celery_env, worker):
    import psutil

    from tft_assets.lake.storage import read_partitions

    proc, name, log = worker
    with dg.DagsterInstance.get() as instance:
        assert not instance.is_ephemeral  # the worker writes to the same SQLite storage
        result = _execute(instance, log)
        assert result.success, log.read_text()[-3000:]
        run_id = result.run_id
        assert result.job_def.executor_def.name == CELERY_EXECUTOR_NAME
        # every step ran in the worker's celery process, not in this one
        pids = _step_pids(instance, run_id)
        assert set(pids) == STEPS
        celery_pids = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        assert set(pids.values()) <= celery_pids and os.getpid() not in pids.values()
        hosts = _celery_hosts(instance, run_id)
        assert set(hosts) == STEPS and all(h.startswith(f"{name}@") for h in hosts.values())
        for asset in ASSETS:
            assert instance.get_materialized_partitions(dg.AssetKey(asset)) == set(DAYS)
    assert log.read_text().count("Task execute_plan[") >= 2 * len(STEPS)  # received, succeeded
    for asset in ("raw_posts", "raw_prices", "scored_posts", "feature_lineage"):
        assert read_partitions(celery_env.lake_url, asset, list(DAYS)).height > 0, asset
    snapshots = read_partitions(celery_env.lake_url, "feature_snapshots", list(DAYS))
    assert snapshots.height == N_TICKERS * len(DAYS)

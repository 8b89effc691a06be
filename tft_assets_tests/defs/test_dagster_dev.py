"""`dagster dev` serves the code location: the UI answers and lists every asset."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tft_assets_tests.conftest import REPO

EXPECTED_ASSETS = {
    "raw_posts", "raw_prices", "scored_posts", "feature_snapshots", "feature_lineage",
    "feature_sequences", "labels", "sentiment_model", "tuned_hyperparameters", "trained_models",
    "predictions", "risk_validated_signals", "rejected_signals", "portfolio_state", "trades",
    "backtests",
}  # fmt: skip
STARTUP_TIMEOUT_S = 150


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _reset_signals() -> None:  # background processes here start with SIGINT/SIGTERM ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()


def test_dagster_dev_serves_every_asset(tmp_path):
    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home), "TFT_DATA_DIR": str(tmp_path / "data")}
    exe = str(Path(sys.executable).parent / "dagster")
    proc = subprocess.Popen(
        [exe, "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_reset_signals,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        assets: set[str] = set()
        query = json.dumps({"query": "{ assetNodes { assetKey { path } } }"}).encode()
        while time.monotonic() < deadline and assets != EXPECTED_ASSETS:
            assert proc.poll() is None, "dagster dev exited early"
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql",
                    data=query,
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(req, timeout=5) as resp:
                    nodes = json.loads(resp.read())["data"]["assetNodes"]
                assets = {"/".join(n["assetKey"]["path"]) for n in nodes}
            except (OSError, KeyError, TypeError, ValueError):
                time.sleep(1)
        assert assets == EXPECTED_ASSETS
        # bound to loopback only: another local address of this machine gets no answer
        other = _non_loopback_address()
        if other is not None:
            with socket.socket() as s:
                s.settimeout(1)
                assert s.connect_ex((other, port)) != 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

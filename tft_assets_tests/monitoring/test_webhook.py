"""The webhook client against a real HTTP receiver on 127.0.0.1: message shape, retries with
backoff, final 4xx, and error texts that never contain the (secret) URL."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tft_assets.monitoring.webhook import DeliveryResult, post_json, redact, signal_message

TOKEN_PATH = "/services/T000/B000/s3cr3tt0k3n"
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")

ROW = {
    "signal_id": "2024-03-05-NVDA-long",
    "date": dt.date(2024, 3, 5),
    "ticker": "NVDA",
    "direction": "long",
    "confidence": 0.7412,
    "entry": 123.4,
    "stop_loss": 118.2,
    "take_profit": 134.0,
    "position_fraction": 0.125,
    "model_version": "abc123",
    "snapshot_id": "snap-9",
}


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (port 0) that records every POSTed JSON body. It answers
    ``fail_status`` to the first ``fail_first`` requests (every request when ``fail_first`` is
    None and ``always_fail`` is set), after sleeping ``delay_s`` seconds, and 200 "ok" otherwise."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.fail_first = 0
        self.always_fail = False
        self.fail_status = 503
        self.delay_s = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.bodies.append(json.loads(body))
                    receiver.paths.append(self.path)
                    failing = receiver.always_fail or receiver.fail_first > 0
                    receiver.fail_first = max(0, receiver.fail_first - 1)
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                status, text = (receiver.fail_status, b"failed") if failing else (200, b"ok")
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{TOKEN_PATH}"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch) -> Iterator[WebhookReceiver]:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    server = WebhookReceiver().start()
    yield server
    server.stop()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{TOKEN_PATH}"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_signal_message_is_slack_compatible_with_one_line_text() -> None:
    message = signal_message(ROW)
    assert message["text"] == (
        "LONG NVDA p=0.74 entry 123.40 stop 118.20 target 134.00 size 12.5 % "
        "(2024-03-05, model abc123)"
    )
    section, context = message["blocks"]
    assert section["type"] == "section" and context["type"] == "context"
    assert section["text"] == {"type": "mrkdwn", "text": "*LONG NVDA*"}
    assert 1 <= len(section["fields"]) <= 10  # Slack's limit per section
    assert all(f["type"] == "mrkdwn" for f in section["fields"])
    texts = " ".join(f["text"] for f in section["fields"])
    assert "*Stop loss*\n118.20" in texts and "*Position size*\n12.5 %" in texts
    assert "2024-03-05-NVDA-long" in context["elements"][0]["text"]
    assert json.loads(json.dumps(message)) == message  # plain JSON, dates included


def test_signal_message_of_a_short_with_missing_levels() -> None:
    row = {**ROW, "direction": "short", "take_profit": None, "position_fraction": None}
    assert signal_message(row)["text"].startswith("SHORT NVDA p=0.74 entry 123.40 stop 118.20")
    assert "target n/a size n/a" in signal_message(row)["text"]


def test_delivery_succeeds_first_time(receiver: WebhookReceiver) -> None:
    sleeps = Sleeps()
    result = post_json(receiver.url, signal_message(ROW), sleep=sleeps)
    assert result == DeliveryResult(delivered=True, attempts=1, status=200, error=None)
    assert receiver.bodies == [signal_message(ROW)]
    assert receiver.paths == [TOKEN_PATH]
    assert sleeps == []


def test_503s_are_retried_with_exponential_backoff_until_delivered(
    receiver: WebhookReceiver,
) -> None:
    receiver.fail_first = 2
    sleeps = Sleeps()
    result = post_json(receiver.url, {"text": "hi"}, attempts=4, backoff_s=0.5, sleep=sleeps)
    assert result == DeliveryResult(delivered=True, attempts=3, status=200, error=None)
    assert len(receiver.bodies) == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_exhaust_the_attempts(
    receiver: WebhookReceiver, status: int
) -> None:
    receiver.always_fail, receiver.fail_status = True, status
    sleeps = Sleeps()
    result = post_json(receiver.url, {"text": "hi"}, attempts=4, backoff_s=0.25, sleep=sleeps)
    assert result == DeliveryResult(False, 4, status, f"HTTP {status} after 4 attempts")
    assert len(receiver.bodies) == 4
    assert sleeps == [0.25, 0.5, 1.0]


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_other_client_errors_are_not_retried(receiver: WebhookReceiver, status: int) -> None:
    receiver.always_fail, receiver.fail_status = True, status
    sleeps = Sleeps()
    result = post_json(receiver.url, {"text": "hi"}, attempts=4, sleep=sleeps)
    assert result == DeliveryResult(False, 1, status, f"HTTP {status} after 1 attempt")
    assert len(receiver.bodies) == 1
    assert sleeps == []


def test_connection_refused_is_retried_and_the_error_never_shows_the_url() -> None:
    url = closed_port_url()
    sleeps = Sleeps()
    result = post_json(url, {"text": "hi"}, attempts=4, backoff_s=0.1, sleep=sleeps)
    assert not result.delivered and result.attempts == 4 and result.status is None
    assert result.error == "URLError: connection refused after 4 attempts"
    assert sleeps == [0.1, 0.2, 0.4]


def test_timeouts_are_retried(receiver: WebhookReceiver) -> None:
    receiver.always_fail, receiver.delay_s = True, 0.5
    result = post_json(receiver.url, {"text": "hi"}, attempts=2, timeout_s=0.1, sleep=Sleeps())
    assert not result.delivered and result.attempts == 2 and result.status is None
    assert "timed out" in result.error and result.error.endswith("after 2 attempts")
    assert "s3cr3tt0k3n" not in result.error


def test_a_malformed_url_is_reported_without_the_url_and_without_raising() -> None:
    url = "hxxp://hooks.example.com" + TOKEN_PATH
    result = post_json(url, {"text": "hi"}, sleep=Sleeps())
    assert result == DeliveryResult(False, 0, None, "the webhook URL is not an http(s) URL")
    assert "s3cr3tt0k3n" not in result.error and url not in result.error


@pytest.mark.parametrize(
    "url",
    [
        "closed-port",  # resolved inside the test: parameters must be the same in every worker
        "http://127.0.0.1:1/services/T0/B0/tok?key=abc123secret",
        "hxxp://hooks.example.com/services/T0/B0/tok",
    ],
)
def test_no_error_contains_the_url_or_its_token(url: str) -> None:
    url = closed_port_url() if url == "closed-port" else url
    result = post_json(url, {"text": "hi"}, attempts=2, backoff_s=0.0, sleep=Sleeps())
    assert result.error is not None
    for secret in (url, "/services/", "tok", "abc123secret"):
        assert secret not in result.error


def test_redact_removes_the_url_and_its_path_and_query() -> None:
    url = "https://hooks.slack.com/services/T0/B0/XyZ?token=abc"
    text = f"failed on {url} (path /services/T0/B0/XyZ, query token=abc)"
    cleaned = redact(text, url)
    assert "XyZ" not in cleaned and "token=abc" not in cleaned and "<webhook>" in cleaned

"""Signal notifications over an incoming webhook (Slack-compatible JSON), with retries.

``signal_message`` turns one risk-validated signal into a message; ``post_json`` delivers it
with bounded retries and exponential backoff and reports what happened as a ``DeliveryResult``
instead of raising. The webhook URL is a secret (a Slack webhook URL carries its token in the
path), so no error text ever contains it.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: HTTP statuses worth another attempt: rate limiting and server-side failures.
RETRYABLE_STATUS_MIN = 500
TOO_MANY_REQUESTS = 429
#: At most this many characters of an error description are kept.
MAX_ERROR_CHARS = 300
_REDACTED = "<webhook>"


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one delivery: ``attempts`` POSTs were made; ``status`` is the last HTTP status
    received (None when no response came back); ``error`` says why it was not delivered."""

    delivered: bool
    attempts: int
    status: int | None
    error: str | None


def _number(value: Any, fmt: str) -> str:
    if value is None:
        return "n/a"
    try:
        return format(float(value), fmt)
    except (TypeError, ValueError):
        return str(value)


def _size_percent(value: Any) -> str:
    """A position fraction (0.125) as a percentage ("12.5 %")."""
    if value is None:
        return "n/a"
    return f"{float(value) * 100:.1f} %"


def signal_line(row: Mapping[str, Any]) -> str:
    """One-line summary of a signal, e.g. ``LONG NVDA p=0.74 entry 123.40 stop 118.20 target
    134.00 size 12.5 % (2024-03-05, model abc123)``."""
    return (
        f"{str(row.get('direction', '')).upper()} {row.get('ticker', '')} "
        f"p={_number(row.get('confidence'), '.2f')} "
        f"entry {_number(row.get('entry'), '.2f')} "
        f"stop {_number(row.get('stop_loss'), '.2f')} "
        f"target {_number(row.get('take_profit'), '.2f')} "
        f"size {_size_percent(row.get('position_fraction'))} "
        f"({row.get('date', '')}, model {row.get('model_version', '')})"
    )


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": f"*{label}*\n{value}"}


def signal_message(row: Mapping[str, Any]) -> dict[str, Any]:
    """Slack-compatible message for one signal row (a dict with the columns of
    ``risk_validated_signals``): ``{"text": <one line>, "blocks": [section, context]}``.

    ``text`` is what plain webhooks and notifications show; the section block carries the same
    values as mrkdwn fields (at most 10, Slack's limit). Every value is a string, so the payload
    is JSON-serialisable whatever the row's types (dates, decimals)."""
    direction = str(row.get("direction", "")).upper()
    ticker = str(row.get("ticker", ""))
    fields = [
        _field("Direction", direction),
        _field("Confidence", _number(row.get("confidence"), ".2f")),
        _field("Entry", _number(row.get("entry"), ".2f")),
        _field("Stop loss", _number(row.get("stop_loss"), ".2f")),
        _field("Take profit", _number(row.get("take_profit"), ".2f")),
        _field("Position size", _size_percent(row.get("position_fraction"))),
        _field("Date", str(row.get("date", ""))),
        _field("Model", str(row.get("model_version", ""))),
    ]
    return {
        "text": signal_line(row),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{direction} {ticker}*"},
                "fields": fields,
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"signal {row.get('signal_id', '')} · "
                        f"snapshot {row.get('snapshot_id', '')}",
                    }
                ],
            },
        ],
    }


def _secrets_of(url: str) -> list[str]:
    """The URL and the parts of it that may carry a token (path, query), longest first."""
    parts = urllib.parse.urlsplit(url)
    pieces = [url, parts.path, parts.query, parts.netloc]
    return sorted({p for p in pieces if len(p) > 1}, key=len, reverse=True)


def redact(text: str, url: str) -> str:
    """``text`` with the URL and its path, query and host replaced by ``<webhook>``."""
    for secret in _secrets_of(url):
        text = text.replace(secret, _REDACTED)
    return text[:MAX_ERROR_CHARS]


def _describe(exc: BaseException) -> str:
    """``Type: reason`` of a transport failure (a URLError's reason rather than its repr)."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
        detail = getattr(reason, "strerror", None) or str(reason)
        return f"URLError: {str(detail).lower()}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _retryable(status: int) -> bool:
    return status == TOO_MANY_REQUESTS or status >= RETRYABLE_STATUS_MIN


def _plural(n: int) -> str:
    return f"{n} attempt" if n == 1 else f"{n} attempts"


def _post_once(url: str, body: bytes, timeout_s: float) -> int:
    """POST ``body``; return the HTTP status (HTTPError is raised for 4xx and 5xx)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        response.read()
        return int(response.status)


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    attempts: int = 4,
    backoff_s: float = 0.5,
    timeout_s: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST ``payload`` as JSON to ``url``, at most ``attempts`` times.

    Connection errors, timeouts, HTTP 429 and 5xx are retried after ``backoff_s * 2**i``
    seconds (i = 0 for the first retry); any other 4xx is final. Delivery failures never raise:
    they come back as ``DeliveryResult(delivered=False, error=...)``, e.g. ``"HTTP 503 after 4
    attempts"``, and the error never contains the URL. ``timeout_s`` bounds each attempt."""
    assert attempts >= 1, "attempts must be at least 1"
    assert backoff_s >= 0 and timeout_s > 0
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return DeliveryResult(False, 0, None, "the webhook URL is not an http(s) URL")
    body = json.dumps(payload, default=str).encode("utf-8")
    status: int | None = None
    error = ""
    for i in range(attempts):
        if i:
            sleep(backoff_s * 2 ** (i - 1))
        try:
            status = _post_once(url, body, timeout_s)
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
            exc.close()
            if not _retryable(exc.code):
                return DeliveryResult(False, i + 1, status, f"{error} after {_plural(i + 1)}")
            continue
        except ValueError as exc:  # a malformed URL (bad host or port): no attempt can succeed
            return DeliveryResult(False, i + 1, None, redact(_describe(exc), url))
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
            status, error = None, redact(_describe(exc), url)
            continue
        if 200 <= status < 300:
            return DeliveryResult(True, i + 1, status, None)
        error = f"HTTP {status}"
        if not _retryable(status):
            return DeliveryResult(False, i + 1, status, f"{error} after {_plural(i + 1)}")
    return DeliveryResult(False, attempts, status, f"{error} after {_plural(attempts)}")

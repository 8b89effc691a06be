"""What a failed call means: the errors of the resilience layer and the classification of any
exception into retry (transient) or fail fast (permanent).

:func:`classify_exception` tries small classifiers in order (the layer's own errors, what a
prawcore wrapper wraps, the HTTP status, Yahoo's rate limit, malformed JSON, timeouts,
connection errors); ``None`` means an unknown error, re-raised unchanged.
"""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

#: HTTP statuses retried with backoff.
RETRYABLE_HTTP_STATUSES: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 522})
#: HTTP statuses that fail fast (credentials, permissions, missing resource).
FAIL_FAST_HTTP_STATUSES: frozenset[int] = frozenset({401, 403, 404})

_HTTP_STATUS_HINTS: dict[int, str] = {
    401: "unauthorized: check the credentials",
    403: "forbidden: the credentials lack access to this resource",
    404: "not found: check the name (subreddit, ticker, URL)",
}


class TransientCallError(Exception):
    """A failure worth retrying; ``retry_after_s`` is the server's hint, if any."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class HTTPStatusError(Exception):
    """A non-success HTTP answer: ``status`` and the server's ``Retry-After`` (seconds) if sent."""

    def __init__(self, status: int, url: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status
        self.url = url
        self.retry_after_s = retry_after_s


class PermanentCallError(RuntimeError):
    """A failure that retrying cannot fix. The message is one line, safe to show."""


class RetriesExhaustedError(RuntimeError):
    """Every attempt failed with a transient error; ``last_error`` is the final one."""

    def __init__(self, message: str, last_error: BaseException) -> None:
        super().__init__(message)
        self.last_error = last_error


class CircuitOpenError(RuntimeError):
    """The circuit breaker is open: calls are refused without touching the service."""


@dataclass(frozen=True)
class Decision:
    """How to treat one failed attempt."""

    retry: bool
    reason: str
    retry_after_s: float | None = None


def parse_retry_after(value: str | float | None) -> float | None:
    """Seconds from a ``Retry-After`` header value (delta-seconds or an HTTP date); None if absent."""
    if value is None or value == "":
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None


def _retry_after_of(exc: BaseException) -> float | None:
    hint = getattr(exc, "retry_after_s", None)
    if hint is not None:
        return float(hint)
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        return parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
    return None


_TIMEOUT_NAMES = frozenset({"Timeout", "ReadTimeout", "ConnectTimeout", "ReadTimeoutError"})
_CONNECTION_NAMES = frozenset(
    {"ConnectionError", "ChunkedEncodingError", "ProtocolError", "RemoteDisconnected"}
)


def _own_error(exc: BaseException) -> Decision | None:
    if isinstance(exc, TransientCallError):
        return Decision(True, str(exc), exc.retry_after_s)
    if isinstance(exc, PermanentCallError):
        return Decision(False, str(exc))
    return None


def _wrapped_error(exc: BaseException) -> Decision | None:
    """prawcore wraps transport errors: look at what it wraps."""
    original = getattr(exc, "original_exception", None)
    if isinstance(original, BaseException) and original is not exc:
        return classify_exception(original)
    return None


def _http_status_error(exc: BaseException) -> Decision | None:
    status = _status_of(exc)
    if status is None:
        return None
    if status in RETRYABLE_HTTP_STATUSES or status >= 500:
        return Decision(True, f"HTTP {status}", _retry_after_of(exc))
    if 400 <= status < 500:
        hint = _HTTP_STATUS_HINTS.get(status, "client error")
        return Decision(False, f"HTTP {status} {hint}")
    return None


def _yahoo_rate_limit(exc: BaseException) -> Decision | None:
    if type(exc).__name__ == "YFRateLimitError":
        return Decision(True, "Yahoo Finance rate limit (YFRateLimitError)")
    return None


def _malformed_json(exc: BaseException) -> Decision | None:
    if type(exc).__name__ == "BadJSON" or isinstance(exc, json.JSONDecodeError):
        return Decision(True, "malformed JSON in the response")
    return None


def _timeout(exc: BaseException) -> Decision | None:
    name = type(exc).__name__
    if isinstance(exc, TimeoutError | concurrent.futures.TimeoutError) or name in _TIMEOUT_NAMES:
        return Decision(True, f"timeout ({name})")
    return None


def _connection_error(exc: BaseException) -> Decision | None:
    name = type(exc).__name__
    if isinstance(exc, ConnectionError) or name in _CONNECTION_NAMES:
        return Decision(True, f"connection error ({name})")
    return None


#: Tried in order; the first decision wins.
_CLASSIFIERS: tuple[Callable[[BaseException], Decision | None], ...] = (
    _own_error,
    _wrapped_error,
    _http_status_error,
    _yahoo_rate_limit,
    _malformed_json,
    _timeout,
    _connection_error,
)


def classify_exception(exc: BaseException) -> Decision | None:
    """Retry / fail-fast decision for ``exc``, or None for an unknown error (re-raised as is)."""
    for classify in _CLASSIFIERS:
        decision = classify(exc)
        if decision is not None:
            return decision
    return None

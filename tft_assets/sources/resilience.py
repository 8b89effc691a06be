"""One resilience layer for every live call (Reddit, Yahoo Finance).

A :class:`ResilientCaller` runs one *attempt* function and decides, from what it raised, whether
to try again:

* **transient** failures are retried with exponential backoff and *full jitter*
  (``sleep = uniform(0, min(max_delay_s, base_delay_s * 2**retry))``): HTTP 408/429/5xx,
  timeouts, connection errors, malformed JSON, Yahoo's ``YFRateLimitError``, and
  :class:`TransientCallError`. A ``Retry-After`` hint is honoured (the sleep is at least that
  long); a hint longer than ``RetryPolicy.max_retry_after_s`` fails at once with one line rather
  than blocking a run for an hour.
* **permanent** failures fail fast, without retry, as a one-line :class:`PermanentCallError`:
  HTTP 401/403/404 (and any other 4xx), :class:`PermanentCallError` itself.
* anything else (a programming error) propagates unchanged.

A :class:`CircuitBreaker` shared by all calls to one service counts consecutive transient
failures; at ``failure_threshold`` it *opens* and every call fails immediately with
:class:`CircuitOpenError` (no request sent) until ``cooldown_s`` has passed; then it is
*half-open*: one trial call goes through, success closes it, failure re-opens it.

``clock`` (seconds, monotonic) and ``sleep`` are injectable so tests run in virtual time, and
``rng`` is a seeded :class:`random.Random` so jitter is reproducible. :class:`CallStats` counts
attempts, retries, failures, sleeps and breaker transitions; :meth:`ResilientCaller.metadata`
returns them as a plain dict for Dagster metadata.

:func:`service_caller` builds the caller of one live source from its constructor arguments.
The errors and :func:`classify_exception` live in :mod:`tft_assets.sources.failures`.

:class:`RateLimiter` is a sliding-window requests-per-minute limiter (Reddit allows 100 per
minute per OAuth client).

Plain Python; no Dagster, no network library imported at module level.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from tft_assets.sources.failures import (
    FAIL_FAST_HTTP_STATUSES,
    RETRYABLE_HTTP_STATUSES,
    CircuitOpenError,
    Decision,
    HTTPStatusError,
    PermanentCallError,
    RetriesExhaustedError,
    TransientCallError,
    classify_exception,
    parse_retry_after,
)

T = TypeVar("T")

BreakerState = Literal["closed", "open", "half_open"]

__all__ = [
    "FAIL_FAST_HTTP_STATUSES",
    "RETRYABLE_HTTP_STATUSES",
    "CallStats",
    "CircuitBreaker",
    "CircuitOpenError",
    "Decision",
    "HTTPStatusError",
    "PermanentCallError",
    "RateLimiter",
    "ResilientCaller",
    "RetriesExhaustedError",
    "RetryPolicy",
    "TransientCallError",
    "classify_exception",
    "parse_retry_after",
    "service_caller",
]


@dataclass(frozen=True)
class RetryPolicy:
    """Retry and timeout knobs (all times in seconds)."""

    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    timeout_s: float = 30.0
    max_retry_after_s: float = 300.0

    def __post_init__(self) -> None:
        assert self.max_attempts >= 1, "max_attempts must be >= 1"
        assert self.base_delay_s >= 0 and self.max_delay_s >= 0, "delays must be >= 0"
        assert self.timeout_s > 0, "timeout_s must be > 0"


@dataclass
class CallStats:
    """Counters of one caller (mutable; read them through :meth:`ResilientCaller.metadata`)."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    successes: int = 0
    transient_failures: int = 0
    permanent_failures: int = 0
    rate_limited: int = 0
    timeouts: int = 0
    rejected_by_breaker: int = 0
    slept_s: float = 0.0
    last_error: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)


class CircuitBreaker:
    """Closed -> open after ``failure_threshold`` consecutive failures -> half-open after
    ``cooldown_s`` -> closed on the first success (or open again on a failure)."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert failure_threshold >= 1, "failure_threshold must be >= 1"
        assert cooldown_s >= 0, "cooldown_s must be >= 0"
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state: BreakerState = "closed"
        self._consecutive_failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        self.opens = 0
        self.transitions: list[tuple[BreakerState, BreakerState]] = []

    def _set(self, new: BreakerState) -> None:
        if new != self._state:
            self.transitions.append((self._state, new))
            self._state = new

    @property
    def state(self) -> BreakerState:
        """Current state; an open breaker past its cool-down reports half-open."""
        with self._lock:
            if self._state == "open" and self._clock() - self._opened_at >= self.cooldown_s:
                self._set("half_open")
            return self._state

    def seconds_until_retry(self) -> float:
        """Seconds left in the cool-down (0 unless open)."""
        with self._lock:
            if self._state != "open":
                return 0.0
            return max(0.0, self.cooldown_s - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """May a call go through now? In half-open, only one trial at a time."""
        state = self.state
        with self._lock:
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._consecutive_failures = 0
            self._trial_in_flight = False
            self._set("closed")

    def record_failure(self) -> None:
        with self._lock:
            self._trial_in_flight = False
            self._consecutive_failures += 1
            if self._state == "half_open" or self._consecutive_failures >= self.failure_threshold:
                if self._state != "open":
                    self.opens += 1
                self._set("open")
                self._opened_at = self._clock()

    def release(self) -> None:
        """Forget a half-open trial that ended without a verdict (a permanent error)."""
        with self._lock:
            self._trial_in_flight = False


class RateLimiter:
    """At most ``requests_per_minute`` acquisitions in any 60 s sliding window."""

    WINDOW_S = 60.0

    def __init__(
        self,
        requests_per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        assert requests_per_minute > 0, "requests_per_minute must be > 0"
        self.requests_per_minute = requests_per_minute
        self._clock = clock
        self._sleep = sleep
        self._stamps: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0
        self.acquired = 0

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._stamps and now - self._stamps[0] >= self.WINDOW_S:
                    self._stamps.popleft()
                if len(self._stamps) < self.requests_per_minute:
                    self._stamps.append(now)
                    self.acquired += 1
                    self.waited_s += waited
                    return waited
                delay = self.WINDOW_S - (now - self._stamps[0])
            self._sleep(delay)
            waited += delay


def _run_with_timeout(fn: Callable[[], T], timeout_s: float) -> T:
    """Run ``fn`` in a daemon thread; raise TimeoutError if it has not returned in time.

    The thread cannot be killed: it finishes in the background (pass transport timeouts to the
    client too so it does).
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="tft-resilient-call").start()
    if not done.wait(timeout_s):
        raise TimeoutError(f"no answer within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


class ResilientCaller:
    """Retries, backoff with full jitter, Retry-After, fail-fast and a circuit breaker for one
    service (``name`` appears in every error message)."""

    def __init__(
        self,
        name: str,
        *,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        classify: Callable[[BaseException], Decision | None] = classify_exception,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        enforce_timeout: bool = False,
    ) -> None:
        self.name = name
        self.policy = policy or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self._classify = classify
        self._sleep = sleep
        self._rng = rng or random.Random(0)
        self._enforce_timeout = enforce_timeout
        self.stats = CallStats()
        self._lock = threading.Lock()

    def backoff_s(self, retry_index: int, retry_after_s: float | None = None) -> float:
        """Sleep before retry number ``retry_index`` (0-based): full jitter, at least Retry-After."""
        cap = min(self.policy.max_delay_s, self.policy.base_delay_s * (2.0**retry_index))
        delay = self._rng.uniform(0.0, cap)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return delay

    def _count(self, **increments: float) -> None:
        with self._lock:
            for key, value in increments.items():
                setattr(self.stats, key, getattr(self.stats, key) + value)

    def call(self, fn: Callable[[], T], *, what: str = "call") -> T:
        """Run ``fn()`` until it succeeds, a permanent error occurs, attempts run out, or the
        breaker opens. ``what`` names the operation in error messages (never put secrets in it)."""
        self._count(calls=1)
        last_reason = ""
        for attempt in range(self.policy.max_attempts):
            self._admit(last_reason)
            self._count(attempts=1)
            try:
                result = self._run(fn)
            except BaseException as exc:
                decision = self._classify(exc)
                if decision is None:
                    self.breaker.release()
                    raise
                self._handle_failure(decision, exc, attempt=attempt, what=what)
                last_reason = decision.reason
                continue
            self.breaker.record_success()
            self._count(successes=1)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _admit(self, last_reason: str) -> None:
        """Raise :class:`CircuitOpenError` unless the breaker lets a call through."""
        if not self.breaker.allow():
            self._count(rejected_by_breaker=1)
            raise CircuitOpenError(
                f"{self.name}: circuit open after {self.breaker.failure_threshold} consecutive "
                f"failures (last: {self.stats.last_error or last_reason}); "
                f"retry in {self.breaker.seconds_until_retry():.0f} s"
            )

    def _run(self, fn: Callable[[], T]) -> T:
        if self._enforce_timeout:
            return _run_with_timeout(fn, self.policy.timeout_s)
        return fn()

    def _record_reason(self, reason: str) -> None:
        with self._lock:
            self.stats.last_error = reason
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1

    def _count_transient(self, reason: str) -> None:
        self.breaker.record_failure()
        self._count(transient_failures=1)
        if "429" in reason or "rate limit" in reason:
            self._count(rate_limited=1)
        if "timeout" in reason:
            self._count(timeouts=1)

    def _handle_failure(
        self, decision: Decision, exc: BaseException, *, attempt: int, what: str
    ) -> None:
        """Count a failed attempt, then raise (permanent, Retry-After too long, last attempt)
        or sleep the backoff before the next one."""
        self._record_reason(decision.reason)
        if not decision.retry:
            self.breaker.release()
            self._count(permanent_failures=1)
            raise PermanentCallError(f"{self.name}: {what} failed: {decision.reason}") from None
        self._count_transient(decision.reason)
        if (
            decision.retry_after_s is not None
            and decision.retry_after_s > self.policy.max_retry_after_s
        ):
            raise PermanentCallError(
                f"{self.name}: {what} rate limited; server asks to wait "
                f"{decision.retry_after_s:.0f} s (more than the {self.policy.max_retry_after_s:.0f} s allowed)"
            ) from None
        if attempt + 1 >= self.policy.max_attempts:
            raise RetriesExhaustedError(
                f"{self.name}: {what} failed after {self.policy.max_attempts} attempts "
                f"(last: {decision.reason})",
                exc,
            ) from None
        delay = self.backoff_s(attempt, decision.retry_after_s)
        self._count(retries=1, slept_s=delay)
        self._sleep(delay)

    def metadata(self) -> dict[str, Any]:
        """Counters and breaker state as a JSON-serialisable dict."""
        with self._lock:
            stats = self.stats
            return {
                "service": self.name,
                "calls": stats.calls,
                "attempts": stats.attempts,
                "retries": stats.retries,
                "successes": stats.successes,
                "transient_failures": stats.transient_failures,
                "permanent_failures": stats.permanent_failures,
                "rate_limited": stats.rate_limited,
                "timeouts": stats.timeouts,
                "rejected_by_breaker": stats.rejected_by_breaker,
                "slept_s": round(stats.slept_s, 3),
                "breaker_state": self.breaker.state,
                "breaker_opens": self.breaker.opens,
                "last_error": stats.last_error,
                "failure_reasons": dict(stats.reasons),
            }


def service_caller(
    name: str,
    policy: RetryPolicy | None,
    default_policy: RetryPolicy,
    *,
    breaker: CircuitBreaker | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> ResilientCaller:
    """The :class:`ResilientCaller` of one live service: ``policy`` when given, else the
    service's ``default_policy``; ``breaker``/``clock``/``sleep``/``rng`` as the source got them."""
    return ResilientCaller(
        name,
        policy=policy or default_policy,
        breaker=breaker,
        clock=clock,
        sleep=sleep,
        rng=rng,
    )

"""The resilience layer in virtual time: backoff, Retry-After, fail-fast, breaker, rate limit."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tft_assets.sources.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    HTTPStatusError,
    PermanentCallError,
    RateLimiter,
    ResilientCaller,
    RetriesExhaustedError,
    RetryPolicy,
    TransientCallError,
    classify_exception,
    parse_retry_after,
    service_caller,
)
from tft_assets_tests.sources.fake_clock import FakeClock


def make_caller(clock: FakeClock, *, attempts=5, threshold=5, cooldown=60.0, **policy):
    return ResilientCaller(
        "svc",
        policy=RetryPolicy(max_attempts=attempts, **policy),
        breaker=CircuitBreaker(failure_threshold=threshold, cooldown_s=cooldown, clock=clock),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(1),
    )


def scripted(*outcomes):
    """A callable that raises/returns the given outcomes in order, counting calls."""
    queue = list(outcomes)
    calls = {"n": 0}

    def fn():
        calls["n"] += 1
        item = queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    return fn, calls


class ReadTimeout(Exception):  # named like requests' exception
    pass


class YFRateLimitError(Exception):  # named like yfinance's exception
    pass


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (HTTPStatusError(429, "u"), True),
        (HTTPStatusError(500, "u"), True),
        (HTTPStatusError(503, "u"), True),
        (HTTPStatusError(408, "u"), True),
        (HTTPStatusError(401, "u"), False),
        (HTTPStatusError(403, "u"), False),
        (HTTPStatusError(404, "u"), False),
        (HTTPStatusError(400, "u"), False),
        (TimeoutError("t"), True),
        (ReadTimeout("t"), True),
        (ConnectionResetError("c"), True),
        (YFRateLimitError(), True),
        (json.JSONDecodeError("bad", "{", 0), True),
        (TransientCallError("x"), True),
        (PermanentCallError("x"), False),
    ],
)
def test_classification(exc, retry):
    decision = classify_exception(exc)
    assert decision is not None and decision.retry is retry


def test_unknown_errors_are_not_classified_and_propagate():
    assert classify_exception(KeyError("bug")) is None
    clock = FakeClock(1000.0)
    fn, calls = scripted(KeyError("bug"))
    with pytest.raises(KeyError):
        make_caller(clock).call(fn)
    assert calls["n"] == 1


def test_wrapped_original_exception_is_classified():
    class Wrapper(Exception):
        def __init__(self, original):
            super().__init__("wrapped")
            self.original_exception = original

    assert classify_exception(Wrapper(HTTPStatusError(502, "u"))).retry is True
    assert classify_exception(Wrapper(HTTPStatusError(403, "u"))).retry is False


def test_retries_then_succeeds_and_counts():
    clock = FakeClock(1000.0)
    caller = make_caller(clock)
    fn, calls = scripted(HTTPStatusError(500, "u"), TimeoutError("slow"), "ok")
    assert caller.call(fn) == "ok"
    meta = caller.metadata()
    assert calls["n"] == 3
    assert (meta["attempts"], meta["retries"], meta["successes"], meta["timeouts"]) == (3, 2, 1, 1)
    assert meta["breaker_state"] == "closed"
    assert len(clock.sleeps) == 2


@given(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=10_000))
def test_full_jitter_stays_within_exponential_cap(retry_index, seed):
    caller = ResilientCaller(
        "svc",
        policy=RetryPolicy(base_delay_s=0.5, max_delay_s=20.0),
        rng=random.Random(seed),
    )
    delay = caller.backoff_s(retry_index)
    assert 0.0 <= delay <= min(20.0, 0.5 * 2**retry_index)


def test_jitter_is_spread_not_constant():
    caller = ResilientCaller("svc", policy=RetryPolicy(base_delay_s=1.0), rng=random.Random(3))
    delays = [caller.backoff_s(3) for _ in range(200)]
    assert min(delays) < 2.0 < 6.0 < max(delays)  # spread over [0, 8)


def test_retry_after_is_honoured():
    clock = FakeClock(1000.0)
    caller = make_caller(clock, base_delay_s=0.01)
    fn, _ = scripted(HTTPStatusError(429, "u", retry_after_s=7.0), "ok")
    assert caller.call(fn) == "ok"
    assert clock.sleeps[0] >= 7.0
    assert caller.metadata()["rate_limited"] == 1


def test_excessive_retry_after_fails_at_once_in_one_line():
    clock = FakeClock(1000.0)
    caller = make_caller(clock, max_retry_after_s=60.0)
    fn, calls = scripted(HTTPStatusError(429, "u", retry_after_s=3600.0), "ok")
    with pytest.raises(PermanentCallError, match="3600") as err:
        caller.call(fn)
    assert calls["n"] == 1 and "\n" not in str(err.value)


@pytest.mark.parametrize("status", [401, 403, 404])
def test_fail_fast_statuses(status):
    clock = FakeClock(1000.0)
    caller = make_caller(clock)
    fn, calls = scripted(HTTPStatusError(status, "GET /x"), "never")
    with pytest.raises(PermanentCallError, match=f"HTTP {status}") as err:
        caller.call(fn, what="GET /x")
    assert calls["n"] == 1 and clock.sleeps == []
    assert "\n" not in str(err.value)
    assert caller.breaker.state == "closed"  # a client error says nothing about the service


def test_exhausted_retries_keep_the_last_error():
    clock = FakeClock(1000.0)
    caller = make_caller(clock, attempts=3, threshold=10)
    fn, calls = scripted(*[HTTPStatusError(502, "u")] * 3)
    with pytest.raises(RetriesExhaustedError, match="after 3 attempts") as err:
        caller.call(fn)
    assert calls["n"] == 3 and isinstance(err.value.last_error, HTTPStatusError)


def test_breaker_opens_rejects_then_recovers_after_cooldown():
    clock = FakeClock(1000.0)
    caller = make_caller(clock, attempts=10, threshold=3, cooldown=30.0, base_delay_s=0.01)
    fn, calls = scripted(*[HTTPStatusError(500, "u")] * 3)
    with pytest.raises(CircuitOpenError, match="circuit open"):
        caller.call(fn)
    assert calls["n"] == 3  # no 4th request once open
    assert caller.breaker.state == "open"
    # While open, calls are refused without touching the service.
    fn2, calls2 = scripted("ok")
    with pytest.raises(CircuitOpenError):
        caller.call(fn2)
    assert calls2["n"] == 0
    # After the cool-down the breaker is half-open; a success closes it.
    clock.now += 30.0
    assert caller.breaker.state == "half_open"
    assert caller.call(fn2) == "ok"
    assert caller.breaker.state == "closed"
    assert ("open", "half_open") in caller.breaker.transitions
    assert ("half_open", "closed") in caller.breaker.transitions
    meta = caller.metadata()
    assert meta["breaker_opens"] == 1 and meta["rejected_by_breaker"] == 2


def test_half_open_failure_reopens():
    clock = FakeClock(1000.0)
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=10.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 10.0
    assert breaker.allow() is True  # the one trial
    assert breaker.allow() is False  # no second concurrent trial
    breaker.record_failure()
    assert breaker.state == "open" and breaker.opens == 2


def test_enforced_timeout_on_a_hanging_call():
    import threading

    release = threading.Event()
    caller = ResilientCaller(
        "svc",
        policy=RetryPolicy(max_attempts=2, base_delay_s=0.0, timeout_s=0.05),
        sleep=lambda s: None,
        enforce_timeout=True,
    )
    answers = iter([None, "ok"])

    def fn():
        if next(answers) is None:
            release.wait(2.0)  # hangs past the timeout
            return "late"
        return "ok"

    assert caller.call(fn) == "ok"
    release.set()
    assert caller.metadata()["timeouts"] == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0.5", 0.5), (None, None), ("", None), ("garbage", None), ("-3", 0.0)],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_the_past_is_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_rate_limiter_keeps_any_minute_under_the_limit():
    clock = FakeClock(1000.0)
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(35):
        limiter.acquire()
        stamps.append(clock.now)
    for i, t in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s < t + 60.0]
        assert len(in_window) <= 10
    assert limiter.acquired == 35
    assert clock.now - stamps[0] >= 180.0  # 35 requests at 10/min span 3+ minutes


def test_service_caller_takes_the_given_policy_else_the_service_default():
    default = RetryPolicy(max_attempts=2)
    given_policy = RetryPolicy(max_attempts=7)
    breaker = CircuitBreaker()
    assert service_caller("svc", None, default).policy is default
    caller = service_caller("svc", given_policy, default, breaker=breaker)
    assert caller.policy is given_policy and caller.breaker is breaker
    assert caller.metadata()["service"] == "svc"

"""The live Reddit source against a fake Reddit API on 127.0.0.1 (praw pointed at it)."""

from __future__ import annotations

import datetime as dt

import pytest

from tft_assets.schemas import SOURCE_POSTS_SCHEMA
from tft_assets.sources.base import PostsSource
from tft_assets.sources.reddit import (
    REDDIT_POOL,
    RedditCredentials,
    RedditPostsSource,
    credentials_from_env,
)
from tft_assets.sources.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    PermanentCallError,
    RetryPolicy,
)
from tft_assets_tests.sources.fake_clock import FakeClock
from tft_assets_tests.sources.fake_reddit import (
    FakeReddit,
    FakeRedditServer,
    make_comments,
    make_posts,
)

UTC = dt.UTC
END = dt.datetime(2024, 3, 5, 21, 0, tzinfo=UTC)
START = END - dt.timedelta(days=1)
SECRET = "s3cr3t-value-never-logged"
CREDS = RedditCredentials("client-id-x", SECRET, "tft-trader tests by u/nobody")


def world(n_posts: int = 300, spacing_s: int = 600) -> FakeReddit:
    posts = make_posts("wallstreetbets", int(END.timestamp()) + 3600, n_posts, spacing_s)
    return FakeReddit(
        submissions={"wallstreetbets": posts},
        comments={p["id"]: make_comments(p, 3) for p in posts if p["num_comments"]},
        slow_s=1.5,
        retry_after_s=2.0,
    )


def expected_ids(fake: FakeReddit, per_thread: int) -> set[str]:
    lo, hi = START.timestamp(), END.timestamp()
    subs = [p for p in fake.submissions["wallstreetbets"] if lo <= p["created_utc"] < hi]
    ids = {p["id"] for p in subs}
    for p in subs:
        top = sorted(fake.comments.get(p["id"], []), key=lambda c: -c["score"])[:per_thread]
        ids |= {c["id"] for c in top if lo <= c["created_utc"] < hi}
    return ids


def source(url: str, clock: FakeClock, **kw) -> RedditPostsSource:
    policy = kw.pop("policy", RetryPolicy(max_attempts=6, base_delay_s=0.05, timeout_s=1.0))
    breaker = kw.pop("breaker", CircuitBreaker(failure_threshold=10, cooldown_s=60.0, clock=clock))
    return RedditPostsSource(
        CREDS,
        base_url=url,
        comments_per_submission=kw.pop("comments_per_submission", 2),
        policy=policy,
        breaker=breaker,
        clock=clock,
        sleep=clock.sleep,
        **kw,
    )


def test_faults_are_retried_and_no_rows_are_lost():
    fake = world()
    fake.script("new", "429", "500", "slow", "malformed")
    fake.script("comments", "503", "truncated")
    clock = FakeClock()
    with FakeRedditServer(fake) as server:
        src = source(server.url, clock)
        assert isinstance(src, PostsSource)
        got = src.fetch_posts(START, END)
    frame = got.frame
    assert list(frame.schema.items()) == list(SOURCE_POSTS_SCHEMA.items())
    assert set(frame["post_id"].to_list()) == expected_ids(fake, 2)
    assert frame["post_id"].is_unique().all()
    assert frame.height == 144 + 144  # 144 submissions in the window, 72 threads x 2 comments
    assert frame["created_utc"].min() >= START and frame["created_utc"].max() < END
    comments = frame.filter(frame["kind"] == "comment")
    assert comments["parent_id"].is_not_null().all() and comments["title"].is_null().all()
    assert (frame["source"] == "reddit").all()
    meta = src.metadata()
    assert meta["retries"] == 6 and meta["transient_failures"] == 6
    assert meta["rate_limited"] == 1 and meta["timeouts"] == 1
    assert meta["breaker_state"] == "closed"
    assert any("malformed JSON" in reason for reason in meta["failure_reasons"])
    assert max(clock.sleeps) >= 2.0  # the 429's Retry-After was honoured
    assert fake.count("/r/wallstreetbets/new", 429) == 1
    assert SECRET not in repr(meta) and SECRET not in repr(got.notes) and SECRET not in repr(src)


def test_circuit_opens_then_recovers_after_cooldown():
    fake = world(n_posts=50)
    fake.always["new"] = "500"
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=60.0, clock=clock)
    with FakeRedditServer(fake) as server:
        src = source(server.url, clock, breaker=breaker, comments_per_submission=0)
        with pytest.raises(CircuitOpenError, match="circuit open") as err:
            src.fetch_posts(START, END)
        assert "\n" not in str(err.value)
        assert fake.count("/r/wallstreetbets/new") == 3
        with pytest.raises(CircuitOpenError):  # still open: refused without a request
            src.fetch_posts(START, END)
        assert fake.count("/r/wallstreetbets/new") == 3
        del fake.always["new"]  # the service heals
        clock.now += 60.0
        got = src.fetch_posts(START, END)
    assert set(got.frame["post_id"].to_list()) == expected_ids(fake, 0)
    meta = src.metadata()
    assert meta["breaker_state"] == "closed" and meta["breaker_opens"] == 1
    assert meta["rejected_by_breaker"] == 2  # the 4th attempt, then the whole 2nd fetch
    assert ("half_open", "closed") in breaker.transitions


@pytest.mark.parametrize(("endpoint", "status"), [("token", "401"), ("new", "403"), ("new", "404")])
def test_auth_and_missing_resources_fail_fast_in_one_line(endpoint, status):
    fake = world(n_posts=5)
    fake.always[endpoint] = status
    clock = FakeClock()
    with FakeRedditServer(fake) as server:
        src = source(server.url, clock)
        with pytest.raises(PermanentCallError, match=f"HTTP {status}") as err:
            src.fetch_posts(START, END)
    message = str(err.value)
    assert "\n" not in message and SECRET not in message and "client-id-x" not in message
    assert len(fake.requests) == (1 if endpoint == "token" else 2)  # no retries
    assert clock.sleeps == [], src.metadata()["failure_reasons"]


def test_unknown_subreddit_is_a_404_not_a_retry_storm():
    fake = world(n_posts=5)
    clock = FakeClock()
    with FakeRedditServer(fake) as server:
        src = source(server.url, clock, subreddits=("no_such_sub",))
        with pytest.raises(PermanentCallError, match="not found"):
            src.fetch_posts(START, END)
    assert fake.count("/r/no_such_sub/new") == 1


def test_notes_explain_short_listings_and_late_comments():
    # 20 posts an hour apart: the listing ends ~18 h back, before a 24 h window starts.
    fake = world(n_posts=20, spacing_s=3600)
    for p in fake.submissions["wallstreetbets"]:
        if p["num_comments"]:
            fake.comments[p["id"]] = make_comments(p, 3, delay_s=30 * 3600)  # all after END
    clock = FakeClock()
    with FakeRedditServer(fake) as server:
        got = source(server.url, clock).fetch_posts(START, END)
    assert "listing ended before the window start" in got.notes["r/wallstreetbets"]
    assert "left out" in got.notes["r/wallstreetbets comments"]
    assert set(got.frame["kind"].to_list()) == {"submission"}


def test_rate_limiter_paces_requests():
    fake = world(n_posts=300)
    clock = FakeClock()
    with FakeRedditServer(fake) as server:
        src = source(server.url, clock, requests_per_minute=20)
        src.fetch_posts(START, END)
    meta = src.metadata()
    assert meta["requests_sent"] == len(fake.requests) > 20
    assert meta["rate_limit_waited_s"] >= 60.0 * (len(fake.requests) // 20 - 1)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT"),
        ({"REDDIT_CLIENT_ID": "a", "REDDIT_USER_AGENT": "tft tests"}, "REDDIT_CLIENT_SECRET"),
        (
            {"REDDIT_CLIENT_ID": "a", "REDDIT_CLIENT_SECRET": "  "},
            "REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT",
        ),
    ],
)
def test_missing_credentials_name_the_variable_in_one_line(env, missing):
    with pytest.raises(ValueError) as err:
        credentials_from_env(env)
    message = str(err.value)
    assert missing in message and "\n" not in message


def test_credentials_from_env_and_repr_hides_secrets():
    creds = credentials_from_env(
        {
            "REDDIT_CLIENT_ID": "cid",
            "REDDIT_CLIENT_SECRET": SECRET,
            "REDDIT_USER_AGENT": "tft-trader/0.1",
            "REDDIT_USERNAME": "me",
            "REDDIT_PASSWORD": "hunter2",
        }
    )
    assert (creds.client_id, creds.username, creds.password) == ("cid", "me", "hunter2")
    text = repr(creds)
    assert SECRET not in text and "hunter2" not in text and "cid" not in text
    with pytest.raises(ValueError, match="both username and password"):
        RedditCredentials("a", "b", "agent-x", username="me")


def test_pool_name_is_stable():
    assert REDDIT_POOL == "reddit_api"

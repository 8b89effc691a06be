"""Live Reddit posts through praw, mapped to :data:`SOURCE_POSTS_SCHEMA`.

For each subreddit, the ``new`` listing is walked back page by page (100 per page) until a
submission older than the window start appears; submissions created in ``[start_utc,
end_utc)`` are kept, and for each of them (the ``max_comment_threads`` most commented) the top
``comments_per_submission`` top-level comments are fetched (``sort=top, depth=1``); comments
are kept when they too were created inside the window (a comment written after the window
belongs to a later partition; Reddit cannot list it by time later, and the note says how many
were left out).

Every HTTP request praw makes (the OAuth token included) goes through a praw *requestor*
that applies a requests-per-minute :class:`~tft_assets.sources.resilience.RateLimiter` and the
:class:`~tft_assets.sources.resilience.ResilientCaller` (timeout, retries with backoff and
jitter on 429/5xx/timeouts/malformed JSON, Retry-After, fail fast on 401/403/404, circuit
breaker). prawcore's own retry loop never sees a retryable failure: a request either returns
a good response or raises one line.

Limits worth knowing: Reddit listings stop at about 1,000 items, so the live source serves
recent partitions (backfills come from archive dumps; a note says when the listing ended
before the window start), and the API allows 100 requests per minute per OAuth client:
concurrent runs share that budget, hence the Dagster pool :data:`REDDIT_POOL` (limit 1).

Records are mapped to the contract by :func:`~tft_assets.sources.reddit_json.reddit_json_to_contract`,
the same mapping the archive dumps use.

Credentials are passed in (:class:`RedditCredentials`, or :func:`credentials_from_env`); they
never appear in reprs, errors, notes or metadata. praw is imported only when a request is made.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tft_assets.schemas import SOURCE_POSTS_SCHEMA, empty_frame
from tft_assets.sources.base import Fetched
from tft_assets.sources.reddit_json import records_frame, reddit_json_to_contract
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
    parse_retry_after,
    service_caller,
)

#: Dagster pool name that serialises Reddit API use across runs.
REDDIT_POOL = "reddit_api"
#: Reddit's published limit for an OAuth client.
REDDIT_REQUESTS_PER_MINUTE_LIMIT = 100
#: What the source allows itself (headroom under the limit).
DEFAULT_REQUESTS_PER_MINUTE = 90
REDDIT_PAGE_SIZE = 100
DEFAULT_COMMENTS_PER_SUBMISSION = 10
DEFAULT_MAX_PAGES_PER_SUBREDDIT = 10  # 1,000 submissions: as deep as a listing goes
#: Retries and timeout when the caller passes no policy.
REDDIT_RETRY_POLICY = RetryPolicy(timeout_s=16.0)

ENV_CLIENT_ID = "REDDIT_CLIENT_ID"
ENV_CLIENT_SECRET = "REDDIT_CLIENT_SECRET"
ENV_USER_AGENT = "REDDIT_USER_AGENT"
ENV_USERNAME = "REDDIT_USERNAME"
ENV_PASSWORD = "REDDIT_PASSWORD"
REQUIRED_ENV_VARS: tuple[str, ...] = (ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_USER_AGENT)

_FATAL = (PermanentCallError, RetriesExhaustedError, CircuitOpenError)


@dataclass(frozen=True)
class RedditCredentials:
    """Script-app credentials. Secrets are left out of ``repr``."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    user_agent: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("client_id", "client_secret", "user_agent"):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(f"Reddit credentials: {name} is empty")
        if bool(self.username) != bool(self.password):
            raise ValueError("Reddit credentials: set both username and password, or neither")


def credentials_from_env(environ: Mapping[str, str]) -> RedditCredentials:
    """Credentials from ``REDDIT_CLIENT_ID``, ``REDDIT_CLIENT_SECRET``, ``REDDIT_USER_AGENT``
    (and optionally ``REDDIT_USERNAME`` + ``REDDIT_PASSWORD``).

    Raises ValueError with one line naming every missing variable.
    """
    missing = [name for name in REQUIRED_ENV_VARS if not environ.get(name, "").strip()]
    if missing:
        raise ValueError(
            f"missing environment variable{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: the reddit posts source needs a Reddit script app "
            "(https://www.reddit.com/prefs/apps)"
        )
    return RedditCredentials(
        client_id=environ[ENV_CLIENT_ID].strip(),
        client_secret=environ[ENV_CLIENT_SECRET].strip(),
        user_agent=environ[ENV_USER_AGENT].strip(),
        username=environ.get(ENV_USERNAME, "").strip() or None,
        password=environ.get(ENV_PASSWORD, "").strip() or None,
    )


class MalformedJSONError(TransientCallError):
    """A 2xx answer whose body is not JSON (retried)."""


@functools.cache
def _requestor_class() -> type:
    """A prawcore Requestor that rate-limits and retries every request (built lazily)."""
    import prawcore

    class ResilientRequestor(prawcore.Requestor):  # type: ignore[misc]
        def __init__(
            self,
            *,
            caller: ResilientCaller,
            limiter: RateLimiter,
            request_timeout_s: float,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self._caller = caller
            self._limiter = limiter
            self._request_timeout_s = request_timeout_s

        def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
            method = str(kwargs.get("method") or (args[0] if args else "GET")).upper()
            url = str(kwargs.get("url") or (args[1] if len(args) > 1 else ""))
            what = f"{method} {urlsplit(url).path}"  # no query string, no credentials

            def attempt() -> Any:
                self._limiter.acquire()
                response = self._http.request(*args, timeout=self._request_timeout_s, **kwargs)
                status = response.status_code
                if status >= 400:
                    raise HTTPStatusError(
                        status,
                        what,
                        retry_after_s=parse_retry_after(response.headers.get("retry-after")),
                    )
                if status == 200 and response.content:
                    try:
                        response.json()
                    except ValueError:
                        raise MalformedJSONError(f"malformed JSON from {what}") from None
                return response

            try:
                return self._caller.call(attempt, what=what)
            except _FATAL as exc:
                # Not one of prawcore's retry exceptions, so it propagates at once.
                raise prawcore.RequestException(exc, (), {}) from None

    return ResilientRequestor


def _children(listing: Any) -> tuple[list[dict[str, Any]], str | None]:
    """``(data dicts of t1/t3 children, after cursor)`` of one Listing JSON."""
    if not isinstance(listing, dict) or listing.get("kind") != "Listing":
        raise TransientCallError("unexpected listing shape")
    data = listing.get("data") or {}
    items = [
        child["data"]
        for child in data.get("children") or []
        if isinstance(child, dict) and child.get("kind") in ("t1", "t3")
    ]
    return items, data.get("after")


class RedditPostsSource:
    """A :class:`~tft_assets.sources.base.PostsSource` over the live Reddit API.

    ``base_url`` points praw's ``oauth_url`` and ``reddit_url`` somewhere else (a fake server
    in tests, a proxy). ``clock``/``sleep``/``rng`` make retries and rate limiting testable in
    virtual time. :meth:`metadata` returns the resilience counters for asset metadata.
    """

    def __init__(
        self,
        credentials: RedditCredentials,
        *,
        subreddits: Sequence[str] = ("wallstreetbets",),
        comments_per_submission: int = DEFAULT_COMMENTS_PER_SUBMISSION,
        max_comment_threads: int | None = None,
        max_pages_per_subreddit: int = DEFAULT_MAX_PAGES_PER_SUBREDDIT,
        requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        base_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        assert subreddits, "at least one subreddit"
        assert comments_per_submission >= 0, "comments_per_submission must be >= 0"
        assert 0 < requests_per_minute <= REDDIT_REQUESTS_PER_MINUTE_LIMIT, (
            f"requests_per_minute must be in (0, {REDDIT_REQUESTS_PER_MINUTE_LIMIT}]"
        )
        self.credentials = credentials
        self.subreddits = tuple(s.strip().removeprefix("r/") for s in subreddits)
        self.comments_per_submission = comments_per_submission
        self.max_comment_threads = max_comment_threads
        self.max_pages_per_subreddit = max_pages_per_subreddit
        self.base_url = base_url.rstrip("/") if base_url else None
        self.caller = service_caller(
            "reddit",
            policy,
            REDDIT_RETRY_POLICY,
            breaker=breaker,
            clock=clock,
            sleep=sleep,
            rng=rng,
        )
        self.policy = self.caller.policy
        self.limiter = RateLimiter(requests_per_minute, clock=clock, sleep=sleep)
        self._reddit: Any = None

    def __repr__(self) -> str:
        return f"RedditPostsSource(subreddits={self.subreddits!r}, base_url={self.base_url!r})"

    def metadata(self) -> dict[str, Any]:
        """Resilience counters and rate-limiter figures (no secrets)."""
        return {
            **self.caller.metadata(),
            "requests_sent": self.limiter.acquired,
            "rate_limit_waited_s": round(self.limiter.waited_s, 3),
            "requests_per_minute": self.limiter.requests_per_minute,
        }

    def _client(self) -> Any:
        if self._reddit is None:
            import praw

            creds = self.credentials
            config: dict[str, Any] = {
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "user_agent": creds.user_agent,
                "check_for_updates": False,
                "check_for_async": False,
            }
            if creds.username and creds.password:
                config.update(username=creds.username, password=creds.password)
            if self.base_url:
                config.update(oauth_url=self.base_url, reddit_url=self.base_url)
            self._reddit = praw.Reddit(
                requestor_class=_requestor_class(),
                requestor_kwargs={
                    "caller": self.caller,
                    "limiter": self.limiter,
                    "request_timeout_s": self.policy.timeout_s,
                },
                **config,
            )
        return self._reddit

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        import prawcore

        try:
            return self._client().request(method="GET", path=path, params=params)
        except prawcore.RequestException as exc:
            if isinstance(exc.original_exception, _FATAL):
                raise exc.original_exception from None
            raise

    def _submissions(
        self, subreddit: str, start_s: float, end_s: float, notes: dict[str, str]
    ) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(self.max_pages_per_subreddit):
            params: dict[str, Any] = {"limit": REDDIT_PAGE_SIZE, "raw_json": 1}
            if after:
                params["after"] = after
            items, after = _children(self._get(f"/r/{subreddit}/new", params))
            created = [float(i.get("created_utc") or 0.0) for i in items]
            kept.extend(i for i, c in zip(items, created, strict=True) if start_s <= c < end_s)
            if not items or min(created) < start_s:
                return kept
            if not after:
                notes[f"r/{subreddit}"] = (
                    "listing ended before the window start (Reddit listings hold ~1,000 items; "
                    "use an archive dump for older windows)"
                )
                return kept
        notes[f"r/{subreddit}"] = (
            f"stopped after {self.max_pages_per_subreddit} pages before reaching the window start"
        )
        return kept

    def _top_comments(self, submission_id: str) -> list[dict[str, Any]]:
        answer = self._get(
            f"/comments/{submission_id}",
            {
                "sort": "top",
                "limit": self.comments_per_submission,
                "depth": 1,
                "raw_json": 1,
            },
        )
        if not isinstance(answer, list) or len(answer) < 2:
            raise TransientCallError(f"unexpected comments answer for {submission_id}")
        items, _ = _children(answer[1])
        return [i for i in items if i.get("name", "t1_").startswith("t1_")][
            : self.comments_per_submission
        ]

    def _window_comments(
        self, submissions: list[dict[str, Any]], start_s: float, end_s: float
    ) -> tuple[list[dict[str, Any]], int]:
        """``(top comments created in the window, how many were created outside it)`` of the
        most commented ``submissions``."""
        threads = sorted(submissions, key=lambda s: -int(s.get("num_comments") or 0))
        if self.max_comment_threads is not None:
            threads = threads[: self.max_comment_threads]
        kept: list[dict[str, Any]] = []
        late = 0
        for submission in threads:
            if not int(submission.get("num_comments") or 0):
                continue
            for comment in self._top_comments(str(submission["id"])):
                if start_s <= float(comment.get("created_utc") or 0.0) < end_s:
                    kept.append(comment)
                else:
                    late += 1
        return kept, late

    def _subreddit_records(
        self, subreddit: str, start_s: float, end_s: float, notes: dict[str, str]
    ) -> list[dict[str, Any]]:
        """Submissions of ``r/<subreddit>`` in the window, then their top comments in it."""
        submissions = self._submissions(subreddit, start_s, end_s, notes)
        if not submissions:
            notes.setdefault(f"r/{subreddit}", "no submissions in the window")
        if self.comments_per_submission == 0:
            return submissions
        comments, late = self._window_comments(submissions, start_s, end_s)
        if late:
            notes[f"r/{subreddit} comments"] = (
                f"{late} top comments created outside the window left out"
            )
        return submissions + comments

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        """Submissions and top comments created in ``[start_utc, end_utc)`` (aware datetimes)."""
        assert start_utc.tzinfo is not None and end_utc.tzinfo is not None, "use aware datetimes"
        assert start_utc < end_utc, "empty window"
        start_s, end_s = start_utc.timestamp(), end_utc.timestamp()
        notes: dict[str, str] = {}
        records: list[dict[str, Any]] = []
        for subreddit in self.subreddits:
            records.extend(self._subreddit_records(subreddit, start_s, end_s, notes))
        if not records:
            return Fetched(frame=empty_frame(SOURCE_POSTS_SCHEMA), notes=notes)
        frame = reddit_json_to_contract(records_frame(records), source="reddit")
        return Fetched(frame=frame, notes=notes)

"""A fake Reddit API on 127.0.0.1 for praw: token endpoint, ``/r/<sub>/new`` and
``/comments/<id>``, with scripted faults (429 + Retry-After, 500, slow answers, malformed JSON,
401/403/404) consumed in order per endpoint family.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

#: Fault names understood by :class:`FakeReddit`.
FAULTS = ("429", "500", "503", "slow", "malformed", "401", "403", "404", "truncated")


@dataclass
class FakeReddit:
    """Posts to serve, scripted faults, and a log of what was asked."""

    submissions: dict[str, list[dict]] = field(default_factory=dict)  # subreddit -> newest first
    comments: dict[str, list[dict]] = field(default_factory=dict)  # submission id -> comments
    slow_s: float = 1.0
    retry_after_s: float = 2.0
    faults: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    always: dict[str, str] = field(default_factory=dict)  # endpoint -> fault on every call
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, endpoint: str, *faults: str) -> None:
        """Queue faults for ``endpoint`` ("token", "new" or "comments")."""
        assert all(f in FAULTS for f in faults), faults
        self.faults[endpoint].extend(faults)

    def next_fault(self, endpoint: str) -> str | None:
        with self.lock:
            if endpoint in self.always:
                return self.always[endpoint]
            queue = self.faults[endpoint]
            return queue.popleft() if queue else None

    def count(self, endpoint_prefix: str, status: int | None = None) -> int:
        return sum(
            1
            for _, path, code in self.requests
            if path.startswith(endpoint_prefix) and (status is None or code == status)
        )


def _listing(children: list[dict], kind: str, after: str | None) -> dict:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "before": None,
            "children": [{"kind": kind, "data": c} for c in children],
        },
    }


#: Faults answered with a 200 and a canned body (the rest are HTTP statuses).
_CANNED_FAULTS: dict[str, bytes] = {
    "slow": b"{}",
    "malformed": b'{"kind": "Listing", "data": {"children": [',
    "truncated": b"<html>oops</html>",
}
_TOKEN = {"access_token": "fake-token", "token_type": "bearer", "expires_in": 3600, "scope": "*"}


class _FakeRedditHandler(BaseHTTPRequestHandler):
    """Serves :attr:`fake` (set on the subclass :func:`make_handler` builds)."""

    fake: FakeReddit
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            # One request per connection: no keep-alive races between client and server.
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer(self, path: str, status: int, body: bytes, headers: dict | None = None) -> None:
        self._record(path, status)
        self._send(status, body, headers)

    def _fault(self, endpoint: str, path: str) -> bool:
        """Answer with the next scripted fault of ``endpoint``; False when none is queued."""
        fault = self.fake.next_fault(endpoint)
        if fault is None:
            return False
        if fault == "slow":
            time.sleep(self.fake.slow_s)
        if fault in _CANNED_FAULTS:
            self._answer(path, 200, _CANNED_FAULTS[fault])
            return True
        status = int(fault)
        headers = {"Retry-After": f"{self.fake.retry_after_s:g}"} if status == 429 else {}
        self._answer(
            path, status, json.dumps({"message": "fault", "error": status}).encode(), headers
        )
        return True

    def _record(self, path: str, status: int) -> None:
        with self.fake.lock:
            self.fake.requests.append((self.command, path, status))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        path = urlsplit(self.path).path
        if path != "/api/v1/access_token":
            self._answer(path, 404, b"{}")
        elif not self._fault("token", path):
            self._answer(path, 200, json.dumps(_TOKEN).encode())

    def _serve_new(self, path: str, subreddit: str, query: dict[str, list[str]]) -> None:
        posts = self.fake.submissions.get(subreddit)
        if posts is None:
            self._answer(path, 404, b'{"message": "Not Found", "error": 404}')
            return
        limit = int(query.get("limit", ["25"])[0])
        after = query.get("after", [None])[0]
        start = 0
        if after:
            ids = [f"t3_{p['id']}" for p in posts]
            start = ids.index(after) + 1 if after in ids else len(posts)
        page = posts[start : start + limit]
        next_after = f"t3_{page[-1]['id']}" if start + limit < len(posts) and page else None
        self._answer(path, 200, json.dumps(_listing(page, "t3", next_after)).encode())

    def _serve_comments(self, path: str, sid: str, query: dict[str, list[str]]) -> None:
        submission = next(
            (p for posts in self.fake.submissions.values() for p in posts if p["id"] == sid),
            None,
        )
        if submission is None:
            self._answer(path, 404, b"{}")
            return
        limit = int(query.get("limit", ["200"])[0])
        comments = sorted(self.fake.comments.get(sid, []), key=lambda c: -c["score"])[:limit]
        more = {"kind": "more", "data": {"id": "zzz", "name": "t1_zzz", "count": 5}}
        second = _listing(comments, "t1", None)
        second["data"]["children"].append(more)
        body = [_listing([submission], "t3", None), second]
        self._answer(path, 200, json.dumps(body).encode())

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        segments = [s for s in path.split("/") if s]
        if len(segments) == 3 and segments[0] == "r" and segments[2] == "new":
            if not self._fault("new", path):
                self._serve_new(path, segments[1], query)
        elif len(segments) == 2 and segments[0] == "comments":
            if not self._fault("comments", path):
                self._serve_comments(path, segments[1], query)
        else:
            self._answer(path, 404, b"{}")


def make_handler(fake: FakeReddit) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving ``fake``."""
    return type("Handler", (_FakeRedditHandler,), {"fake": fake})


class FakeRedditServer:
    """Context manager: serves ``fake`` on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, fake: FakeReddit) -> None:
        self.fake = fake
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeRedditServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def make_posts(
    subreddit: str, start_epoch: int, n: int, spacing_s: int, prefix: str = "s"
) -> list[dict]:
    """``n`` submissions, newest first, one every ``spacing_s`` seconds back from ``start_epoch``."""
    posts = []
    for i in range(n):
        sid = f"{prefix}{i:05d}"
        posts.append(
            {
                "id": sid,
                "name": f"t3_{sid}",
                "subreddit": subreddit,
                "author": f"user{i % 7}",
                "created_utc": float(start_epoch - i * spacing_s),
                "title": f"GME to the moon #{i}",
                "selftext": f"body {i}",
                "url": f"https://www.reddit.com/r/{subreddit}/comments/{sid}/x/",
                "permalink": f"/r/{subreddit}/comments/{sid}/x/",
                "score": i - 3,
                "upvote_ratio": 0.9,
                "num_comments": 2 if i % 2 == 0 else 0,
            }
        )
    return posts


def make_comments(submission: dict, n: int, delay_s: int = 60) -> list[dict]:
    sid = submission["id"]
    return [
        {
            "id": f"c{sid}{j}",
            "name": f"t1_c{sid}{j}",
            "link_id": f"t3_{sid}",
            "parent_id": f"t3_{sid}",
            "subreddit": submission["subreddit"],
            "author": f"commenter{j}",
            "created_utc": submission["created_utc"] + delay_s * (j + 1),
            "body": f"comment {j} on {sid}",
            "permalink": f"/r/{submission['subreddit']}/comments/{sid}/x/c{sid}{j}/",
            "score": 10 - j,
        }
        for j in range(n)
    ]

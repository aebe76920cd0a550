"""A fake Save Page Now 2 on web.archive.org, mounted on a FakeWayback (design §1.5, from the SPN2 Public API Docs
Draft, 2025-10-22 copy, and the clients it cites).

    spn = FakeSavePageNow(wayback, web, keys=("access", "secret"), polls_before_success=2)
    POST /save                 url=…&options, `Authorization: LOW access:secret` -> {"url", "job_id"}
    GET  /save/status/<job>    pending, then success (after `polls_before_success` pending polls) or error
    POST /save/status          job_id=… (one status) or job_ids=a,b,c (a list of statuses)
    GET  /save/status/user     {"available", "processing", "daily_captures", "daily_captures_limit"}
    GET  /save/status/system   {"status": "ok"}

When a job succeeds the fake fetches the page as the fake web serves it *now* (over the proxy, raw bytes, so the
digest is that of the payload received) and adds the capture to the FakeWayback, so CDX lists it; `payloads[url]`
scripts a different body ("the archive received something else"), `job_errors[url]` a failed job,
`script_submit(status_ext, …)` the next submissions' errors. HTTP-level faults: `wayback.script("spn", …)` for
POST /save, `wayback.script("spn-status", …)` for the status paths.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx

from .archive_data import ArchivedCapture, closeness, later, now_timestamp
from .server import RequestInfo, Response
from .wayback import FakeWayback, json_response

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}
SUBMIT_MESSAGES = {
    "error:user-session-limit": "You have already reached the limit of active sessions. Please wait a few minutes "
                                "and try again.",
    "error:too-many-daily-captures": "This account has reached its daily limit of captures.",
    "error:blocked-url": "This URL is in the Save Page Now service block list and cannot be captured.",
}
LIVE_ERRORS = {404: ("error:not-found", "The server cannot find the requested resource."),
               410: ("error:not-found", "The server cannot find the requested resource."),
               403: ("error:no-access", "Target server responded with a 403 Forbidden error.")}


@dataclass
class Job:
    id: str
    url: str
    polls: int = 0
    status: str = "pending"
    timestamp: str | None = None
    original_url: str | None = None
    error: tuple[str, str] | None = None  # (status_ext, message)
    message: str | None = None
    options: dict[str, str] = field(default_factory=dict)


class FakeSavePageNow:
    """Save Page Now 2 for one account: its keys, concurrent sessions and daily quota."""

    def __init__(self, wayback: FakeWayback, web, keys: tuple[str, str] = ("access", "secret"),
                 sessions: int = 3, daily_limit: int = 30000, daily_captures: int = 0, polls_before_success: int = 2):
        self.wayback, self.web = wayback, web
        self.keys, self.sessions = keys, sessions
        self.daily_limit, self.daily_captures = daily_limit, daily_captures
        self.polls_before_success = polls_before_success
        self.payloads: dict[str, bytes] = {}
        self.job_errors: dict[str, tuple[str, str]] = {}
        self.jobs: dict[str, Job] = {}
        self._submit_errors: list[str] = []
        self._lock = threading.RLock()
        wayback.mount("/save/status", "spn-status", self.status_route)
        wayback.mount("/save", "spn", self.save_route)

    def script_submit(self, *status_exts: str) -> None:
        """The next submissions answer these errors (e.g. 'error:user-session-limit'), then are accepted again."""
        with self._lock:
            self._submit_errors.extend(status_exts)

    @property
    def processing(self) -> int:
        return sum(1 for job in self.jobs.values() if job.status == "pending")

    def _authorized(self, request: RequestInfo) -> bool:
        return (request.header("authorization") or "").strip() == f"LOW {self.keys[0]}:{self.keys[1]}"

    # --- POST /save ----------------------------------------------------------------------------------------------

    def save_route(self, request: RequestInfo) -> Response:
        if request.method != "POST":
            return Response(405, [("Content-Type", "text/plain")], b"Method Not Allowed\n")
        if not self._authorized(request):
            return unauthorized()
        form = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        url = form.pop("url", "").strip()
        if not re.match(r"^https?://[^/\s]+", url):
            return submit_error("error:invalid-url-syntax", f"Invalid URL syntax: {url}")
        with self._lock:
            refused = self._refusal(url)
            if refused:
                return submit_error(*refused)
            job = Job(str(uuid.uuid4()), url, options=form)
            self.jobs[job.id] = job
            self._reuse_recent(job)
            if job.status == "pending":
                self.daily_captures += 1
        return json_response({"url": url, "job_id": job.id})

    def _refusal(self, url: str) -> tuple[str, str] | None:
        """Why a submission is refused now: a scripted error, the daily quota, the sessions, 5 a day per URL."""
        if self._submit_errors:
            status_ext = self._submit_errors.pop(0)
            return status_ext, SUBMIT_MESSAGES.get(status_ext, status_ext)
        if self.daily_captures >= self.daily_limit:
            return "error:too-many-daily-captures", SUBMIT_MESSAGES["error:too-many-daily-captures"]
        if self.processing >= self.sessions:
            return "error:user-session-limit", SUBMIT_MESSAGES["error:user-session-limit"]
        if sum(1 for job in self.jobs.values() if job.url == url) >= 5:
            return ("error:too-many-daily-captures",
                    f"This URL has been already captured 5 times today: {url}. Please try again tomorrow.")
        return None

    def _reuse_recent(self, job: Job) -> None:
        """`if_not_archived_within`: a capture newer than that is returned instead of a new one."""
        window = parse_timedelta(job.options.get("if_not_archived_within", ""))
        if window is None:
            return
        now = now_timestamp()
        recent = [c for c in self.wayback.store.of(job.url) if closeness(c, now) <= window.total_seconds()]
        if recent:
            job.status, job.timestamp, job.original_url = "success", recent[-1].timestamp, recent[-1].url
            job.message = "The same snapshot had been made recently."

    # --- status --------------------------------------------------------------------------------------------------

    def status_route(self, request: RequestInfo) -> Response:
        path = urlsplit(request.path).path
        if path == "/save/status/user":
            return self._user(request)
        if path == "/save/status/system":
            return json_response({"status": "ok"})
        if request.method == "POST" and path.rstrip("/") == "/save/status":
            form = dict(parse_qsl(request.body.decode("utf-8")))
            if "job_ids" in form:
                return json_response([self.poll(i.strip()) for i in form["job_ids"].split(",") if i.strip()])
            return self._one(form.get("job_id", ""))
        return self._one(path[len("/save/status/"):])

    def _user(self, request: RequestInfo) -> Response:
        if not self._authorized(request):
            return unauthorized()
        with self._lock:
            return json_response({"available": max(0, self.sessions - self.processing),
                                  "processing": self.processing, "daily_captures": self.daily_captures,
                                  "daily_captures_limit": self.daily_limit})

    def _one(self, job_id: str) -> Response:
        answer = self.poll(job_id)
        return json_response(answer, status=404 if answer.get("message") == "Job not found" else 200)

    def poll(self, job_id: str) -> dict[str, object]:
        """A job's status, one poll later. An unknown id: the docs do not show the answer; the fake says 404."""
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return {"status": "error", "job_id": job_id, "message": "Job not found"}
            job.polls += 1
            if job.status == "pending" and job.polls > self.polls_before_success:
                self._finish(job)
            return job_status(job)

    def _finish(self, job: Job) -> None:
        if job.url in self.job_errors:
            job.status, job.error = "error", self.job_errors[job.url]
            return
        try:
            captures = self._capture(job.url)
        except httpx.HTTPError as problem:
            job.status, job.error = "error", ("error:cannot-fetch", f"Couldn't fetch {job.url}: {problem}")
            return
        final = captures[-1]
        if final.status in LIVE_ERRORS:
            job.status, job.error = "error", LIVE_ERRORS[final.status]
            return
        for capture in captures:
            self.wayback.add(capture)
        job.status, job.timestamp, job.original_url = "success", final.timestamp, final.url

    def _capture(self, url: str) -> list[ArchivedCapture]:
        """The page as the fake web serves it now (redirects each a capture), raw bytes as received."""
        with httpx.Client(**self.web.client_kwargs(), timeout=10, follow_redirects=True) as client:
            with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
                body = b"".join(response.iter_raw())
                hops = [*response.history, response]
                timestamp = self._free_timestamp([str(hop.url) for hop in hops])
                captures = [_as_capture(hop, timestamp, b"") for hop in response.history]
                final = _as_capture(response, timestamp, self.payloads.get(url, body))
        return [*captures, final]

    def _free_timestamp(self, urls: Sequence[str]) -> str:
        timestamp = now_timestamp()
        while any(self.wayback.store.exact(u, timestamp) for u in urls):
            timestamp = later(timestamp, 1)
        return timestamp


def _as_capture(response: httpx.Response, timestamp: str, body: bytes) -> ArchivedCapture:
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
    mimetype = response.headers.get("content-type", "unk").split(";")[0].strip() or "unk"
    location = response.headers.get("location") if response.is_redirect else None
    return ArchivedCapture(str(response.url), timestamp, status=response.status_code, mimetype=mimetype,
                           body=body, headers=headers, location=location)


def job_status(job: Job) -> dict[str, object]:
    """A job as /save/status answers it (the docs' three shapes)."""
    if job.status == "pending":
        return {"status": "pending", "job_id": job.id, "resources": [job.url]}
    if job.status == "error" and job.error:
        status_ext, message = job.error
        return {"status": "error", "exception": message, "status_ext": status_ext, "job_id": job.id,
                "message": message, "resources": []}
    answer: dict[str, object] = {"status": "success", "job_id": job.id, "original_url": job.original_url,
                                 "timestamp": job.timestamp, "duration_sec": 6.203, "resources": [job.url],
                                 "outlinks": {}}
    if job.message:
        answer["message"] = job.message
    return answer


def submit_error(status_ext: str, message: str) -> Response:
    """A refused submission: a JSON body with `status_ext` (the docs show the body, not the HTTP status; 200 here)."""
    return json_response({"status": "error", "status_ext": status_ext, "message": message})


def unauthorized() -> Response:
    """Wrong or missing keys: 401 (the answer's exact wording is not documented)."""
    return json_response({"status": "error", "status_ext": "error:unauthorized",
                          "message": "You need to be logged in to use Save Page Now."}, status=401)


def parse_timedelta(text: str) -> timedelta | None:
    """'3d 5h 20m', '1h', '3600' (seconds), as `if_not_archived_within` takes them; None when absent or unreadable."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return timedelta(seconds=int(text))
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    parts = re.findall(r"(\d+)\s*([dhms])", text)
    if not parts:
        return None
    return timedelta(**{units[unit]: sum(int(n) for n, u in parts if u == unit) for _, unit in parts})

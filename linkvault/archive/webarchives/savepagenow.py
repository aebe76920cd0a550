"""Save Page Now 2, the Internet Archive's capture-on-request API: the account's keys, its quota, a submission
and the batch poll of jobs (design §1.5), each through its gate (`ia-spn` for submissions, `ia-spn-status` for
the status paths).

The keys are the user's Internet Archive S3 keys. They travel only in the `Authorization` header of these
requests: never in a request's cache key, a WARC, the vault, custody, a log or any output (`SpnKeys` does not
even print them).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from linkvault.archive.webarchives.gate import WAIT_CAP, parse_rate, parse_wait_cap
from linkvault.archive.webarchives.gateway import Answer, Gateway
from linkvault.errors import UsageError

SAVE = "https://web.archive.org/save"
STATUS = "https://web.archive.org/save/status"
KEYS_ENV = "LINKVAULT_SPN_KEYS"
SESSION_LIMIT = "error:user-session-limit"
# Errors after which the same URL is worth submitting again later in the run (the archive's passing trouble).
RETRY_LATER = {SESSION_LIMIT, "error:soft-time-limit-exceeded", "error:browsing-timeout", "error:no-browsers-available",
               "error:cannot-fetch", "error:celery", "error:proxy-error", "error:job-failed",
               "error:internal-server-error", "error:capture-location-error", "error:read-timeout",
               "error:protocol-error", "error:service-unavailable", "error:gateway-timeout", "error:too-many-requests"}
# Errors that end the run's submissions: the account, not the URL, is out of something.
STOP_SUBMITTING = {"error:max-daily-bandwidth", "error:unauthorized"}
_WITHIN = re.compile(r"^\s*(?:\d+\s*|(?:\d+\s*[dhms]\s*)+)$")


@dataclass(frozen=True)
class SpnKeys:
    """An account's S3 keys. Its repr names the access key only: a traceback or a debug print shows no secret."""

    access: str
    secret: str = field(repr=False)

    @property
    def authorization(self) -> str:
        return f"LOW {self.access}:{self.secret}"


@dataclass(frozen=True)
class SpnOptions:
    """`fetch --save-page-now`: the keys, `if_not_archived_within`, the gates' rates and how long a run polls."""

    keys: SpnKeys
    within: str = "1d"
    rates: Mapping[str, float] = field(default_factory=dict)
    poll_cap: float = 600.0  # seconds a run waits for its jobs; unfinished ones are finished by the next run
    wait_cap: float = WAIT_CAP  # seconds of Retry-After a run waits out (--wait-cap); longer gives the service up


class KeysRefused(Exception):
    """Save Page Now refused the keys (HTTP 401/403): the run submits nothing more."""


def _keys_of(text: str, where: str) -> SpnKeys:
    """`access:secret` on one line, or an ia.ini (`[s3]` with `access` and `secret`)."""
    if "[" in text:
        ini = configparser.ConfigParser()
        try:
            ini.read_string(text)
            access, secret = ini.get("s3", "access", fallback=""), ini.get("s3", "secret", fallback="")
        except configparser.Error:
            access = secret = ""
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        access, _, secret = (lines[0] if len(lines) == 1 else "").partition(":")
    access, secret = access.strip(), secret.strip()
    if not access or not secret or any(c.isspace() or c == ":" for c in access + secret):
        raise UsageError(f"{where}: Save Page Now keys must be ACCESS:SECRET on one line, or an ia.ini with [s3] "
                         "access and secret (your S3 keys from https://archive.org/account/s3.php)")
    return SpnKeys(access, secret)


def read_keys(path: str | None, environ: Mapping[str, str] | None = None) -> SpnKeys:
    """The keys from `--spn-keys FILE`, else the environment; none or malformed is a usage error."""
    environ = os.environ if environ is None else environ
    if path is not None:
        try:
            with open(path, encoding="utf-8") as fh:
                return _keys_of(fh.read(), f"--spn-keys {path}")
        except OSError as exc:
            raise UsageError(f"--spn-keys {path}: cannot read it ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise UsageError(f"--spn-keys {path}: not a text file") from None
    if environ.get(KEYS_ENV):
        return _keys_of(environ[KEYS_ENV], KEYS_ENV)
    raise UsageError("--save-page-now needs the Internet Archive account's keys: --spn-keys FILE or "
                     f"{KEYS_ENV}=ACCESS:SECRET")


def spn_options(keys_file: str | None, within: str = "1d", rates: Sequence[str] = (),
                environ: Mapping[str, str] | None = None, wait_cap: str = "10m") -> SpnOptions:
    """Everything `--save-page-now` needs, read and checked before the run begins."""
    if not _WITHIN.match(within or ""):
        raise UsageError(f"--spn-within {within!r}: give it as seconds or like 1d, 12h, 3d 5h 20m")
    cap = parse_wait_cap(wait_cap)
    return SpnOptions(read_keys(keys_file, environ), " ".join(within.split()), dict(parse_rate(r) for r in rates),
                      wait_cap=cap)


def within_seconds(within: str) -> float:
    """`--spn-within` as seconds ("1d" → 86400, "3d 5h 20m", a bare number is seconds)."""
    text = within.strip()
    if text.isdigit():
        return float(text)
    units = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)\s*([dhms])", text))


def job_unknown(status: Mapping[str, object]) -> bool:
    """The archive no longer knows the job (its status is kept about an hour): "Job not found", not an error of
    the capture (a live 404 is `error:not-found` with its own message)."""
    message = str(status.get("message") or status.get("exception") or "").lower()
    return status.get("status") == "error" and ("job not found" in message
                                                 or (not status.get("status_ext") and "not found" in message))


@dataclass(frozen=True)
class Quota:
    """GET /save/status/user: free concurrent sessions, and captures left today."""

    available: int
    processing: int
    left_today: int | None  # None when the answer does not say


@dataclass(frozen=True)
class Submitted:
    """A submission's answer: a job id, or the error that refused it."""

    job_id: str | None
    status_ext: str | None = None
    message: str | None = None


def _json(answer: Answer) -> object:
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def _check_keys(answer: Answer) -> None:
    body = _json(answer)
    if answer.status in (401, 403) or (isinstance(body, dict) and body.get("status_ext") == "error:unauthorized"):
        raise KeysRefused(f"Save Page Now refused the account's keys (HTTP {answer.status}; see --spn-keys)")


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()) else None


async def user_quota(gateway: Gateway, keys: SpnKeys) -> Quota:
    """The account's sessions and daily captures (a cache-buster keeps any cache between us and the archive out)."""
    answer = await gateway.get("ia-spn-status", f"{STATUS}/user", [("_t", secrets.token_hex(6))],
                               headers={"Authorization": keys.authorization, "Accept": "application/json"})
    _check_keys(answer)
    body = _json(answer)
    body = body if isinstance(body, dict) else {}
    limit, done = _int(body.get("daily_captures_limit")), _int(body.get("daily_captures"))
    left = max(0, limit - done) if limit is not None and done is not None else None
    return Quota(_int(body.get("available")) or 0, _int(body.get("processing")) or 0, left)


async def submit(gateway: Gateway, keys: SpnKeys, url: str, within: str) -> Submitted:
    """POST /save: one capture of `url`, unless one newer than `within` exists (that one is returned)."""
    form = {"url": url, "skip_first_archive": "1", "if_not_archived_within": within}
    answer = await gateway.post("ia-spn", SAVE, _form(form), headers={
        "Authorization": keys.authorization, "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"})
    _check_keys(answer)
    body = _json(answer)
    if isinstance(body, dict) and isinstance(body.get("job_id"), str) and body["job_id"]:
        return Submitted(body["job_id"])
    if isinstance(body, dict):
        return Submitted(None, str(body.get("status_ext") or "error:unknown"), str(body.get("message") or ""))
    return Submitted(None, "error:unknown", f"Save Page Now answered HTTP {answer.status} without a job")


async def poll(gateway: Gateway, keys: SpnKeys, job_ids: Sequence[str]) -> dict[str, dict]:
    """POST /save/status job_ids=a,b,c: every pending job's status in one request, by job id."""
    answer = await gateway.post("ia-spn-status", STATUS, _form({"job_ids": ",".join(job_ids)}), headers={
        "Authorization": keys.authorization, "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"})
    _check_keys(answer)
    body = _json(answer)
    statuses = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    return {s["job_id"]: s for s in statuses if isinstance(s, dict) and isinstance(s.get("job_id"), str)}


def _form(fields: Mapping[str, str]) -> str:
    return urlencode(list(fields.items()))

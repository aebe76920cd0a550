"""A link's history of checks and the verdict read from it (linkvault/history.py reads it).

Each capture of a cited URL is one check of the link; `HistoryVerdict` is what those checks say together:
whether a failure is confirmed (dead), still to be confirmed (failing), or never counted (restricted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# The history's own words, beside a check's category: `failing` is a failure not yet confirmed.
HISTORY_STATUSES = ("alive", "failing", "dead", "restricted", "refused", "unknown")


@dataclass(frozen=True)
class HistoryRules:
    """When a link is called dead, and when it is due another check (InternetArchiveBot's defaults)."""

    dead_after: int = 3  # failed checks, each at least `apart` after the one counted before it
    apart: timedelta = timedelta(days=3)
    alive_every: timedelta = timedelta(days=7)  # re-check an alive (restricted, dead) link after this long
    failing_every: timedelta = timedelta(days=3)  # re-check a failing link after this long
    # A timer's run starts at the same minute each day and fetches seconds to minutes later: a link falling due
    # within `leeway` after a run starts is checked by that run, and failures `leeway` short of `apart` apart count
    # apart, so last week's check is never a few seconds too young for this week's run.
    leeway: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Check:
    """One check of a link: when, what its capture read (category and state), whether the failure was ours
    (no network, the proxy down, our trust store, our own fault): such a check says nothing of the link; and the
    vantage point that saw it (None: the run named none)."""

    at: datetime
    category: str
    state: str
    own_side: bool = False
    capture_id: int | None = None
    vantage: str | None = None

    def as_dict(self) -> dict:
        return {"at": _iso(self.at), "category": self.category, "state": self.state, "own_side": self.own_side,
                "capture_id": self.capture_id, "vantage": self.vantage}


@dataclass(frozen=True)
class HistoryVerdict:
    """What a link's checks say together: its status since when, the failures counted towards dead (of how many
    needed), when it was first seen and last checked, how many checks, and when the next one is due."""

    status: str
    since: datetime | None = None
    failures: int = 0
    needed: int = 3
    first_seen: datetime | None = None
    last_checked: datetime | None = None
    count: int = 0
    next_due: datetime | None = None
    checks: tuple[Check, ...] = field(default_factory=tuple)

    def due(self, now: datetime) -> bool:
        return self.next_due is None or self.next_due <= now

    def describe(self) -> str:
        """"failing (1 of 3, since 2026-11-30)", "dead (since 2026-11-23)", "alive (since 2026-11-30)"."""
        since = f"since {self.since.date().isoformat()}" if self.since else ""
        if self.status == "failing":
            return f"failing ({self.failures} of {self.needed}{', ' + since if since else ''})"
        return f"{self.status} ({since})" if since else self.status

    def as_dict(self) -> dict:
        return {"status": self.status, "since": _iso(self.since), "failures": self.failures, "needed": self.needed,
                "first_seen": _iso(self.first_seen), "last_checked": _iso(self.last_checked), "count": self.count,
                "next_due": _iso(self.next_due), "checks": [c.as_dict() for c in self.checks]}


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


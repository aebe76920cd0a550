"""What changed under a report's links since a moment (`linkvault changes`): each link's history status, its
verdict, or the drift of what its claim relies on, before and after, with when and how much it matters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from linkvault.model.records import Severity

# What changed: the history's status (alive, failing k of N, dead …), the newest check's verdict (category/state)
# while the status stood, or the drift of the passage the claim relies on.
CHANGE_ASPECTS = ("history", "verdict", "drift")


@dataclass(frozen=True)
class Change:
    """One thing that changed under one footnote link: `before` → `after` (None before: never judged), at `at`."""

    report: str
    label: str
    number: int | None
    url: str
    aspect: str
    before: str | None
    after: str
    at: datetime | None
    severity: Severity
    detail: str = ""  # the drift's sentence, for a drift
    title: str = ""  # the page's title as last read (the page's own words: untrusted)


@dataclass
class ChangesResult:
    """The changes since `since` (the moment compared against; None: no earlier state to compare, so none) over the
    links of `reports`; `links` counts the footnote links looked at."""

    vault: str
    reports: list[str]
    since: datetime | None
    since_last: bool
    links: int = 0
    changes: list[Change] = field(default_factory=list)

    def changed_links(self) -> list[tuple[str, str, str]]:
        """(report, label, url) of each link with a change, once, in order."""
        return list(dict.fromkeys((c.report, c.label, c.url) for c in self.changes))

    def by_severity(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for change in self.changes:
            counts[change.severity.value] += 1
        return counts

    def fails(self, fail_on: Severity) -> bool:
        return any(c.severity.rank >= fail_on.rank for c in self.changes)

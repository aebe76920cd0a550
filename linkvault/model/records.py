"""Typed records passed between the pipeline's stages.

Nothing here imports the rest of the package, so every stage can depend on it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property


def label_number(label: str) -> int | None:
    """The footnote's number when its label is numeric ("7" → 7), else None."""
    return int(label) if label.isdigit() else None


@dataclass(frozen=True)
class Citation:
    """One marker in the body text that points at a footnote.

    `context` is the text that cites it: from the end of the previous marker (adjacent markers
    share theirs) up to this one; `paragraph` is its paragraph up to the marker, whose opening
    ("April 18, Almaty, …") dates a chronicle's entry. Readers that cannot tell leave them empty.
    """

    label: str
    line: int
    context: str = ""
    paragraph: str = ""


@dataclass(frozen=True)
class Entry:
    """One item of the footnote list, as written in the report.

    `archived` are copies of its sources the report itself names (robustify's group, a memento URI of one of
    `urls`): never sources of their own, so they are no finding of `check`."""

    label: str
    line: int
    text: str
    urls: tuple[str, ...] = ()
    archived: tuple[str, ...] = ()


@dataclass(frozen=True)
class Footnote:
    """A footnote label seen from both sides: its entry (if any) and where it is cited."""

    label: str
    line: int | None
    text: str
    urls: tuple[str, ...]
    cited_at: tuple[int, ...]

    @property
    def number(self) -> int | str:
        n = label_number(self.label)
        return self.label if n is None else n

    @property
    def has_entry(self) -> bool:
        return self.line is not None

    def gap(self) -> tuple[str, str]:
        """For a footnote with no URL, the state naming the gap and a sentence for the editor."""
        if not self.has_entry:
            return "missing-footnote", "cited in the text but the footnote list has no entry for it"
        if self.text:
            return "no-url", f"the entry has no URL: {self.text[:80]}"
        return "missing-footnote", "the entry is empty"


@dataclass
class Report:
    """A parsed report: every citation marker and every footnote-list entry, in document order.

    `path` is the file as given, or a `<…>` name for standard input and URL arguments; `sha256`
    is the digest of the bytes read (empty for text parsed in memory). `date` is the day the report
    says it was written (its metadata, its opening lines, a month its title or file name names),
    never today's; `date_detail` says where it was read ("docProps/core.xml dcterms:modified").
    """

    path: str
    format: str
    citations: list[Citation] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    sha256: str = ""
    date: dt.date | None = None
    date_detail: str | None = None

    def year_sample(self) -> list[str]:
        """The texts the report's year is read from: its citing paragraphs, then its notes with their addresses
        (a Word or HTML note keeps its links' targets out of its text; a plain-text one writes them)."""
        return [c.paragraph for c in self.citations] + [
            e.text + "".join(f" {u}" for u in e.urls if u not in e.text) for e in self.entries]

    @cached_property
    def footnotes(self) -> list[Footnote]:
        """One footnote per label, in numeric order (word labels after numbers, by first appearance)."""
        cited: dict[str, list[int]] = {}
        for c in self.citations:
            cited.setdefault(c.label, []).append(c.line)
        first_entry: dict[str, Entry] = {}
        for e in self.entries:
            first_entry.setdefault(e.label, e)
        order = list(dict.fromkeys([c.label for c in self.citations] + [e.label for e in self.entries]))
        order.sort(key=_label_sort_key(order))
        notes = []
        for label in order:
            entry = first_entry.get(label)
            notes.append(
                Footnote(
                    label=label,
                    line=entry.line if entry else None,
                    text=entry.text if entry else "",
                    urls=entry.urls if entry else (),
                    cited_at=tuple(sorted(set(cited.get(label, ())))),
                )
            )
        return notes


def _label_sort_key(order: list[str]) -> Callable[[str], tuple[int, int]]:
    position = {label: i for i, label in enumerate(order)}

    def key(label: str) -> tuple[int, int]:
        n = label_number(label)
        return (0, n) if n is not None else (1, position[label])

    return key


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Finding:
    """Something an editor should look at, tied to a footnote and a line of the input."""

    kind: str
    severity: Severity
    number: int | str | None
    line: int | None
    message: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "severity": self.severity.value,
            "number": self.number,
            "line": self.line,
            "message": self.message,
        }


@dataclass
class CheckResult:
    """What `check` found in one report."""

    report: Report
    findings: list[Finding]

    @property
    def summary(self) -> dict:
        notes = self.report.footnotes
        by_kind: dict[str, int] = {}
        for f in self.findings:
            by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
        by_severity = {s.value: 0 for s in Severity}
        for f in self.findings:
            by_severity[f.severity.value] += 1
        return {
            "citations": len(self.report.citations),
            "cited_footnotes": sum(1 for n in notes if n.cited_at),
            "entries": len(self.report.entries),
            "sources": sum(1 for n in notes if n.urls),
            "by_severity": by_severity,
            "by_kind": dict(sorted(by_kind.items())),
        }

    def worst(self) -> Severity | None:
        ranked = sorted((f.severity for f in self.findings), key=lambda s: s.rank, reverse=True)
        return ranked[0] if ranked else None

    def fails(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)


CATEGORIES = {
    "alive": ("ok", "redirected"),
    "dead": ("not-found", "gone", "soft-404", "redirected-to-homepage", "deleted-post", "parked-domain",
             "server-error", "timeout", "dns-failure", "connection-error", "tls-error", "too-many-redirects"),
    "restricted": ("login-wall", "bot-blocked", "paywall", "members-only", "geo-blocked"),
    "refused": ("blocked-address", "unsupported-scheme"),
    "unknown": ("unknown",),
}
# Failures on this machine's side (no network, the proxy down, certificates our own trust store cannot place):
# they say nothing of the link, so such a capture is never a verdict and never supersedes one.
# Failures on our side (and linkvault's own faults, "internal-error"; a logged-in account's session the site
# refused, "session-refused"): they judge nothing about the source.
OWN_SIDE_FAILURES = ("network-unreachable", "proxy-unreachable", "proxy-refused", "untrusted-certificates",
                     "internal-error", "session-refused")
MISSING = "missing"  # the category of a footnote with no source: no entry, an empty one, or one without a URL
CATEGORY_OF = {state: category for category, states in CATEGORIES.items() for state in states}
# A link's category as a person or a program reads it: a capture's, except that a failure its history has not
# confirmed yet (linkvault/history.py) is `failing`, and only a confirmed one `dead`.
FAILING = "failing"
LINK_CATEGORIES = ("alive", FAILING, "dead", "restricted", "refused", "unknown")


@dataclass(frozen=True)
class LinkState:
    """The verdict on one link: a fine state, its coarse category, and one sentence for the editor."""

    state: str
    detail: str
    http_status: int | None = None
    final_url: str | None = None
    failure: str | None = None  # the judges saw our side fail (one of OWN_SIDE_FAILURES): this capture judges nothing

    @property
    def category(self) -> str:
        return CATEGORY_OF.get(self.state, "unknown")

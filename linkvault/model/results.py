"""What the verbs return: the records `render/` formats and a researcher's script reads.

They live here, the lowest stage, so every renderer can name what it renders without importing the stage that
made it. Their methods only sum up what they hold; the work that fills them stays in its stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linkvault.model.copies import CopySearch, VersionLink
from linkvault.model.drift import Drift
from linkvault.model.history import HistoryVerdict
from linkvault.model.links import Capture
from linkvault.model.records import LINK_CATEGORIES, CheckResult, Finding, Severity

# -- search and show (lookup.py) ----------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    report: str
    number: int | str
    url: str
    title: str | None
    snippet: str


@dataclass
class FootnoteArchive:
    """What the vault holds for one footnote: its captures (vault rows), its newest text, its verdicts."""

    report: str
    label: str
    line: int | None
    urls: list[str]
    captures: list[dict] = field(default_factory=list)
    text: dict | None = None
    verdicts: dict[str, tuple[str | None, str | None, str]] = field(default_factory=dict)  # url → category, state, detail
    copies: dict[str, CopySearch] = field(default_factory=dict)  # url → the last `copies` search (never searched: absent)
    histories: dict[str, HistoryVerdict] = field(default_factory=dict)  # url → its checks read together (recheck)
    drifts: dict[str, Drift] = field(default_factory=dict)  # url → the newest drift recheck stored (none: absent)
    shown: dict[str, Capture] = field(default_factory=dict)  # url → last capture showing the page, when not the verdict

    @property
    def screenshot(self) -> dict | None:
        """The newest full-page screenshot of this footnote's source."""
        shots = [shot for capture in self.captures for shot in capture.get("screenshots", [])]
        return max(shots, key=lambda shot: shot["taken_at"]) if shots else None


# -- robustify (lookup.versions_of finds the versions, render/robust writes them) ---------------------


@dataclass
class RobustNote:
    """One URL a footnote cites, and the archived versions robustify wrote beside it; none: `category` (our verdict
    on the source) and `search` (the last `copies` search for it, None if never looked up) say why."""

    number: int | str
    label: str
    line: int | None
    url: str
    versions: list[VersionLink] = field(default_factory=list)
    category: str | None = None  # None: never fetched
    state: str | None = None
    search: CopySearch | None = None


@dataclass
class RobustifyResult:
    """What `robustify` wrote: the report written back to `output` with each footnote's archived versions."""

    report: str
    output: str
    format: str
    notes: list[RobustNote] = field(default_factory=list)  # one per cited URL, in the report's order

    @property
    def footnotes(self) -> int:
        """Footnotes citing a URL (one with no source has nothing to write beside)."""
        return len({n.label for n in self.notes})

    @property
    def robust(self) -> int:
        """Footnotes given at least one version."""
        return len({n.label for n in self.notes if n.versions})

    @property
    def without(self) -> list[RobustNote]:
        """The cited URLs left as they were: no version was found for them."""
        return [n for n in self.notes if not n.versions]


# -- the claim check's verdicts (claims/match.py judges them) ---------------------------------------

VERDICTS = ("supported", "partly-supported", "unsupported", "contradicted", "not-checked")


@dataclass
class FactCheck:
    kind: str
    text: str
    found: bool
    where: str | None = None  # url | title | text | metadata
    quote: str | None = None
    contradicts: bool = False
    checked: bool = True  # False when there was no archived text to look in
    soft: bool = False  # the entry's own date: counts as support when found, never against the claim when not

    @property
    def status(self) -> str:
        """found, not-found (looked for, absent), contradicted (the source says otherwise) or not-checked."""
        if not self.checked:
            return "not-checked"
        return "found" if self.found else "contradicted" if self.contradicts else "not-found"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "status": self.status, "found": self.found, "where": self.where,
                "quote": self.quote, **({"contradicts": True} if self.contradicts else {}),
                **({"soft": True} if self.soft else {})}


@dataclass
class ClaimVerdict:
    verdict: str
    reason: str
    facts: list[FactCheck] = field(default_factory=list)


# -- review and verify (reviewing.py) ---------------------------------------------------------------

# How `report` weighs a link's category beside the findings: dead links are errors, and so are failing ones (a
# reader clicking one today gets the failure: not to be published so), the rest warnings.
LINK_SEVERITY = {"dead": Severity.ERROR, "failing": Severity.ERROR, "restricted": Severity.WARNING,
                 "refused": Severity.WARNING, "unknown": Severity.WARNING}

# The links whose source cannot be read live (or must not be): `copies` looks them up unless told --all, `fetch`
# points to it for them, and the claim check reads no text for them.
NEEDS_A_COPY = ("failing", "dead", "restricted", "refused")


@dataclass
class Review:
    """The editor's report: one row per cited URL (and per footnote without one), the check's findings."""

    report: str
    check: CheckResult
    rows: list[Any] = field(default_factory=list)  # reviewing.ReviewRow, one per link (the link's shape is its stage's)
    fetched: bool = True
    claim_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """The check's findings with the claim check's (wrong-link, weak-support) merged in."""
        merged = list(self.check.findings) + self.claim_findings
        return sorted(merged, key=lambda f: (-f.severity.rank, f.line or 0))

    def fails(self, fail_on: Severity) -> bool:
        """Dead and failing links count as errors; walled, refused and unknown ones as warnings."""
        if any(f.severity.rank >= fail_on.rank for f in self.findings):
            return True
        return any(row.category in LINK_SEVERITY and LINK_SEVERITY[row.category].rank >= fail_on.rank
                   for row in self.rows)

    @property
    def summary(self) -> dict:
        by_category = {c: 0 for c in LINK_CATEGORIES}
        by_state: dict[str, int] = {}
        for row in self.rows:
            if row.url and row.state:
                by_category[row.category or "unknown"] += 1
                by_state[row.state] = by_state.get(row.state, 0) + 1
        return {
            "footnotes": len({r.label for r in self.rows}),
            "links": sum(1 for r in self.rows if r.url),
            "missing": sum(1 for r in self.rows if r.url is None),
            "by_category": by_category,
            "by_state": dict(sorted(by_state.items())),
        }


WRONG_LINK_FACTS = 3  # an unsupported claim with this many checkable facts is a wrong link


@dataclass
class ClaimResult:
    number: int | str
    label: str
    line: int | None
    claim: str
    url: str
    result: ClaimVerdict
    drift: Drift | None = None  # verify: the source's drift since its first capture, when it was captured again


@dataclass
class Verification:
    report: str
    check: CheckResult
    claims: list[ClaimResult] = field(default_factory=list)
    review: Review | None = None  # every footnote's link verdict, the claims were judged from
    drift_findings: list[Finding] = field(default_factory=list)  # passage-gone, page-replaced (claims/drift.py)

    @property
    def findings(self) -> list[Finding]:
        found = list(self.check.findings) + self.drift_findings
        flagged = {f.number for f in found if f.kind == "wrong-link"}
        for c in self.claims:
            v, n = c.result.verdict, len(c.result.facts)
            missing = ", ".join(f.text for f in c.result.facts if not f.found)
            if v == "contradicted" or (v == "unsupported" and n >= WRONG_LINK_FACTS):
                if c.number not in flagged:
                    why = c.result.reason if v == "contradicted" else f"the linked page mentions none of: {missing}"
                    found.append(Finding("wrong-link", Severity.ERROR, c.number, c.line, f"[{c.label}] {why}"))
            elif v in ("partly-supported", "unsupported"):
                found.append(Finding("weak-support", Severity.WARNING, c.number, c.line,
                                     f"[{c.label}] the linked page does not mention: {missing}"))
        found.sort(key=lambda f: (-f.severity.rank, f.line or 0))
        return found

    @property
    def summary(self) -> dict:
        by_verdict = {v: 0 for v in VERDICTS}
        for c in self.claims:
            by_verdict[c.result.verdict] += 1
        links = self.review.summary if self.review is not None else {}
        return {**links, "claims": len(self.claims), "by_verdict": by_verdict}

    def fails(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)


# -- pack and audit (evidence/) -----------------------------------------------------------------------


@dataclass(frozen=True)
class PackResult:
    path: str
    sha256: str
    warc_files: int
    pages: int
    timestamps: int = 0
    timestamp_failures: list[str] = field(default_factory=list)
    not_logged: str | None = None  # why the pack could not be logged in the custody chain (a read-only vault)
    vault: str = ""  # the vault it was packed from


@dataclass(frozen=True)
class Problem:
    where: str
    problem: str
    kind: str = "altered"  # altered (not what was sealed), missing (deleted evidence), uncovered (no timestamp, unexplained)


@dataclass
class AuditResult:
    vault: str
    files: int = 0
    records: int = 0
    events: int = 0
    timestamps: int = 0
    unchecked_signatures: int = 0
    untimed: int = 0  # captured responses no timestamp token covers: their time rests on this machine's clock alone
    uncovered: int = 0  # of those, the ones whose run meant to be timestamped and nothing on record says why not
    resources: dict[str, str] = field(default_factory=dict)
    responses: set[str] = field(default_factory=set)  # response record ids, the captures of a pack
    problems: list[Problem] = field(default_factory=list)
    not_logged: str | None = None  # why the audit could not be logged in the custody chain (a read-only vault)

    @property
    def holds(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"audited": self.vault, "holds": self.holds, "warc_files": self.files, "records": self.records,
                "custody_events": self.events, "timestamps": self.timestamps,
                "unverified_signatures": self.unchecked_signatures, "untimed_captures": self.untimed,
                "uncovered_captures": self.uncovered,
                "problems": [{"where": p.where, "problem": p.problem, "kind": p.kind} for p in self.problems]}

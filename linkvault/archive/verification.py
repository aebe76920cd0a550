"""`verify`: every footnote's claim against the text archived for its source (the vault's side)."""

from __future__ import annotations

from dataclasses import dataclass, field

from linkvault.archive.review import Review
from linkvault.archive.review import review as build_review
from linkvault.archive.vault import Vault
from linkvault.claims.dates import report_year
from linkvault.claims.facts import claim_facts
from linkvault.claims.match import VERDICTS, ClaimVerdict, Source, check_claim
from linkvault.model import CheckResult, Finding, Report, Severity

WRONG_LINK_FACTS = 3  # an unsupported claim with this many checkable facts is a wrong link


@dataclass
class ClaimResult:
    number: int | str
    label: str
    line: int | None
    claim: str
    url: str
    result: ClaimVerdict


@dataclass
class Verification:
    report: str
    check: CheckResult
    claims: list[ClaimResult] = field(default_factory=list)
    review: Review | None = None  # every footnote's link verdict, the claims were judged from

    @property
    def findings(self) -> list[Finding]:
        found = list(self.check.findings)
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


def verify(vault_dir: str, report_path: str | Report, input_format: str | None = None) -> Verification:
    return judge_claims(build_review(vault_dir, report_path, input_format, with_claims=False), vault_dir)


def judge_claims(reviewed, vault_dir: str) -> Verification:
    """Every footnote's claim against the archived text of its link, for a built review."""
    report_path = reviewed.report
    report = reviewed.check.report
    year = report_year([c.paragraph for c in report.citations] + [e.text for e in report.entries])
    texts = _texts(vault_dir, [r.capture_id for r in reviewed.rows if r.capture_id])
    first_citation = {}
    for citation in report.citations:
        first_citation.setdefault(citation.label, citation)
    result = Verification(report=report_path, check=reviewed.check, review=reviewed)
    for row in reviewed.rows:
        citation = first_citation.get(row.label)
        if row.url is None or citation is None:
            continue
        facts = claim_facts(citation.context, citation.paragraph, year)
        verdict = check_claim(facts, _source(row, texts.get(row.capture_id)), year)
        result.claims.append(ClaimResult(row.number, row.label, citation.line, citation.context or citation.paragraph,
                                         row.url, verdict))
    return result


def _texts(vault_dir: str, capture_ids: list[int]) -> dict[int, dict]:
    if not capture_ids:
        return {}
    try:
        vault = Vault.open_existing(vault_dir, read_only=True)
    except Exception:
        return {}
    try:
        return vault.texts_of(capture_ids)  # one query however many: an `in (?, …)` list stops at 32,766
    finally:
        vault.close()


def _source(row, text: dict | None) -> Source:
    if row.state in (None, "unknown") and not text:
        return Source(row.url, unavailable=f"not checked: {row.detail}")
    if row.category in ("dead", "restricted", "refused"):
        return Source(row.url, unavailable=f"not checked: the link is {row.state} ({row.detail})")
    if row.host and ("youtube.com" in row.host or row.host == "youtu.be"):
        return Source(row.url, unavailable="not checked: a video (only its title and channel are archived)")
    if not text or not (text.get("text") or "").strip():
        return Source(row.url, unavailable="not checked: no text was extracted from the archived page")
    return Source(row.url, title=text.get("title") or "", text=text.get("text") or "", published=text.get("published"))

"""The editor's report: one row per footnote, the `check` findings merged in, every link's verdict."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linkvault.archive.vault import Vault
from linkvault.model import CATEGORIES, MISSING, CheckResult, Finding, Page, Report, Severity
from linkvault.report import is_vault_name, parse_report
from linkvault.report.findings import check_report
from linkvault.states import classify, never_fetched


@dataclass(slots=True)  # a report may have a million rows: no dict each
class ReviewRow:
    number: int | str
    label: str
    line: int | None
    url: str | None
    host: str | None
    category: str | None
    state: str | None
    detail: str
    http_status: int | None = None
    final_url: str | None = None
    title: str | None = None
    archived_at: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    capture_id: int | None = None
    claim: str | None = None  # the claim check's verdict, once judged


@dataclass
class Review:
    report: str
    check: CheckResult
    rows: list[ReviewRow] = field(default_factory=list)
    fetched: bool = True
    claim_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """The check's findings with the claim check's (wrong-link, weak-support) merged in."""
        merged = list(self.check.findings) + self.claim_findings
        return sorted(merged, key=lambda f: (-f.severity.rank, f.line or 0))

    def fails(self, fail_on: Severity) -> bool:
        """Dead links count as errors; walled, refused and unknown ones as warnings."""
        if any(f.severity.rank >= fail_on.rank for f in self.findings):
            return True
        worst = {"dead": Severity.ERROR, "restricted": Severity.WARNING, "refused": Severity.WARNING,
                 "unknown": Severity.WARNING}
        return any(row.category in worst and worst[row.category].rank >= fail_on.rank for row in self.rows)

    @property
    def summary(self) -> dict:
        by_category = {c: 0 for c in CATEGORIES}
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


def review(vault_dir: str, report_path: str | Report, input_format: str | None = None,
           with_claims: bool = True) -> Review:
    """Every footnote of the report (a file, one parsed already, or the `<…>` name fetch gave a list of URLs from
    standard input or the command line) with the verdict on its archived link(s)."""
    if isinstance(report_path, Report):
        report = report_path
    elif is_vault_name(report_path) and not os.path.exists(report_path):
        from linkvault.archive.query import stored_report

        report = stored_report(vault_dir, report_path)
    else:
        report = parse_report(report_path, input_format)
    check = check_report(report)
    vault = Vault.open_existing(vault_dir, read_only=True) if Vault.exists(vault_dir) else None
    result = Review(report=report.path, check=check, fetched=vault is not None)
    try:
        notes, unjudged = check.report.footnotes, []
        captures = vault.verdict_captures([url for note in notes for url in note.urls]) if vault is not None else {}
        for note in notes:
            if not note.urls:
                state, detail = note.gap()
                result.rows.append(ReviewRow(note.number, note.label, note.line or (note.cited_at or (None,))[0],
                                             None, None, MISSING, state, detail))
                continue
            for url in note.urls:
                cap = captures.get(url)
                result.rows.append(_row(cap, note, url))
                if cap is not None and not cap.get("state"):
                    unjudged.append((result.rows[-1], cap))
        if unjudged:  # captured before link states existed: judge what the row still tells
            redirects = vault.redirects_of([cap["id"] for _, cap in unjudged])
            for row, cap in unjudged:
                state = classify(_page_from_row(cap, redirects[cap["id"]]))
                row.state, row.category = state.state, state.category
                row.detail = state.detail + " (judged from the status alone)"
    finally:
        if vault is not None:
            vault.close()
    if with_claims and vault is not None:
        from linkvault.archive.verification import judge_claims

        verification = judge_claims(result, vault_dir)
        verdicts = {(c.label, c.url): c.result.verdict for c in verification.claims}
        for row in result.rows:
            row.claim = verdicts.get((row.label, row.url))
        known = set(result.check.findings)  # a set: `in` a list of a million findings was quadratic
        result.claim_findings = [f for f in verification.findings if f not in known]
    return result


def _row(cap: dict | None, note, url: str) -> ReviewRow:
    """A cited URL's row from its verdict capture (None: not fetched); one made before link states existed
    is judged in `review`, whose one query reads the redirects of them all."""
    row = ReviewRow(note.number, note.label, note.line, url, urlsplit(url).hostname, "unknown", "unknown",
                    "not fetched yet (run linkvault fetch)")
    refused = never_fetched(url)  # the same rule fetch applied; a capture made with --allow-private wins below
    if refused:
        row.state, row.category, row.detail = refused.state, refused.category, refused.detail
    if cap is None:
        return row
    row.capture_id = cap["id"]
    row.http_status, row.final_url, row.title = cap["status"], cap["final_url"], cap["title"]
    row.archived_at = cap["fetched_at"] if cap["warc_file"] else None
    row.warc_file, row.warc_offset = cap["warc_file"], cap["warc_offset"]
    if cap.get("state"):
        row.state, row.category, row.detail = cap["state"], cap["category"], cap["state_detail"]
    return row


def _page_from_row(cap: dict, redirects: list[dict]) -> Page:
    hops = tuple((h["url"], h["status"]) for h in redirects)
    return Page(url=cap["url"], final_url=cap["final_url"], status=cap["status"], hops=hops,
                text="x" * 100, error=cap["error"], error_detail=cap["error_detail"])

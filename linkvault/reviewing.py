"""The editor's report: one row per footnote, the `check` findings merged in, every link's verdict; and `verify`,
every footnote's claim against the text archived for its source (one module: the review shows the claim verdicts,
and the claims are judged from the review's rows)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkvault.claims.dates import report_year
from linkvault.claims.facts import claim_facts
from linkvault.claims.match import Source, check_claim
from linkvault.errors import InputError
from linkvault.findings import check_report
from linkvault.model import MISSING, ClaimResult, Page, Report, Review, Verification
from linkvault.parsing import is_vault_name, parse_report
from linkvault.parsing.urllist import numbered_sources
from linkvault.states import classify, never_fetched
from linkvault.vault import Vault


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


def review(vault_dir: str, report_path: str | Report, input_format: str | None = None,
           with_claims: bool = True) -> Review:
    """Every footnote of the report (a file, one parsed already, or the `<…>` name fetch gave a list of URLs from
    standard input or the command line) with the verdict on its archived link(s)."""
    if isinstance(report_path, Report):
        report = report_path
    elif is_vault_name(report_path) and not os.path.exists(report_path):
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


def stored_report(vault_dir: str, name: str) -> Report:
    """The report fetch named `name` (`<stdin …>`, `<command-line URLs …>`), rebuilt from the vault's footnotes.

    Sound only for a list of URLs, which is nothing but its footnotes; a report with sentences (txt,
    md, html, docx read from standard input) cannot be rebuilt from them, and must be given again.
    """
    vault = Vault.open_existing(vault_dir, read_only=True)
    try:
        stored = vault.stored_report(name)
    finally:
        vault.close()
    if stored is None:
        raise InputError("no such file, nor a report fetched into this vault under that name", path=name)
    report, notes = stored
    if report["format"] != "urls":
        raise InputError(f"was read from standard input as {report['format']}: the vault keeps its footnotes, not its "
                         "text, so give the report again (a file, or - for standard input)", path=name)
    citations, entries = numbered_sources([(n["line"], n["url"]) for n in notes if n["url"] is not None])
    return Report(path=name, format="urls", citations=citations, entries=entries, sha256=report["sha256"])


def verify(vault_dir: str, report_path: str | Report, input_format: str | None = None) -> Verification:
    return judge_claims(review(vault_dir, report_path, input_format, with_claims=False), vault_dir)


def judge_claims(reviewed: Review, vault_dir: str) -> Verification:
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

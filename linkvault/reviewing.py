"""The editor's report: one row per footnote, the `check` findings merged in, every link's verdict; and `verify`,
every footnote's claim against the text archived for its source (one module: the review shows the claim verdicts,
and the claims are judged from the review's rows)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date

from linkvault.claims.drift import drift_findings
from linkvault.claims.match import Source, claim_against
from linkvault.claims.refdate import reference_dates
from linkvault.errors import InputError
from linkvault.findings import check_report
from linkvault.history import judged_over_time
from linkvault.model import (
    FAILING,
    MISSING,
    NEEDS_A_COPY,
    Capture,
    CheckResult,
    Citation,
    ClaimResult,
    FetchResult,
    HistoryRules,
    HistoryVerdict,
    Link,
    LinkState,
    Page,
    ReferenceDate,
    Report,
    Review,
    Verification,
)
from linkvault.parsing import is_vault_name, parse_report
from linkvault.parsing.dates import report_year
from linkvault.parsing.urllist import numbered_sources
from linkvault.states import classify, never_fetched
from linkvault.vault import Vault
from linkvault.vault.drifts import drift_at


def review(vault_dir: str, report_path: str | Report, input_format: str | None = None,
           with_claims: bool = True, rules: HistoryRules | None = None) -> Review:
    """Every footnote of the report (a file, one parsed already, or the `<…>` name fetch gave a list of URLs from
    standard input or the command line) with the verdict on its archived link(s) and its history of checks read
    under `rules` (linkvault/history.py); the vault is opened once."""
    if isinstance(report_path, Report):
        report = report_path
    elif is_vault_name(report_path) and not os.path.exists(report_path):
        report = stored_report(vault_dir, report_path)
    else:
        report = parse_report(report_path, input_format)
    check = check_report(report)
    if not Vault.exists(vault_dir):
        return Review(report=report.path, check=check, rows=links_of(report, {}), fetched=False)
    with Vault.open_existing(vault_dir, read_only=True) as vault:
        result = Review(report=report.path, check=check,
                        rows=links_of(report, vault.verdicts([url for note in report.footnotes for url in note.urls])))
        searches = vault.report_copy_searches(report.path)  # every URL's at once, in the same read-only open
        histories = vault.histories({row.url for row in result.rows if row.url}, rules)
        drifts = vault.latest_drifts(report.path)  # the newest drift recheck stored for each footnote URL
        shown = vault.last_shown({row.url for row in result.rows if row.url})  # the page as archived before it failed
        for row in result.rows:
            row.shown = shown.get(row.url or "")
            row.copy_search = searches.get((row.label, row.url or ""))
            row.history = histories.get(row.url or "")
            row.drift = drifts.get((row.label, row.url or ""))
            judged_over_time(row, row.history, rules)
        return with_drift_findings(with_claim_verdicts(result, vault)) if with_claims else result


def with_drift_findings(reviewed: Review) -> Review:
    """`reviewed` with an error finding for each stored drift an editor must look at (a passage gone, a page
    replaced), as `verify` gives, so `report --fail-on error` fails on it too."""
    reviewed.claim_findings += drift_findings(r.drift for r in reviewed.rows if r.drift)
    return reviewed


def review_of_run(check: CheckResult, captures: dict[str, Capture], texts: dict[int, dict],
                  histories: Mapping[str, HistoryVerdict] | None = None, rules: HistoryRules | None = None) -> Review:
    """The review of a report a fetch run just archived, from what the run read: its check, each URL's verdict
    capture (`captures`), their texts and the histories of the links it found failing (`run_histories`). Nothing
    is parsed again."""
    reviewed = Review(report=check.report.path, check=check, rows=links_of(check.report, captures))
    over_time(reviewed.rows, histories or {}, rules)
    return with_claim_verdicts(reviewed, texts)


def run_histories(vault_dir: str, result: FetchResult, rules: HistoryRules | None = None) -> dict[str, HistoryVerdict]:
    """The histories of the links a fetch run found failing (their verdict captures read dead), under `rules`, in one
    read of the vault (none when no link failed)."""
    failed = {link.url for link in result.links if link.url and link.category == "dead"}
    failed |= {url for url, capture in result.verdicts.items() if capture.state and capture.state.category == "dead"}
    if not failed or not Vault.exists(vault_dir):
        return {}
    with Vault.open_existing(vault_dir, read_only=True) as vault:
        return vault.histories(failed, rules)


def over_time(links: Iterable[Link], histories: Mapping[str, HistoryVerdict], rules: HistoryRules | None = None
              ) -> None:
    """Each of `links` with its category read through its history (`judged_over_time`), as `report` reads it."""
    for link in links:
        judged_over_time(link, histories.get(link.url or ""), rules)


def links_of(report: Report, captures: dict[str, Capture]) -> list[Link]:
    """Every footnote of `report` as links: each URL judged by its verdict capture in `captures` (none: not fetched
    yet, or refused by the rule fetch applies), each footnote with no URL named by its gap."""
    links = []
    for note in report.footnotes:
        if not note.urls:
            state, detail = note.gap()
            links.append(Link(note.number, note.label, note.line or (note.cited_at or (None,))[0], None, MISSING, state,
                              detail, report=report.path))
        for url in note.urls:
            links.append(judged(url, Link(note.number, note.label, note.line, url, report=report.path), captures.get(url)))
    return links


def judged(url: str, link: Link, capture: Capture | None) -> Link:
    """`link` (of footnote URL `url`) with the verdict of its capture (None: not fetched); one captured before link
    states existed is judged now from what its row still tells (status, redirects, error), no page body being kept for it."""
    refused = never_fetched(url)  # the same rule fetch applied; a capture made with --allow-private wins below
    verdict = refused or LinkState("unknown", "not fetched yet (run linkvault fetch)")
    link.state, link.category, link.detail = verdict.state, verdict.category, verdict.detail
    if capture is None:
        return link
    link.judged_by(capture, reused=link.reused)
    if capture.state is None:
        state = classify(Page(capture))
        link.state, link.category, link.detail = state.state, state.category, state.detail + " (judged from the status alone)"
    return link


def stored_report(vault_dir: str, name: str) -> Report:
    """The report fetch named `name` (`<stdin …>`, `<command-line URLs …>`), rebuilt from the vault's footnotes.

    Sound only for a list of URLs, which is nothing but its footnotes; a report with sentences (txt,
    md, html, docx read from standard input) cannot be rebuilt from them, and must be given again.
    """
    with Vault.open_existing(vault_dir, read_only=True) as vault:
        stored = vault.stored_report(name)
    if stored is None:
        raise InputError("no such file, nor a report fetched into this vault under that name", path=name)
    report, notes = stored
    if report["format"] != "urls":
        raise InputError(f"was read from standard input as {report['format']}: the vault keeps its footnotes, not its "
                         "text, so give the report again (a file, or - for standard input)", path=name)
    citations, entries = numbered_sources([(n["line"], n["url"]) for n in notes if n["url"] is not None])
    return Report(path=name, format="urls", citations=citations, entries=entries, sha256=report["sha256"])


def copies_wanted(vault_dir: str, report_path: str | Report, input_format: str | None = None, *,
                  every_link: bool = False, as_of: date | None = None, rules: HistoryRules | None = None
                  ) -> tuple[Review, dict[str, ReferenceDate]]:
    """The review of a report (links with their verdicts under `rules`) keeping the links `copies` looks up —
    failing, dead, restricted or refused ones, or all with `every_link` — and each footnote's reference date."""
    reviewed = review(vault_dir, report_path, input_format, with_claims=False, rules=rules)
    reviewed.rows = [row for row in reviewed.rows if row.url is not None
                     and (every_link or row.category in NEEDS_A_COPY)]
    return reviewed, reference_dates(reviewed.check.report, as_of)


def first_citations(report: Report) -> tuple[dict[str, Citation], int]:
    """The first sentence citing each footnote (by label), and the year the report's dates are read in: what a
    footnote's claim is checked by."""
    year = report_year(report.year_sample(), report.date)
    first_citation: dict[str, Citation] = {}
    for cited in report.citations:
        first_citation.setdefault(cited.label, cited)
    return first_citation, year


def verify(vault_dir: str, report_path: str | Report, input_format: str | None = None,
           rules: HistoryRules | None = None) -> Verification:
    return judge_claims(review(vault_dir, report_path, input_format, with_claims=False, rules=rules), vault_dir)


def judge_claims(reviewed: Review, vault_dir: str) -> Verification:
    """Every footnote's claim against the archived text of its link, for a built review; a link captured more than
    once also with its drift: its first capture against the one judged (`claims/drift.py`)."""
    verification = claims_of(reviewed, _texts(vault_dir, [r.capture_id for r in reviewed.rows if r.capture_id]))
    if Vault.exists(vault_dir) and verification.claims:
        with Vault.open_existing(vault_dir, read_only=True) as vault:
            with_drifts(verification, vault)
    return verification


def with_drifts(verification: Verification, vault: Vault) -> None:
    """Each claim whose link was captured again given its drift, and the findings an editor must look at (errors):
    a passage gone, a page replaced, and a source first archived alive whose verdict now calls it dead (or failing:
    its history has not confirmed the failure yet)."""
    report = verification.check.report
    first_citation, year = first_citations(report)
    urls = {note.label: note.urls for note in report.footnotes}
    rows = {(r.label, r.url): r for r in verification.review.rows} if verification.review else {}
    recaptured = vault.recaptured([c.url for c in verification.claims])
    lost: dict[str, dict[str, tuple[int | None, str]]] = {"dead": {}, FAILING: {}}
    for claim in verification.claims:
        row = rows.get((claim.label, claim.url))
        if claim.url not in recaptured or row is None or row.capture_id is None:
            continue
        citation = first_citation[claim.label]
        claim.drift = drift_at(vault, citation, year, urls.get(claim.label, ()), row.capture_id)
        pair = vault.drift_pair(claim.url, row.capture_id) if claim.drift is None and row.category in lost else None
        if pair is not None:
            first, now = pair
            lost[row.category or ""][claim.label] = (
                citation.line, f"{row.state} ({row.detail}) at the capture of {now['fetched_at'][:10]}, "
                               f"first archived alive {first['fetched_at'][:10]}")
    verification.drift_findings = list(drift_findings((c.drift for c in verification.claims if c.drift), lost["dead"],
                                                      lost[FAILING]))


def with_claim_verdicts(reviewed: Review, texts: Vault | dict[int, dict]) -> Review:
    """`reviewed` with each row's claim verdict and the claim check's findings, judged against `texts` (the texts
    archived for its captures, by capture id, or the open vault holding them)."""
    if isinstance(texts, Vault):
        texts = texts.texts_of([r.capture_id for r in reviewed.rows if r.capture_id])
    verification = claims_of(reviewed, texts)
    verdicts: dict[tuple[str, str | None], str] = {(c.label, c.url): c.result.verdict for c in verification.claims}
    for row in reviewed.rows:
        row.claim = verdicts.get((row.label, row.url))
    known = set(reviewed.check.findings)  # a set: `in` a list of a million findings was quadratic
    reviewed.claim_findings = [f for f in verification.findings if f not in known]
    return reviewed


def claims_of(reviewed: Review, texts: dict[int, dict]) -> Verification:
    """Every footnote's claim judged against `texts`, the archived texts of the review's captures by capture id."""
    first_citation, year = first_citations(reviewed.check.report)
    result = Verification(report=reviewed.report, check=reviewed.check, review=reviewed)
    for row in reviewed.rows:
        citation = first_citation.get(row.label)
        if row.url is None or citation is None:
            continue
        text = texts.get(row.capture_id) if row.capture_id is not None else None
        verdict = claim_against(citation, _source(row, row.url, text), year)
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
    with vault:
        return vault.texts_of(capture_ids)  # one query however many: an `in (?, …)` list stops at 32,766


def _source(row: Link, url: str, text: dict | None) -> Source:
    failed = row.capture is not None and row.capture.error is not None  # e.g. the session refused: a login page
    if row.state in (None, "unknown") and (not text or failed):
        return Source(url, unavailable=f"not checked: {row.detail}")
    if row.category in NEEDS_A_COPY:
        return Source(url, unavailable=f"not checked: the link is {row.state} ({row.detail})")
    if row.host and ("youtube.com" in row.host or row.host == "youtu.be"):
        return Source(url, unavailable="not checked: a video (only its title and channel are archived)")
    if not text or not (text.get("text") or "").strip():
        return Source(url, unavailable="not checked: no text was extracted from the archived page")
    return Source(url, title=text.get("title") or "", text=text.get("text") or "", published=text.get("published"))

"""Drift in the vault: the one call a re-check makes (the `drifts` table's queries are in `drift_rows`, its schema,
version 12, in `drifts_schema`).

    drift_for(vault, report, label, capture_id, judged_at=None) -> Drift | None

is what the recheck run calls after each re-capture (`capture_id`, a new capture of footnote `label`'s URL in the
parsed `report`): it reads that footnote's first capture and the new one, judges them (`linkvault.claims.drift`)
and, on a vault opened for writing whose report was fetched into it, stores the `drifts` row (one per report,
footnote label, URL and later capture; judged again, the row is replaced). It returns None, and stores nothing,
when there is nothing to compare: no citing sentence, a capture of another URL, no first capture that read the
page (alive, or geo-blocked: the page as another vantage point read it, with its text) before this one, or a later
capture that shows nothing of the page — failed on our own side (no network, the proxy down), restricted (a login
wall is not the page changing; geo-blocked is, again, the page from elsewhere), refused, or the link's own
failure with no page (404, 5xx, a timeout: its verdict and history say what that means, not its drift).
`judged_at` is the run's clock (ISO 8601 UTC; default now). A run over many footnotes that holds each one's citing
sentence already calls `drift_at(vault, citation, year, urls, capture_id)`, which finds nothing in the report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Protocol

from linkvault.claims.drift import Drift, claims_of, judge_drift
from linkvault.claims.match import Source
from linkvault.model import OWN_SIDE_FAILURES, Citation, Report
from linkvault.vault.drift_rows import SEEN_ELSEWHERE

DELETED = "deleted-post"  # the verdict of a capture whose site says the post was deleted: its passage went with it


class _Vault(Protocol):
    read_only: bool

    def capture(self, capture_id: int) -> dict | None: ...
    def report_id(self, path: str) -> int | None: ...
    def drift_pair(self, url: str, capture_id: int) -> tuple[dict, dict] | None: ...
    def store_drift(self, report_id: int, drift: Drift, judged_at: str) -> None: ...


def drift_for(vault: _Vault, report: Report, label: str, capture_id: int, judged_at: str | None = None) -> Drift | None:
    """Footnote `label`'s drift at capture `capture_id`, stored when the vault is writable (see the module's top)."""
    return ReportDrifts(vault, report).judge(label, capture_id, judged_at)


def judged_drift(vault: _Vault, report: Report, label: str, capture_id: int) -> Drift | None:
    """Footnote `label`'s drift at capture `capture_id`, judged from the vault and stored nowhere."""
    return ReportDrifts(vault, report).judged(label, capture_id)


class ReportDrifts:
    """`drift_for` for one report's footnotes, its citing sentences, year, URLs and vault id read once: a recheck
    judges every re-captured footnote of a report, and reading them per footnote would cost the whole report each."""

    def __init__(self, vault: _Vault, report: Report) -> None:
        self.vault = vault
        self.citations, self.year = claims_of(report)
        self.urls = {note.label: note.urls for note in reversed(report.footnotes)}  # the first of a label wins
        self.report_id = vault.report_id(report.path)

    def judged(self, label: str, capture_id: int) -> Drift | None:
        citation, urls = self.citations.get(label), self.urls.get(label)
        if citation is None or urls is None:
            return None
        return drift_at(self.vault, citation, self.year, urls, capture_id)

    def judge(self, label: str, capture_id: int, judged_at: str | None = None) -> Drift | None:
        drift = self.judged(label, capture_id)
        if drift is not None and not self.vault.read_only and self.report_id is not None:
            self.vault.store_drift(self.report_id, drift,
                                   judged_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        return drift


def drift_at(vault: _Vault, citation: Citation, year: int, urls: tuple[str, ...], capture_id: int) -> Drift | None:
    """The drift of the claim `citation` makes (its footnote citing `urls`) at capture `capture_id` of one of them."""
    row = vault.capture(capture_id)
    if row is None or row["url"] not in urls:
        return None
    pair = vault.drift_pair(row["url"], capture_id)
    if pair is None or not _shows_the_page(pair[1]):
        return None
    first, later = pair
    drift = judge_drift(citation, year, _source(first), _source(later), deleted=later["state"] == DELETED)
    return replace(drift, label=citation.label, url=row["url"], line=citation.line, first_capture=first["id"],
                   capture=later["id"], first_at=first["fetched_at"], now_at=later["fetched_at"])


def _shows_the_page(row: dict) -> bool:
    """A later capture that shows what answers at the address now: a page (alive, or dead by what it says: a
    deleted post, a soft 404, the front page; or geo-blocked: the page as another vantage point saw it), not our
    side's failure, a wall, or an error status."""
    if row["error"] in OWN_SIDE_FAILURES or (row["category"] not in ("alive", "dead") and row["state"] != SEEN_ELSEWHERE):
        return False
    return row["status"] is not None and 200 <= row["status"] < 400


def _source(row: dict) -> Source:
    return Source(row["url"], title=row.get("title") or "", text=row.get("text") or "", published=row.get("published"))

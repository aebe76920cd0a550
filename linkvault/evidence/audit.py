"""`audit`: does everything in a vault still hold? Digests recomputed, custody chain re-walked.

A third party can check the same with standard tools (`warcio check` for the digests); this
names what was altered: the WARC file and record, the vault row, the custody event.
"""

from __future__ import annotations

import os

from linkvault.archive.warc import recorded_headers
from linkvault.evidence.custody_check import audit_anchors, audit_events, audit_screenshots
from linkvault.evidence.problems import MISSING, UNCOVERED, counted, json_object
from linkvault.evidence.token_check import Tokens, audit_timestamps
from linkvault.evidence.warc_check import Sealed, audit_warcs
from linkvault.model import AuditResult, Problem
from linkvault.vault import Vault
from linkvault.vault.custody import check_chain


def audit_vault(vault_dir: str, tsa_roots: str | None = None, *, collector: str | None = None) -> AuditResult:
    """Check the vault, then log the check itself as a `re-checked` custody event (after, so it is not judged).

    It holds the vault's lock throughout (waiting a while for a run), so a run's half-written files are never
    judged altered; a vault nobody may write is checked read-only, and the result says it could not be logged."""
    result = AuditResult(vault=vault_dir)
    with Vault.open_to_log(vault_dir) as vault:
        events = _audit_vault(vault, tsa_roots, result)
        if vault.read_only:
            result.not_logged = "the vault is read-only"
        elif events is not None:
            vault.log_event("re-checked", os.path.abspath(vault_dir), collector=collector, details={
                "holds": result.holds, "records": result.records, "timestamps": result.timestamps,
                "problems": [f"{p.where}: {p.problem}" for p in result.problems[:20]]})
    return result


def _audit_vault(vault: Vault, tsa_roots: str | None, result: AuditResult) -> list[dict] | None:
    """Every check of an open vault, into `result`; returns its custody events (None: the table is gone)."""
    sealed = audit_warcs(vault.warc_dir, result)
    stamped = audit_timestamps(sealed.evidence, sealed.digests, result, Tokens(tsa_roots))
    captures = vault.archived_captures()
    for row in captures:
        if (sealed.seen.get((row["warc_file"], row["warc_offset"])) != row["record_id"]
                or row["record_id"] not in sealed.heads):
            result.problems.append(Problem(f"captures row {row['id']} ({row['url']})",
                                           f"points at {row['warc_file']} offset {row['warc_offset']}, "
                                           "where its record is not"))
        else:
            _audit_capture_row(row, sealed, result)
    events = vault.custody_events()
    if events is None:
        result.problems.append(Problem("custody", "the table is gone: the vault's chain of custody was deleted",
                                       MISSING))
    elif not events and captures:
        result.problems.append(Problem("custody", f"is empty, yet the vault holds {counted(len(captures), 'capture')} "
                                                  "in its WARCs: its events were deleted", MISSING))
    result.events = len(events or [])
    for brk in check_chain(events or []):
        result.problems.append(Problem(f"custody event {brk.event_id}", brk.problem))
    audit_anchors(sealed.evidence, events or [], result)
    if events:
        audit_events(events, captures, vault.screenshot_rows(), sealed, result)
    audit_screenshots(events or [], result)
    _audit_screenshot_rows(vault.screenshot_rows(), sealed, result)
    _audit_coverage(sealed, stamped, events or [], result)
    return events


def _audit_capture_row(row: dict, sealed: Sealed, result: AuditResult) -> None:
    """The facts a capture row carries are the ones its WARC record sealed: status, final URL, headers, digest."""
    head = sealed.heads[row["record_id"]]
    where = f"captures row {row['id']} ({row['url']})"

    def edited(fact: str, says, sealed_as) -> None:
        result.problems.append(Problem(where, f"says {fact} {says}, but its WARC record has {sealed_as} (edited)"))

    if row["status"] != head.status:
        edited("status", row["status"], head.status)
    fetched_from = sealed.fetched_from.get(row["record_id"])
    if fetched_from is not None and row["final_url"] != fetched_from:
        edited("final URL", row["final_url"], fetched_from)
    if row["payload_digest"] != head.payload_digest:
        edited("payload digest", row["payload_digest"], head.payload_digest)
    content_type = next((v for k, v in head.headers if k.lower() == "content-type"), None)
    if row["content_type"] != content_type and (row["content_type"] or "").isascii():  # warcio %-encodes the rest
        edited("Content-Type", row["content_type"], content_type)
    stored = recorded_headers([(k, v) for k, v in row["headers"]])
    if len(stored) != len(head.headers) or any(
            k != k2 or (v != v2 and v.isascii()) for (k, v), (k2, v2) in zip(stored, head.headers)):
        result.problems.append(Problem(where, "its response headers are not the ones in its WARC record (edited)"))


def _audit_screenshot_rows(rows: list[dict], sealed: Sealed, result: AuditResult) -> None:
    """A screenshots row names the image its record holds."""
    for row in rows:
        where = f"screenshots row {row['record_id']} ({row['url']})"
        actual = sealed.resources.get(row["record_id"])
        if actual is None:
            result.problems.append(Problem(where, "points at a record gone from the WARCs", MISSING))
        elif actual != row["sha256"]:
            result.problems.append(Problem(where, f"says SHA-256 {row['sha256']}, but its record in the WARC has "
                                                  f"{actual} (edited)"))
        elif sealed.seen.get((row["warc_file"], row["warc_offset"])) != row["record_id"]:
            result.problems.append(Problem(where, f"points at {row['warc_file']} offset {row['warc_offset']}, "
                                                  "where its record is not"))


def _audit_coverage(sealed: Sealed, stamped: set[str], events: list[dict], result: AuditResult) -> None:
    """Captures no timestamp covers: a known state when their run was not to be timestamped (--no-timestamp)
    or every authority failed (logged); a finding when their run meant to be and nothing says why not."""
    failed_manifests = {e["subject"] for e in events if e["event"] == "timestamp-failed"}
    listed: dict[str, str] = {}  # record id → the manifest record listing it
    for record_id, uri in sealed.evidence_ids.items():
        if uri.startswith("urn:evidence:manifest:"):
            for entry in json_object(sealed.evidence[uri]).get("records", []):
                listed[entry.get("id")] = record_id
    unexplained = [r for r in sorted(result.responses - stamped)
                   if sealed.wanted_stamps.get(sealed.heads[r].file) and listed.get(r) not in failed_manifests]
    result.uncovered = len(unexplained)
    result.untimed = len(result.responses - stamped) - result.uncovered
    if unexplained:
        first = sealed.heads[unexplained[0]]
        result.problems.append(Problem(
            "timestamps", f"{counted(len(unexplained), 'capture')} {'is' if len(unexplained) == 1 else 'are'} covered by no "
                          f"timestamped manifest, though {'its' if len(unexplained) == 1 else 'their'} run was to be "
                          "timestamped and no authority's failure is on record: a manifest or token was removed, or "
                          f"the run stopped before timestamping (first: {first.uri} in {first.file})", UNCOVERED))

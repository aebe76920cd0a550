"""The custody log against what was sealed, for `audit`: the events manifests anchored are still there, each
screenshot and capture is the one its event recorded, and everything that should have an event has one.
"""

from __future__ import annotations

from linkvault.evidence.problems import ALTERED, MISSING, counted, json_object
from linkvault.evidence.warc_check import Sealed
from linkvault.model import AuditResult, Problem
from linkvault.vault.custody import TEXT_FIELDS, text_digest


def audit_anchors(evidence: dict[str, bytes], events: list[dict], result: AuditResult) -> None:
    """Each timestamped manifest names the custody chain's head when it was made: that event is still there, as it was."""
    by_id = {event["id"]: event for event in events}
    for uri, manifest in evidence.items():
        if not uri.startswith("urn:evidence:manifest:"):
            continue
        head = json_object(manifest).get("custody")
        if not isinstance(head, dict):
            continue  # made before manifests anchored the chain, or when it was empty
        run = uri.rsplit(":", 1)[-1]
        event = by_id.get(head.get("id"))
        if event is None:
            result.problems.append(Problem(f"manifest {run}", f"anchors the custody chain at event {head.get('id')}, "
                                                              "which is gone: custody events were deleted", MISSING))
        elif event["hash"] != head.get("hash"):
            result.problems.append(Problem(f"custody event {event['id']}", f"is not the event manifest {run} anchored "
                                                                          "(the custody chain was rewritten)"))


def audit_screenshots(events: list[dict], result: AuditResult, *, of: set[str] | None = None) -> None:
    """A screenshot is the one the custody log saw taken: same record, same SHA-256.

    `of`: only the screenshots of these responses (a pack carries the vault's whole custody log,
    but only its own report's captures).
    """
    import json

    for event in events:
        if event["event"] != "screenshotted":
            continue
        details = json.loads(event["details"] or "{}")
        if of is not None and details.get("response") not in of:
            continue
        logged = details.get("sha256")
        actual = result.resources.get(event["subject"])
        if actual is None:
            result.problems.append(Problem(f"screenshot {event['subject']}", "is logged in custody but gone from the WARCs",
                                           MISSING))
        elif logged and actual != logged:
            result.problems.append(Problem(f"screenshot {event['subject']}",
                                           f"is not the image custody event {event['id']} recorded (swapped)"))


def audit_events(events: list[dict], captures: list[dict], screenshots: list[dict], sealed: Sealed,
                  result: AuditResult) -> None:
    """Every event's record is in the WARCs as it recorded it, and every record and row it should log has its event."""
    rows = {row["record_id"]: row for row in captures}
    logged: dict[str, set[str]] = {"captured": set(), "screenshotted": set(), "timestamped": set()}
    for event in events:
        kind, subject, details = event["event"], event["subject"], json_object(event["details"])
        where = f"custody event {event['id']}"
        if kind == "captured":
            logged[kind].add(subject)
            _audit_captured(where, subject, details, rows.get(subject), sealed, result)
        elif kind == "screenshotted":
            logged[kind].add(subject)
        elif kind in ("timestamped", "timestamp-failed"):
            if subject not in sealed.evidence_ids:
                result.problems.append(Problem(where, f"records a timestamp of manifest {subject}, which is gone from "
                                                      "the WARCs", MISSING))
            token = details.get("token_record")
            if kind == "timestamped" and token:
                logged[kind].add(token)
                if token not in sealed.evidence_ids:
                    result.problems.append(Problem(where, f"records a timestamp token from {details.get('tsa')} "
                                                          f"(record {token}), which is gone from the WARCs", MISSING))
    unlogged = [row for row in captures if (row["role"] or "cited") == "cited" and row["record_id"] not in logged["captured"]]
    if unlogged:
        first = unlogged[0]
        result.problems.append(Problem("custody", f"has no `captured` event for {counted(len(unlogged), 'capture')} (first: "
                                                  f"captures row {first['id']}, {first['url']}): events were deleted, or a "
                                                  "run was killed between storing a capture and logging it",
                                       MISSING))
    unshot = [row for row in screenshots if row["record_id"] not in logged["screenshotted"]]
    if unshot:
        result.problems.append(Problem("custody", f"has no `screenshotted` event for {counted(len(unshot), 'screenshot')} "
                                                  f"(first: {unshot[0]['url']}): events were deleted", MISSING))
    for record_id, uri in sealed.evidence_ids.items():
        if uri.startswith("urn:evidence:rfc3161:") and record_id not in logged["timestamped"]:
            result.problems.append(Problem(uri, "has no `timestamped` custody event: events were deleted", MISSING))


def _audit_captured(where: str, record_id: str, details: dict, row: dict | None, sealed: Sealed,
                    result: AuditResult) -> None:
    """A `captured` event against its record (where it lay, its payload digest) and its row (facts, text)."""
    url = details.get("url")
    head = sealed.heads.get(record_id)
    if head is None:
        result.problems.append(Problem(where, f"records the capture of {url} (record {record_id}), which is gone "
                                              "from the WARCs", MISSING))
    elif details.get("payload_digest") != head.payload_digest:
        result.problems.append(Problem(f"{head.file} record {record_id}", f"is not the response {where} recorded "
                                                                          "(rewritten: another payload digest)"))
    if row is None:
        result.problems.append(Problem(where, f"records the capture of {url} (record {record_id}), whose captures "
                                              "row is gone", MISSING))
        return
    at = f"captures row {row['id']} ({row['url']})"
    for fact, key in (("URL", "url"), ("final URL", "final_url"), ("status", "status")):
        if key in details and details[key] != row[key]:
            result.problems.append(Problem(at, f"says {fact} {row[key]}, but {where} recorded {details[key]} (edited)"))
    if "text_sha256" in details:
        text = {f: row[f] for f in TEXT_FIELDS} if row["text_id"] is not None else None
        if text_digest(text) != details["text_sha256"]:
            what = ("is gone" if text is None else "was added after the capture" if details["text_sha256"] is None
                    else f"is not the one {where} recorded (edited)")
            result.problems.append(Problem(f"texts row of capture {row['id']} ({row['url']})",
                                           f"its extracted text {what}", MISSING if text is None else ALTERED))

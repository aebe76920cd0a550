"""The evidence summary a pack carries: each footnote mapped to its capture, its digests and its timestamps.

Everything here is read back from what was sealed (the vault's rows, the WARC's manifests, the
custody log), so the summary states what a third party can check, not what linkvault believes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linkvault.archive.provenance import sha256_file
from linkvault.archive.warc import HELD_RECORD_CAP, read_records
from linkvault.vault import Vault, now_iso

if TYPE_CHECKING:
    from linkvault.reviewing import Review

MANIFEST_URI = "urn:evidence:manifest:"
SCREENSHOT_URI = "urn:fullPage:"


@dataclass(frozen=True)
class TimestampFact:
    tsa: str
    gen_time: str | None
    token_record: str | None
    error: str | None = None


@dataclass
class ManifestFact:
    record_id: str
    uri: str
    warc_file: str
    records: dict[str, str | None]  # record id → its block digest, as the manifest lists it
    stamps: list[TimestampFact] = field(default_factory=list)


@dataclass
class EvidenceRow:
    label: str
    url: str | None
    category: str | None
    state: str | None
    detail: str
    archived_at: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    ip: str | None = None
    port: int | None = None
    tls_version: str | None = None
    collector: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    response_id: str | None = None
    block_digest: str | None = None
    payload_digest: str | None = None
    provenance_id: str | None = None
    screenshot_id: str | None = None
    screenshot_sha256: str | None = None
    stamps: list[TimestampFact] = field(default_factory=list)


@dataclass
class EvidenceSummary:
    report: str
    report_sha256: str
    made_at: str
    rows: list[EvidenceRow]
    manifests: list[ManifestFact]
    custody_events: int
    custody_head: str | None


def evidence_summary(vault: Vault, reviewed: Review, warc_files: list[str]) -> EvidenceSummary:
    """`reviewed` is the report's Review; `warc_files` the vault's WARC files that hold its captures."""
    sealed = _read_sealed(vault, warc_files)
    covering = {rid: m for m in sealed.manifests for rid in m.records}
    rows = []
    for r in reviewed.rows:
        row = EvidenceRow(label=r.label, url=r.url, category=r.category, state=r.state, detail=r.detail,
                          archived_at=r.archived_at, final_url=r.final_url, http_status=r.http_status,
                          warc_file=r.warc_file, warc_offset=r.warc_offset)
        capture = vault.capture(r.capture_id) if r.capture_id else None
        if capture and capture["record_id"]:
            rid = capture["record_id"]
            row.ip, row.port, row.tls_version = capture["ip"], capture["port"], capture["tls_version"]
            row.collector, row.response_id = capture["collector"], rid
            row.payload_digest, row.provenance_id = capture["payload_digest"], capture["provenance_id"]
            row.block_digest = sealed.block_digests.get(rid)
            row.screenshot_id, row.screenshot_sha256 = sealed.screenshots.get(rid, (None, None))
            if rid in covering:
                row.stamps = covering[rid].stamps
        rows.append(row)
    events, head = vault.custody_count_and_head()
    return EvidenceSummary(report=os.path.abspath(reviewed.report), report_sha256=sha256_file(reviewed.report),
                           made_at=now_iso(), rows=rows, manifests=sealed.manifests, custody_events=events,
                           custody_head=head)


@dataclass
class _Sealed:
    block_digests: dict[str, str] = field(default_factory=dict)  # record id → WARC-Block-Digest
    screenshots: dict[str, tuple[str, str]] = field(default_factory=dict)  # response id → (record id, sha256 hex)
    manifests: list[ManifestFact] = field(default_factory=list)


def _read_sealed(vault: Vault, warc_files: list[str]) -> _Sealed:
    """What the WARC files themselves say: each record's digest, the screenshots, the run manifests."""
    sealed = _Sealed()
    for name in warc_files:
        with open(os.path.join(vault.warc_dir, name), "rb") as fh:
            for record in read_records(fh):
                headers = record.rec_headers
                rid = headers.get_header("WARC-Record-ID")
                sealed.block_digests[rid] = headers.get_header("WARC-Block-Digest")
                uri = headers.get_header("WARC-Target-URI") or ""
                if record.rec_type != "resource":
                    continue
                if uri.startswith(SCREENSHOT_URI) and headers.get_header("WARC-Concurrent-To"):
                    png, stream = hashlib.sha256(), record.content_stream()
                    while chunk := stream.read(1 << 20):  # hashed as it streams: a full-page PNG can be large
                        png.update(chunk)
                    sealed.screenshots[headers.get_header("WARC-Concurrent-To")] = (rid, png.hexdigest())
                elif uri.startswith(MANIFEST_URI):
                    try:
                        if (record.length or 0) > HELD_RECORD_CAP:
                            continue  # larger than linkvault writes; audit refuses it
                        listed = json.loads(record.content_stream().read(HELD_RECORD_CAP))["records"]
                    except (ValueError, KeyError, TypeError):
                        continue  # audit names a damaged manifest; the summary just cannot lean on it
                    sealed.manifests.append(ManifestFact(rid, uri, name, {i["id"]: i.get("block_digest") for i in listed}))
    for manifest in sealed.manifests:
        for d in vault.timestamp_events(manifest.record_id):
            manifest.stamps.append(TimestampFact(d.get("tsa", ""), d.get("gen_time"), d.get("token_record"),
                                                 d.get("error")))
    return sealed

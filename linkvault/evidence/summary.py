"""The evidence summary a pack carries: each footnote mapped to its capture, its digests and its timestamps.

Everything here is read back from what was sealed (the vault's rows, the WARC's manifests, the
custody log), so the summary states what a third party can check, not what linkvault believes. The archived
copies `copies` judged and the Save Page Now witnesses are linkvault's verdicts, each beside what can be checked
of it: the memento's record in the pack's WARC files, the custody event the comparison was logged in.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linkvault.archive.provenance import sha256_file
from linkvault.archive.warc import HELD_RECORD_CAP, read_records
from linkvault.model import Capture, CopySearch, CopyVerdict, Link, RecordLocation, Witness
from linkvault.model.copies import NOT_FETCHED
from linkvault.vault import Vault, now_iso

if TYPE_CHECKING:
    from linkvault.model import Account
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
class CopyEvidence:
    """An archived copy a `copies` search judged (offered or passed over), with what the pack seals of it: the
    memento's response record as written when it was fetched from the archive (None: it was never fetched)."""

    verdict: CopyVerdict
    fetched_uri: str | None = None  # the URI asked of the archive (its raw form)
    final_uri: str | None = None  # where the archive's redirects ended: the record's WARC-Target-URI
    fetched_at: str | None = None
    record_id: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    block_digest: str | None = None
    payload_digest: str | None = None
    title: str | None = None  # the archived page's title, as extracted
    stamps: list[TimestampFact] = field(default_factory=list)


@dataclass(frozen=True)
class WitnessFact:
    """An independent archive's capture set against this row's capture, and the custody event that logged it (as
    the chain the pack carries holds it: None for none there)."""

    witness: Witness
    custody_id: int | None = None
    custody_hash: str | None = None


@dataclass
class EvidenceRow:
    """A review's link and what the WARC files seal for its capture: the response record's block digest, its
    screenshot, and the timestamps of the manifests listing it. The capture's own facts are read from the link."""

    link: Link
    block_digest: str | None = None
    screenshot_id: str | None = None
    screenshot_sha256: str | None = None
    stamps: list[TimestampFact] = field(default_factory=list)
    copies: list[CopyEvidence] = field(default_factory=list)  # offered, then passed over, if `copies` looked it up
    witnesses: list[WitnessFact] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # the WARC-Record-IDs of a post's images, archived with it
    shown_block_digest: str | None = None  # the block digest of the record of the link's last capture showing the page
    shown_stamps: list[TimestampFact] = field(default_factory=list)  # the timestamps of the manifests listing it

    def __getattr__(self, name: str):
        """The link's own fields (label, url, category, state, detail, archived_at, final_url, http_status, WARC)."""
        if name in _LINK_FIELDS:
            return getattr(self.link, name)
        raise AttributeError(name)

    @property
    def _record(self) -> RecordLocation | None:
        """The link's response record in the WARC, if it has one (the rest is not evidence)."""
        record = self.link.capture.record if self.link.capture else None
        return record if record and record.record_id else None

    @property
    def _recorded(self) -> Capture | None:
        """The link's capture, when it has a response record in the WARC."""
        return self.link.capture if self._record else None

    @property
    def response_id(self) -> str | None:
        return self._record.record_id if self._record else None

    @property
    def ip(self) -> str | None:
        return self._recorded.ip if self._recorded else None

    @property
    def port(self) -> int | None:
        return self._recorded.connection.port if self._recorded and self._recorded.connection else None

    @property
    def tls_version(self) -> str | None:
        return self._recorded.connection.tls_version if self._recorded and self._recorded.connection else None

    @property
    def collector(self) -> str | None:
        return self._recorded.collector if self._recorded else None

    @property
    def account(self) -> Account | None:
        """The logged-in account the capture was made as (None: anonymously)."""
        return self._recorded.account if self._recorded else None

    @property
    def payload_digest(self) -> str | None:
        return self._record.payload_digest if self._record else None

    @property
    def provenance_id(self) -> str | None:
        return self._recorded.provenance_id if self._recorded else None


_LINK_FIELDS = ("label", "url", "category", "state", "detail", "archived_at", "final_url", "http_status", "warc_file",
                "warc_offset", "copy_search")


@dataclass
class EvidenceSummary:
    report: str
    report_sha256: str
    made_at: str
    rows: list[EvidenceRow]
    manifests: list[ManifestFact]
    custody_events: int
    custody_head: str | None


def shown_copies(reviewed: Review) -> list[CopyVerdict]:
    """The copies a pack shows and carries, in the review's order: each looked-up link's copy offered and the ones
    passed over (those never fetched are neither evidence nor shown)."""
    return [c for row in reviewed.rows for c in _shown(row.copy_search)]


def _shown(search: CopySearch | None) -> list[CopyVerdict]:
    return [c for c in search.copies if c.choice != NOT_FETCHED] if search else []


def copy_captures(vault: Vault, reviewed: Review) -> dict[int, dict]:
    """The memento captures of the copies `shown_copies` names, by capture id: their records go into the pack."""
    return vault.memento_captures([c.capture_id for c in shown_copies(reviewed) if c.capture_id is not None])


def evidence_summary(vault: Vault, reviewed: Review, warc_files: list[str], custody: list[dict] | None = None,
                     sealed: WarcFacts | None = None) -> EvidenceSummary:
    """`reviewed` is the report's Review; `warc_files` the vault's WARC files that hold its captures and its copies'
    mementos; `custody` the custody chain the pack carries, which the witnesses' events are named in; `sealed` what
    those files seal, when `sealed_files` read it already."""
    sealed = sealed or _read_sealed(vault, warc_files)
    covering = {rid: m for m in sealed.manifests for rid in m.records}
    rows = []
    for link in reviewed.rows:
        row = EvidenceRow(link)
        rid = row.response_id
        if rid:
            row.block_digest = sealed.block_digests.get(rid)
            row.screenshot_id, row.screenshot_sha256 = sealed.screenshots.get(rid, (None, None))
            if rid in covering:
                row.stamps = covering[rid].stamps
        shown = link.shown.record.record_id if link.shown and link.shown.record else None
        if shown:  # the page as archived before the source failed: sealed like any capture
            row.shown_block_digest = sealed.block_digests.get(shown)
            row.shown_stamps = covering[shown].stamps if shown in covering else []
        rows.append(row)
    images = vault.images_of([r.link.capture_id for r in rows if r.response_id and r.link.capture_id])
    for row in rows:
        row.images = [i["record_id"] for i in images.get(row.link.capture_id or 0, []) if i["record_id"]]
    _add_copies(vault, reviewed, rows, sealed, covering)
    _add_witnesses(vault, rows, custody)
    events, head = vault.custody_count_and_head()
    return EvidenceSummary(report=os.path.abspath(reviewed.report), report_sha256=sha256_file(reviewed.report),
                           made_at=now_iso(), rows=rows, manifests=sealed.manifests, custody_events=events,
                           custody_head=head)


def _add_copies(vault: Vault, reviewed: Review, rows: list[EvidenceRow], sealed: WarcFacts,
                covering: dict[str, ManifestFact]) -> None:
    """Each looked-up row's copies, with their memento's record as the pack's WARC files hold it."""
    captures = copy_captures(vault, reviewed)
    titles = vault.texts_of(list(captures))
    for row in rows:
        for verdict in _shown(row.copy_search):
            found = captures.get(verdict.capture_id) if verdict.capture_id is not None else None
            copy = CopyEvidence(verdict)
            if found:
                rid = found["record_id"]
                copy.fetched_uri, copy.fetched_at, copy.record_id = found["url"], found["fetched_at"], rid
                copy.final_uri = found["final_url"]
                copy.warc_file, copy.warc_offset = found["warc_file"], found["warc_offset"]
                copy.block_digest, copy.payload_digest = sealed.block_digests.get(rid), sealed.payload_digests.get(rid)
                copy.title = (titles.get(found["id"]) or {}).get("title")
                copy.stamps = covering[rid].stamps if rid in covering else []
            row.copies.append(copy)


def _add_witnesses(vault: Vault, rows: list[EvidenceRow], custody: list[dict] | None) -> None:
    """Each captured row's witnesses: an independent archive's capture compared with the capture this pack holds,
    each with its `witnessed` event in the custody chain (found by our record, the archive's URI-M and time)."""
    ours = {row.link.capture_id: row for row in rows if row.response_id and row.link.capture_id is not None}
    logged: dict[tuple, dict] = {}
    for event in custody or []:
        if event["event"] == "witnessed":
            details = json.loads(event["details"] or "{}")
            logged[(event["subject"], details.get("uri_m"), details.get("archive_at"))] = event
    for capture_id, witnesses in vault.witnesses_of(list(ours)).items():
        row = ours[capture_id]
        for witness in witnesses:
            event = logged.get((row.response_id, witness.uri_m, witness.archive_at)) or {}
            row.witnesses.append(WitnessFact(witness, event.get("id"), event.get("hash")))


@dataclass
class WarcFacts:
    block_digests: dict[str, str] = field(default_factory=dict)  # record id → WARC-Block-Digest
    payload_digests: dict[str, str] = field(default_factory=dict)  # record id → WARC-Payload-Digest
    screenshots: dict[str, tuple[str, str]] = field(default_factory=dict)  # response id → (record id, sha256 hex)
    manifests: list[ManifestFact] = field(default_factory=list)


def sealed_files(vault: Vault, warc_files: list[str]) -> tuple[list[str], WarcFacts]:
    """The WARC files a pack carries, and what they seal: `warc_files`, and each file holding a record that one of
    their manifests lists. A run seals what earlier runs left unsealed (a run with no timestamp, a `copies` run),
    and those records may lie in a file the report no longer cites: the pack carries them so audit finds every
    record a manifest it carries lists. Each file is read once."""
    where = {r["record_id"]: r["warc_file"] for r in vault.recorded_captures()}
    carried, sealed, todo = set(warc_files), WarcFacts(), sorted(set(warc_files))
    while todo:
        before = len(sealed.manifests)
        _read_sealed(vault, todo, sealed)
        listed = {where.get(rid) for manifest in sealed.manifests[before:] for rid in manifest.records}
        todo = sorted(name for name in listed if name and name not in carried)
        carried.update(todo)
    return sorted(carried), sealed


def _read_sealed(vault: Vault, warc_files: list[str], sealed: WarcFacts | None = None) -> WarcFacts:
    """What the WARC files themselves say: each record's digest, the screenshots, the run manifests (added to
    `sealed`, if given)."""
    sealed = sealed or WarcFacts()
    before = len(sealed.manifests)
    for name in warc_files:
        with open(os.path.join(vault.warc_dir, name), "rb") as fh:
            for record in read_records(fh):
                headers = record.rec_headers
                rid = headers.get_header("WARC-Record-ID")
                sealed.block_digests[rid] = headers.get_header("WARC-Block-Digest")
                if headers.get_header("WARC-Payload-Digest"):
                    sealed.payload_digests[rid] = headers.get_header("WARC-Payload-Digest")
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
    for manifest in sealed.manifests[before:]:
        for d in vault.timestamp_events(manifest.record_id):
            manifest.stamps.append(TimestampFact(d.get("tsa", ""), d.get("gen_time"), d.get("token_record"),
                                                 d.get("error")))
    return sealed

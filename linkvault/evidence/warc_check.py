"""Re-reading a vault's or a pack's WARC files for `audit`: every block digest recomputed as it streams by, and what
the other checks compare against collected (where each record lies, evidence resources, HTTP heads, provenance).
"""

from __future__ import annotations

import hashlib
import io
import os
from base64 import b32encode
from dataclasses import dataclass, field

from linkvault.archive.warc import HELD_RECORD_CAP, OPEN_SUFFIX, read_records
from linkvault.errors import InputError
from linkvault.evidence.problems import brief, json_object
from linkvault.model import AuditResult, Problem

HEAD_CAP = 256 * 1024  # bytes of a response's HTTP head audit reads (the rest is only hashed)
CHUNK = 1 << 20


@dataclass(frozen=True)
class Head:
    """A response or revisit record as sealed: where it lies, its URI, HTTP status and headers, payload digest."""
    file: str
    offset: int
    uri: str
    status: int | None
    headers: list[tuple[str, str]]
    payload_digest: str | None


@dataclass
class Sealed:
    """What the WARCs hold, as read."""
    seen: dict[tuple[str, int], str] = field(default_factory=dict)  # (file, offset) → record id
    evidence: dict[str, bytes] = field(default_factory=dict)  # urn:evidence:… → payload
    evidence_ids: dict[str, str] = field(default_factory=dict)  # record id → its urn:evidence:… URI
    digests: dict[str, str | None] = field(default_factory=dict)  # record id → WARC-Block-Digest
    heads: dict[str, Head] = field(default_factory=dict)  # response and revisit records
    fetched_from: dict[str, str] = field(default_factory=dict)  # response id → the URL its provenance record names
    wanted_stamps: dict[str, bool | None] = field(default_factory=dict)  # file → its run meant to be timestamped
    resources: dict[str, str] = field(default_factory=dict)  # resource record id → SHA-256 of its block


def _http_head(block: bytes) -> tuple[int | None, list[tuple[str, str]]]:
    from warcio.statusandheaders import StatusAndHeadersParser

    try:
        parsed = StatusAndHeadersParser([], verify=False).parse(io.BytesIO(block))
        return int(parsed.get_statuscode()), list(parsed.headers)
    except (ValueError, TypeError, AttributeError):
        return None, []


def audit_warcs(directory: str, result: AuditResult) -> Sealed:
    """Recompute every block digest; collect record places, evidence resources, digests and HTTP heads."""
    sealed = Sealed()
    result.resources = sealed.resources
    for name in sorted(os.listdir(directory)):
        if name.endswith(OPEN_SUFFIX):
            result.problems.append(Problem(name, "was never closed (an interrupted run; the next fetch repairs it)"))
        elif name.endswith((".warc.gz", ".warc")):
            with open(os.path.join(directory, name), "rb") as fh:
                audit_warc(name, fh, sealed, result)
    return sealed


def audit_warc(name: str, fh, sealed: Sealed, result: AuditResult) -> None:
    """One WARC file, read record by record as a stream: a block is hashed a chunk at a time and held only
    where audit must read it (an evidence resource, provenance, warcinfo: up to HELD_RECORD_CAP; a response's
    HTTP head: its first HEAD_CAP bytes)."""
    result.files += 1
    try:
        records = read_records(fh, no_record_parse=True)
        for record in records:
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            declared = record.rec_headers.get_header("WARC-Block-Digest")
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            held = record.rec_type in ("warcinfo", "metadata") or (record.rec_type == "resource"
                                                                   and uri.startswith("urn:evidence:"))
            if held and (record.length or 0) > HELD_RECORD_CAP:  # warcio reads no further than Content-Length
                raise InputError(f"{name} record {record_id} is over {HELD_RECORD_CAP // 1024 ** 2} MiB, more than "
                                 "linkvault writes for a record it must read whole: refused, not audited",
                                 path=result.vault)
            block, hashes = _read_block(record.raw_stream, HELD_RECORD_CAP if held else HEAD_CAP,
                                        declared, record.rec_type == "resource")
            records.read_to_end()
            offset = records.get_record_offset()
            sealed.seen[(name, offset)] = record_id
            result.records += 1
            sealed.digests[record_id] = declared
            if record.rec_type == "resource" and uri.startswith("urn:evidence:"):
                sealed.evidence[uri] = block
                sealed.evidence_ids[record_id] = uri
            if record.rec_type == "resource":
                sealed.resources[record_id] = hashes.sha256.hexdigest()
            elif record.rec_type in ("response", "revisit"):
                if record.rec_type == "response":
                    result.responses.add(record_id)
                status, headers = _http_head(block)
                sealed.heads[record_id] = Head(name, offset, uri, status, headers,
                                                record.rec_headers.get_header("WARC-Payload-Digest"))
            elif record.rec_type == "metadata":
                about = json_object(block).get("url")
                if isinstance(about, str) and record.rec_headers.get_header("WARC-Refers-To"):
                    sealed.fetched_from[record.rec_headers.get_header("WARC-Refers-To")] = about
            elif record.rec_type == "warcinfo":
                sealed.wanted_stamps[name] = _wants_stamps(block)
            if declared and not hashes.matches():
                result.problems.append(Problem(f"{name} record {record_id}", "its block no longer matches "
                                               "its WARC-Block-Digest (altered)"))
    except InputError:
        raise
    except Exception as exc:  # a torn or rewritten gzip member: say where reading stopped
        result.problems.append(Problem(name, f"cannot be read to the end ({brief(exc)})"))


def audit_revisits(sealed: Sealed, result: AuditResult) -> None:
    """Each revisit record's payload is carried: a pack holding the revisit without the response it repeats
    (same payload digest) cannot replay that capture."""
    carried = {head.payload_digest for rid, head in sealed.heads.items() if rid in result.responses}
    for rid, head in sealed.heads.items():
        if rid not in result.responses and head.payload_digest not in carried:
            result.problems.append(Problem(f"{head.file} record {rid}", "is a revisit whose payload the pack does "
                                           f"not carry (no response record of {head.payload_digest}): {head.uri} "
                                           "cannot be replayed from the pack"))


@dataclass
class _BlockHashes:
    """A block's digests, taken as it streams by: the one its WARC-Block-Digest names, and SHA-256."""
    declared: str | None
    block: hashlib._Hash | None  # None when the record declares no digest, or one of an unknown algorithm
    sha256: hashlib._Hash

    def matches(self) -> bool:
        if self.block is None or self.declared is None:
            return True  # an algorithm we do not know is not evidence of tampering
        return b32encode(self.block.digest()).decode("ascii").rstrip("=") == \
            self.declared.partition(":")[2].rstrip("=").upper()


def _read_block(stream, keep: int, declared: str | None, want_sha256: bool) -> tuple[bytes, _BlockHashes]:
    """Read a record's block to its end a chunk at a time, hashing it; return its first `keep` bytes."""
    algorithm = (declared or "").partition(":")[0].replace("-", "").lower()
    try:
        block_hash = hashlib.new(algorithm) if declared else None
    except ValueError:
        block_hash = None
    hashes = _BlockHashes(declared, block_hash, hashlib.sha256())
    kept = bytearray()
    while chunk := stream.read(CHUNK):
        if len(kept) < keep:
            kept += chunk[:keep - len(kept)]
        if block_hash is not None:
            block_hash.update(chunk)
        if want_sha256:
            hashes.sha256.update(chunk)
    return bytes(kept), hashes


def _wants_stamps(warcinfo: bytes) -> bool | None:
    """Whether the run that wrote a WARC named timestamp authorities (None: its warcinfo does not say)."""
    import json

    for line in warcinfo.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "operator-options":
            try:
                authorities = json.loads(value).get("timestamp_authorities")
            except (ValueError, AttributeError):
                return None
            return None if authorities is None else bool(authorities)
    return None

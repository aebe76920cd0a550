"""`audit`: does everything in a vault still hold? Digests recomputed, custody chain re-walked.

A third party can check the same with standard tools (`warcio check` for the digests); this
names what was altered: the WARC file and record, the vault row, the custody event.
"""

from __future__ import annotations

import hashlib
import io
import os
from base64 import b32encode
from dataclasses import dataclass, field

from linkvault.archive.warc import HELD_RECORD_CAP, OPEN_SUFFIX, read_records, recorded_headers
from linkvault.errors import InputError
from linkvault.vault import Vault
from linkvault.vault.custody import TEXT_FIELDS, check_chain, text_digest

ALTERED, MISSING, UNCOVERED = "altered", "missing", "uncovered"


@dataclass(frozen=True)
class Problem:
    where: str
    problem: str
    kind: str = ALTERED  # altered (not what was sealed), missing (deleted evidence), uncovered (no timestamp, unexplained)


@dataclass
class AuditResult:
    vault: str
    files: int = 0
    records: int = 0
    events: int = 0
    timestamps: int = 0
    unchecked_signatures: int = 0
    untimed: int = 0  # captured responses no timestamp token covers: their time rests on this machine's clock alone
    uncovered: int = 0  # of those, the ones whose run meant to be timestamped and nothing on record says why not
    resources: dict[str, str] = field(default_factory=dict)
    responses: set[str] = field(default_factory=set)  # response record ids, the captures of a pack
    problems: list[Problem] = field(default_factory=list)
    not_logged: str | None = None  # why the audit could not be logged in the custody chain (a read-only vault)

    @property
    def holds(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"audited": self.vault, "holds": self.holds, "warc_files": self.files, "records": self.records,
                "custody_events": self.events, "timestamps": self.timestamps,
                "unverified_signatures": self.unchecked_signatures, "untimed_captures": self.untimed,
                "uncovered_captures": self.uncovered,
                "problems": [{"where": p.where, "problem": p.problem, "kind": p.kind} for p in self.problems]}


def audit_vault(vault_dir: str, tsa_roots: str | None = None, *, collector: str | None = None) -> AuditResult:
    """Check the vault, then log the check itself as a `re-checked` custody event (after, so it is not judged).

    It holds the vault's lock throughout (waiting a while for a run), so a run's half-written files are never
    judged altered; a vault nobody may write is checked read-only, and the result says it could not be logged."""
    result = AuditResult(vault=vault_dir)
    with Vault.open_to_log(vault_dir) as vault:
        sealed = _audit_warcs(vault.warc_dir, result)
        stamped = _audit_timestamps(sealed.evidence, sealed.digests, result, _Tokens(tsa_roots))
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
            result.problems.append(Problem("custody", f"is empty, yet the vault holds {_n(len(captures), 'capture')} "
                                                      "in its WARCs: its events were deleted", MISSING))
        result.events = len(events or [])
        for brk in check_chain(events or []):
            result.problems.append(Problem(f"custody event {brk.event_id}", brk.problem))
        _audit_anchors(sealed.evidence, events or [], result)
        if events:
            _audit_events(events, captures, vault.screenshot_rows(), sealed, result)
        _audit_screenshots(events or [], result)
        _audit_screenshot_rows(vault.screenshot_rows(), sealed, result)
        _audit_coverage(sealed, stamped, events or [], result)
        if vault.read_only:
            result.not_logged = "the vault is read-only"
        elif events is not None:
            vault.log_event("re-checked", os.path.abspath(vault_dir), collector=collector, details={
                "holds": result.holds, "records": result.records, "timestamps": result.timestamps,
                "problems": [f"{p.where}: {p.problem}" for p in result.problems[:20]]})
    return result


def _n(count: int, thing: str) -> str:
    return f"{count} {thing}" + ("" if count == 1 else "s")


def _audit_capture_row(row: dict, sealed: _Sealed, result: AuditResult) -> None:
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


def _audit_anchors(evidence: dict[str, bytes], events: list[dict], result: AuditResult) -> None:
    """Each timestamped manifest names the custody chain's head when it was made: that event is still there, as it was."""
    by_id = {event["id"]: event for event in events}
    for uri, manifest in evidence.items():
        if not uri.startswith("urn:evidence:manifest:"):
            continue
        head = _json(manifest).get("custody")
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


def _audit_events(events: list[dict], captures: list[dict], screenshots: list[dict], sealed: _Sealed,
                  result: AuditResult) -> None:
    """Every event's record is in the WARCs as it recorded it, and every record and row it should log has its event."""
    rows = {row["record_id"]: row for row in captures}
    logged: dict[str, set[str]] = {"captured": set(), "screenshotted": set(), "timestamped": set()}
    for event in events:
        kind, subject, details = event["event"], event["subject"], _json(event["details"])
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
        result.problems.append(Problem("custody", f"has no `captured` event for {_n(len(unlogged), 'capture')} (first: "
                                                  f"captures row {first['id']}, {first['url']}): events were deleted, or a "
                                                  "run was killed between storing a capture and logging it",
                                       MISSING))
    unshot = [row for row in screenshots if row["record_id"] not in logged["screenshotted"]]
    if unshot:
        result.problems.append(Problem("custody", f"has no `screenshotted` event for {_n(len(unshot), 'screenshot')} "
                                                  f"(first: {unshot[0]['url']}): events were deleted", MISSING))
    for record_id, uri in sealed.evidence_ids.items():
        if uri.startswith("urn:evidence:rfc3161:") and record_id not in logged["timestamped"]:
            result.problems.append(Problem(uri, "has no `timestamped` custody event: events were deleted", MISSING))


def _audit_captured(where: str, record_id: str, details: dict, row: dict | None, sealed: _Sealed,
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


def _audit_screenshot_rows(rows: list[dict], sealed: _Sealed, result: AuditResult) -> None:
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


def _audit_coverage(sealed: _Sealed, stamped: set[str], events: list[dict], result: AuditResult) -> None:
    """Captures no timestamp covers: a known state when their run was not to be timestamped (--no-timestamp)
    or every authority failed (logged); a finding when their run meant to be and nothing says why not."""
    failed_manifests = {e["subject"] for e in events if e["event"] == "timestamp-failed"}
    listed: dict[str, str] = {}  # record id → the manifest record listing it
    for record_id, uri in sealed.evidence_ids.items():
        if uri.startswith("urn:evidence:manifest:"):
            for entry in _json(sealed.evidence[uri]).get("records", []):
                listed[entry.get("id")] = record_id
    unexplained = [r for r in sorted(result.responses - stamped)
                   if sealed.wanted_stamps.get(sealed.heads[r].file) and listed.get(r) not in failed_manifests]
    result.uncovered = len(unexplained)
    result.untimed = len(result.responses - stamped) - result.uncovered
    if unexplained:
        first = sealed.heads[unexplained[0]]
        result.problems.append(Problem(
            "timestamps", f"{_n(len(unexplained), 'capture')} {'is' if len(unexplained) == 1 else 'are'} covered by no "
                          f"timestamped manifest, though {'its' if len(unexplained) == 1 else 'their'} run was to be "
                          "timestamped and no authority's failure is on record: a manifest or token was removed, or "
                          f"the run stopped before timestamping (first: {first.uri} in {first.file})", UNCOVERED))


def _json(text) -> dict:
    import json

    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _audit_screenshots(events: list[dict], result: AuditResult, *, of: set[str] | None = None) -> None:
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


PACK_UNPACKED_CAP = 8 * 1024 ** 3  # bytes all of a pack's entries may unpack to, all together
PACK_ENTRIES_CAP = 10_000  # entries a pack's zip directory may list
LISTING_CAP = 16 * 1024 ** 2  # bytes of datapackage.json or datapackage-digest.json
HEAD_CAP = 256 * 1024  # bytes of a response's HTTP head audit reads (the rest is only hashed)
_CHUNK = 1 << 20


def audit_wacz(path: str, tsa_roots: str | None = None) -> AuditResult:
    """The same checks on an evidence pack, plus the pack's own datapackage.json digests.

    A pack is untrusted input: every entry is read as a stream (hashed and read for WARC records as it
    unpacks, never held whole), and a pack whose entries list or unpack past PACK_ENTRIES_CAP or
    PACK_UNPACKED_CAP is refused as unreadable input, not judged altered: nothing linkvault packs comes near."""
    import json
    import zipfile
    import zlib

    unpacking = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)
    result = AuditResult(vault=path)
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"not a readable WACZ ({exc})", path=path) from exc
    with package:
        budget = _UnpackBudget(package, path)
        try:
            listing = budget.read_whole("datapackage.json", LISTING_CAP)
            manifest = json.loads(listing)
            resources = manifest.get("resources", [])
            entries = [(os.path.basename(r["path"]), r["path"], str(r.get("hash", ""))) for r in resources]
        except (KeyError, TypeError, AttributeError, *unpacking) as exc:
            raise InputError(f"not a readable WACZ ({_brief(exc)})", path=path) from exc
        if len({name for _, name, _ in entries}) < len(entries):  # each listing would be read again, past any budget
            raise InputError("datapackage.json lists a file more than once: refused, not audited", path=path)
        sealed = _Sealed()
        result.resources = sealed.resources
        for basename, name, declared in sorted(entries):
            try:
                package.getinfo(name)
            except KeyError:
                result.problems.append(Problem(name, "is listed in datapackage.json but missing"))
                continue
            algorithm, _, value = declared.partition(":")
            with budget.open(name, algorithm if value else None) as entry:
                if name.startswith("archive/") and basename.endswith((".warc.gz", ".warc")):
                    _audit_warc(basename, entry, sealed, result)
                try:
                    entry.drain()
                except unpacking as exc:
                    result.problems.append(Problem(name, f"cannot be unpacked ({_brief(exc)})"))
                    continue
            if value and entry.hexdigest() != value:
                result.problems.append(Problem(name, "no longer matches its hash in datapackage.json (altered)"))
        tokens = _Tokens(tsa_roots)
        evidence, digests = sealed.evidence, sealed.digests
        stamped = _audit_timestamps(evidence, digests, result, tokens)
        result.untimed = len(result.responses - stamped)
        _audit_pack_stamps(budget, listing, tokens, result)
        for uri, chain in evidence.items():
            if uri.startswith("urn:evidence:custody:"):
                try:
                    events = [json.loads(line) for line in chain.decode("utf-8").splitlines() if line.strip()]
                except ValueError as exc:  # UnicodeDecodeError too
                    result.problems.append(Problem(uri, f"is not the custody log's JSON lines ({_brief(exc)})"))
                    continue
                result.events += len(events)
                for brk in check_chain(events):
                    result.problems.append(Problem(f"custody event {brk.event_id} (in the pack)", brk.problem))
                _audit_anchors(evidence, events, result)
                _audit_screenshots(events, result, of=set(digests))
    return result


class _UnpackBudget:
    """A pack's entries, opened as streams under one budget of unpacked bytes. The sizes the zip directory
    declares are summed first (a refusal before any work); the bytes are counted again as they unpack, since
    a directory can lie (Python's zipfile stops at the declared size, and this bound holds whatever it does)."""

    def __init__(self, package, path: str):
        self.package, self.path, self.left = package, path, PACK_UNPACKED_CAP
        infos = package.infolist()
        if len(infos) > PACK_ENTRIES_CAP:
            raise InputError(f"a pack of {len(infos):,} entries is refused (at most {PACK_ENTRIES_CAP:,} are read)",
                             path=path)
        declared = sum(info.file_size for info in infos)
        if declared > PACK_UNPACKED_CAP:
            raise self.refusal(f"its entries declare {declared:,} bytes unpacked,")

    def refusal(self, why: str) -> InputError:
        return InputError(f"{why} more than the {PACK_UNPACKED_CAP // 1024 ** 3} GiB a pack may unpack to: "
                          "refused, not audited", path=self.path)

    def open(self, name: str, algorithm: str | None = None) -> _Entry:
        """`algorithm` names the hash datapackage.json lists it with (one we do not know matches nothing)."""
        try:
            hasher = hashlib.new(algorithm) if algorithm else None
        except ValueError:
            hasher = hashlib.new("sha256")
        return _Entry(self.package.open(name), name, self, hasher)

    def read_whole(self, name: str, cap: int) -> bytes:
        """A small entry linkvault needs whole (its JSON), at most `cap` bytes."""
        data = bytearray()
        with self.open(name) as entry:
            while len(data) <= cap and (chunk := entry.read(_CHUNK)):
                data += chunk
        if len(data) > cap:
            raise InputError(f"{name} is over {cap // 1024 ** 2} MiB: refused, not audited", path=self.path)
        return bytes(data)

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise self.refusal("its entries, as read, unpack to")


class _Entry:
    """One zip entry as a read-only stream that hashes and counts what it hands out."""

    def __init__(self, stream, name: str, budget: _UnpackBudget, hasher):
        self.stream, self.name, self.budget, self.hasher = stream, name, budget, hasher

    def read(self, n: int) -> bytes:
        """At most `n` bytes (warcio asks a block at a time); never the whole entry at once."""
        data = self.stream.read(min(n, _CHUNK) if n is not None and n >= 0 else _CHUNK)
        self.budget.spend(len(data))
        if self.hasher is not None:
            self.hasher.update(data)
        return data

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass

    def tell(self) -> int:
        return self.stream.tell()  # warcio places records by it: the offset within the unpacked WARC

    def hexdigest(self) -> str | None:
        return self.hasher.hexdigest() if self.hasher is not None else None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


def _audit_pack_stamps(budget: _UnpackBudget, listing: bytes, tokens: _Tokens, result: AuditResult) -> None:
    """The pack's own tokens (in datapackage-digest.json) stamp its datapackage.json (`listing`) as it is now."""
    import base64
    import json

    from linkvault.evidence.pack import TOKENS_KEY

    try:
        digest = json.loads(budget.read_whole("datapackage-digest.json", LISTING_CAP))
    except (KeyError, ValueError):
        return  # a pack without the digest file has no pack-level stamps; its files were checked above
    if digest.get("hash", "").partition(":")[2] not in ("", hashlib.sha256(listing).hexdigest()):
        result.problems.append(Problem("datapackage.json", "no longer matches its hash in datapackage-digest.json "
                                                           "(altered)"))
    for n, entry in enumerate(digest.get(TOKENS_KEY, []), start=1):
        try:
            token = base64.b64decode(entry["token"], validate=True)
        except (KeyError, TypeError, ValueError):
            result.problems.append(Problem(f"pack timestamp {n}", "is not readable base64"))
            continue
        tokens.check(token, listing, f"pack timestamp {n} ({entry.get('tsa', '?')})", "this datapackage.json", result)


@dataclass(frozen=True)
class _Head:
    """A response or revisit record as sealed: where it lies, its URI, HTTP status and headers, payload digest."""
    file: str
    offset: int
    uri: str
    status: int | None
    headers: list[tuple[str, str]]
    payload_digest: str | None


@dataclass
class _Sealed:
    """What the WARCs hold, as read."""
    seen: dict[tuple[str, int], str] = field(default_factory=dict)  # (file, offset) → record id
    evidence: dict[str, bytes] = field(default_factory=dict)  # urn:evidence:… → payload
    evidence_ids: dict[str, str] = field(default_factory=dict)  # record id → its urn:evidence:… URI
    digests: dict[str, str | None] = field(default_factory=dict)  # record id → WARC-Block-Digest
    heads: dict[str, _Head] = field(default_factory=dict)  # response and revisit records
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


def _audit_warcs(directory: str, result: AuditResult) -> _Sealed:
    """Recompute every block digest; collect record places, evidence resources, digests and HTTP heads."""
    sealed = _Sealed()
    result.resources = sealed.resources
    for name in sorted(os.listdir(directory)):
        if name.endswith(OPEN_SUFFIX):
            result.problems.append(Problem(name, "was never closed (an interrupted run; the next fetch repairs it)"))
        elif name.endswith((".warc.gz", ".warc")):
            with open(os.path.join(directory, name), "rb") as fh:
                _audit_warc(name, fh, sealed, result)
    return sealed


def _audit_warc(name: str, fh, sealed: _Sealed, result: AuditResult) -> None:
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
                sealed.heads[record_id] = _Head(name, offset, uri, status, headers,
                                                record.rec_headers.get_header("WARC-Payload-Digest"))
            elif record.rec_type == "metadata":
                about = _json(block).get("url")
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
        result.problems.append(Problem(name, f"cannot be read to the end ({_brief(exc)})"))


def _brief(exc: Exception) -> str:
    """An exception as a finding names it: warcio quotes the line it could not parse, which may be 64 KiB."""
    text = f"{exc.__class__.__name__}: {exc}"
    return text if len(text) <= 200 else text[:200] + "…"


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
    while chunk := stream.read(_CHUNK):
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


def _trusted_roots(tsa_roots: str | None) -> list:
    """The roots named by --tsa-roots, else this machine's (SSL_CERT_FILE, else certifi's): public
    authorities chain to them. A token those cannot vouch for is then unverified, not altered; only
    roots the auditor names turn a failed signature into a finding."""
    import warnings

    from cryptography import x509

    path = tsa_roots
    if path is None:
        import certifi

        path = os.environ.get("SSL_CERT_FILE") or certifi.where()
    try:
        with open(path, "rb") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a public bundle holds old roots cryptography grumbles about
            return x509.load_pem_x509_certificates(fh.read())
    except (OSError, ValueError) as exc:
        if tsa_roots is not None:
            raise InputError(f"no PEM certificates can be read from it ({exc})", path=tsa_roots) from exc
        return []


def _audit_timestamps(evidence: dict[str, bytes], digests: dict[str, str | None], result: AuditResult,
                      tokens: _Tokens) -> set[str]:
    """Each token stamps its manifest's bytes, and each manifest still lists the records as they are.
    Returns the ids of the records a token stamps (through their manifest)."""
    import json

    stamped: set[str] = set()
    for uri, manifest in evidence.items():
        if not uri.startswith("urn:evidence:manifest:"):
            continue
        run = uri.rsplit(":", 1)[-1]
        for entry in json.loads(manifest).get("records", []):
            if entry["id"] in digests and digests[entry["id"]] != entry["block_digest"]:
                result.problems.append(Problem(f"manifest {run}", f"lists record {entry['id']} with another digest"))
            elif entry["id"] not in digests:
                result.problems.append(Problem(f"manifest {run}", f"lists record {entry['id']}, which is gone", MISSING))
        checks = [tokens.check(evidence[token_uri], manifest, token_uri, "its manifest", result)
                  for token_uri in sorted(u for u in evidence if u.startswith(f"urn:evidence:rfc3161:{run}:"))]
        if any(checks):
            stamped.update(entry["id"] for entry in json.loads(manifest).get("records", []))
    return stamped


class _Tokens:
    """Checks RFC 3161 tokens: the document they stamp, then the signature as of the token's own time."""

    def __init__(self, tsa_roots: str | None):
        self.explicit = tsa_roots is not None
        # The machine's roots are read on the first token: most audits of a vault without timestamps need none.
        self.roots = _trusted_roots(tsa_roots) if self.explicit else None

    def check(self, token: bytes, document: bytes, where: str, what: str, result: AuditResult) -> bool:
        """Whether the token stamps `document` (problems found are added to `result`)."""
        from rfc3161_client import VerifierBuilder, decode_timestamp_response

        result.timestamps += 1
        try:
            response = decode_timestamp_response(token)
        except Exception as exc:
            result.problems.append(Problem(where, f"is not a timestamp token ({exc})"))
            return False
        if response.tst_info.message_imprint.message != hashlib.sha256(document).digest():
            result.problems.append(Problem(where, f"stamps another document than {what} (foreign or altered)"))
            return False
        if self.roots is None:
            self.roots = _trusted_roots(None)
        if not self.roots:
            result.unchecked_signatures += 1
            return True
        try:  # validated at the token's own time, as long-term evidence needs
            builder = VerifierBuilder()
            for root in self.roots:
                builder = builder.add_root_certificate(root)
            builder.build().verify_message(response, document)
        except Exception as exc:
            if self.explicit:
                result.problems.append(Problem(where, f"does not verify against --tsa-roots ({exc})"))
                return False
            result.unchecked_signatures += 1
        return True

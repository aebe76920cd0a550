"""Recording exchanges as WARC/1.1 (warcio), one gzip member per record, SHA-256 digests.

What a response record holds, and why:
- The status line and headers exactly as httpx received them (`headers.raw`: wire order, case,
  duplicates) and the body still content-encoded (gzip, br), read with `aiter_raw()`.
- httpx has already undone chunked *transfer* coding, and we record above httpx rather than at the
  socket. So the body stored is the de-chunked one, and a `Transfer-Encoding` header is renamed
  `X-Linkvault-Orig-Transfer-Encoding`: storing de-chunked bytes under `Transfer-Encoding: chunked`
  makes replay tools try to de-chunk them again and fail (pywb issue 584, warcio issue 74). The
  rename keeps the fact on record without lying about the bytes.
- A body over the size cap is cut (`WARC-Truncated: length`); a secret is withheld (`WARC-Redacted-Headers`, redaction.py).
- A payload already in the vault (same SHA-256) becomes a `revisit` record with the identical-payload-digest profile.

Crash safety: a file is written as `NAME.warc.gz.open` and renamed when closed (after an fsync).
Every record is flushed to the OS before the vault points at it. A run that fails leaves its recorder (a context
manager) to close its file, cut it back to its last whole record and rename it; `recover_open_files` does the same
for a file a killed process left, so no WARC is ever left with a half-written record.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO, Callable

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from linkvault.archive import warc_records
from linkvault.archive.redaction import redaction_note
from linkvault.archive.warc_records import Body, Built, HttpRequestHead, HttpResponseHead, http_head, recorded_headers
from linkvault.archive.warc_recovery import OPEN_SUFFIX, RecordingFailed, recover_file
from linkvault.model import RecordLocation

MAX_FILE_SIZE = 1024**3


def _uuid_urn() -> str:
    """`<urn:uuid:…>` of a random (version 4) UUID, as `uuid.uuid4()` makes it and a third of the cost."""
    raw = bytearray(os.urandom(16))
    raw[6], raw[8] = raw[6] & 0x0F | 0x40, raw[8] & 0x3F | 0x80
    x = raw.hex()
    return f"<urn:uuid:{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}>"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class IdsAndClock:
    """Where every record's WARC-Record-ID and WARC-Date come from, and the process a WARC's file name
    carries: fresh uuid4 URNs and the real UTC clock, unless a test fixes them to compare whole records."""

    new_id: Callable[[], str] = _uuid_urn
    now: Callable[[], datetime] = _utc_now
    pid: int = field(default_factory=os.getpid)


class _Sha256WARCWriter(WARCWriter):
    _create_digester = staticmethod(lambda: Digester("sha256"))


class _RecordingWriter(_Sha256WARCWriter):
    """Gzipped WARC/1.1 with SHA-256 digests, its ids and dates from `ids_and_clock`, not warcio's own."""

    def __init__(self, fh: BinaryIO, ids_and_clock: IdsAndClock):
        super().__init__(fh, gzip=True, warc_version="1.1")
        self._ids_and_clock = ids_and_clock

    def _make_warc_id(self) -> str:
        return self._ids_and_clock.new_id()

    def write_record(self, record: Built | ArcWarcRecord, params: object = None) -> int | None:
        """Every record goes out here: one laid out by warc_records writes itself (and says how many bytes it took),
        warcio's is warcio's to write."""
        if isinstance(record, Built):
            return record.write(self.out)
        super().write_record(record, params)
        return None

    def curr_warc_date(self) -> str:
        moment = self._ids_and_clock.now().astimezone(timezone.utc).replace(tzinfo=None)
        return datetime_to_iso_date(moment, use_micros=True)


def http_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcFile:
    """One WARC being written; rotated by `WarcRecorder` when it grows past MAX_FILE_SIZE."""

    def __init__(self, directory: str, name: str, info: dict, ids_and_clock: IdsAndClock):
        self.name = name
        self.path = os.path.join(directory, name)
        self._fh = open(self.path + OPEN_SUFFIX, "xb")
        fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # alive: no recovery cuts it while it is written
        self.failed: OSError | None = None  # the write that failed: no record goes after a torn one
        self.written: list[tuple[str, str | None]] = []  # (record id, block digest), for the run's manifest
        self._writer, self._end = _RecordingWriter(self._fh, ids_and_clock), 0
        self._write(self._writer.create_warcinfo_record(name, info))

    def size(self) -> int:
        return self._end

    def _write(self, record: Built | ArcWarcRecord) -> tuple[int, int]:
        """Write a record (one laid out by warc_records, or warcio's) and flush it; where it lies (offset, length).
        Each record is flushed before it is listed as written: the list is the manifest's, and a failure while a
        later record is written must not leave it naming a record the file does not hold."""
        if self.failed is not None:
            raise RecordingFailed(self.failed.errno, self.failed.strerror, self.failed.filename)
        offset = self._end  # where the last record ended: no tell() for a record that counts its bytes
        try:
            size = self._writer.write_record(record)
            ids = ((record.record_id, record.block_digest) if isinstance(record, Built) else
                   (record.rec_headers.get_header("WARC-Record-ID"), record.rec_headers.get_header("WARC-Block-Digest")))
            self._fh.flush()  # in the OS before the vault points at it: a killed process loses nothing
        except OSError as exc:
            self.failed = exc
            raise RecordingFailed(exc.errno, exc.strerror, exc.filename) from exc
        self._end = offset + size if size is not None else self._fh.tell()
        self.written.append(ids)
        return offset, self._end - offset

    def close(self) -> None:
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.path + OPEN_SUFFIX, self.path)

    def abandon(self) -> str | None:
        """After a failure: close the file (what is in it stays), cut it back to its last whole record and rename
        it; the closed file's path, or None when no whole record was in it."""
        with contextlib.suppress(OSError):  # flushing a torn record failed (a full disk): the cut below drops it
            self._fh.close()
        return recover_file(self.path + OPEN_SUFFIX)


class WarcRecorder:
    """Writes request/response (or revisit) pairs into rotating WARC files in `directory`.

    Used as a context manager: closed when the block ends, and when it ends by an exception (a full disk, an
    interrupt) its open file is closed, cut back to its last whole record and renamed, so no run leaves a torn
    record or an open file behind."""

    def __init__(self, directory: str, info: dict, find_payload: Callable[[str], tuple[str, str] | None],
                 ids_and_clock: IdsAndClock | None = None, label: str | None = None):
        os.makedirs(directory, exist_ok=True)
        self.ids_and_clock = ids_and_clock or IdsAndClock()
        self.directory, self.info = directory, info
        self._find_payload = find_payload
        self._seen: dict[str, tuple[str, str]] = {}
        self._file: WarcFile | None = None
        self._written: list[tuple[str, str | None]] = []
        self._count = 0
        self._stamp = self.ids_and_clock.now().astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
        self.run_id = f"{self._stamp}-{label or self.ids_and_clock.pid}"  # a worker's label: its host and pid

    def _current(self) -> WarcFile:
        if self._file is not None and self._file.size() > MAX_FILE_SIZE:
            self._written += self._file.written
            self._file.close()
            self._file = None
        if self._file is None:
            name = f"linkvault-{self.run_id}-{self._count:05d}.warc.gz"
            self._count += 1
            # Another run of this process in the same second wrote that name, or writes it (a worker's runs): keep it.
            while any(os.path.exists(os.path.join(self.directory, name + end)) for end in ("", OPEN_SUFFIX)):
                name = f"linkvault-{self.run_id}-{self._count:05d}.warc.gz"
                self._count += 1
            self._file = WarcFile(self.directory, name, {**self.info, "filename": name}, self.ids_and_clock)
        return self._file

    def write_exchange(self, request: HttpRequestHead, response: HttpResponseHead, body: Body,
                       *, fetched_at: datetime, ip: str | None) -> RecordLocation:
        warc = self._current()
        date = http_date(fetched_at)
        common = {"WARC-Date": date}
        if ip:
            common["WARC-IP-Address"] = ip
        status = f"{response.status} {response.reason}".strip()
        head = http_head(f"{response.http_version} {status}" if status else response.http_version,
                         recorded_headers(response.headers))
        digest = body.digest if body.size or not body.truncated else None
        earlier = (self._seen.get(digest) or self._find_payload(digest)) if digest and body.size else None
        record_id, fields = self.ids_and_clock.new_id(), {**common, **redaction_note(response.headers)}
        if earlier and digest:
            record = warc_records.revisit(request.url, record_id, fields, head, digest, earlier)
        else:
            if body.truncated:
                fields["WARC-Truncated"] = "length"
            if digest:
                fields["WARC-Payload-Digest"] = digest
            record = warc_records.response(request.url, record_id, fields, head, body)
        offset, length = warc._write(record)
        req_head = http_head(f"{request.method} {request.target} {request.http_version}", request.headers)
        warc._write(warc_records.request(request.url, self.ids_and_clock.new_id(), {
            **common, "WARC-Concurrent-To": record_id, **redaction_note(request.headers)}, req_head))
        if digest and not earlier and body.size:
            self._seen[digest] = (request.url, date)
        coding = next((v for k, v in response.headers if k.lower() == "content-encoding"), None)
        sha1, decoded = body.sha1s(coding) if digest else (None, None)
        return RecordLocation(file=warc.name, offset=offset, length=length, record_id=record_id, payload_digest=digest,
                              revisit_of=earlier[0] if earlier else None, payload_sha1=sha1, payload_sha1_decoded=decoded)

    @property
    def written(self) -> list[tuple[str, str | None]]:
        """Every record this recorder wrote, in order, across its files."""
        return self._written + (self._file.written if self._file is not None else [])

    def write_resource(self, uri: str, content_type: str, payload: bytes,
                       concurrent_to: str | None = None) -> RecordLocation:
        """A `resource` record (a manifest, a token, a screenshot), and where it lies."""
        warc = self._current()
        headers = {"WARC-Date": http_date(self.ids_and_clock.now())}
        if concurrent_to:  # WARC 1.1 forbids WARC-Refers-To on resource records
            headers["WARC-Concurrent-To"] = concurrent_to
        record = warc._writer.create_warc_record(
            uri, "resource", payload=io.BytesIO(payload), length=len(payload), warc_content_type=content_type,
            warc_headers_dict=headers)
        offset, length = warc._write(record)
        return RecordLocation(file=warc.name, offset=offset, length=length,
                              record_id=record.rec_headers.get_header("WARC-Record-ID"),
                              payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"))

    def write_metadata(self, refers_to: str, facts: dict | str) -> str:
        """A JSON `metadata` record about an earlier record (`facts`, or their JSON text); returns its WARC-Record-ID."""
        warc = self._current()
        text = facts if isinstance(facts, str) else json.dumps(facts, ensure_ascii=False, indent=1)
        record = warc_records.metadata(self.ids_and_clock.new_id(), {
            "WARC-Refers-To": refers_to, "WARC-Date": http_date(self.ids_and_clock.now())}, text.encode("utf-8"),
            "application/json")
        warc._write(record)
        return record.record_id

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def abandon(self) -> None:
        """What a failed run does instead of `close`: keep every whole record, drop a torn one."""
        if self._file is not None:
            warc, self._file = self._file, None
            warc.abandon()

    def __enter__(self) -> WarcRecorder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


HEADER_LINE_CAP = 64 * 1024  # bytes of one WARC or HTTP header line read at a time
HELD_RECORD_CAP = 64 * 1024 ** 2  # bytes of a record read whole to be understood (a manifest, the custody log)


def read_records(fh: BinaryIO, **options: object) -> ArchiveIterator:
    """warcio's ArchiveIterator, its header lines read at most HEADER_LINE_CAP bytes at a time: warcio's readline
    has no bound, so a WARC of one endless line (gigabytes of zeros) would be gathered whole before it fails to
    parse. A longer line is cut and then fails to parse as a header, as it should."""
    records = ArchiveIterator(fh, **options)
    unbounded = records.reader.readline
    records.reader.readline = lambda length=None: unbounded(min(length or HEADER_LINE_CAP, HEADER_LINE_CAP))
    return records


def read_payload(path: str, offset: int) -> bytes:
    """The payload of the one record that starts at `offset` (a screenshot, a manifest)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)), None)
        if record is None:
            raise ValueError(f"no WARC record at offset {offset} of {os.path.basename(path)}")
        return record.content_stream().read()


def block_digest(path: str, offset: int) -> tuple[str, str | None] | None:
    """(WARC-Record-ID, WARC-Block-Digest) of the record that starts at `offset`, or None when none is there."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh, no_record_parse=True)), None)
    except (OSError, ValueError, EOFError):
        return None
    if record is None:
        return None
    return record.rec_headers.get_header("WARC-Record-ID"), record.rec_headers.get_header("WARC-Block-Digest")


def stamped_records(directory: str) -> set[str]:
    """Ids of the records listed in a run manifest whose RFC 3161 token is stored too (`urn:evidence:…`
    resources): what an interrupted or unstamped run left unsealed is everything else. Reads every
    closed WARC once (records' blocks are skipped, only manifests are read)."""
    manifests: dict[str, bytes] = {}
    tokened: set[str] = set()
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if not name.endswith((".warc.gz", ".warc")):
            continue
        try:
            with open(os.path.join(directory, name), "rb") as fh:
                for record in ArchiveIterator(fh, no_record_parse=True):
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if record.rec_type != "resource" or not uri.startswith("urn:evidence:"):
                        continue
                    if uri.startswith("urn:evidence:manifest:"):
                        manifests[uri.rsplit(":", 1)[-1]] = record.raw_stream.read()
                    elif uri.startswith("urn:evidence:rfc3161:"):
                        tokened.add(uri.split(":")[3])
        except Exception:  # a torn file: what it sealed before the tear still counts, audit names the tear
            continue
    stamped: set[str] = set()
    for run, manifest in manifests.items():
        if run in tokened:
            try:
                stamped.update(entry["id"] for entry in json.loads(manifest).get("records", []))
            except (ValueError, AttributeError, KeyError, TypeError):
                continue
    return stamped


def warcinfo(report_paths: list[str], options: dict, software: str) -> dict:
    return {
        "software": software,
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": ", ".join(report_paths),
        "operator-options": json.dumps(options, sort_keys=True),
        "json-metadata": json.dumps({"type": "recording", "pages": []}),
    }

"""`audit`: does everything in a vault still hold? Digests recomputed, custody chain re-walked.

A third party can check the same with standard tools (`warcio check` for the digests); this
names what was altered: the WARC file and record, the vault row, the custody event.
"""

from __future__ import annotations

import hashlib
import os
from base64 import b32encode
from dataclasses import dataclass, field

from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.custody import check_chain
from linkvault.archive.vault import Vault
from linkvault.archive.warc import OPEN_SUFFIX


@dataclass(frozen=True)
class Problem:
    where: str
    problem: str


@dataclass
class AuditResult:
    vault: str
    files: int = 0
    records: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems


def _digest(algorithm_and_value: str, block: bytes) -> bool:
    algorithm, _, expected = algorithm_and_value.partition(":")
    try:
        digest = hashlib.new(algorithm.replace("-", "").lower(), block).digest()
    except ValueError:
        return True  # an algorithm we do not know is not evidence of tampering
    return b32encode(digest).decode("ascii").rstrip("=") == expected.rstrip("=").upper()


def audit_vault(vault_dir: str) -> AuditResult:
    vault = Vault.open_existing(vault_dir)
    result = AuditResult(vault=vault_dir)
    try:
        seen = _audit_warcs(vault.warc_dir, result)
        for row in vault.query("select id, url, warc_file, warc_offset, record_id from captures where warc_file is not null"):
            if seen.get((row["warc_file"], row["warc_offset"])) != row["record_id"]:
                result.problems.append(Problem(f"captures row {row['id']} ({row['url']})",
                                               f"points at {row['warc_file']} offset {row['warc_offset']}, "
                                               "where its record is not"))
        events = vault.query("select * from custody order by id")
        result.events = len(events)
        for brk in check_chain(events):
            result.problems.append(Problem(f"custody event {brk.event_id}", brk.problem))
    finally:
        vault.close()
    return result


def _audit_warcs(directory: str, result: AuditResult) -> dict[tuple[str, int], str]:
    seen: dict[tuple[str, int], str] = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(OPEN_SUFFIX):
            result.problems.append(Problem(name, "was never closed (an interrupted run; the next fetch repairs it)"))
            continue
        if not name.endswith((".warc.gz", ".warc")):
            continue
        result.files += 1
        try:
            with open(path, "rb") as fh:
                records = ArchiveIterator(fh, no_record_parse=True)
                for record in records:
                    record_id = record.rec_headers.get_header("WARC-Record-ID")
                    block = record.raw_stream.read()
                    records.read_to_end()
                    seen[(name, records.get_record_offset())] = record_id
                    result.records += 1
                    declared = record.rec_headers.get_header("WARC-Block-Digest")
                    if declared and not _digest(declared, block):
                        result.problems.append(Problem(f"{name} record {record_id}", "its block no longer matches "
                                                       "its WARC-Block-Digest (altered)"))
        except Exception as exc:  # a torn or rewritten gzip member: say where reading stopped
            result.problems.append(Problem(name, f"cannot be read to the end ({exc.__class__.__name__}: {exc})"))
    return seen

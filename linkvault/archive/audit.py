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
from linkvault.archive.vault import Vault, VaultLock, lock_wait
from linkvault.archive.warc import OPEN_SUFFIX
from linkvault.errors import InputError


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
    timestamps: int = 0
    unchecked_signatures: int = 0
    untimed: int = 0  # captured responses no timestamp token covers: their time rests on this machine's clock alone
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
                "problems": [{"where": p.where, "problem": p.problem} for p in self.problems]}


def _digest(algorithm_and_value: str, block: bytes) -> bool:
    algorithm, _, expected = algorithm_and_value.partition(":")
    try:
        digest = hashlib.new(algorithm.replace("-", "").lower(), block).digest()
    except ValueError:
        return True  # an algorithm we do not know is not evidence of tampering
    return b32encode(digest).decode("ascii").rstrip("=") == expected.rstrip("=").upper()


def audit_vault(vault_dir: str, tsa_roots: str | None = None, *, collector: str | None = None) -> AuditResult:
    """Check the vault, then log the check itself as a `re-checked` custody event (after, so it is not judged).

    It holds the vault's lock throughout (waiting a while for a run), so a run's half-written files are never
    judged altered; a vault nobody may write is checked read-only, and the result says it could not be logged."""
    Vault.require(vault_dir)
    lock = VaultLock(vault_dir, wait=lock_wait(), create=False)
    vault = Vault.open_existing(vault_dir, read_only=not lock.held)
    result = AuditResult(vault=vault_dir)
    try:
        seen, evidence, digests = _audit_warcs(vault.warc_dir, result)
        stamped = _audit_timestamps(evidence, digests, result, _Tokens(tsa_roots))
        result.untimed = len(result.responses - stamped)
        for row in vault.query("select id, url, warc_file, warc_offset, record_id from captures where warc_file is not null"):
            if seen.get((row["warc_file"], row["warc_offset"])) != row["record_id"]:
                result.problems.append(Problem(f"captures row {row['id']} ({row['url']})",
                                               f"points at {row['warc_file']} offset {row['warc_offset']}, "
                                               "where its record is not"))
        events = vault.query("select * from custody order by id")
        result.events = len(events)
        for brk in check_chain(events):
            result.problems.append(Problem(f"custody event {brk.event_id}", brk.problem))
        _audit_screenshots(events, result)
        if vault.read_only:
            result.not_logged = "the vault is read-only"
        else:
            vault.log_event("re-checked", os.path.abspath(vault_dir), collector=collector, details={
                "holds": result.holds, "records": result.records, "timestamps": result.timestamps,
                "problems": [f"{p.where}: {p.problem}" for p in result.problems[:20]]})
    finally:
        vault.close()
        lock.release()
    return result


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
            result.problems.append(Problem(f"screenshot {event['subject']}", "is logged in custody but gone from the WARCs"))
        elif logged and actual != logged:
            result.problems.append(Problem(f"screenshot {event['subject']}",
                                           f"is not the image custody event {event['id']} recorded (swapped)"))


def audit_wacz(path: str, tsa_roots: str | None = None) -> AuditResult:
    """The same checks on an evidence pack, plus the pack's own datapackage.json digests."""
    import json
    import tempfile
    import zipfile

    from linkvault.errors import InputError

    result = AuditResult(vault=path)
    try:
        package = zipfile.ZipFile(path)
        listing = package.read("datapackage.json")
        manifest = json.loads(listing)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"not a readable WACZ ({exc})", path=path) from exc
    with package, tempfile.TemporaryDirectory() as work:
        for resource in manifest.get("resources", []):
            name, declared = resource["path"], resource.get("hash", "")
            try:
                data = package.read(name)
            except KeyError:
                result.problems.append(Problem(name, "is listed in datapackage.json but missing"))
                continue
            algorithm, _, value = declared.partition(":")
            if value and hashlib.new(algorithm, data).hexdigest() != value:
                result.problems.append(Problem(name, "no longer matches its hash in datapackage.json (altered)"))
            if name.startswith("archive/"):
                with open(os.path.join(work, os.path.basename(name)), "wb") as fh:
                    fh.write(data)
        tokens = _Tokens(tsa_roots)
        _, evidence, digests = _audit_warcs(work, result)
        stamped = _audit_timestamps(evidence, digests, result, tokens)
        result.untimed = len(result.responses - stamped)
        _audit_pack_stamps(package, listing, tokens, result)
        for uri, chain in evidence.items():
            if uri.startswith("urn:evidence:custody:"):
                events = [json.loads(line) for line in chain.decode("utf-8").splitlines() if line.strip()]
                result.events += len(events)
                for brk in check_chain(events):
                    result.problems.append(Problem(f"custody event {brk.event_id} (in the pack)", brk.problem))
                _audit_screenshots(events, result, of=set(digests))
    return result


def _audit_pack_stamps(package, listing: bytes, tokens: _Tokens, result: AuditResult) -> None:
    """The pack's own tokens (in datapackage-digest.json) stamp its datapackage.json (`listing`) as it is now."""
    import base64
    import json

    from linkvault.archive.pack import TOKENS_KEY

    try:
        digest = json.loads(package.read("datapackage-digest.json"))
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


def _audit_warcs(directory: str, result: AuditResult):
    """Recompute every block digest; collect record places, evidence resources and digests."""
    seen: dict[tuple[str, int], str] = {}
    evidence: dict[str, bytes] = {}  # urn:evidence:… → payload
    digests: dict[str, str | None] = {}
    resources: dict[str, str] = {}  # resource record id → SHA-256 of its block
    result.resources = resources
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
                    digests[record_id] = declared
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if record.rec_type == "resource" and uri.startswith("urn:evidence:"):
                        evidence[uri] = block
                    if record.rec_type == "resource":
                        resources[record_id] = hashlib.sha256(block).hexdigest()
                    elif record.rec_type == "response":
                        result.responses.add(record_id)
                    if declared and not _digest(declared, block):
                        result.problems.append(Problem(f"{name} record {record_id}", "its block no longer matches "
                                                       "its WARC-Block-Digest (altered)"))
        except Exception as exc:  # a torn or rewritten gzip member: say where reading stopped
            result.problems.append(Problem(name, f"cannot be read to the end ({exc.__class__.__name__}: {exc})"))
    return seen, evidence, digests


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
                result.problems.append(Problem(f"manifest {run}", f"lists record {entry['id']}, which is gone"))
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

"""`audit` of an evidence pack (WACZ): the vault's checks on the WARCs it carries, plus its datapackage.json digests
and the pack's own timestamps. A pack is untrusted input, read as streams under one budget.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib

from linkvault.errors import InputError
from linkvault.evidence.custody_check import audit_anchors, audit_screenshots
from linkvault.evidence.problems import brief
from linkvault.evidence.token_check import Tokens, audit_timestamps
from linkvault.evidence.warc_check import CHUNK, Sealed, audit_revisits, audit_warc
from linkvault.model import AuditResult, Problem
from linkvault.vault.custody import check_chain

PACK_UNPACKED_CAP = 8 * 1024 ** 3  # bytes all of a pack's entries may unpack to, all together
PACK_ENTRIES_CAP = 10_000  # entries a pack's zip directory may list
LISTING_CAP = 16 * 1024 ** 2  # bytes of datapackage.json or datapackage-digest.json
UNPACKING = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)  # what unpacking a bad entry raises


def audit_wacz(path: str, tsa_roots: str | None = None) -> AuditResult:
    """The same checks on an evidence pack, plus the pack's own datapackage.json digests.

    A pack is untrusted input: every entry is read as a stream (hashed and read for WARC records as it
    unpacks, never held whole), and a pack whose entries list or unpack past PACK_ENTRIES_CAP or
    PACK_UNPACKED_CAP is refused as unreadable input, not judged altered: nothing linkvault packs comes near."""
    result = AuditResult(vault=path)
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"not a readable WACZ ({exc})", path=path) from exc
    with package:
        budget = _UnpackBudget(package, path)
        listing, entries = _listing(budget, path)
        sealed = Sealed()
        result.resources = sealed.resources
        for basename, name, declared in sorted(entries):
            _audit_entry(budget, basename, name, declared, sealed, result)
        audit_revisits(sealed, result)
        tokens = Tokens(tsa_roots)
        stamped = audit_timestamps(sealed.evidence, sealed.digests, result, tokens)
        result.untimed = len(result.responses - stamped)
        _audit_pack_stamps(budget, listing, tokens, result)
        _audit_pack_custody(sealed, result)
    return result


def _listing(budget: _UnpackBudget, path: str) -> tuple[bytes, list[tuple[str, str, str]]]:
    """datapackage.json as read, and the files it lists: (base name, path in the pack, declared hash)."""
    try:
        listing = budget.read_whole("datapackage.json", LISTING_CAP)
        manifest = json.loads(listing)
        resources = manifest.get("resources", [])
        entries = [(os.path.basename(r["path"]), r["path"], str(r.get("hash", ""))) for r in resources]
    except (KeyError, TypeError, AttributeError, *UNPACKING) as exc:
        raise InputError(f"not a readable WACZ ({brief(exc)})", path=path) from exc
    if len({name for _, name, _ in entries}) < len(entries):  # each listing would be read again, past any budget
        raise InputError("datapackage.json lists a file more than once: refused, not audited", path=path)
    return listing, entries


def _audit_entry(budget: _UnpackBudget, basename: str, name: str, declared: str, sealed: Sealed,
                 result: AuditResult) -> None:
    """One listed file: there, unpackable, its hash the one listed; a WARC's records checked as it streams."""
    try:
        budget.package.getinfo(name)
    except KeyError:
        result.problems.append(Problem(name, "is listed in datapackage.json but missing"))
        return
    algorithm, _, value = declared.partition(":")
    with budget.open(name, algorithm if value else None) as entry:
        if name.startswith("archive/") and basename.endswith((".warc.gz", ".warc")):
            audit_warc(basename, entry, sealed, result)
        try:
            entry.drain()
        except UNPACKING as exc:
            result.problems.append(Problem(name, f"cannot be unpacked ({brief(exc)})"))
            return
    if value and entry.hexdigest() != value:
        result.problems.append(Problem(name, "no longer matches its hash in datapackage.json (altered)"))


def _audit_pack_custody(sealed: Sealed, result: AuditResult) -> None:
    """The custody log the pack carries: its chain, its anchors, and the screenshots of the pack's own captures."""
    evidence, digests = sealed.evidence, sealed.digests
    for uri, chain in evidence.items():
        if uri.startswith("urn:evidence:custody:"):
            try:
                events = [json.loads(line) for line in chain.decode("utf-8").splitlines() if line.strip()]
            except ValueError as exc:  # UnicodeDecodeError too
                result.problems.append(Problem(uri, f"is not the custody log's JSON lines ({brief(exc)})"))
                continue
            result.events += len(events)
            for brk in check_chain(events):
                result.problems.append(Problem(f"custody event {brk.event_id} (in the pack)", brk.problem))
            audit_anchors(evidence, events, result)
            audit_screenshots(events, result, of=set(digests))


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
            while len(data) <= cap and (chunk := entry.read(CHUNK)):
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
        data = self.stream.read(min(n, CHUNK) if n is not None and n >= 0 else CHUNK)
        self.budget.spend(len(data))
        if self.hasher is not None:
            self.hasher.update(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    def tell(self) -> int:
        return self.stream.tell()  # warcio places records by it: the offset within the unpacked WARC

    def hexdigest(self) -> str | None:
        return self.hasher.hexdigest() if self.hasher is not None else None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


def _audit_pack_stamps(budget: _UnpackBudget, listing: bytes, tokens: Tokens, result: AuditResult) -> None:
    """The pack's own tokens (in datapackage-digest.json) stamp its datapackage.json (`listing`) as it is now."""
    import base64

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

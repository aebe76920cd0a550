"""`audit FILE.wacz` on a hostile pack: entries are read as streams, never whole, within documented caps.

A pack is untrusted input. Before issue 12 each entry was read whole (`zf.read`), then each WARC record's block:
a 2 MB pack of highly compressible entries took 4.25 GB and gave no verdict after 120 s. The packs here are built
by the test: a few hundred KB of zip that unpack to 256 MiB, or whose zip directory lies about sizes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import subprocess
import sys
import warnings
import zipfile

from warcio.warcwriter import WARCWriter

MIB = 1024 * 1024
BOMB = 256 * MIB

# The CLI in a child process of its own, its peak RSS (VmHWM: the high-water mark starts afresh at exec) on stderr.
_AUDIT = """
import sys
from linkvault.cli import main
sys.argv = ["linkvault", "audit", sys.argv[1]]
try:
    main()
finally:
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(f"peak-rss-kib {peak}", file=sys.stderr)
"""


def _audit(path) -> tuple[subprocess.CompletedProcess, float, list[str]]:
    """Exit code and output of `linkvault audit PATH`, its peak RSS in MiB, and stderr without the measurement."""
    out = subprocess.run([sys.executable, "-c", _AUDIT, str(path)], capture_output=True, text=True, timeout=900)
    lines = out.stderr.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("peak-rss-kib")) / 1024
    return out, peak, [line for line in lines if not line.startswith("peak-rss-kib")]


def _zeros(n: int, chunk: bytes = b"\0" * MIB):
    while n > 0:
        yield chunk[:n]
        n -= len(chunk)


def _pack(path, entries: dict[str, object]) -> None:
    """A WACZ-shaped zip: each entry (bytes, or a size in bytes of zeros, deflated as it is written) listed in
    datapackage.json with its true SHA-256, as py-wacz lists them."""
    resources = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            digest = hashlib.sha256()
            with z.open(name, "w", force_zip64=True) as w:
                for chunk in ([content] if isinstance(content, bytes) else _zeros(content)):
                    digest.update(chunk)
                    w.write(chunk)
            resources.append({"name": name.rsplit("/", 1)[-1], "path": name, "hash": f"sha256:{digest.hexdigest()}"})
        z.writestr("datapackage.json", json.dumps({"profile": "data-package", "resources": resources}))


def _warc_with_block(uri: str, size: int) -> bytes:
    """An uncompressed WARC of one resource record whose block is `size` zero bytes."""
    class Zeros(io.RawIOBase):
        left = size

        def readinto(self, b):
            n = min(len(b), self.left)
            b[:n] = bytes(n)
            self.left -= n
            return n

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    writer.write_record(writer.create_warc_record(uri, "resource", payload=Zeros(), length=size,
                                                  warc_content_type="application/octet-stream"))
    return out.getvalue()


def _one_verdict(out: subprocess.CompletedProcess) -> str:
    """The audit's last line, its verdict; every line short (a finding quotes no 64 KiB of what it read)."""
    lines = out.stdout.strip().splitlines()
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr
    assert re.search(r"checked: (everything holds|\d+ problems? found)", lines[-1]), out.stdout[-2000:]
    assert all(len(line) < 1000 for line in lines), [line[:300] for line in lines]
    return lines[-1].partition("checked: ")[2]


def test_a_pages_entry_unpacking_to_256_mib_is_hashed_as_a_stream_not_held(tmp_path):
    path = tmp_path / "bomb.wacz"
    _pack(path, {"pages/pages.jsonl": BOMB})
    assert path.stat().st_size < 2 * MIB
    out, peak, _ = _audit(path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert _one_verdict(out).startswith("everything holds")
    assert peak < BOMB / MIB / 4, f"auditing a pack whose entry unpacks to 256 MiB peaked at {peak:.0f} MiB"


def test_a_warc_record_of_256_mib_is_hashed_a_chunk_at_a_time_and_a_tampered_one_named(tmp_path):
    """One resource record whose block is 256 MiB of zeros: its digest is checked as it streams by. The same
    pack with the block's digest no longer matching is named altered, at the same small cost."""
    warc = _warc_with_block("urn:screenshot:big", BOMB)
    path = tmp_path / "record.wacz"
    _pack(path, {"archive/big.warc": warc})
    out, peak, _ = _audit(path)
    assert out.returncode == 0 and _one_verdict(out).startswith("everything holds"), out.stdout + out.stderr
    assert peak < BOMB / MIB / 4, f"a 256 MiB record peaked at {peak:.0f} MiB"

    flipped = bytearray(warc)
    flipped[-10] = 1  # a byte of the block, re-listed with a fresh SHA-256 so only the record's digest can tell
    tampered = tmp_path / "tampered.wacz"
    _pack(tampered, {"archive/big.warc": bytes(flipped)})
    out, peak, _ = _audit(tampered)
    assert out.returncode == 1 and "no longer matches its WARC-Block-Digest" in out.stdout, out.stdout
    assert _one_verdict(out).startswith("1 problem found")
    assert peak < BOMB / MIB / 4


def test_a_warc_entry_of_one_endless_line_is_not_gathered_whole(tmp_path):
    """256 MiB of zeros named as a WARC: warcio's readline has no bound and would gather it as one header line
    (quadratically); read 64 KiB at a time it fails to parse at once, and the entry is still hashed to its end."""
    path = tmp_path / "line.wacz"
    _pack(path, {"archive/endless.warc": BOMB})
    out, peak, _ = _audit(path)
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr
    assert "endless.warc: cannot be read to the end" in out.stdout, out.stdout
    _one_verdict(out)
    assert peak < BOMB / MIB / 4, f"a 256 MiB line peaked at {peak:.0f} MiB"


def _lie_about_size(path, name: str, size: int) -> None:
    """Rewrite the uncompressed size the zip's central directory (what zipfile reads) records for `name`."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_len]) == name.encode():
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(name).file_size == size


def test_an_entry_whose_directory_claims_a_small_size_is_read_no_further_and_named(tmp_path):
    """The zip directory says 1 MiB; the deflated stream holds 256 MiB. Unpacking stops at what was declared
    (and counted), the entry fails its CRC and is named: one verdict, not a traceback."""
    path = tmp_path / "small-lie.wacz"
    _pack(path, {"pages/pages.jsonl": BOMB})
    _lie_about_size(path, "pages/pages.jsonl", MIB)
    out, peak, _ = _audit(path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "pages/pages.jsonl: cannot be unpacked (BadZipFile" in out.stdout, out.stdout
    _one_verdict(out)
    assert peak < BOMB / MIB / 4


def test_a_pack_declaring_more_than_8_gib_unpacked_is_refused_in_one_line_before_unpacking(tmp_path):
    """Three entries of 1 MiB whose directory says 4 GiB each: refused on what they declare, before any is read."""
    path = tmp_path / "big-claim.wacz"
    _pack(path, {f"pages/p{i}.jsonl": MIB for i in range(3)})
    for i in range(3):
        _lie_about_size(path, f"pages/p{i}.jsonl", 0xFFFFFFFE)
    out, _, err = _audit(path)
    assert out.returncode == 2 and out.stdout == "", out.stdout + out.stderr
    assert len(err) == 1 and str(path) in err[0] and "8 GiB" in err[0] and "refused" in err[0], err


def test_a_pack_of_more_than_10000_entries_is_refused_in_one_line(tmp_path):
    path = tmp_path / "many.wacz"
    _pack(path, {f"pages/p{i}.jsonl": b"{}\n" for i in range(10_001)})
    out, _, err = _audit(path)
    assert out.returncode == 2 and len(err) == 1 and "10,002 entries" in err[0] and str(path) in err[0], err


def test_an_evidence_record_past_64_mib_is_refused_in_one_line_not_held(tmp_path):
    """A custody-log record audit would have to hold whole, larger than linkvault writes: refused as
    unreadable input (exit 2), its block never gathered."""
    path = tmp_path / "custody.wacz"
    _pack(path, {"archive/linkvault-report.warc": _warc_with_block("urn:evidence:custody:r.txt", 65 * MIB)})
    out, peak, err = _audit(path)
    assert out.returncode == 2 and len(err) == 1 and "over 64 MiB" in err[0] and "refused" in err[0], err
    assert peak < 64, f"refusing a 65 MiB record peaked at {peak:.0f} MiB"


def test_a_custody_record_of_something_else_than_json_lines_is_named_not_an_internal_error(tmp_path):
    path = tmp_path / "custody.wacz"
    _pack(path, {"archive/linkvault-report.warc": _warc_with_block("urn:evidence:custody:r.txt", 1000)})
    out, _, _ = _audit(path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "urn:evidence:custody:r.txt: is not the custody log's JSON lines" in out.stdout, out.stdout
    _one_verdict(out)


def test_a_listing_without_paths_is_refused_in_one_line_and_an_unknown_hash_is_named(tmp_path):
    """datapackage.json is untrusted too: a resource without a path, or listed by a hash no one knows."""
    broken = tmp_path / "no-path.wacz"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("pages/pages.jsonl", "{}\n")
        z.writestr("datapackage.json", json.dumps({"resources": [{"name": "pages.jsonl"}]}))
    out, _, err = _audit(broken)
    assert out.returncode == 2 and len(err) == 1 and "not a readable WACZ" in err[0] and str(broken) in err[0], err

    odd = tmp_path / "odd-hash.wacz"
    with zipfile.ZipFile(odd, "w") as z:
        z.writestr("pages/pages.jsonl", "{}\n")
        z.writestr("datapackage.json", json.dumps({"resources": [{"path": "pages/pages.jsonl", "hash": "rot13:abc"}]}))
    out, _, _ = _audit(odd)
    assert out.returncode == 1 and "pages/pages.jsonl: no longer matches its hash" in out.stdout, out.stdout + out.stderr
    _one_verdict(out)


def test_a_listing_naming_one_file_many_times_is_refused_in_one_line_not_read_again_and_again(tmp_path):
    """Each listing of a path would unpack it once more: one 256 MiB entry listed 40 times is 10 GiB of work
    that no declared size shows."""
    path = tmp_path / "repeated.wacz"
    _pack(path, {"pages/pages.jsonl": BOMB})
    with zipfile.ZipFile(path) as z:
        listing = json.loads(z.read("datapackage.json"))
    listing["resources"] *= 40
    with zipfile.ZipFile(path, "a") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a second entry of that name: the later one is the one read
        z.writestr("datapackage.json", json.dumps(listing))
    out, _, err = _audit(path)
    assert out.returncode == 2 and len(err) == 1 and "lists a file more than once" in err[0], out.stdout + out.stderr

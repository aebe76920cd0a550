"""`pack`: one evidence file per report: a WACZ any web-archive tool opens.

It holds every WARC file with a capture for the report or a memento of its footnotes' archived copies (with
their provenance records, manifests and timestamp tokens), plus one more WARC with the report file itself, a
human summary (each footnote mapped to its capture, digests and timestamps, its archived copies and witnesses,
as escaped HTML) and the custody chain so far (JSON lines) as `resource` records, and a pages list carrying each
page's extracted text.
py-wacz writes the package (index, datapackage.json with a SHA-256 per file), so `wacz validate`
and replay tools read exactly what they expect.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone

from linkvault.archive.provenance import sha256_file
from linkvault.archive.warc import _Sha256WARCWriter
from linkvault.archive.webarchives.lookups import archive_name
from linkvault.errors import InputError
from linkvault.evidence.summary import (
    EvidenceSummary,
    WarcFacts,
    copy_captures,
    evidence_summary,
    sealed_files,
    shown_copies,
)
from linkvault.model import PackResult
from linkvault.parsing import STDIN, is_url_argument
from linkvault.reviewing import Review
from linkvault.reviewing import review as build_review
from linkvault.vault import Vault

TOKENS_KEY = "rfc3161"  # in datapackage-digest.json: the tokens over datapackage.json, base64 DER


def pack(vault_dir: str, report_path: str, output: str, input_format: str | None = None, *,
         collector: str | None = None, tsa: tuple[str, ...] = (), proxy: str | None = None,
         ca_bundle: str | None = None, summarize: Callable[[EvidenceSummary], str]) -> PackResult:
    """Write the pack; with `tsa`, also stamp its datapackage.json (which hashes every file in it), so the
    pack as a whole has a trusted time, carried in datapackage-digest.json. The authorities are reached
    by the same egress policy as `fetch`'s (`proxy`, `ca_bundle`, else the environment). `summarize` turns the
    evidence summary into the HTML page the pack carries: presentation is render's, handed in by the verb."""
    from linkvault.archive.egress_policy import resolve_egress
    from linkvault.archive.timestamp import stamp

    if report_path == STDIN or is_url_argument(report_path):
        raise InputError("pack needs the report file itself, which goes into the pack (not - or URLs)",
                         path=report_path)

    egress = resolve_egress(proxy, ca_bundle) if tsa else None

    with Vault.open_to_log(vault_dir) as vault:  # a run half-written is not packed, nor its custody interleaved
        reviewed = build_review(vault_dir, report_path, input_format, with_claims=False)
        mementos = copy_captures(vault, reviewed)  # the records of the copies `copies` fetched for its footnotes
        images = vault.images_of([r.capture_id for r in reviewed.rows if r.capture_id])  # a post's own pictures
        shown = [r.shown for r in reviewed.rows if r.shown]  # the page as archived before its source failed
        files = sorted({r.warc_file for r in reviewed.rows if r.warc_file}
                       | {s.record.file for s in shown if s.record and s.record.file}
                       | {m["warc_file"] for m in mementos.values() if m["warc_file"]}
                       | {i["warc_file"] for post in images.values() for i in post if i["warc_file"]}
                       | vault.payload_files([r.capture_id for r in reviewed.rows if r.capture_id] + list(mementos)
                                             + [s.id for s in shown if s.id]
                                             + [i["id"] for post in images.values() for i in post]))
        if not files:
            raise InputError("nothing of this report is archived yet (run `linkvault fetch` first)", path=report_path)
        files, sealed = sealed_files(vault, files)
        n_pages, stamps = _write_pack(vault, reviewed, report_path, files, sealed, mementos, output,
                                      summarize=summarize,
                                      stamp_with=(lambda data: stamp(data, list(tsa), egress=egress)) if tsa else None)
        digest = sha256_file(output)
        if not vault.read_only:
            vault.log_event("packed", os.path.abspath(output), collector=collector,
                            details={"report": os.path.abspath(report_path), "sha256": digest, "warc_files": files,
                                     "timestamps": [{"tsa": s.tsa, "gen_time": s.gen_time, "error": s.error}
                                                    for s in stamps]})
        return PackResult(output, digest, len(files) + 1, n_pages, sum(1 for s in stamps if s.token),
                          [f"{s.tsa}: {s.error}" for s in stamps if not s.token],
                          not_logged="the vault is read-only" if vault.read_only else None, vault=vault_dir)


def _write_pack(vault: Vault, reviewed, report_path: str, files: list[str], sealed: WarcFacts,
                mementos: dict[int, dict], output: str, *, summarize: Callable[[EvidenceSummary], str],
                stamp_with: Callable[[bytes], list] | None) -> tuple[int, list]:
    """Build the WACZ of `files` (`sealed`: what they seal) plus the report's own WARC (report, summary, custody)
    and its pages (with the `mementos` of its copies), stamp its datapackage.json with `stamp_with`, and seal it
    to `output`; returns the number of pages and the stamps."""
    ids = [r.capture_id for r in reviewed.rows if r.capture_id] + list(mementos)
    ids += [r.shown.id for r in reviewed.rows if r.shown and r.shown.id]
    texts = vault.texts_of(ids)  # this report's own, not the vault's
    custody = vault.custody_chain()
    with tempfile.TemporaryDirectory() as work:
        summary = summarize(evidence_summary(vault, reviewed, files, custody, sealed))
        warcs = [os.path.join(vault.warc_dir, f) for f in files]
        pages = _pages(reviewed, texts, mementos)
        listing = os.path.join(work, "pages.jsonl")
        _write_pages(listing, os.path.basename(reviewed.report), pages)
        built = _build(work, report_path, output, listing, summary, custody, warcs)
        with zipfile.ZipFile(built) as z:
            stamps = stamp_with(z.read("datapackage.json")) if stamp_with else []
        _seal(built, output, stamps)
    return len(pages), stamps


def _build(work: str, report_path: str, output: str, listing: str, summary: str, custody: list[dict],
           warcs: list[str]) -> str:
    """py-wacz packs the report's WARCs, one more with the report, its summary and the custody chain, and the
    pages `listing`, in `work`; returns the built pack."""
    from wacz.main import main as wacz_main

    extra = os.path.join(work, "linkvault-report.warc.gz")
    _write_report_warc(extra, report_path, summary, custody)
    built = os.path.join(work, "pack.wacz")
    args = ["create", "-o", built, "-p", listing, "-c", "--title", f"linkvault: {os.path.basename(report_path)}",
            *warcs, extra]
    with contextlib.redirect_stdout(io.StringIO()):  # py-wacz narrates its steps on stdout
        status = wacz_main(args)
    if status != 0:
        raise InputError("the evidence pack could not be written", path=output)
    return built


def _seal(built: str, output: str, stamps: list) -> None:
    """Copy the built WACZ to `output` (through a .part file, so a failure leaves any earlier pack whole),
    its datapackage-digest.json carrying the RFC 3161 tokens over datapackage.json."""
    part = f"{output}.part"
    try:
        with zipfile.ZipFile(built) as src, zipfile.ZipFile(part, "w") as out:
            for info in src.infolist():
                if info.filename == "datapackage-digest.json" and any(s.token for s in stamps):
                    digest = json.loads(src.read(info))
                    digest[TOKENS_KEY] = [{"tsa": s.tsa, "gen_time": s.gen_time,
                                           "token": base64.b64encode(s.token).decode("ascii")} for s in stamps if s.token]
                    out.writestr(info, json.dumps(digest, indent=2))
                    continue
                with src.open(info) as reader, out.open(info, "w", force_zip64=info.file_size > zipfile.ZIP64_LIMIT) as w:
                    shutil.copyfileobj(reader, w, 1 << 20)
        os.replace(part, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(part)
        raise


def _write_report_warc(path: str, report_path: str, summary_html: str, custody: list[dict]) -> None:
    name = os.path.basename(report_path)
    with open(report_path, "rb") as fh:
        report = fh.read()
    with open(path, "wb") as out:
        writer = _Sha256WARCWriter(out, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(os.path.basename(path), {
            "software": "linkvault", "json-metadata": json.dumps({"type": "recording", "pages": []})}))
        chain = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in custody).encode()
        for uri, kind, payload in ((f"urn:evidence:report:{name}", "application/octet-stream", report),
                                   (f"urn:evidence:summary:{name}", "text/html; charset=utf-8", summary_html.encode()),
                                   (f"urn:evidence:custody:{name}", "application/x-ndjson", chain)):
            writer.write_record(writer.create_warc_record(uri, "resource", payload=io.BytesIO(payload),
                                                          length=len(payload), warc_content_type=kind))


def _pages(reviewed: Review, texts: dict, mementos: dict[int, dict]) -> list[dict]:
    """The pages list: each captured footnote source, then each fetched archived copy of one (its memento, at the
    URI asked of the archive), titled so a viewer tells the copy from the source."""
    pages = [_page(row.url, row.archived_at, row.title or row.url, texts.get(row.capture_id))
             for row in reviewed.rows if row.warc_file and row.archived_at]
    pages += _pages_shown(reviewed, texts)
    listed: set[int] = set()  # a URL two footnotes cite has its copies listed once
    for copy in shown_copies(reviewed):
        memento = mementos.get(copy.capture_id) if copy.capture_id is not None else None
        if memento and memento["warc_file"] and memento["fetched_at"] and memento["id"] not in listed:
            listed.add(memento["id"])
            text = texts.get(copy.capture_id) or {}
            title = f"{text.get('title') or copy.candidate.url} (archived copy: {archive_name(copy.candidate.archive)} " \
                    f"{copy.candidate.memento_at})"
            pages.append(_page(memento["url"], memento["fetched_at"], title, text))
    return pages


def _pages_shown(reviewed: Review, texts: dict) -> list[dict]:
    """The page as each source showed it before it failed (the capture a failing or dead footnote keeps as its
    evidence), titled so a viewer tells it from the source's answer today; a URL two footnotes cite listed once."""
    pages, listed = [], set()
    for row in reviewed.rows:
        shown = row.shown
        if shown and shown.record and shown.record.file and shown.id not in listed:
            listed.add(shown.id)
            title = f"{shown.title or row.url} (the page as archived on {shown.fetched_at[:10]}, before it " \
                    f"{'failed' if row.category in ('failing', 'dead') else 'read ' + (row.state or 'otherwise')})"
            pages.append(_page(row.url, shown.fetched_at, title, texts.get(shown.id)))
    return pages


def _page(url: str | None, at: str, title: str | None, text: dict | None) -> dict:
    when = datetime.strptime(at[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return {"url": url, "ts": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "title": title, "text": (text or {}).get("text") or ""}


def _write_pages(path: str, title: str, pages: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
        for page in pages:
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")

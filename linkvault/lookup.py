"""Reading the vault back: full-text search over archived texts, and what is kept for a footnote."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from linkvault.errors import InputError, IntegrityError, UsageError
from linkvault.model import FootnoteArchive, Report, SearchHit
from linkvault.parsing import is_vault_name, report_key
from linkvault.reviewing import review, stored_report
from linkvault.vault import Vault, custody_lock

MAX_FORMS = 40  # forms in the other script added per query word


def fts_query(text: str, terms: Sequence[str] = ()) -> str:
    """Words as prefix terms, all required: `журналист` also finds `журналиста` (Russian inflects).

    Each word also matches its forms in the other script among the index's `terms`, by the claim
    check's transliteration key: `Adilbekov` finds Адилбеков, Адилбекова; `Адилбеков` finds Adilbekov.
    """
    words = re.findall(r"\w+", text)
    if not words:
        raise UsageError("the search query has no words in it")
    return " AND ".join(_any_form(w, terms) for w in words)


def _any_form(word: str, terms: Sequence[str]) -> str:
    from linkvault.claims.match import key, keys_match

    want = key(word)
    forms = [t for t in terms if t.isascii() != word.isascii() and keys_match(want, key(t))][:MAX_FORMS]
    if not forms:
        return f'"{word}"*'
    return "(" + " OR ".join([f'"{word}"*', *(f'"{t}"' for t in forms)]) + ")"


def search(vault_dir: str, query: str, report: str | None = None, limit: int = 50) -> list[SearchHit]:
    with Vault.open_existing(vault_dir, read_only=True) as vault:
        rows = vault.text_hits(fts_query(query, vault.index_terms()), report, limit)
    return [SearchHit(report=row["report"], number=row["number"] if row["number"] is not None else row["label"],
                      url=row["url"], title=row["title"], snippet=" ".join((row["snippet"] or "").split()))
            for row in rows]


def show(vault_dir: str, report: str | Report, label: str) -> FootnoteArchive:
    """What the vault holds for one footnote of `report`: a file, a parsed report (stdin, URL arguments) or its name."""
    given, report = report, (report.path if isinstance(report, Report) else report)
    with Vault.open_existing(vault_dir, read_only=True) as vault:
        report_id = vault.report_id(report)
        if report_id is None:
            raise InputError("this report has not been fetched into the vault (run `linkvault fetch` first)",
                             path=report)
        notes = vault.footnote_rows(report_id, str(label))
        if not notes:
            raise InputError(f"footnote [{label}] has no URL in this report", path=report)
        if notes[0]["url"] is None:  # a footnote with no source is stored with its gap, and has nothing archived
            raise InputError(f"footnote [{label}] has no URL in this report: {notes[0]['gap_detail']}", path=report)
        urls = [n["url"] for n in notes]
        captures = vault.captures_of(urls)
        for capture in captures:
            capture.update(vault.capture_details(capture["id"]))
            capture["screenshots"] = vault.screenshots_of(capture["record_id"]) if capture["record_id"] else []
        witnessed = vault.witnesses_of([c["id"] for c in captures])  # Save Page Now's captures compared with ours
        for capture in captures:
            capture["witnesses"] = [{"sentence": w.sentence, "uri_m": w.uri_m, "verdict": w.verdict}
                                    for w in witnessed.get(capture["id"], [])]
        with_text = [c for c in captures if c["status"] is not None]
        text = vault.texts_of([with_text[-1]["id"]]).get(with_text[-1]["id"]) if with_text else None
    return FootnoteArchive(report=report_key(report), label=str(label), line=notes[0]["line"], urls=urls,
                           captures=captures, text=text, verdicts=_verdicts(vault_dir, given, str(label)))


def _verdicts(vault_dir: str, report: str | Report, label: str) -> dict[str, tuple[str | None, str | None, str]]:
    """The footnote's verdict as `report` gives it (the same rows), while the report itself is still at hand."""
    if not isinstance(report, Report) and not os.path.exists(report):
        if not is_vault_name(report):
            return {}
        try:  # a list of URLs fetch named can be rebuilt from the vault; a report with sentences cannot
            report = stored_report(vault_dir, report)
        except InputError:
            return {}
    return {row.url: (row.category, row.state, row.detail or "")  # a reviewed URL always has its verdict's detail
            for row in review(vault_dir, report, with_claims=False).rows if row.label == label and row.url}


def export_screenshot(vault_dir: str, archive: FootnoteArchive, path: str, *, collector: str | None = None) -> dict:
    """Write the footnote's newest screenshot to `path`, checked against its recorded SHA-256 and logged.

    The PNG comes out of the WARC record, not a cache, so what is handed on is what was sealed.
    """
    import hashlib

    from linkvault.archive.warc import read_payload

    shot = archive.screenshot
    if shot is None:
        raise InputError(f"footnote [{archive.label}] has no screenshot (fetched with --no-screenshots, or not an "
                         "HTML page)", path=archive.report)
    with custody_lock(vault_dir, "handing on a screenshot"), Vault.open_existing(vault_dir) as vault:
        try:
            png = read_payload(os.path.join(vault.warc_dir, shot["warc_file"]), shot["warc_offset"])
        except Exception as exc:  # a missing file, a damaged gzip member, no record there: all one answer
            raise IntegrityError(f"screenshot {shot['record_id']} cannot be read from {shot['warc_file']} ({exc}); "
                                 "run `linkvault audit`") from exc
        if hashlib.sha256(png).hexdigest() != shot["sha256"]:
            raise IntegrityError(f"screenshot {shot['record_id']} in {shot['warc_file']} no longer matches the "
                                 "SHA-256 recorded when it was taken (run `linkvault audit`)")
        tmp = f"{path}.part"
        with open(tmp, "wb") as fh:
            fh.write(png)
        os.replace(tmp, path)
        vault.log_event("exported", shot["record_id"], collector=collector,
                        details={"to": os.path.abspath(path), "sha256": shot["sha256"], "url": shot["url"]})
    return shot

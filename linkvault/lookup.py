"""Reading the vault back: full-text search over archived texts, what is kept for a footnote, and the archived
versions of each footnote's source that robustify writes into the report."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import date
from urllib.parse import quote

from linkvault.errors import InputError, IntegrityError, UsageError
from linkvault.model import CopySearch, FootnoteArchive, HistoryRules, Link, Report, RobustNote, SearchHit, VersionLink
from linkvault.model.copies import SAME, SAME_DECODED
from linkvault.parsing import is_vault_name, report_key
from linkvault.parsing.urls import memento_parts
from linkvault.reviewing import links_of, over_time, review, stored_report
from linkvault.vault import Vault, custody_lock
from linkvault.vault.capture_rows import capture_of

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


def show(vault_dir: str, report: str | Report, label: str, rules: HistoryRules | None = None) -> FootnoteArchive:
    """What the vault holds for one footnote of `report`: a file, a parsed report (stdin, URL arguments) or its name;
    its links' verdicts and histories read under `rules`."""
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
            capture["account"] = capture_of(capture).account  # the logged-in account, or None
        images = vault.images_of([c["id"] for c in captures])  # a post's pictures, part of its capture
        for capture in captures:
            capture["images"] = images[capture["id"]]
        witnessed = vault.witnesses_of([c["id"] for c in captures])  # Save Page Now's captures compared with ours
        for capture in captures:
            capture["witnesses"] = [{"sentence": w.sentence, "uri_m": w.uri_m, "verdict": w.verdict}
                                    for w in witnessed.get(capture["id"], [])]
        with_text = [c for c in captures if c["status"] is not None and c.get("role") != "vantage"]
        text = vault.texts_of([with_text[-1]["id"]]).get(with_text[-1]["id"]) if with_text else None
        copies = {url: search for (note, url), search in vault.report_copy_searches(report).items()
                  if note == str(label)}
        drifts = {url: drift for (note, url), drift in vault.latest_drifts(report).items() if note == str(label)}
        histories = vault.histories(urls, rules)
        shown = vault.last_shown(urls)  # the page as archived before the source failed, if it has
    return FootnoteArchive(report=report_key(report), label=str(label), line=notes[0]["line"], urls=urls,
                           captures=captures, text=text, verdicts=_verdicts(vault_dir, given, str(label), rules),
                           copies=copies, histories=histories, drifts=drifts, shown=shown)


def _verdicts(vault_dir: str, report: str | Report, label: str, rules: HistoryRules | None
              ) -> dict[str, tuple[str | None, str | None, str]]:
    """The footnote's verdict as `report` gives it (the same rows), while the report itself is still at hand."""
    if not isinstance(report, Report) and not os.path.exists(report):
        if not is_vault_name(report):
            return {}
        try:  # a list of URLs fetch named can be rebuilt from the vault; a report with sentences cannot
            report = stored_report(vault_dir, report)
        except InputError:
            return {}
    return {row.url: (row.category, row.state, row.detail or "")  # a reviewed URL always has its verdict's detail
            for row in review(vault_dir, report, with_claims=False, rules=rules).rows if row.label == label and row.url}


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


# -- robustify: the versions of each source ---------------------------------------------------------

VIEWER = "https://replayweb.page/"  # ReplayWeb.page, which opens a published WACZ: ?source=<pack>#view=replay&url=&ts=


def robust_notes(vault_dir: str, report: Report, pack_url: str | None = None,
                 rules: HistoryRules | None = None) -> list[RobustNote]:
    """Each URL `report`'s footnotes cite, with its versions, best first: the copy the last `copies` search offered
    (its memento), the Save Page Now capture of our own capture (else an archive's capture a witness found to hold
    our payload), and, with `pack_url` (where the evidence pack is published), the pack's page of our capture of a
    living source in ReplayWeb.page. Each verdict is read under `rules`, as `report` reads it. The vault is only read."""
    with Vault.open_existing(vault_dir, read_only=True) as vault:
        if vault.report_id(report.path) is None:
            raise InputError("this report has not been fetched into the vault (run `linkvault fetch`, then "
                             "`linkvault copies`)", path=report.path)
        urls = [url for note in report.footnotes for url in note.urls]
        links = [link for link in links_of(report, vault.verdicts(urls)) if link.url]
        over_time(links, vault.histories({link.url or "" for link in links if link.category == "dead"}, rules), rules)
        searches = vault.report_copy_searches(report.path)
        independent = _independent_captures(vault, urls)
    return [_robust_note(link, searches.get((link.label, link.url or "")), independent.get(link.url or ""), pack_url)
            for link in links]


def _robust_note(link: Link, search: CopySearch | None, independent: VersionLink | None,
                 pack_url: str | None) -> RobustNote:
    url = link.url or ""
    versions = []
    offered = search.offered if search else None
    if offered is not None:
        versions.append(VersionLink(offered.candidate.uri_m, date.fromisoformat(offered.candidate.memento_at[:10])))
    if independent is not None:
        versions.append(independent)
    if pack_url and link.category == "alive" and link.archived_at:
        stamp = "".join(c for c in link.archived_at[:19] if c.isdigit())
        page = f"{VIEWER}?source={quote(pack_url, safe='')}#view=replay&url={quote(url, safe='')}&ts={stamp}"
        versions.append(VersionLink(page, date.fromisoformat(link.archived_at[:10]), "evidence pack"))
    unique = list({v.uri: v for v in reversed(versions)}.values())[::-1]  # the first of a URI listed twice stays
    return RobustNote(link.number, link.label, link.line, url, unique, link.category, link.state, search)


def _independent_captures(vault: Vault, urls: list[str]) -> dict[str, VersionLink]:
    """Per cited URL, the newest Save Page Now capture of any of our captures of it; where none, the newest
    archive's capture a witness found to hold the same payload as ours."""
    captures = {c["id"]: c["url"] for c in vault.captures_of(urls) if (c.get("role") or "cited") == "cited"}
    found: dict[str, tuple[str, VersionLink]] = {}
    for capture_id, jobs in vault.spn_jobs_of(list(captures)).items():
        for job in jobs:
            day = _day_of(job.archive_timestamp, job.uri_m)
            if job.status == "success" and job.uri_m and day:
                _keep_newest(found, captures[capture_id], "1" + (job.archive_timestamp or day.isoformat()),
                             VersionLink(job.uri_m, day, "Save Page Now"))
    for capture_id, witnesses in vault.witnesses_of(list(captures)).items():
        for witness in witnesses:
            if witness.verdict in (SAME, SAME_DECODED) and witness.uri_m:
                _keep_newest(found, captures[capture_id], "0" + witness.archive_at,
                             VersionLink(witness.uri_m, date.fromisoformat(witness.archive_at[:10]), "witnessed"))
    return {url: version for url, (_, version) in found.items()}


def _keep_newest(found: dict[str, tuple[str, VersionLink]], url: str, rank: str, version: VersionLink) -> None:
    if url not in found or rank > found[url][0]:
        found[url] = (rank, version)


def _day_of(stamp: str | None, uri_m: str | None) -> date | None:
    """A Save Page Now capture's day: its 14-digit timestamp, else the one in its URI-M."""
    parts = memento_parts(uri_m) if uri_m and not stamp else None
    digits = stamp or (parts[1] if parts else "")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None

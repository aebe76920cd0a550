"""The vault's schema v8 (issue 14): the answers the world's web archives gave, the searches for each cited URL's
copies, the copies and their verdicts, Save Page Now jobs, witnesses and reference dates; a v7 vault upgraded in
place by the next fetch, and reading that never writes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from base64 import b32encode
from datetime import date
from pathlib import Path

import pytest
from fakeweb.server import Response

from linkvault.cli import cli
from linkvault.model import Candidate, Capture, CopySearch, CopyVerdict, Footnote, ReferenceDate, ServiceOutcome, SpnJob, Witness
from linkvault.model.copies import (
    ANSWERED,
    ENTRY_DATE,
    FOUND,
    NONE,
    NOT_FETCHED,
    OFFERED,
    PASSED_OVER,
    REPORT_DATE,
    SAME,
    UNREACHED,
    ServiceAnswer,
)
from linkvault.vault import METADATA, SCHEMA_VERSION, Vault
from linkvault.vault.copies import request_key

DEAD = "https://kaztag.kz/ru/news/x"
PAGE = "https://vlast.kz/novosti/60123-sud.html"
APRIL_4 = ReferenceDate(date(2024, 4, 4), ENTRY_DATE, 'entry: "April 4"')
V8_TABLES = {"archive_answers", "copy_searches", "archived_copies", "spn_jobs", "witnesses"}


def _copy(day: str, choice: str, rank: int, **verdict) -> CopyVerdict:
    """A copy of DEAD in the Internet Archive captured on April `day`, 2024, with every field filled."""
    stamp = f"202404{day}091233"
    return CopyVerdict(
        candidate=Candidate(url=DEAD, archive="web.archive.org", uri_m=f"https://web.archive.org/web/{stamp}/{DEAD}",
                            memento_at=f"2024-04-{day}T09:12:33Z", found_by="cdx", listed_status=200,
                            listed_mimetype="text/html", listed_digest="K3ZUOV2WI7CJPYWJUE2VEZAZVRZEKMRY",
                            raw_uri=f"https://web.archive.org/web/{stamp}id_/{DEAD}"),
        choice=choice, rank=rank, **verdict)


OFFERED_COPY = _copy("01", OFFERED, 0, state="ok", category="alive", detail="the page answered 200",
                     claim="supported", claim_reason="Adilbekov and the fine of 100 MCI found")
SOFT_404 = _copy("03", PASSED_OVER, 1, state="soft-404", category="dead", detail="the page says it is not found",
                 claim=None, reason="soft-404: the archived page says 'Страница не найдена'")
UNFETCHED = _copy("02", NOT_FETCHED, 2, reason="not fetched: a closer copy was valid")


@pytest.fixture
def vault(tmp_path):
    with Vault(str(tmp_path / "vault")) as opened:
        yield opened


def _files(directory: Path) -> dict[str, bytes]:
    """The vault's files but SQLite's own -shm and an empty -wal, which it makes to read a vault in WAL mode."""
    wal = directory / "linkvault.db-wal"
    assert not wal.exists() or not wal.stat().st_size
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


# -- a v7 vault, upgraded in place by a fetch --------------------------------------------------------------------

def _back_to_v7(vault: Path) -> None:
    """The vault as linkvault of schema 7 left it: none of version 8's tables, columns, indexes or view."""
    db = sqlite3.connect(vault / "linkvault.db")
    with db:
        db.execute("drop view footnote_copies")
        for table in V8_TABLES:
            db.execute(f"drop table {table}")
        db.execute("drop index idx_captures_payload_sha1")
        for table, columns in (("captures", ("payload_sha1", "payload_sha1_decoded", "memento_of", "memento_at",
                                             "archive")),
                               ("footnotes", ("reference_date", "reference_basis", "reference_detail"))):
            for column in columns:
                db.execute(f"alter table {table} drop column {column}")
        db.execute("pragma user_version = 7")
    db.close()
    (vault / METADATA).unlink()


def test_a_v7_vault_is_named_by_reading_and_upgraded_in_place_by_the_next_fetch(tmp_path, fakeweb, runner):
    page = "<html><head><title>Суд</title></head><body><p>Суд оштрафовал активиста.</p></body></html>".encode()
    fakeweb.route_url(PAGE, Response(200, [("Content-Type", "text/html; charset=utf-8")], page))
    fakeweb.route_url(DEAD, Response(404, [("Content-Type", "text/html; charset=utf-8")], b"<h1>404</h1>"))
    report = tmp_path / "r.txt"
    report.write_text(f"Суд оштрафовал[1].\n\n[1] {PAGE}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    args = ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path]
    assert runner.invoke(cli, args).exit_code == 0
    _back_to_v7(vault)
    before = _files(vault)

    shown = runner.invoke(cli, ["--vault", str(vault), "report", str(report)])
    assert shown.exit_code == 2 and f"(schema 7; this one reads {SCHEMA_VERSION})" in shown.output, shown.output
    assert _files(vault) == before  # reading upgraded nothing

    report.write_text(f"Суд оштрафовал[1], сайт удалил новость[2].\n\n[1] {PAGE}\n[2] {DEAD}\n", encoding="utf-8")
    assert runner.invoke(cli, args).exit_code == 1  # [2] is dead
    db = sqlite3.connect(vault / "linkvault.db")
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION >= 8  # upgraded to this version, which has version 8's tables
    names = {r[0] for r in db.execute("select name from sqlite_master where type in ('table', 'view')")}
    assert V8_TABLES | {"footnote_copies"} <= names
    captures = db.execute("select url, payload_sha1 from captures where role = 'cited' order by id").fetchall()
    db.close()
    # The capture made under v7 is kept as it was (no digest was computed then); the new one has its CDX digest.
    assert captures == [(PAGE, None), (DEAD, b32encode(hashlib.sha1(b"<h1>404</h1>").digest()).decode())]
    tables = json.loads((vault / METADATA).read_text(encoding="utf-8"))["databases"]["linkvault"]["tables"]
    assert V8_TABLES | {"footnote_copies"} <= set(tables)
    assert "payload_sha1" in tables["captures"]["columns"] and "reference_date" in tables["footnotes"]["columns"]
    assert runner.invoke(cli, ["--vault", str(vault), "report", str(report)]).exit_code == 1


# -- the answer cache --------------------------------------------------------------------------------------------

def test_the_canonical_request_sorts_the_query_and_leaves_credentials_out():
    a = request_key("get", "https://user:secret@web.archive.org/cdx/search/cdx?url=a.kz/x&output=json&limit=-5")
    b = request_key("GET", "https://web.archive.org/cdx/search/cdx?limit=-5&output=json&url=a.kz/x")
    assert a == b == "GET https://web.archive.org/cdx/search/cdx?limit=-5&output=json&url=a.kz%2Fx"
    assert "secret" not in a
    form = request_key("POST", "https://web.archive.org/save", [("url", DEAD), ("capture_all", "1")])
    assert form == request_key("POST", "https://web.archive.org/save", [("capture_all", "1"), ("url", DEAD)])
    assert form != request_key("POST", "https://web.archive.org/save", [("url", PAGE), ("capture_all", "1")])


def test_an_answer_is_cached_and_found_again_and_an_unreached_service_never_stands_over_it(vault):
    key = request_key("GET", f"https://web.archive.org/cdx/search/cdx?url={DEAD}&output=json")
    assert vault.cached_answer("ia-cdx", key) is None
    answer = ServiceAnswer("ia-cdx", key, ANSWERED, 200, "application/json", '[["urlkey"]]', asked_at="2026-11-30T01:00:00Z")
    vault.store_answer(answer)
    assert vault.cached_answer("ia-cdx", key) == answer
    assert vault.cached_answer("ia-availability", key) is None  # the cache is per service

    vault.store_answer(ServiceAnswer("ia-cdx", key, UNREACHED, detail="the proxy refused the connection"))
    assert vault.cached_answer("ia-cdx", key) == answer  # a refresh that failed keeps what was answered

    refreshed = ServiceAnswer("ia-cdx", key, ANSWERED, 200, "application/json", "[]", asked_at="2026-12-01T01:00:00Z")
    vault.store_answer(refreshed)
    assert vault.cached_answer("ia-cdx", key) == refreshed  # a refresh that was answered replaces it

    other = request_key("GET", "https://arquivo.pt/wayback/timemap/link/" + DEAD)
    vault.store_answer(ServiceAnswer("archive:arquivo.pt", other, UNREACHED, detail="timed out"))
    assert vault.cached_answer("archive:arquivo.pt", other) is None  # only an answer satisfies a lookup
    rows = vault.query("select service, outcome, detail from archive_answers order by id")
    assert rows[-1] == {"service": "archive:arquivo.pt", "outcome": UNREACHED, "detail": "timed out"}
    assert len(rows) == 2
    none = ServiceAnswer("archive:arquivo.pt", other, ANSWERED, 404, None, "")  # a TimeMap's 404: "none" is an answer
    vault.store_answer(none)
    assert vault.cached_answer("archive:arquivo.pt", other).http_status == 404


# -- copy searches -----------------------------------------------------------------------------------------------

def test_a_search_and_its_copies_round_trip_through_the_record_types(vault):
    search = CopySearch(DEAD, APRIL_4, [ServiceOutcome("ia-cdx", FOUND, 3),
                                        ServiceOutcome("archive:arquivo.pt", NONE, 0, "no mementos")],
                        [OFFERED_COPY, SOFT_404, UNFETCHED])
    vault.store_copy_search(search)
    assert vault.copy_search(DEAD, APRIL_4) == search
    assert vault.copy_search(DEAD, ReferenceDate(date(2024, 4, 5))) is None  # another day is another search
    assert vault.copy_search(PAGE, APRIL_4) is None

    undated = CopySearch(DEAD, ReferenceDate(None), [ServiceOutcome("ia-cdx", FOUND, 1)], [OFFERED_COPY])
    vault.store_copy_search(undated)
    vault.store_copy_search(undated)  # the same search again: one row each, not two
    assert vault.copy_searches([(DEAD, ReferenceDate(None)), (PAGE, APRIL_4), (DEAD, APRIL_4)]) == [undated, None, search]
    assert vault.query("select count(*) as n from archived_copies")[0]["n"] == 4


def test_an_unreached_service_never_replaces_what_it_said_before(vault):
    vault.store_copy_search(CopySearch(DEAD, APRIL_4, [ServiceOutcome("ia-cdx", FOUND, 3),
                                                       ServiceOutcome("archive:arquivo.pt", NONE)],
                                       [OFFERED_COPY, SOFT_404]))
    offline = CopySearch(DEAD, APRIL_4, [
        ServiceOutcome("ia-cdx", UNREACHED, detail="the Internet Archive could not be reached (no network)"),
        ServiceOutcome("archive:arquivo.pt", UNREACHED, detail="no network"),
        ServiceOutcome("archive:archive.ph", UNREACHED, detail="no network")])
    vault.store_copy_search(offline)
    kept = vault.copy_search(DEAD, APRIL_4)
    assert [(s.service, s.outcome) for s in kept.services] == [("ia-cdx", FOUND), ("archive:arquivo.pt", NONE),
                                                                ("archive:archive.ph", UNREACHED)]
    assert kept.copies == [OFFERED_COPY, SOFT_404]  # a search that reached nothing disproves no copy
    assert kept.offered == OFFERED_COPY

    vault.store_copy_search(CopySearch(DEAD, APRIL_4, [ServiceOutcome("archive:archive.ph", FOUND, 1)]))
    assert [s.outcome for s in vault.copy_search(DEAD, APRIL_4).services] == [FOUND, NONE, FOUND]
    vault.store_copy_search(CopySearch(DEAD, APRIL_4, [ServiceOutcome("ia-cdx", NONE)], []))
    after = vault.copy_search(DEAD, APRIL_4)
    assert after.services[0].outcome == NONE and after.copies == []  # an answered search is the truth now


def test_save_page_now_jobs_and_witnesses_round_trip(vault):
    pending = SpnJob("ac58789b", PAGE, None, "2026-11-30T01:50:00Z")
    vault.store_spn_job(pending)
    assert vault.pending_spn_jobs() == [pending] and vault.spn_job("ac58789b") == pending
    done = SpnJob("ac58789b", PAGE, None, "2026-11-30T01:50:00Z", "success", archive_timestamp="20261130015012",
                  original_url=PAGE, uri_m=f"https://web.archive.org/web/20261130015012/{PAGE}")
    vault.store_spn_job(done, polled_at="2026-11-30T01:51:00Z")
    assert vault.pending_spn_jobs() == [] and vault.spn_job("ac58789b") == done and vault.spn_job("nope") is None
    assert vault.query("select polled_at from spn_jobs")[0]["polled_at"] == "2026-11-30T01:51:00Z"

    vault.log_event("captured", "<urn:uuid:1>", collector=None)
    vault.add_url(PAGE)
    ours = vault.store_capture(Capture(url=PAGE, fetched_at="2026-11-30T01:49:00Z", status=200), role="cited")
    witness = Witness(ours, "web.archive.org", done.uri_m, "2026-11-30T01:50:12Z", "GFFZHNDWN2G72FXDQFWRDTDY43IM4PXR",
                      "GFFZHNDWN2G72FXDQFWRDTDY43IM4PXR", SAME,
                      "the Internet Archive's capture at 2026-11-30T01:50:12Z holds the same payload as ours")
    vault.add_witness(witness, custody_id=1)
    assert vault.witnesses_of([ours, ours + 1]) == {ours: [witness]}
    vault.store_spn_job(SpnJob("b1", PAGE, ours, "2026-11-30T02:00:00Z"))
    assert vault.spn_jobs_of([ours]) == {ours: [SpnJob("b1", PAGE, ours, "2026-11-30T02:00:00Z")]}


def test_reference_dates_are_kept_per_footnote_and_show_in_footnote_copies(vault, tmp_path):
    report = tmp_path / "r.txt"
    notes = [Footnote("1", 3, DEAD, (DEAD,), (1,)), Footnote("2", 4, PAGE, (PAGE,), (1,))]
    vault.add_report(str(report), "abc", "txt", notes)
    dates = {"1": APRIL_4, "2": ReferenceDate(date(2024, 4, 30), REPORT_DATE, "kz-chronicle-2024-04")}
    vault.set_reference_dates(str(report), dates)
    assert vault.reference_dates(str(report)) == dates
    vault.add_report(str(report), "abc", "txt", notes)  # fetch reads the same report again
    assert vault.reference_dates(str(report)) == dates
    vault.store_copy_search(CopySearch(DEAD, APRIL_4, [ServiceOutcome("ia-cdx", FOUND, 2)], [OFFERED_COPY, SOFT_404]))
    assert list(vault.report_copy_searches(str(report))) == [("1", DEAD)]
    rows = vault.query("select number, url, reference_date, reference_basis, uri_m, choice, reason from footnote_copies")
    assert [(r["number"], r["choice"]) for r in rows] == [(1, OFFERED), (1, PASSED_OVER)]
    assert rows[0]["reference_date"] == "2024-04-04" and rows[0]["reference_basis"] == ENTRY_DATE
    vault.add_report(str(report), "changed", "txt", notes)  # another text: its dates are read again
    assert vault.reference_dates(str(report)) == {}


def test_reading_the_copies_of_a_vault_opened_read_only_writes_nothing(tmp_path):
    directory = tmp_path / "vault"
    report = str(tmp_path / "r.txt")
    with Vault(str(directory)) as writer:
        writer.add_report(report, "abc", "txt", [Footnote("1", 3, DEAD, (DEAD,), (1,))])
        writer.set_reference_dates(report, {"1": APRIL_4})
        writer.store_copy_search(CopySearch(DEAD, APRIL_4, [ServiceOutcome("ia-cdx", FOUND, 1)], [OFFERED_COPY]))
        writer.store_answer(ServiceAnswer("ia-cdx", "GET x", ANSWERED, 200, None, "[]"))
        writer.store_spn_job(SpnJob("j", DEAD, None, "2026-11-30T01:50:00Z"))
    before = _files(directory)
    stamps = {name: os.stat(directory / name).st_mtime_ns for name in before}
    with Vault(str(directory), read_only=True) as reader:
        assert reader.copy_search(DEAD, APRIL_4).offered == OFFERED_COPY
        assert reader.cached_answer("ia-cdx", "GET x").body == "[]"
        assert reader.report_copy_searches(report)[("1", DEAD)].copies == [OFFERED_COPY]
        assert reader.reference_dates(report) == {"1": APRIL_4}
        assert [j.job_id for j in reader.pending_spn_jobs()] == ["j"] and reader.spn_jobs_of([1]) == {}
        assert reader.witnesses_of([1]) == {}
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.store_answer(ServiceAnswer("ia-cdx", "GET y", ANSWERED, 200, None, "[]"))
    assert _files(directory) == before
    assert {name: os.stat(directory / name).st_mtime_ns for name in before} == stamps


def test_a_memento_capture_names_the_page_it_copies_and_never_judges_the_cited_url(vault):
    candidate = OFFERED_COPY.candidate
    vault.add_url(DEAD)
    vault.add_url(candidate.raw_uri)
    dead = vault.store_capture(Capture(url=DEAD, fetched_at="2026-11-30T01:00:00Z", status=404), role="cited")
    memento = vault.store_capture(Capture(url=candidate.raw_uri, fetched_at="2026-11-30T01:01:00Z", status=200),
                                  role="memento", memento=candidate)
    row = vault.capture(memento)
    assert (row["role"], row["memento_of"], row["memento_at"], row["archive"]) == (
        "memento", DEAD, "2024-04-01T09:12:33Z", "web.archive.org")
    assert vault.verdict_capture(DEAD)["id"] == dead
    fetched = CopyVerdict(**{**vars(OFFERED_COPY), "capture_id": memento})
    vault.store_copy_search(CopySearch(DEAD, APRIL_4, [ServiceOutcome("ia-cdx", FOUND, 1)], [fetched]))
    assert vault.copy_search(DEAD, APRIL_4).offered.capture_id == memento

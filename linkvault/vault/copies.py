"""Every question asked of version 8's tables, as methods a `Vault` has (`CopiesQueries` is one of its bases).

The rules they keep, in one place:
- an answer cached is an answer given: only `answered` rows satisfy a lookup, and a service that could not be
  reached never stands over an answer it gave before (a refresh that fails keeps the old answer);
- a search's `unreached` never replaces an earlier `found` or `none` for the same service: our side's trouble
  (no network, a proxy down) says nothing about what an archive holds;
- a search that found no copy because a service could not be reached leaves the copies found before in place;
- reading writes nothing (the read methods only select, so they work on a vault opened read-only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlite_utils

from linkvault.model import CopySearch, ReferenceDate, SpnJob, Witness
from linkvault.model.copies import ANSWERED, FOUND, NONE, UNREACHED, ServiceAnswer
from linkvault.parsing import report_key
from linkvault.vault import copy_rows
from linkvault.vault.schema import insert_row


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def request_key(method: str, url: str, form: Sequence[tuple[str, str]] | str | None = None) -> str:
    """The canonical request an answer is cached under: the method, the URL without credentials and with its
    query sorted, and the form body (pairs sorted; a text body, as the availability API's batches, kept as sent)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    key = f"{method.upper()} {urlunsplit((parts.scheme, netloc, parts.path, query, ''))}"
    if form:
        key += "\n" + (form if isinstance(form, str) else urlencode(sorted(form)))
    return key


class CopiesQueries:
    """The archive answers, copy searches, archived copies, Save Page Now jobs, witnesses and reference dates."""

    db: sqlite_utils.Database

    def _rows(self, sql: str, params: Sequence | None = None) -> list[dict]:
        cursor = self.db.conn.execute(sql, list(params or []))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values)) for values in cursor.fetchall()]

    # -- the answer cache -------------------------------------------------------------------------

    def store_answer(self, answer: ServiceAnswer) -> None:
        """Cache what a service said. An answer replaces the one before it; an `unreached` is kept only where no
        answer is, so a later failure never loses what the service said."""
        row = copy_rows.answer_row(answer, _now())
        with self.db.conn:
            earlier = self.db.conn.execute("select outcome from archive_answers where service = ? and request = ?",
                                           [answer.service, answer.request]).fetchone()
            if earlier and earlier[0] == ANSWERED and answer.outcome != ANSWERED:
                return
            self.db.conn.execute("delete from archive_answers where service = ? and request = ?",
                                 [answer.service, answer.request])
            insert_row(self.db.conn, "archive_answers", row)

    def cached_answer(self, service: str, request: str) -> ServiceAnswer | None:
        """The answer `service` gave to `request` (None: never asked, or it could not be reached)."""
        found = self._rows("select * from archive_answers where service = ? and request = ? and outcome = ?",
                           [service, request, ANSWERED])
        return copy_rows.answer_of(found[0]) if found else None

    # -- copy searches and the copies they found -----------------------------------------------------

    def store_copy_search(self, search: CopySearch) -> None:
        """Record one URL's search at its reference date: each service's outcome (an `unreached` never replacing
        an earlier `found` or `none`) and the copies, which replace the ones found before unless this search
        offers none because a service could not be reached."""
        day, now = copy_rows.day_of(search.reference), _now()
        with self.db.conn:
            for outcome in search.services:
                self._store_outcome(copy_rows.outcome_row(search.url, day, outcome, now))
            where = "url = ? and ifnull(reference_date, '') = ?"
            if search.unreached and search.offered is None:  # it disproves nothing: what it did not see stays
                for verdict in search.copies:
                    self.db.conn.execute(f"delete from archived_copies where {where} and uri_m = ?",
                                         [search.url, day or "", verdict.candidate.uri_m])
            else:
                self.db.conn.execute(f"delete from archived_copies where {where}", [search.url, day or ""])
            for verdict in search.copies:
                insert_row(self.db.conn, "archived_copies", copy_rows.copy_row(verdict, day, now))

    def _store_outcome(self, row: dict) -> None:
        key = [row["url"], row["reference_date"] or "", row["service"]]
        where = "url = ? and ifnull(reference_date, '') = ? and service = ?"
        earlier = self.db.conn.execute(f"select outcome from copy_searches where {where}", key).fetchone()
        if earlier and earlier[0] in (FOUND, NONE) and row["outcome"] == UNREACHED:
            return
        self.db.conn.execute(f"delete from copy_searches where {where}", key)
        insert_row(self.db.conn, "copy_searches", row)

    def copy_search(self, url: str, reference: ReferenceDate) -> CopySearch | None:
        """What the vault knows of `url`'s copies at `reference` (None: never searched)."""
        return self.copy_searches([(url, reference)])[0]

    def copy_searches(self, wanted: Sequence[tuple[str, ReferenceDate]]) -> list[CopySearch | None]:
        """`copy_search` of many (URL, reference date) pairs in two queries, in the order asked."""
        keys = json.dumps([[url, copy_rows.day_of(ref) or ""] for url, ref in wanted])
        pairs = ("join (select json_extract(value, '$[0]') as u, json_extract(value, '$[1]') as d from json_each(?)) k "
                 "on t.url = k.u and ifnull(t.reference_date, '') = k.d")
        outcomes: dict[tuple[str, str], list[dict]] = {}
        for row in self._rows(f"select distinct t.* from copy_searches t {pairs} order by t.rowid", [keys]):
            outcomes.setdefault((row["url"], row["reference_date"] or ""), []).append(row)
        copies: dict[tuple[str, str], list[dict]] = {}
        for row in self._rows(f"select distinct t.* from archived_copies t {pairs} order by t.rank, t.id", [keys]):
            copies.setdefault((row["url"], row["reference_date"] or ""), []).append(row)
        found: list[CopySearch | None] = []
        for url, reference in wanted:
            key = (url, copy_rows.day_of(reference) or "")
            if key not in outcomes and key not in copies:
                found.append(None)
                continue
            found.append(CopySearch(url, reference, [copy_rows.outcome_of(r) for r in outcomes.get(key, [])],
                                    [copy_rows.verdict_of(r) for r in copies.get(key, [])]))
        return found

    def report_copy_searches(self, path: str) -> dict[tuple[str, str], CopySearch]:
        """The copy search of each footnote URL of the report at `path`, at the footnote's reference date, by
        (label, URL): what `report`, `show` and robustify read. Footnotes never searched are left out."""
        notes = self._rows("select label, url, reference_date, reference_basis, reference_detail from footnotes "
                           "where report_id = (select id from reports where path = ?) and url is not null order by rowid",
                           [report_key(path)])
        wanted = [(n["url"], copy_rows.reference_of(n["reference_date"], n["reference_basis"], n["reference_detail"]))
                  for n in notes]
        return {(n["label"], n["url"]): search for n, search in zip(notes, self.copy_searches(wanted)) if search}

    def memento_captures(self, capture_ids: Sequence[int]) -> dict[int, dict]:
        """The captures of fetched copies (role memento), by id: the URI fetched, when, and where its response
        record lies (what a pack carries of a copy)."""
        return {r["id"]: r for r in self._rows(
            "select id, url, final_url, fetched_at, record_id, warc_file, warc_offset, payload_digest from captures "
            "where role = 'memento' and id in (select value from json_each(?)) order by id",
            [json.dumps(list(capture_ids))])}

    # -- Save Page Now jobs and witnesses ------------------------------------------------------------

    def store_spn_job(self, job: SpnJob, *, polled_at: str | None = None) -> None:
        """Record a job as submitted, or as its last poll left it (one row per job id)."""
        with self.db.conn:
            self.db.conn.execute("delete from spn_jobs where job_id = ?", [job.job_id])
            insert_row(self.db.conn, "spn_jobs", copy_rows.spn_row(job, polled_at))

    def spn_job(self, job_id: str) -> SpnJob | None:
        found = self._rows("select * from spn_jobs where job_id = ?", [job_id])
        return copy_rows.spn_of(found[0]) if found else None

    def pending_spn_jobs(self) -> list[SpnJob]:
        """Jobs a run left unfinished, oldest first: the next run polls them."""
        return [copy_rows.spn_of(r) for r in self._rows("select * from spn_jobs where status = 'pending' "
                                                   "order by submitted_at, job_id")]

    def spn_jobs_of(self, capture_ids: Sequence[int]) -> dict[int, list[SpnJob]]:
        jobs: dict[int, list[SpnJob]] = {}
        for row in self._rows("select * from spn_jobs where capture_id in (select value from json_each(?)) "
                              "order by submitted_at, job_id", [json.dumps(list(capture_ids))]):
            jobs.setdefault(row["capture_id"], []).append(copy_rows.spn_of(row))
        return jobs

    def add_witness(self, witness: Witness, *, custody_id: int | None = None) -> int:
        """Record one comparison of an archive's capture with ours (each comparison a row of its own)."""
        with self.db.conn:
            return insert_row(self.db.conn, "witnesses", copy_rows.witness_row(witness, _now(), custody_id))

    def witnesses_of(self, capture_ids: Sequence[int]) -> dict[int, list[Witness]]:
        """Every comparison made for each of our captures, oldest first."""
        found: dict[int, list[Witness]] = {}
        for row in self._rows("select * from witnesses where capture_id in (select value from json_each(?)) order by id",
                              [json.dumps(list(capture_ids))]):
            found.setdefault(row["capture_id"], []).append(copy_rows.witness_of(row))
        return found

    # -- reference dates -----------------------------------------------------------------------------

    def set_reference_dates(self, path: str, dates: Mapping[str, ReferenceDate]) -> None:
        """Record each footnote's reference date (by label) of the report at `path`, as fetched into the vault."""
        with self.db.conn:
            for label, ref in dates.items():
                self.db.conn.execute(
                    "update footnotes set reference_date = ?, reference_basis = ?, reference_detail = ? "
                    "where label = ? and report_id = (select id from reports where path = ?)",
                    [copy_rows.day_of(ref), ref.basis, ref.detail, label, report_key(path)])

    def reference_dates(self, path: str) -> dict[str, ReferenceDate]:
        """The reference dates recorded for the report at `path`, by footnote label (footnotes without one left out)."""
        return {r["label"]: copy_rows.reference_of(r["reference_date"], r["reference_basis"], r["reference_detail"])
                for r in self._rows("select label, reference_date, reference_basis, reference_detail from footnotes "
                                    "where report_id = (select id from reports where path = ?) and (reference_date "
                                    "is not null or reference_basis is not null) order by rowid", [report_key(path)])}

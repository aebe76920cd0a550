"""The `drifts` table's queries (its schema, version 12, is in `drifts_schema`): the rows a re-check's drifts are
stored in and read from, and the two captures a drift compares. Apart from `drifts`, which judges them, so that
opening a vault loads no claim matching (rapidfuzz, the claims' date and fact readers)."""

from __future__ import annotations

import json
import sqlite3

import sqlite_utils

from linkvault.model.drift import Drift
from linkvault.parsing import report_key
from linkvault.vault.schema import insert_row

SEEN_ELSEWHERE = "geo-blocked"  # restricted here, but the capture is the page as another vantage point saw it
_READ = ("select c.id, c.url, c.fetched_at, c.status, c.error, c.category, c.state, t.title, t.text, t.published "
         "from captures c left join texts t on t.capture_id = c.id ")


class DriftQueries:
    """The `drifts` rows, and the two captures a drift compares."""

    db: sqlite_utils.Database
    read_only: bool

    def store_drift(self, report_id: int, drift: Drift, judged_at: str) -> None:
        """Record `drift` for the report, replacing the row judged before for the same footnote, URL and capture."""
        row = {"report_id": report_id, "label": drift.label, "line": drift.line, "url": drift.url, "capture_id": drift.capture,
               "first_capture_id": drift.first_capture, "state": drift.state, "detail": drift.detail,
               "similarity": drift.similarity, "words_then": drift.words_then, "words_now": drift.words_now,
               "passage_then": drift.passage_then, "passage_now": drift.passage_now,
               "facts_lost": json.dumps(list(drift.facts_lost), ensure_ascii=False), "judged_at": judged_at}
        with self.db.conn:
            self.db.conn.execute("delete from drifts where report_id = ? and label = ? and url = ? and capture_id = ?",
                                 [report_id, drift.label, drift.url, drift.capture])
            insert_row(self.db.conn, "drifts", row)

    def drifts_of(self, report: str) -> list[Drift]:
        """Every drift stored for a report, by footnote and then capture, oldest first."""
        cursor = self.db.conn.execute(
            "select d.*, c1.fetched_at as first_at, c2.fetched_at as now_at from drifts d "
            "join reports r on r.id = d.report_id "
            "left join footnotes f on f.report_id = d.report_id and f.label = d.label and f.url = d.url "
            "join captures c1 on c1.id = d.first_capture_id join captures c2 on c2.id = d.capture_id "
            "where r.path = ? order by f.number is null, f.number, d.label, d.capture_id", [report_key(report)])
        return [_drift_of(row) for row in _dicts(cursor)]

    def latest_drifts(self, report: str) -> dict[tuple[str, str], Drift]:
        """Each footnote URL's drift at its newest capture judged: (label, URL) → Drift."""
        return {(d.label, d.url): d for d in self.drifts_of(report)}

    def drift_pair(self, url: str, capture_id: int) -> tuple[dict, dict] | None:
        """(first, later): the oldest capture of `url` before `capture_id` that read the page (cited, alive or
        geo-blocked: alive from another vantage point, with text), and `capture_id` itself, each with its text; None
        when either is missing."""
        later = _dicts(self.db.conn.execute(_READ + "where c.id = ? and c.url = ?", [capture_id, url]))
        first = _dicts(self.db.conn.execute(
            _READ + "where c.url = ? and c.id < ? and coalesce(c.role, 'cited') = 'cited' "
            "and (c.category = 'alive' or c.state = ?) and t.capture_id is not null order by c.id limit 1",
            [url, capture_id, SEEN_ELSEWHERE]))
        return (first[0], later[0]) if first and later else None

    def recaptured(self, urls: list[str]) -> set[str]:
        """Those of `urls` captured more than once (their own captures): the ones a drift can be judged for."""
        return {r[0] for r in self.db.conn.execute(
            "select url from captures where url in (select value from json_each(?)) and coalesce(role, 'cited') = 'cited' "
            "group by url having count(*) > 1", [json.dumps(list(urls))])}

    def capture_ids_of(self, url: str) -> list[int]:
        """The ids of a cited URL's own captures (no companions, probes or mementos), oldest first."""
        return [r[0] for r in self.db.conn.execute(
            "select id from captures where url = ? and coalesce(role, 'cited') = 'cited' order by id", [url])]


def _drift_of(row: dict) -> Drift:
    return Drift(row["state"], row["detail"], row["similarity"], row["words_then"], row["words_now"],
                 row["passage_then"] or "", row["passage_now"] or "",
                 tuple(json.loads(row["facts_lost"] or "[]")), row["label"], row["url"], row["line"],
                 row["first_capture_id"], row["capture_id"], row["first_at"], row["now_at"])


def _dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]

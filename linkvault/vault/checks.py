"""A link's checks as the vault keeps them, as methods a `Vault` has (`CheckQueries` is one of its bases).

Each capture of a cited URL (role `cited`) is one check of the link: `recheck` adds them as any `fetch` does, so the
history needs no table of its own; a check failed on our own side is a capture too, with its error saying so.
Reading writes nothing: these work on a vault opened read-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from linkvault.history import checks_of, history_of, moment
from linkvault.model import Capture, HistoryRules, HistoryVerdict
from linkvault.vault.capture_rows import capture_of
from linkvault.vault.schema import verdict_capture_id


class CheckQueries:
    db: sqlite_utils.Database

    def checks_of(self, urls: Iterable[str]) -> dict[str, list[Capture]]:
        """Every check of each cited URL (its captures in role `cited`), oldest first, in one query however many:
        the URLs go in as one JSON array."""
        found: dict[str, list[Capture]] = {}
        rows = self.db.query(
            "select c.* from (select distinct value as cited from json_each(?)) u "
            "join captures c on c.url = u.cited and coalesce(c.role, 'cited') = 'cited' order by c.url, c.fetched_at, c.id",
            [json.dumps(list(urls))])
        for row in rows:
            found.setdefault(row["url"], []).append(capture_of(row))
        return found

    def histories(self, urls: Iterable[str], rules: HistoryRules | None = None) -> dict[str, HistoryVerdict]:
        """Each cited URL's checks read together under `rules` (linkvault/history.py); a URL never checked is absent."""
        return {url: history_of(checks_of(captures), rules) for url, captures in self.checks_of(urls).items()}

    def payload_files(self, capture_ids: Iterable[int]) -> set[str]:
        """The WARC files holding the payloads these captures revisit: a re-check of an unchanged page is a revisit
        record, its payload in the first capture's record, often an earlier run's file, which a pack must carry."""
        rows = self.db.query(
            "select (select o.warc_file from captures o where o.payload_digest = c.payload_digest "
            "and o.revisit_of is null and o.warc_file is not null order by o.fetched_at, o.id limit 1) as file "
            "from captures c where c.id in (select value from json_each(?)) and c.revisit_of is not null",
            [json.dumps(list(capture_ids))])
        return {row["file"] for row in rows if row["file"]}

    def last_shown(self, urls: Iterable[str]) -> dict[str, Capture]:
        """Each cited URL's newest capture that showed the page, with its title, where that is not the capture the
        link is judged by (a source archived alive and found failing since): the evidence a later check must not
        take away. Showing the page: in the WARC, reached the source and read alive, or geo-blocked (the page as
        another vantage point read it, its text with it, as a drift's first capture is chosen). A login wall,
        paywall or bot check shows the wall, not the page; a 404, a timeout or a failure on our own side shows
        nothing of it. A URL that never showed its page, or whose verdict capture shows it, is absent."""
        rows = self.db.query(
            "select c.*, t.title from (select distinct value as cited from json_each(?)) u "
            "join captures c on c.id = (select s.id from captures s where s.url = u.cited "
            "and coalesce(s.role, 'cited') = 'cited' and s.warc_file is not null and s.record_id is not null "
            "and (s.category = 'alive' or s.state = 'geo-blocked') order by s.fetched_at desc, s.id desc limit 1) "
            f"left join texts t on t.capture_id = c.id where c.id != {verdict_capture_id('u.cited')}",
            [json.dumps(list(urls))])
        return {row["url"]: capture_of(row) for row in rows}

    def report_paths(self) -> list[str]:
        """Every report fetched into this vault, by the path (or `<…>` name) it is kept under."""
        return [row["path"] for row in self.db.query("select path from reports order by path")]

    def last_run_start(self) -> datetime | None:
        """When the newest check run began (`changes --since last` compares against the links just before it): the
        newest `recheck` custody event's `as_of` (the run's own clock); a vault never re-checked, its newest check's
        time (so its one fetch is a baseline, never a change); None for a vault with no check at all."""
        row = self.db.execute("select max(json_extract(details, '$.as_of')) from custody where event = 'recheck'").fetchone()
        if row and row[0]:
            return datetime.fromisoformat(row[0])
        row = self.db.execute("select max(fetched_at) from captures where coalesce(role, 'cited') = 'cited'").fetchone()
        return moment(row[0]) if row and row[0] else None

    def latest_titles(self, urls: Iterable[str]) -> dict[str, str]:
        """Each cited URL's page title as its newest capture with a title read it (a page's own words: untrusted)."""
        rows = self.db.execute(
            "select c.url, t.title from (select distinct value as cited from json_each(?)) u "
            "join captures c on c.url = u.cited and coalesce(c.role, 'cited') = 'cited' "
            "join texts t on t.capture_id = c.id where coalesce(t.title, '') != '' order by c.fetched_at, c.id",
            [json.dumps(list(urls))]).fetchall()
        return {url: title for url, title in rows}

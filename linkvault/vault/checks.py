"""A link's checks as the vault keeps them, as methods a `Vault` has (`CheckQueries` is one of its bases).

Each capture of a cited URL (role `cited`) is one check of the link: `recheck` adds them as any `fetch` does, so the
history needs no table of its own; a check failed on our own side is a capture too, with its error saying so.
Reading writes nothing: these work on a vault opened read-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from linkvault.history import checks_of, history_of
from linkvault.model import Capture, HistoryRules, HistoryVerdict
from linkvault.vault.capture_rows import capture_of


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

    def report_paths(self) -> list[str]:
        """Every report fetched into this vault, by the path (or `<…>` name) it is kept under."""
        return [row["path"] for row in self.db.query("select path from reports order by path")]

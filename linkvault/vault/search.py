"""The vault's full-text search, as methods a `Vault` has (`SearchQueries` is one of its bases): the words the
index holds and the footnotes whose source's newest text matches. Reading writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from linkvault.parsing import report_key


class SearchQueries:
    db: sqlite_utils.Database

    query: Callable[..., list[dict]]  # Vault's: SQL errors made one-line errors

    def index_terms(self) -> list[str]:
        """Every word in the full-text index: its vocabulary, read through SQLite's fts5vocab as a temporary
        table (the connection's own, so the vault is not written)."""
        self.db.execute("create virtual table if not exists temp.texts_terms using fts5vocab(main, texts_fts, row)")
        return [row["term"] for row in self.query("select term from temp.texts_terms")]

    def text_hits(self, match: str, report: str | None = None, limit: int = 50) -> list[dict]:
        """The footnotes (of `report` alone, when given) whose source's newest text matches the FTS5 query
        `match`, best first: report, label, number, url, title and a snippet with the matched words in [ ]."""
        params: list = [match]
        where = ""
        if report is not None:
            where = "and r.path = ?"
            params.append(report_key(report))
        return self.query(f"""
            select r.path as report, f.label, f.number, f.url, t.title,
                   snippet(texts_fts, 1, '[', ']', '…', 16) as snippet
            from texts_fts
            join texts t on t.rowid = texts_fts.rowid
            join captures c on c.id = t.capture_id
            join footnotes f on f.url = c.url
            join reports r on r.id = f.report_id
            where texts_fts match ?
              and c.id = (select max(c2.id) from captures c2 join texts t2 on t2.capture_id = c2.id where c2.url = c.url)
              {where}
            order by rank, r.path, f.number
            limit ?""", [*params, limit])

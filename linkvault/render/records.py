"""The one JSON vocabulary of `check`, `fetch`, `report` and `verify` (linkvault/schema/output.schema.json).

Every output is a report object (`report`, `format`, `summary`, `findings`, `footnotes`; `fetch` prints one per
report under `reports`), and every item of `footnotes` is one footnote and one of its URLs, with the same
field names whichever command wrote it. A footnote with no source is an item too, of category `missing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from linkvault.model import MISSING, Account, Capture, CheckResult, Finding, Footnote

SCHEMA = "output.schema.json"


def schema_text() -> str:
    """The JSON Schema every JSON output follows, as shipped in the package."""
    return files("linkvault").joinpath("schema").joinpath(SCHEMA).read_text(encoding="utf-8")


def footnote_record(*, number: int | str, label: str, line: int | None, url: str | None, category: str | None,
                    state: str | None, detail: str | None, http_status: int | None = None, final_url: str | None = None,
                    title: str | None = None, archived_at: str | None = None, warc_file: str | None = None,
                    warc_offset: int | None = None, **extra: Any) -> dict:
    """One footnote and URL, in the shared field order; `extra` adds the command's own fields after them."""
    return {
        "number": number, "label": label, "line": line, "url": url, "host": _host(url), "category": category,
        "state": state, "detail": detail, "http_status": http_status, "final_url": final_url, "title": title,
        "archived_at": archived_at, "warc": {"file": warc_file, "offset": warc_offset} if warc_file else None,
        **extra,
    }


def account_field(account: Account | None) -> dict:
    """The `account` field of a footnote item captured logged in (none for an anonymous capture: the item is as it was)."""
    return {"account": {"label": account.label, "cookie_names": list(account.cookie_names)}} if account else {}


def vantage_field(vantage: str | None) -> dict:
    """The `vantage` field of a footnote item whose capture names its vantage point (fetch --vantage; none else)."""
    return {"vantage": vantage} if vantage else {}


def shown_field(shown: Capture | None) -> dict:
    """The `last_shown` field of a footnote item whose source was archived showing the page before its newest check
    (a source found failing since): that capture, its time, WARC record and title (none else)."""
    if shown is None:
        return {}
    record = shown.record
    return {"last_shown": {"capture_id": shown.id, "archived_at": shown.fetched_at, "title": shown.title,
                           "warc": {"file": record.file, "offset": record.offset} if record else None}}


def account_words(account: Account) -> str:
    """The account in one sentence a person reads beside the capture: names, never values."""
    cookies = f" (cookies {', '.join(account.cookie_names)})" if account.cookie_names else ""
    return f"captured logged in as {account.label}{cookies}: it shows what that account could see"


def account_all(account: Account) -> str:
    """Under a table whose every source was reached as one account: that account, once."""
    return f"All sources captured logged in as {account.label}: they show what that account could see."


def account_short(account: Account) -> str:
    """The account in a few words, for a table's narrow cell."""
    return f"logged in as {account.label}"


def gap_record(note: Footnote, **extra: Any) -> dict:
    """A footnote cited with no source: no entry, an empty entry, or an entry without a URL."""
    state, detail = note.gap()
    return footnote_record(number=note.number, label=note.label, line=note.line or (note.cited_at or (None,))[0],
                           url=None, category=MISSING, state=state, detail=detail, **extra)


def report_object(check: CheckResult, summary: dict, findings: Iterable[Finding], footnotes: list[dict]) -> dict:
    return {
        "report": check.report.path,
        "format": check.report.format,
        "summary": summary,
        "findings": [f.as_dict() for f in findings],
        "footnotes": footnotes,
    }


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None

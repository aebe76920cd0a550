"""Keeping a session's secrets out of the evidence: what a request carried to log in is not what the page said.

A WARC request record stores the headers as sent, so a pack handed to a court or a partner would hand over the
researcher's logged-in session with it. The values of `Cookie`, `Authorization` and `Proxy-Authorization` are
replaced by one fixed marker before the record is written (the header stays, so the record still says a cookie
went with the request, and the record's digests are of what is stored), and a `WARC-Redacted-Headers` field names
what was replaced. A response's `Set-Cookie` is what the server said and is kept, unless the run asks otherwise.
"""

from __future__ import annotations

REDACTED = "[redacted by linkvault]"  # the one marker every withheld value is replaced by
SECRET_REQUEST_HEADERS = ("cookie", "authorization", "proxy-authorization")
REDACTED_FIELD = "WARC-Redacted-Headers"  # names the HTTP headers whose values the record withholds


def redacted(headers: list[tuple[str, str]], names: tuple[str, ...]) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """`headers` with the values of those named (case-insensitively) replaced by REDACTED, and the names replaced
    as they were spelled, each once."""
    kept, withheld = [], []
    for key, value in headers:
        if key.lower() in names:
            kept.append((key, REDACTED))
            withheld.append(key)
        else:
            kept.append((key, value))
    return kept, tuple(dict.fromkeys(withheld))


def request_redacted(headers: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    return redacted(headers, SECRET_REQUEST_HEADERS)


def response_redacted(headers: list[tuple[str, str]], set_cookie: bool) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """The response's headers as recorded: every value kept as received, Set-Cookie's withheld when `set_cookie`."""
    return redacted(headers, ("set-cookie",)) if set_cookie else (headers, ())


def redaction_note(headers: list[tuple[str, str]]) -> dict[str, str]:
    """The WARC header naming the HTTP headers a record withholds, read off the marker itself (none when it
    withholds nothing: the record is as it was)."""
    names = tuple(dict.fromkeys(key for key, value in headers if value == REDACTED))
    return {REDACTED_FIELD: ", ".join(names)} if names else {}


def redaction_record(request: tuple[str, ...], response: tuple[str, ...]) -> dict:
    """What the provenance says was withheld from the exchange's records, and by which marker."""
    return {"request_headers": list(request), "response_headers": list(response), "marker": REDACTED,
            "why": "the values of a logged-in session's credentials are kept out of the evidence"}

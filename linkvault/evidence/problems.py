"""How an audit's problems are worded: their kinds, a count, an exception cut short, JSON that may be damaged."""

from __future__ import annotations

ALTERED, MISSING, UNCOVERED = "altered", "missing", "uncovered"  # not what was sealed; deleted; no timestamp, unexplained


def counted(count: int, thing: str) -> str:
    return f"{count} {thing}" + ("" if count == 1 else "s")


def brief(exc: Exception) -> str:
    """An exception as a finding names it: warcio quotes the line it could not parse, which may be 64 KiB."""
    text = f"{exc.__class__.__name__}: {exc}"
    return text if len(text) <= 200 else text[:200] + "…"


def json_object(text) -> dict:
    import json

    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}

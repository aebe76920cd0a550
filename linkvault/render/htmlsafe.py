"""Escaping for every HTML file linkvault writes: what comes from fetched pages and reports is hostile text."""

from __future__ import annotations

from html import escape as _escape
from urllib.parse import urlsplit


def esc(value: object) -> str:
    return _escape("" if value is None else str(value), quote=True)


def web_link(url: str | None, text: str | None = None) -> str:
    """A link only for http(s) URLs, reading `text` (else the URL); anything else (javascript:, file:, data:)
    stays plain text."""
    if not url:
        return ""
    try:
        web = urlsplit(url).scheme.lower() in ("http", "https")
    except ValueError:
        web = False
    if not web:
        return f'<span class="small">{esc(url)}</span>'
    return f'<a href="{esc(url)}" rel="noopener noreferrer" target="_blank">{esc(url if text is None else text)}</a>'


def page_head(title: str, *, csp: str, css: str) -> str:
    """A self-contained page's start: our own CSP and CSS as given, no referrer, the title escaped."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<title>{esc(title)}</title>
<style>{css}</style></head>
"""

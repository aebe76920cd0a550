"""Turning results into what people and programs read: table, JSON, CSV, Markdown.

Renderers return strings; only the shell, `linkvault/cli/`, writes them out.
"""

from __future__ import annotations

from linkvault.render.check import render_check

FORMATS = ("table", "json", "csv", "markdown")

__all__ = ["FORMATS", "render_check"]

"""robustify's writers: a report written back with each footnote's archived versions beside its source, in the
report's own format, every other byte as it was; `check` reads the result as it read the original.

Per format: `robustify_text` (`[N] URL (archived 2024-04-05: URI-M; …)`), `robustify_markdown` (the Robust Links
element inline, or the plain group), `robustify_html` (data-originalurl, data-versiondate, data-versionurl on each
link to the source) and `robustify_docx` (the group inside the Word note, each version a real hyperlink).
"""

from __future__ import annotations

import os

from linkvault.errors import InputError
from linkvault.parsing import read_report_file, sniff_format
from linkvault.render.robust.docx import robustify_docx
from linkvault.render.robust.html import robustify_html
from linkvault.render.robust.md import robustify_markdown
from linkvault.render.robust.txt import robustify_text
from linkvault.render.robust.versions import Versions, safe_uri

__all__ = ["Versions", "robustify_bytes", "robustify_docx", "robustify_html", "robustify_markdown", "robustify_text",
           "safe_uri"]


def robustify_bytes(report: str | os.PathLike[str] | bytes, fmt: str | None, versions: Versions, *,
                    plain: bool = False) -> bytes:
    """The report (a file's path, or its bytes) robustified in its format (`txt`, `md`, `html`, `docx`; None: guessed
    from the name and content as `check` guesses it). `versions` maps each cited URL, as the report cites it, to its
    versions, best first; `plain` writes Markdown's versions as plain text. A URI that is no absolute http(s) address
    raises ValueError before anything is written."""
    if isinstance(report, bytes):
        data, name = report, ""
    else:
        name = os.fspath(report)
        data = read_report_file(name)
    fmt = fmt or sniff_format(name, data)
    where = name or "<report>"
    if fmt == "txt":
        return robustify_text(data, versions)
    if fmt == "md":
        return robustify_markdown(data, versions, plain=plain)
    if fmt == "html":
        return robustify_html(data, versions)
    if fmt == "docx":
        return robustify_docx(data, versions)
    if fmt == "urls":
        raise InputError("a list of URLs has no footnotes to write archived copies into", path=where)
    raise InputError(f"unknown input format '{fmt}' (choose from txt, md, html, docx)", path=where)

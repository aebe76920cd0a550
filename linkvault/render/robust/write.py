"""robustify's writing: a report written back whole, in its own format, with each footnote's archived versions;
never over an existing file or the report itself unless forced, never half-written."""

from __future__ import annotations

import os

from linkvault.errors import InputError, UsageError
from linkvault.lookup import robust_notes
from linkvault.model import HistoryRules, RobustifyResult
from linkvault.parsing import STDIN, is_url_argument, parse_report
from linkvault.render.robust import robustify_bytes, safe_uri


def write_robust(source: str, target: str, vault: str, *, plain: bool = False, pack_url: str | None = None,
                 input_format: str | None = None, force: bool = False,
                 rules: HistoryRules | None = None) -> RobustifyResult:
    """`source` written to `target` with its footnotes' versions (see `linkvault.robustify`)."""
    _may_write(source, target, force)
    if pack_url is not None and not _writable(pack_url):
        raise UsageError(f"--pack-url {pack_url!r} is not an absolute http(s) address")
    parsed = parse_report(source, input_format)
    if plain and parsed.format in ("html", "docx"):
        raise UsageError(f"plain versions are written into Markdown (a text report is plain already), not {parsed.format}")
    notes = robust_notes(vault, parsed, pack_url, rules)
    versions: dict[str, list] = {}
    for note in notes:  # a URL cited twice gets the versions of its first footnote that has any
        writable = [v for v in note.versions if _writable(v.uri)]
        if writable and note.url not in versions:
            versions[note.url] = writable
    data = robustify_bytes(source, parsed.format, versions, plain=plain)
    _write_whole(target, data)
    return RobustifyResult(report=source, output=target, format=parsed.format, notes=notes)


def _may_write(source: str, target: str, force: bool) -> None:
    """Refuse a report that is no file, and, without `force`, an output that exists or is the report itself."""
    if source == STDIN or is_url_argument(source):
        raise InputError("robustify writes a report file back, so it needs the file itself (not - or URLs)", path=source)
    if os.path.isdir(target):
        raise UsageError(f"{target} is a directory; give the file to write")
    if not force and os.path.exists(target) and os.path.exists(source) and os.path.samefile(source, target):
        raise UsageError(f"{target} is the report itself; write elsewhere, or pass --force to replace the report")
    if not force and os.path.exists(target):
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    if not os.path.isdir(os.path.dirname(os.path.abspath(target))):
        raise UsageError(f"{target}: no such directory")


def _writable(uri: str) -> bool:
    """Whether a URI can be written as one address (an archive's that cannot is left out, never written)."""
    try:
        safe_uri(uri)
        return True
    except ValueError:
        return False


def _write_whole(path: str, data: bytes) -> None:
    """Write `path` whole or not at all (a report replaced in place is never left half-written)."""
    part = f"{path}.{os.getpid()}.part"
    try:
        with open(part, "xb") as fh:
            fh.write(data)
        os.replace(part, path)
    except BaseException:
        if os.path.exists(part):
            os.unlink(part)
        raise

"""What `audit` tells a person: each problem on a line, then one sentence on what was checked and what could not
be vouched for."""

from __future__ import annotations

import json

from linkvault.model import AuditResult
from linkvault.render.check import counted
from linkvault.render.textsafe import terminal_safe

AUDIT_FORMATS = ("text", "json")


def render_audit(result: AuditResult, fmt: str = "text") -> str:
    """`json`: the result as one object; `text`: a line per problem (ALTERED, MISSING, UNCOVERED), then the verdict."""
    if fmt == "json":
        return json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
    lines = [terminal_safe(f"{problem.kind.upper():<9} {problem.where}: {problem.problem}") for problem in result.problems]
    return "\n".join([*lines, _checked(result)])


def _checked(result: AuditResult) -> str:
    """ "3 WARC files, 40 records, 12 custody events, 2 timestamps checked: everything holds", and what it
    could not vouch for: signatures no trusted root covers, captures no token covers."""
    verdict = "everything holds" if result.holds else counted(len(result.problems), "problem", "problems") + " found"
    stamps = f", {counted(result.timestamps, 'timestamp', 'timestamps')}" if result.timestamps else ""
    unchecked = result.unchecked_signatures
    unverified = (f"; {counted(unchecked, 'signature', 'signatures')} not verified (this machine's trusted roots do not "
                  f"cover {'its' if unchecked == 1 else 'their'} authority: pass --tsa-roots)") if unchecked else ""
    untimed = (f"; {result.untimed} capture{'s have' if result.untimed != 1 else ' has'} no trusted timestamp "
               "(the run was not timestamped, or every authority failed: only this machine's clock says when)"
               ) if result.untimed else ""
    return (f"{counted(result.files, 'WARC file', 'WARC files')}, {counted(result.records, 'record', 'records')}, "
            f"{counted(result.events, 'custody event', 'custody events')}{stamps} checked: "
            f"{verdict}{unverified}{untimed}")


def audit_notes(result: AuditResult) -> list[str]:
    """Said on stderr: why this audit is not in the vault's custody chain, if it is not."""
    if not result.not_logged:
        return []
    return [f"{result.vault}: {result.not_logged}, so this audit is not logged in its custody chain"]

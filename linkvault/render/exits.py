"""The one closing line that says why a command exits 1, e.g.
"exit 1: 15 missing footnotes, 3 dead links (--fail-on error)".

A script sees only the code; a person reading a long table should not have to work out which row did it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from linkvault.model import LINK_SEVERITY, AuditResult, CheckResult, FetchResult, Finding, Review, Severity, Verification
from linkvault.render.check import FINDING_PHRASES, counted


def exit_text(line: str, width: int) -> str:
    """The closing line as the terminal shows it: wrapped at `width` between its counts (never inside one, "1 dead
    link"), each continuation indented."""
    lines: list[str] = []
    parts = line.split(", ")
    for n, part in enumerate(parts):
        piece = part + ("," if n < len(parts) - 1 else "")
        if lines and len(lines[-1]) + 1 + len(piece) > width:
            lines.append("    " + piece)
        else:
            lines[-1:] = [f"{lines[-1]} {piece}" if lines else piece]
    return "\n".join(lines)


def _line(parts: list[str], flag: str | None = None) -> str:
    return "exit 1: " + ", ".join(parts) + (f" ({flag})" if flag else "")


def _finding_parts(findings: Iterable[Finding], fail_on: Severity) -> list[str]:
    """Counts by kind, worst severity first, then in the order `check`'s summary uses."""
    counts: dict[tuple[int, int, str], int] = {}
    order = list(FINDING_PHRASES)
    for f in findings:
        if f.severity.rank >= fail_on.rank:
            at = (-f.severity.rank, order.index(f.kind) if f.kind in order else len(order), f.kind)
            counts[at] = counts.get(at, 0) + 1
    return [counted(n, *FINDING_PHRASES.get(at[2], (at[2], at[2]))) for at, n in sorted(counts.items())]


def _link_parts(categories: list[str], fail_on: Severity) -> list[str]:
    counts: dict[str, int] = {}
    for category in categories:
        if category in LINK_SEVERITY and LINK_SEVERITY[category].rank >= fail_on.rank:
            counts[category] = counts.get(category, 0) + 1
    return [counted(counts[c], f"{c} link", f"{c} links") for c in LINK_SEVERITY if c in counts]


def check_exit(result: CheckResult, fail_on: Severity) -> str:
    return _line(_finding_parts(result.findings, fail_on), f"--fail-on {fail_on.value}")


def review_exit(review: Review, fail_on: Severity) -> str:
    links = [row.category or "unknown" for row in review.rows if row.url is not None]
    return _line(_finding_parts(review.findings, fail_on) + _link_parts(links, fail_on), f"--fail-on {fail_on.value}")


def verify_exit(verification: Verification, fail_on: Severity) -> str:
    return _line(_finding_parts(verification.findings, fail_on), f"--fail-on {fail_on.value}")


def fetch_exit(result: FetchResult, reviews: Sequence[Review] = ()) -> str:
    """Why a fetch run is not a clean one: footnotes with no source, links not archived, no network.

    The findings counted are those of the tables `fetch` showed (`reviews`, when it showed them)."""
    from linkvault.render.archive import shows_checks

    shown = result.checks if shows_checks(result, reviews) else reviews
    parts = _finding_parts([f for report in shown for f in report.findings], Severity.ERROR)
    gave_up = result.proxy_down or ("the network is unreachable" if result.network_unreachable else None)
    if gave_up:
        parts.append(f"{gave_up} (nothing was judged)")
    if result.untrusted_hosts:
        parts.append("certificates this machine does not trust (pass --ca-bundle)")
    refused = {link.url for link in result.failed if link.capture and link.capture.error == "session-refused"}
    if refused:  # the account's trouble, not the links': one remedy for them all
        parts.append(counted(len(refused), "link", "links") + " not checked: the sites did not accept the session "
                     "(export the cookies again)")
    failed = {link.url: link.category or "unknown" for link in result.failed if link.url not in refused}
    if failed and not gave_up:
        by: dict[str, int] = {}
        for category in failed.values():
            by[category] = by.get(category, 0) + 1
        parts.append(counted(len(failed), "link not archived", "links not archived")
                     + " (" + ", ".join(f"{n} {c}" for c, n in by.items()) + ")")
    return _line(parts)


def audit_exit(result: AuditResult) -> str:
    kinds = [p.kind for p in result.problems]
    parts = [counted(kinds.count(kind), *words) for kind, words in (
        ("altered", ("alteration found", "alterations found")),
        ("missing", ("piece of evidence missing", "pieces of evidence missing"))) if kind in kinds]
    if result.uncovered:
        parts.append(counted(result.uncovered, "capture", "captures") + " covered by no timestamped manifest")
    return _line(parts) + " (named above)"

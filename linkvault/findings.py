"""What an editor must see before publishing: the gaps and oddities of a report's footnotes.

Each rule is one small function from a `Report` to findings; `check_report` runs them all and
orders the result by line. The kinds and severities are a public contract (JSON, exit codes).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator

from linkvault.model import CheckResult, Entry, Finding, Report, Severity, label_number
from linkvault.parsing.url_keys import comparison_key, tracking_parameters
from linkvault.parsing.urls import draft_reason, invalid_reason

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _num(label: str) -> int | str:
    n = label_number(label)
    return label if n is None else n


def missing_footnotes(report: Report) -> Iterator[Finding]:
    for note in report.footnotes:
        if not note.cited_at:
            continue
        if not note.has_entry:
            yield Finding("missing-footnote", ERROR, note.number, note.cited_at[0],
                          f"[{note.label}] is cited but the footnote list has no entry for it")
        elif not note.text.strip() and not note.urls:
            yield Finding("missing-footnote", ERROR, note.number, note.line,
                          f"[{note.label}] is cited but its entry is empty")


def duplicate_footnotes(report: Report) -> Iterator[Finding]:
    first: dict[str, int] = {}
    for entry in report.entries:
        if entry.label in first:
            yield Finding("duplicate-footnote", ERROR, _num(entry.label), entry.line,
                          f"[{entry.label}] has a second entry; the first is on line {first[entry.label]}")
        else:
            first[entry.label] = entry.line


def invalid_urls(report: Report) -> Iterator[Finding]:
    for entry in report.entries:
        for url in entry.urls:
            reason = invalid_reason(url)
            if reason:
                yield Finding("invalid-url", ERROR, _num(entry.label), entry.line,
                              f"[{entry.label}] {url} cannot be a web address: {reason}")


def uncited_footnotes(report: Report) -> Iterator[Finding]:
    for note in report.footnotes:
        if note.has_entry and not note.cited_at:
            yield Finding("uncited-footnote", WARNING, note.number, note.line,
                          f"[{note.label}] has an entry but is never cited in the text")


def out_of_order(report: Report) -> Iterator[Finding]:
    seen: set[int] = set()
    highest = 0
    for citation in report.citations:
        n = label_number(citation.label)
        if n is None or n in seen:
            continue
        seen.add(n)
        if n < highest:
            yield Finding("out-of-order", WARNING, n, citation.line,
                          f"[{n}] is first cited after [{highest}]; footnotes should appear in ascending order")
        highest = max(highest, n)
    known = seen | {n for e in report.entries if (n := label_number(e.label)) is not None}
    if not seen:
        return
    gaps = [n for n in range(1, max(seen)) if n not in known]
    # the highest number cited so far, citation by citation: never falls, so the first citation past a gap
    # is found by bisection (a scan per gap is quadratic when every other number is missing)
    highest_so_far = list(itertools.accumulate((label_number(c.label) or 0 for c in report.citations), max))
    for start, end in _runs(gaps):
        span = f"[{start}]" if start == end else f"[{start}]–[{end}]"
        after = bisect.bisect_right(highest_so_far, end)
        first_after = report.citations[after].line if after < len(highest_so_far) else None
        yield Finding("out-of-order", WARNING, start, first_after,
                      f"numbering skips {span}: never cited and not in the footnote list")


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    if not numbers:
        return
    start = prev = numbers[0]
    for n in numbers[1:]:
        if n == prev + 1:
            prev = n
            continue
        yield start, prev
        start = prev = n
    yield start, prev


def no_urls(report: Report) -> Iterator[Finding]:
    for entry in report.entries:
        if entry.text.strip() and not entry.urls:
            yield Finding("no-url", WARNING, _num(entry.label), entry.line,
                          f"[{entry.label}] has no URL: \"{_short(entry.text)}\"")


def _valid_urls(report: Report) -> Iterator[tuple[Entry, str]]:
    """Each entry's URLs that are URLs at all: the rules below judge those (invalid ones have their own finding)."""
    for entry in report.entries:
        for url in entry.urls:
            if not invalid_reason(url):
                yield entry, url


def draft_urls(report: Report) -> Iterator[Finding]:
    for entry, url in _valid_urls(report):
        reason = draft_reason(url)
        if reason:
            yield Finding("draft-url", WARNING, _num(entry.label), entry.line,
                          f"[{entry.label}] {url} looks unpublished: {reason}")


def duplicate_urls(report: Report) -> Iterator[Finding]:
    first: dict[str, str] = {}
    for entry, url in _valid_urls(report):
        key = comparison_key(url)
        if key in first and first[key] != entry.label:
            yield Finding("duplicate-url", WARNING, _num(entry.label), entry.line,
                          f"[{entry.label}] cites the same source as [{first[key]}]: {url}")
        first.setdefault(key, entry.label)


def tracking(report: Report) -> Iterator[Finding]:
    for entry, url in _valid_urls(report):
        names = tracking_parameters(url)
        if names:
            yield Finding("tracking-parameters", INFO, _num(entry.label), entry.line,
                          f"[{entry.label}] carries tracking parameters ({', '.join(names)}); kept as cited")


def claim_dates(report: Report) -> Iterator[Finding]:
    """The offline claim check: wrong-link, entry-date and source-date from URLs alone."""
    from linkvault.claims.urlcheck import url_claim_findings

    yield from url_claim_findings(report)


RULES: tuple[Callable[[Report], Iterator[Finding]], ...] = (
    missing_footnotes, duplicate_footnotes, invalid_urls, uncited_footnotes, out_of_order,
    no_urls, draft_urls, duplicate_urls, tracking, claim_dates,
)


def check_report(report: Report) -> CheckResult:
    findings = [f for rule in RULES for f in rule(report)]
    findings.sort(key=lambda f: (-f.severity.rank, f.line if f.line is not None else 0))
    return CheckResult(report=report, findings=findings)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

"""linkvault: archive the sources a report cites, and check its footnotes before publishing.

The same verbs as the command line::

    import linkvault
    result = linkvault.check("report.txt")
    for finding in result.findings:
        print(finding.line, finding.kind, finding.message)
"""

from __future__ import annotations

import os
import typing

from linkvault._version import __version__
from linkvault.errors import InputError, LinkvaultError, NoFootnotes, UsageError
from linkvault.model import (
    AuditResult,
    ChangesResult,
    CheckResult,
    Citation,
    CopiesResult,
    Entry,
    Finding,
    Footnote,
    FootnoteArchive,
    HistoryRules,
    PackResult,
    RecheckResult,
    Report,
    ReportProgress,
    Review,
    RobustifyResult,
    SearchHit,
    Severity,
    Verification,
    WorkerResult,
)
from linkvault.parsing import FORMATS as INPUT_FORMATS
from linkvault.parsing import parse_arguments, parse_report, parse_text, parse_urls

_Path = str | os.PathLike

# Names for the verbs' signatures only (no public name of the package): each verb loads its stage when called,
# so `check` loads no network code.
if typing.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import date, datetime, timedelta

    from linkvault.archive import FetchOptions, FetchResult
    from linkvault.archive.cookies import Session
    from linkvault.archive.vantage import VantageOptions
    from linkvault.archive.webarchives.savepagenow import SpnOptions
    from linkvault.evidence.audit import AuditResult
    from linkvault.evidence.pack import PackResult
    from linkvault.lookup import FootnoteArchive, SearchHit
    from linkvault.reviewing import Review, Verification


def check(path: _Path | Report, input_format: str | None = None) -> CheckResult:
    """Parse the report at `path` (or take one parsed already) and return every finding about its footnotes. Offline."""
    from linkvault.findings import check_report

    return check_report(path if isinstance(path, Report) else parse_report(path, input_format))


def fetch(reports: Sequence[_Path | Report], vault: _Path = "linkvault-vault", options: FetchOptions | None = None, *,
          refresh: bool = False, max_age: timedelta | None = None, input_format: str | None = None,
          on_progress: Callable[..., None] | None = None, concurrency: int | None = None, per_host: int | None = None,
          timeout: float | None = None, retries: int | None = None, max_size: int | None = None,
          proxy: str | None = None, ca_bundle: str | None = None, allow_private: bool | None = None,
          collector: str | None = None, tsa: Sequence[str] | None = None, screenshots: bool | None = None,
          tabs: int | None = None, reviews: bool = False, save_page_now: SpnOptions | None = None,
          session: Session | None = None, redact_set_cookie: bool | None = None,
          browser_profile: _Path | None = None, vantage: VantageOptions | None = None,
          rules: HistoryRules | None = None, queue: str | None = None, heartbeat: float | None = None) -> FetchResult:
    """Archive every source the reports cite into `vault` (WARC + text); see `linkvault.archive.fetch_reports`.

    The settings after `on_progress` are `FetchOptions` fields one by one: each given (not None) replaces the
    one in `options` (else the default). With `reviews`, the result's `reviews` are each report's editor's report
    (as `review` gives it), built from the run's own results: each report read once, the vault opened once.
    With `save_page_now` (see `save_page_now_options`), the Internet Archive witnesses each live source.
    With `session` (see `load_session`), its cookies go to the hosts they match, and the captures say which account.
    With `browser_profile` (a Chromium user-data directory), screenshots are rendered in a copy of it.
    With `vantage` (see `vantage_options`), a failing link is looked at again from the other vantage points.
    A link whose capture failed is `failing` until its history confirms it `dead` under `rules` (default: after 3
    failed checks at least 3 days apart; `HistoryRules(dead_after=1)`: dead at once).
    With `queue` (redis://HOST:PORT/N), `worker` processes fetch the URLs: see linkvault.archive.distributed."""
    from linkvault.archive import fetch_reports, options_with
    from linkvault.archive.browser_profile import check_profile

    options = options_with(options, {
        "concurrency": concurrency, "per_host": per_host, "timeout": timeout, "retries": retries,
        "max_size": max_size, "proxy": proxy, "ca_bundle": ca_bundle, "allow_private": allow_private,
        "collector": collector, "tsa": None if tsa is None else tuple(tsa), "screenshots": screenshots,
        "tabs": tabs, "session": session, "redact_set_cookie": redact_set_cookie, "vantage": vantage,
        "browser_profile": None if browser_profile is None else check_profile(os.fspath(browser_profile))})
    run_class = None
    if queue:  # Dramatiq and Redis's client are loaded by a queued run alone
        from linkvault.archive.distributed.coordinator import queued

        run_class = queued(queue, heartbeat)
    result = fetch_reports([r if isinstance(r, Report) else os.fspath(r) for r in reports], os.fspath(vault), options,
                           refresh=refresh, max_age=max_age, input_format=input_format, on_progress=on_progress,
                           verdicts=reviews, save_page_now=save_page_now, run_class=run_class)
    from linkvault.reviewing import over_time, review_of_run, run_histories

    histories = run_histories(os.fspath(vault), result, rules)
    over_time(result.links, histories, rules)
    if reviews:
        result.reviews = [review_of_run(check, result.verdicts, result.texts, histories, rules)
                          for check in result.checks]
    return result


def worker(queue: str, vault: _Path = "linkvault-vault", *, concurrency: int = 16, idle_exit: float | None = None,
           screenshots: bool = False, heartbeat: float | None = None,
           on_refused: Callable[[str], None] | None = None) -> WorkerResult:
    """`linkvault worker` (see its Worker) until SIGTERM; `on_refused` hears of each message that is not linkvault's."""
    from linkvault.archive.distributed.worker import Worker

    return Worker(queue, os.fspath(vault), concurrency=concurrency, idle_exit=idle_exit, screenshots=screenshots,
                  heartbeat=heartbeat, on_refused=on_refused).run()


def queue_status(queue: str) -> list[ReportProgress]:
    """Each report of the runs queued on `queue`, newest first: queued, in flight, done, failed (`linkvault status`)."""
    from linkvault.archive.distributed.status import queue_status as read

    return read(queue)


def recheck(reports: Sequence[_Path] = (), vault: _Path = "linkvault-vault", options: FetchOptions | None = None, *,
            due: bool = False, rules: HistoryRules | None = None, clock: Callable[[], datetime] | None = None,
            on_progress: Callable[..., None] | None = None, timeout: float | None = None, retries: int | None = None,
            proxy: str | None = None, ca_bundle: str | None = None, allow_private: bool | None = None,
            collector: str | None = None, tsa: Sequence[str] | None = None, screenshots: bool | None = None,
            after_recapture: Sequence[Callable[..., object]] | None = None,
            vantage: VantageOptions | None = None, session: Session | None = None,
            redact_set_cookie: bool | None = None) -> RecheckResult:
    """Check again the sources the reports (paths or `<…>` names fetched into `vault`; none: every report in it) cite,
    each as a new capture with its custody event (`linkvault recheck`); with `due`, only the links whose next check
    is due by their history under `rules`. `clock` dates the run (default: the real one), so a script or a test can
    move time forward; `after_recapture` hooks are called per re-captured link (see linkvault.archive.recheck);
    `vantage` (see `vantage_options`) looks at a failing link again from other vantage points, and `session` (see
    `load_session`) re-checks as the logged-in account, as in `fetch`."""
    from linkvault.archive import FetchOptions, options_with
    from linkvault.archive.recheck import RecheckOptions, recheck_vault

    fetch_options = options_with(options, {
        "timeout": timeout, "retries": retries, "proxy": proxy, "ca_bundle": ca_bundle, "allow_private": allow_private,
        "collector": collector, "tsa": None if tsa is None else tuple(tsa), "screenshots": screenshots,
        "vantage": vantage, "session": session, "redact_set_cookie": redact_set_cookie}) or FetchOptions()
    from linkvault.reviewing import over_time

    settings = RecheckOptions(fetch=fetch_options, rules=rules or HistoryRules(), due_only=due, clock=clock,
                              after_recapture=after_recapture)
    result = recheck_vault(os.fspath(vault), [os.fspath(r) for r in reports], settings, on_progress=on_progress)
    over_time(result.links, result.histories, result.rules)  # each link's category as `report` reads it
    return result


def changes(reports: Sequence[_Path] = (), vault: _Path = "linkvault-vault", since: datetime | date | str | None = "last",
            *, rules: HistoryRules | None = None) -> ChangesResult:
    """The links of `reports` (none: every report in `vault`) whose history status, verdict or drift changed since
    `since` (a date, a time, or "last": since the newest check run began), each before → after and when
    (`linkvault changes`). The vault is only read."""
    from linkvault.what_changed import changes_in, since_of

    return changes_in(os.fspath(vault), [os.fspath(r) for r in reports], since_of(since), rules)


def load_session(cookies_file: _Path, label: str | None = None) -> Session:
    """A logged-in account for `fetch(session=…)`: a Netscape cookies.txt read once (never copied into the vault),
    labelled `label` (default "authenticated session from FILE"). A malformed line is an InputError naming it."""
    from linkvault.archive.cookies import load_session as read

    return read(os.fspath(cookies_file), label)


def save_page_now_options(keys_file: _Path | None = None, within: str = "1d", rates: Sequence[str] = (),
                          environ: typing.Mapping[str, str] | None = None, wait_cap: str = "10m") -> SpnOptions:
    """What `fetch(save_page_now=…)` needs: the account's keys (`keys_file`, else env LINKVAULT_SPN_KEYS),
    `if_not_archived_within`, the gates' rates (SERVICE=N/min) and the longest Retry-After a run waits out,
    read and checked before anything runs."""
    from linkvault.archive.webarchives.savepagenow import spn_options

    return spn_options(None if keys_file is None else os.fspath(keys_file), within, rates, environ, wait_cap)


def vantage_options(vantages: Sequence[str] = (), name: str | None = None) -> VantageOptions:
    """What `fetch(vantage=…)` (and any verb running a fetch) takes: `NAME=PROXY` values, each another vantage point a
    failure is checked from before it counts, and the name of the run's own egress (default "here"); checked now."""
    from linkvault.archive.vantage import parse

    return parse(tuple(vantages), name)


def find_copies(reports: Sequence[_Path | Report], vault: _Path = "linkvault-vault", *, all: bool = False,
                as_of: date | None = None, archives: Sequence[tuple[str, str]] = (), memgator: str | None = None,
                candidates: int = 3, rates: Mapping[str, float] | Sequence[str] = (), proxy: str | None = None,
                ca_bundle: str | None = None, allow_private: bool = False, refresh: bool = False,
                input_format: str | None = None, collector: str | None = None, ia_api: str = "cdx",
                wait_cap: float | str = "10m", tsa: Sequence[str] = (), rules: HistoryRules | None = None
                ) -> CopiesResult:
    """Find each failing, dead, restricted or refused footnote source's copy in the world's web archives (a link's
    verdict read under `rules`, as `review` reads it; every one's with `all`), prove it by linkvault's own rules and
    the claim check, and keep the search in `vault` (`linkvault copies`). `archives`: (name, TimeMap prefix) pairs
    added to the default list, or replacing one of it;
    `memgator`: one self-hosted aggregator asked instead of them all; `rates`: requests per minute by service, or
    `--rate` texts ("ia-cdx=24/min"); `ia_api`: the Internet Archive's "cdx" or batched "availability" API;
    `wait_cap`: the longest Retry-After a run waits out (seconds, or "10m"); `tsa`: the authorities the run's
    manifest (its mementos, and what earlier runs left unsealed) is timestamped by, as `fetch`'s is."""
    from linkvault.archive import FetchOptions
    from linkvault.archive.webarchives.copies_run import Wanted, copies_settings, find_copies_in
    from linkvault.model import CopiesRow, Link, ReferenceDate
    from linkvault.parsing import report_key
    from linkvault.reviewing import copies_wanted, first_citations

    vault_dir = _vault_to_read(vault, must_exist=True)
    settings = copies_settings(archives, memgator, candidates, rates, refresh, ia_api=ia_api, wait_cap=wait_cap)
    wanted: list[Wanted] = []
    rows: list[tuple[Review, Link]] = []
    dates, skipped, digests = {}, 0, {}
    for path in reports:
        reviewed, refs = copies_wanted(vault_dir, path if isinstance(path, Report) else os.fspath(path), input_format,
                                       every_link=all, as_of=as_of, rules=rules)
        citations, year = first_citations(reviewed.check.report)
        digests[report_key(reviewed.check.report.path)] = reviewed.check.report.sha256
        dates[reviewed.report] = refs
        skipped += sum(1 for note in reviewed.check.report.footnotes for _ in note.urls) - len(reviewed.rows)
        for row in reviewed.rows:
            assert row.url is not None
            reference = refs.get(row.label) or ReferenceDate(None)
            wanted.append(Wanted(row.url, reference, citations.get(row.label), year))
            rows.append((reviewed, row))
    options = FetchOptions(proxy=proxy, ca_bundle=ca_bundle, allow_private=allow_private, collector=collector,
                           tsa=tuple(tsa))
    searches, result = find_copies_in(vault_dir, wanted, options, settings, dates, digests)
    result.rows = [CopiesRow(r.report, row.number, row.label, row.url or "", row.state, search)
                   for (r, row), search in zip(rows, searches)]
    result.not_looked_up = skipped
    return result


def timestamp_authorities(given: Sequence[str] = ()) -> tuple[str, ...]:
    """The authorities `fetch` and `pack` stamp with when none are named in code: `given`, else LINKVAULT_TSA
    (space-separated; empty for none), else a list of public free ones."""
    from linkvault.archive.timestamp import DEFAULT_TSAS

    if given:
        return tuple(given)
    if "LINKVAULT_TSA" in os.environ:
        return tuple(os.environ["LINKVAULT_TSA"].split())
    return DEFAULT_TSAS


def search(query: str, vault: _Path = "linkvault-vault", report: str | None = None, limit: int = 50) -> list[SearchHit]:
    """Full-text search over the texts archived in `vault`."""
    from linkvault.lookup import search as search_vault

    return search_vault(os.fspath(vault), query, report=report, limit=limit)


def _vault_to_read(vault: _Path, must_exist: bool) -> str:
    """A vault `review` and `verify` read. One that does not exist is an error with `must_exist`; else every
    source in it is "not fetched yet" (`Review.fetched` says so)."""
    from linkvault.vault import Vault

    if must_exist:
        Vault.require(os.fspath(vault))
    return os.fspath(vault)


def review(report: _Path | Report, vault: _Path = "linkvault-vault", input_format: str | None = None, *,
           vault_must_exist: bool = False, rules: HistoryRules | None = None) -> Review:
    """The editor's report: every footnote of `report` with the verdict on its archived source, and its history of
    checks read under `rules` (default: dead after 3 failures at least 3 days apart)."""
    from linkvault.reviewing import review as review_report

    vault_dir = _vault_to_read(vault, vault_must_exist)
    return review_report(vault_dir, report if isinstance(report, Report) else os.fspath(report), input_format,
                         rules=rules)


def show(report: _Path | Report, number: int | str, vault: _Path = "linkvault-vault", *,
         screenshot_to: _Path | None = None, collector: str | None = None,
         rules: HistoryRules | None = None) -> FootnoteArchive:
    """Everything archived for footnote `number` of `report`, its verdict and history read under `rules`; with
    `screenshot_to`, its newest screenshot written there (checked against its recorded SHA-256, and logged in
    custody as exported by `collector`)."""
    from linkvault.lookup import export_screenshot
    from linkvault.lookup import show as show_footnote

    archive = show_footnote(os.fspath(vault), report if isinstance(report, Report) else os.fspath(report), str(number),
                            rules)
    if screenshot_to is not None:
        export_screenshot(os.fspath(vault), archive, os.fspath(screenshot_to), collector=collector)
    return archive


def verify(report: _Path | Report, vault: _Path = "linkvault-vault", input_format: str | None = None, *,
           vault_must_exist: bool = False, rules: HistoryRules | None = None) -> Verification:
    """Does each archived source say what its footnote claims? Verdicts per footnote (`linkvault verify`), each
    link's verdict read under `rules` as `review` reads it."""
    from linkvault.reviewing import verify as verify_claims

    vault_dir = _vault_to_read(vault, vault_must_exist)
    return verify_claims(vault_dir, report if isinstance(report, Report) else os.fspath(report), input_format, rules)


def pack(report: _Path, output: _Path, vault: _Path = "linkvault-vault", *, tsa: Sequence[str] = (),
         collector: str | None = None, input_format: str | None = None, proxy: str | None = None,
         ca_bundle: str | None = None) -> PackResult:
    """One evidence pack (WACZ) for `report`; with `tsa`, timestamped as a whole (`linkvault pack`), reaching the
    authorities through `proxy` with `ca_bundle` (else the environment's), as `fetch` does."""
    from linkvault.evidence.pack import pack as make_pack
    from linkvault.render.evidence import render_evidence

    return make_pack(os.fspath(vault), os.fspath(report), os.fspath(output), input_format, collector=collector,
                     tsa=tuple(tsa), proxy=proxy, ca_bundle=ca_bundle, summarize=render_evidence)


def robustify(report: _Path, output: _Path, vault: _Path = "linkvault-vault", *, plain: bool = False,
              pack_url: str | None = None, input_format: str | None = None, force: bool = False,
              rules: HistoryRules | None = None) -> RobustifyResult:
    """`report` written to `output` in its own format with each footnote's archived versions beside its source: the
    copy `copies` offered, the Save Page Now capture, and with `pack_url` (where the evidence pack is published) the
    pack's page (`linkvault robustify`). A source without versions is left as it is; the vault is only read.
    `output` is never overwritten, nor the report replaced, without `force`. Each link's verdict (why a source got
    no version) is read under `rules`, as `review` reads it."""
    from linkvault.render.robust.write import write_robust

    return write_robust(os.fspath(report), os.fspath(output), os.fspath(vault), plain=plain, pack_url=pack_url,
                        input_format=input_format, force=force, rules=rules)


def audit(vault: _Path = "linkvault-vault", *, wacz: _Path | None = None, tsa_roots: _Path | None = None,
          collector: str | None = None) -> AuditResult:
    """Recompute every digest and check every token and the custody chain, of a vault or of a pack (`linkvault audit`)."""
    from linkvault.evidence.audit import audit_vault
    from linkvault.evidence.audit_pack import audit_wacz

    roots = os.fspath(tsa_roots) if tsa_roots is not None else None
    if wacz is not None:
        return audit_wacz(os.fspath(wacz), roots)
    return audit_vault(os.fspath(vault), roots, collector=collector)


__all__ = [
    "AuditResult",
    "ChangesResult",
    "CheckResult",
    "Citation",
    "CopiesResult",
    "Entry",
    "Finding",
    "Footnote",
    "FootnoteArchive",
    "HistoryRules",
    "INPUT_FORMATS",
    "InputError",
    "LinkvaultError",
    "NoFootnotes",
    "PackResult",
    "RecheckResult",
    "Report",
    "ReportProgress",
    "Review",
    "RobustifyResult",
    "SearchHit",
    "Severity",
    "UsageError",
    "Verification",
    "WorkerResult",
    "__version__",
    "audit",
    "changes",
    "check",
    "fetch",
    "find_copies",
    "load_session",
    "pack",
    "parse_arguments",
    "parse_report",
    "parse_text",
    "parse_urls",
    "queue_status",
    "recheck",
    "review",
    "robustify",
    "save_page_now_options",
    "search",
    "show",
    "timestamp_authorities",
    "vantage_options",
    "verify",
    "worker",
]

"""A `copies` run: for each looked-up footnote URL, ask the archives which captures they hold around its reference
date, fetch the closest ones through linkvault's own fetcher (each memento a WARC record with its provenance, like
any capture), judge each by the rules a live page gets, check the footnote's claim against its text, and keep the
search — what each service said, the copy offered, and why every other one was passed over.

A search that was complete (every service answered) is kept and not made again: a second run asks nothing. One
that met an unreached service is made again, its answered lookups coming from the vault's cache, so a later run
with the network back fills in what the first could not see.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linkvault._version import __version__
from linkvault.archive.failures import FailedFetch
from linkvault.archive.fetcher import TRANSIENT_STATUS, Fetcher, FetchOptions, retry_after_seconds
from linkvault.archive.judging import store_judged
from linkvault.archive.pages import page_of
from linkvault.archive.seal import Sealer, unsealed
from linkvault.archive.verdict import text_row
from linkvault.archive.warc import WarcRecorder, warcinfo
from linkvault.archive.webarchives.availability import ask_availability
from linkvault.archive.webarchives.choice import choose, in_order, offerable
from linkvault.archive.webarchives.gate import WAIT_CAP, parse_rate, parse_wait_cap
from linkvault.archive.webarchives.gateway import Gateway, Unreached
from linkvault.archive.webarchives.lookups import (
    DEFAULT_ARCHIVES,
    IA_NAME,
    ArchiveSource,
    archive_name,
    ask_cdx,
    find_candidates,
    memgator,
)
from linkvault.archive.webarchives.mementos import is_memento, judge_memento, raw_memento, within_archive
from linkvault.claims.match import Source, claim_against
from linkvault.errors import UsageError
from linkvault.model import (
    Candidate,
    Capture,
    Citation,
    CopiesResult,
    CopySearch,
    CopyVerdict,
    ReferenceDate,
    ServiceOutcome,
)
from linkvault.model.copies import FOUND, NONE, UNREACHED
from linkvault.states import never_fetched
from linkvault.vault import Vault, VaultLock


@dataclass(frozen=True)
class Wanted:
    """One footnote URL to find copies of: at its reference date, with the sentence citing it (None: nothing to
    check a claim by) and the year its dates are read in."""

    url: str
    reference: ReferenceDate
    citation: Citation | None = None
    year: int = 0


@dataclass
class CopiesSettings:
    """How a run looks: which archives (TimeMaps) beside the Internet Archive's CDX, how many candidates per link
    it fetches at most, each service's rate, whether to ask again what the vault already holds."""

    archives: tuple[ArchiveSource, ...] = DEFAULT_ARCHIVES
    candidates: int = 3
    rates: Mapping[str, float] = field(default_factory=dict)
    refresh: bool = False
    operator_hosts: tuple[str, ...] = ()  # hosts the user named (--memgator, --archive): reached even if private
    wait_cap: float = WAIT_CAP  # seconds of Retry-After a run waits out; a longer wait gives the service up
    ia_api: str = "cdx"  # the Internet Archive asked by its CDX server, or by the batched availability API


IA_APIS = ("cdx", "availability")


def copies_settings(archives: Sequence[tuple[str, str]] = (), aggregator: str | None = None, candidates: int = 3,
                    rates: Mapping[str, float] | Sequence[str] = (), refresh: bool = False, *, ia_api: str = "cdx",
                    wait_cap: float | str = WAIT_CAP) -> CopiesSettings:
    """A run's settings from what the user gave: `--archive` pairs added to (or replacing one of) the default
    list, or one `--memgator` instead of them all; `--rate` texts or a mapping; `--ia-api`; `--wait-cap`."""
    if ia_api not in IA_APIS:
        raise UsageError(f"--ia-api {ia_api!r}: give one of {', '.join(IA_APIS)}")
    sources = {a.key: a for a in DEFAULT_ARCHIVES} | {a.key: a for a in (ArchiveSource.named(*n) for n in archives)}
    chosen = (memgator(aggregator),) if aggregator else tuple(sources.values())
    named = [aggregator] if aggregator else [url for _, url in archives]
    per_minute = dict(rates) if isinstance(rates, Mapping) else dict(parse_rate(r) for r in rates)
    cap = parse_wait_cap(wait_cap) if isinstance(wait_cap, str) else float(wait_cap)
    return CopiesSettings(chosen, candidates, per_minute, refresh, tuple(urlsplit(u).hostname or "" for u in named),
                          cap, ia_api)


def find_copies_in(vault_dir: str, wanted: list[Wanted], options: FetchOptions, settings: CopiesSettings,
                   reference_dates: Mapping[str, Mapping[str, ReferenceDate]] | None = None,
                   reports: Mapping[str, str] | None = None) -> tuple[list[CopySearch], CopiesResult]:
    """The copy search of each wanted URL (in order), holding the vault's lock as a fetch does; the footnotes'
    reference dates (report path → label → date) are recorded too. With `options.tsa`, the run's records (and
    those earlier runs left unsealed) are sealed in a timestamped manifest naming `reports` (name → SHA-256), as
    a fetch's are; the result (rows left to the caller) says how that went."""
    options.egress  # noqa: B018 -- a proxy or CA that cannot work is a usage error before anything is written
    with VaultLock(vault_dir):
        vault = Vault(vault_dir)
        try:
            for path, dates in (reference_dates or {}).items():
                vault.set_reference_dates(path, dates)
            run = CopiesRun(vault, options, settings, reports)
            return run.run(wanted), run.result
        finally:
            vault.close()


def service_names(archives: tuple[ArchiveSource, ...]) -> dict[str, str]:
    """How a sentence names each service ("the Internet Archive could not be reached (…)")."""
    return {"ia-cdx": IA_NAME, "ia-memento": IA_NAME, "ia-availability": IA_NAME,
            **{a.key: a.name for a in archives}}


def memento_service(candidate: Candidate, archives: tuple[ArchiveSource, ...]) -> str:
    """The gate a memento is fetched through: the Internet Archive's replay, or the archive that listed it."""
    host = candidate.archive.lower().removeprefix("www.")
    if host.endswith("archive.org"):
        return "ia-memento"
    return next((a.key for a in archives if a.key == f"archive:{host}"), f"archive:{host}")


class CopiesRun:
    """One run into one open vault: the gateway to the archives and the fetcher of their mementos."""

    def __init__(self, vault: Vault, options: FetchOptions, settings: CopiesSettings,
                 reports: Mapping[str, str] | None = None):
        self.vault, self.options, self.settings = vault, options, settings
        self.reports = dict(reports or {})  # each report's name → SHA-256, for the warcinfo and the sealed manifest
        self.result = CopiesResult(vault.directory)  # what sealing did (its rows are the caller's to fill)
        self.gateway: Gateway | None = None
        self.fetcher: Fetcher | None = None
        self.failed: dict[str, tuple[str, str]] = {}  # URI-M → (service, why) for mementos the archive did not give
        self.judged: dict[tuple[str, ReferenceDate, str], CopyVerdict] = {}  # (URL, reference, URI-M) judged before
        self.services: dict[str, str] = {}  # an archive's host → the gate its mementos (and their hops) pass
        self.available: dict[str, dict] = {"before": {}, "after": {}}  # --ia-api availability's answers by link

    def run(self, wanted: list[Wanted]) -> list[CopySearch]:
        earlier = self.vault.copy_searches([(w.url, w.reference) for w in wanted])
        todo = {(w.url, w.reference): w for w, kept in zip(wanted, earlier) if self.settings.refresh or not _complete(kept)}
        if not self.settings.refresh:  # a search made again keeps the copies it fetched and judged: no second fetch
            self.judged = {(kept.url, kept.reference, v.candidate.uri_m): v for kept in earlier if kept is not None
                           for v in kept.copies if v.state is not None and v.capture_id is not None}
        done: dict[tuple[str, ReferenceDate], CopySearch] = {}
        earlier_unsealed = unsealed(self.vault) if self.options.tsa else []
        if todo or earlier_unsealed:
            info = warcinfo(list(self.reports), self.options.as_record(), f"linkvault/{__version__}")
            with WarcRecorder(self.vault.warc_dir, info, self.vault.find_payload, self.options.ids_and_clock) as recorder:
                if todo:
                    done = asyncio.run(self._search_all(list(todo.values()), recorder))
                if self.options.tsa:  # after the searches are kept: an authority out of reach undoes none of them
                    self._seal(recorder, earlier_unsealed)
        return [done.get((w.url, w.reference)) or kept or CopySearch(w.url, w.reference)
                for w, kept in zip(wanted, earlier)]

    def _seal(self, recorder: WarcRecorder, earlier: list[tuple[str, str | None]]) -> None:
        """The run's mementos, and what earlier runs left unsealed, in a manifest stamped as a fetch stamps its own."""
        sealer = Sealer(self.vault, recorder, self.options)
        result = self.result
        result.stamps, result.sealed = sealer.timestamp(self.reports, earlier=earlier)
        result.sealed_earlier, result.notes = len(earlier), result.notes + sealer.notes

    async def _search_all(self, wanted: list[Wanted], recorder: WarcRecorder
                          ) -> dict[tuple[str, ReferenceDate], CopySearch]:
        settings = self.settings
        # An archive's own 429 is the gate's to wait out (Retry-After, --wait-cap), never the fetcher's to retry.
        options = dataclasses.replace(self.options, retry_statuses=tuple(s for s in TRANSIENT_STATUS if s != 429))
        self.fetcher = Fetcher(options, recorder, __version__)
        self.fetcher.steer, self.fetcher.gate = within_archive, self._hop_turn
        gateway = Gateway(self.options.egress, names=service_names(settings.archives), rates=settings.rates,
                          cache=self.vault, allow_private=self.options.allow_private,
                          operator_hosts=settings.operator_hosts, refresh=settings.refresh,
                          wait_cap=settings.wait_cap)
        try:
            async with gateway:
                self.gateway = gateway
                if settings.ia_api == "availability":
                    await self._ask_availability(wanted)
                searches = await asyncio.gather(*(self.search(w) for w in wanted))
        finally:
            await self.fetcher.aclose()
        for search in searches:
            self.vault.store_copy_search(search)
        return {(s.url, s.reference): s for s in searches}

    async def _ask_availability(self, wanted: list[Wanted]) -> None:
        """`--ia-api availability`: every link's closest capture before its date in batches, then the closest
        after for the links it had none before (they will need it)."""
        assert self.gateway is not None
        keys = [(w.url, w.reference) for w in wanted]
        self.available["before"] = await ask_availability(self.gateway, keys, "before")
        empty = [k for k in keys if k[1].day and self.available["before"][k][0].outcome == NONE]
        self.available["after"] = await ask_availability(self.gateway, empty, "after") if empty else {}

    async def _ask_ia(self, want: Wanted, after: bool) -> tuple[ServiceOutcome, list[Candidate]]:
        """The Internet Archive's captures of `want` before (or after) its date, by the API the run uses."""
        assert self.gateway is not None
        if self.settings.ia_api != "availability":
            return await ask_cdx(self.gateway, want.url, want.reference, after=after)
        key, asked = (want.url, want.reference), self.available["after" if after else "before"]
        if key not in asked:  # after a copy before that proved invalid: this link alone
            asked.update(await ask_availability(self.gateway, [key], "after" if after else "before"))
        outcome, found = asked[key]
        return dataclasses.replace(outcome), list(found)

    async def search(self, want: Wanted) -> CopySearch:
        """One URL's search: every archive before the reference date; the Internet Archive after it only when no
        copy before is valid."""
        assert self.gateway is not None
        by_cdx = self.settings.ia_api != "availability"
        outcomes, candidates = await find_candidates(self.gateway, want.url, want.reference, self.settings.archives,
                                                     ask_ia=by_cdx)
        if not by_cdx:
            outcome, found = await self._ask_ia(want, after=False)
            outcomes, candidates = [outcome, *outcomes], found + candidates
        verdicts: list[CopyVerdict] = []
        await self._prove_in_order(want, in_order(candidates, want.reference), verdicts, before_only=True)
        if want.reference.day and not any(offerable(v) for v in verdicts):  # then the closest after
            ia = next((o for o in outcomes if o.service in ("ia-cdx", "ia-availability")), None)
            if ia and ia.outcome != UNREACHED:
                after, found = await self._ask_ia(want, after=True)
                _merge(ia, after)
                candidates += found
            await self._prove_in_order(want, in_order(candidates, want.reference), verdicts, before_only=False)
        search = CopySearch(want.url, want.reference, outcomes, choose(verdicts))
        if search.offered is None:  # a copy we could not fetch is not "no copy": the archive was out of reach
            failed = dict(self.failed[v.candidate.uri_m] for v in verdicts if v.candidate.uri_m in self.failed)
            search.services += [ServiceOutcome(service, UNREACHED, detail=why) for service, why in failed.items()]
        return search

    async def _prove_in_order(self, want: Wanted, ordered: list[Candidate], verdicts: list[CopyVerdict], *,
                              before_only: bool) -> None:
        """Judge `ordered` candidates not judged yet, adding to `verdicts`, until one can be offered or the run's
        number of fetches per link is spent; those left are listed as not fetched."""
        seen = {v.candidate.uri_m for v in verdicts}
        cut = want.reference.day.isoformat() + "T23:59:59Z" if want.reference.day else None
        for candidate in ordered:
            if candidate.uri_m in seen or (before_only and cut and candidate.memento_at > cut):
                continue
            seen.add(candidate.uri_m)
            spent = sum(1 for v in verdicts if v.state is not None)
            if any(offerable(v) for v in verdicts) or spent >= self.settings.candidates:
                verdicts.append(CopyVerdict(candidate))
            else:
                verdicts.append(await self.prove(want, candidate))

    async def _hop_turn(self, url: str) -> None:
        """The fetcher's gate for a memento's every request after its first (archived redirects followed inside
        the archive, retries): the same archive's gate, ahead of mementos waiting to start."""
        assert self.gateway is not None
        host = (urlsplit(url).hostname or "").lower()
        try:
            await self.gateway.gate(self.services.get(host, f"archive:{host}")).turn(under_way=True)
        except Unreached as exc:
            raise FailedFetch(GIVEN_UP, exc.sentence) from None

    async def _fetched(self, uri: str, service: str) -> Capture | str:
        """The memento fetched through its archive's gate, or why not (the archive given up). A 429 that is the
        archive's own (no Memento-Datetime: not an archived 429) pauses the whole gate as long as it asks, and the
        memento is asked again; a wait past --wait-cap gives the archive up for the run."""
        assert self.gateway is not None and self.fetcher is not None
        gate = self.gateway.gate(service)
        for _ in range(RATE_LIMITED_TRIES):
            try:
                await gate.turn()
            except Unreached as exc:
                return exc.sentence
            capture = await self.fetcher.fetch(uri)
            if capture.error or capture.status != 429 or is_memento(capture):
                return capture
            gate.pause(retry_after_seconds(capture.headers, cap=24 * 3600.0))
        return gate.unreached or f"{gate.name} kept answering 429 (too many requests)"

    def _not_fetched(self, candidate: Candidate, service: str, why: str | None) -> CopyVerdict:
        """A candidate the archive did not give: its archive counts as unreached for the search, with why."""
        self.failed[candidate.uri_m] = (service, why or GIVEN_UP)
        return CopyVerdict(candidate, reason=f"not fetched: {why}")

    async def prove(self, want: Wanted, candidate: Candidate) -> CopyVerdict:
        """Fetch one candidate in raw mode where the archive has one, judge it, check the claim on its text."""
        assert self.gateway is not None and self.fetcher is not None
        earlier = self.judged.get((want.url, want.reference, candidate.uri_m))
        if earlier is not None:
            return CopyVerdict(candidate, capture_id=earlier.capture_id, state=earlier.state, category=earlier.category,
                               detail=earlier.detail, claim=earlier.claim, claim_reason=earlier.claim_reason)
        uri = candidate.raw_uri or raw_memento(candidate.uri_m) or candidate.uri_m
        refused = never_fetched(uri, self.options.allow_private)
        if refused:  # an archive's answer named an address we never ask
            return CopyVerdict(candidate, reason=f"not fetched: {refused.detail}")
        service = memento_service(candidate, self.settings.archives)
        self.gateway.names.setdefault(service, archive_name(candidate.archive))  # its gate's sentences name it
        self.services[(urlsplit(uri).hostname or "").lower()] = service
        self.fetcher.mementos[uri] = {"uri_m": candidate.uri_m, "uri_r": candidate.url, "datetime": candidate.memento_at,
                                      "archive": candidate.archive, "found_by": candidate.found_by,
                                      "raw": uri != candidate.uri_m}
        capture = await self._fetched(uri, service)
        name = self.gateway.names.get(service, archive_name(candidate.archive))
        if isinstance(capture, str) or capture.error == GIVEN_UP:  # the archive given up: the sentence says why
            return self._not_fetched(candidate, service, capture if isinstance(capture, str) else capture.error_detail)
        if capture.error:
            self.gateway.gate(service).failed(capture.error_detail or capture.error)
            return self._not_fetched(candidate, service, f"{name} could not be reached ({capture.error_detail})")
        self.gateway.gate(service).succeeded()
        page, text = page_of(capture, self.options.max_decoded)
        capture.state = state = judge_memento(page, want.url)
        capture.body_head, capture.collector = b"", self.options.collector
        self.vault.add_url(capture.url)
        store_judged(self.vault, capture, text_row(text, None), memento=candidate)
        verdict = CopyVerdict(candidate, capture_id=capture.id, state=state.state, category=state.category,
                              detail=state.detail)
        if want.citation is not None and state.category == "alive":
            # the copy's own words only: the cited URL is every candidate's, so a name or date in its slug would
            # let a copy telling another story pass as supporting the claim
            source = (Source("", title=text.title or "", text=text.text, published=text.published)
                      if text and text.text.strip()
                      else Source(want.url, unavailable="not checked: no text was extracted from the archived copy"))
            claim = claim_against(want.citation, source, want.year)
            verdict = dataclasses.replace(verdict, claim=claim.verdict, claim_reason=claim.reason)
        return verdict


GIVEN_UP = "service-given-up"  # a memento's later request met its archive given up for the run
RATE_LIMITED_TRIES = 3  # times a memento is asked for while its archive answers 429


def _complete(search: CopySearch | None) -> bool:
    """A search worth keeping as it is: made, and no service it needed was out of reach."""
    return search is not None and not search.unreached


def _merge(outcome: ServiceOutcome, after: ServiceOutcome) -> None:
    """The CDX's outcome over both phases: found if either found, unreached if the second could not be asked."""
    outcome.candidates += after.candidates
    if after.outcome == FOUND or after.outcome == UNREACHED:
        outcome.outcome, outcome.detail = after.outcome, after.detail

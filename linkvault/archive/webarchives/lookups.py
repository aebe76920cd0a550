"""Asking the archives which captures of a URL they hold: the Internet Archive's CDX server around the reference
date, and the TimeMap of every other archive (or one MemGator aggregating them).

Each service's outcome is kept beside the candidates it gave, so a row can say "the Internet Archive could not be
reached" rather than "no copy": `found`, `none` (it answered, and holds nothing), or `unreached` (with why).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from linkvault.archive.webarchives.gateway import Gateway, Unreached
from linkvault.archive.webarchives.listings import cdx_candidates, timemap_candidates
from linkvault.model import Candidate, ReferenceDate, ServiceOutcome
from linkvault.model.copies import FOUND, NONE, UNREACHED

IA_CDX = "https://web.archive.org/cdx/search/cdx"
IA_NAME = "the Internet Archive"
PER_DIRECTION = 5  # CDX rows asked for on each side of the reference date


@dataclass(frozen=True)
class ArchiveSource:
    """An archive asked through its TimeMap: `timemap` is the prefix the URL-R is appended to."""

    key: str  # the service key its gate and cache use: "archive:arquivo.pt"
    name: str  # as a sentence names it: "Arquivo.pt"
    timemap: str
    found_by: str = "timemap"

    @classmethod
    def named(cls, name: str, timemap: str) -> ArchiveSource:
        """`--archive NAME=TIMEMAP-URL`."""
        return cls(f"archive:{name.lower()}", name, timemap)


# The archives asked besides the Internet Archive (whose CDX server answers for it), from MemGator's list of
# archives with public TimeMaps; `--archive` adds or replaces one, `--memgator` replaces them all.
DEFAULT_ARCHIVES = (
    ArchiveSource.named("arquivo.pt", "https://arquivo.pt/wayback/timemap/link/"),
    ArchiveSource.named("archive.today", "https://archive.today/timemap/"),
    ArchiveSource.named("webarchive.loc.gov", "https://webarchive.loc.gov/all/timemap/link/"),
    ArchiveSource.named("webarchive.org.uk", "https://www.webarchive.org.uk/wayback/archive/timemap/link/"),
    ArchiveSource.named("archive-it.org", "https://wayback.archive-it.org/all/timemap/link/"),
)


def memgator(url: str) -> ArchiveSource:
    """A self-hosted MemGator (`--memgator URL`): one TimeMap aggregating every archive it knows."""
    return ArchiveSource("memgator", "MemGator", url.rstrip("/") + "/timemap/link/", found_by="memgator")


def cdx_params(url: str, reference: ReferenceDate, after: bool = False) -> list[tuple[str, str]]:
    """The CDX query: 2xx and 3xx captures (a 3xx is listed so its reason can be given), no revisit rows, one row
    per distinct payload, the closest PER_DIRECTION before the reference day (or after it)."""
    params = [("url", url), ("output", "json"), ("filter", "statuscode:[23].."), ("filter", "!mimetype:warc/revisit"),
              ("collapse", "digest"), ("fl", "urlkey,timestamp,original,mimetype,statuscode,digest,length")]
    if reference.day is None:
        return params + [("limit", str(-PER_DIRECTION))]
    if after:
        start = reference.day + timedelta(days=1)
        return params + [("from", start.strftime("%Y%m%d") + "000000"), ("limit", str(PER_DIRECTION))]
    return params + [("to", f"{reference.stamp}235959"), ("limit", str(-PER_DIRECTION))]


async def ask_cdx(gateway: Gateway, url: str, reference: ReferenceDate,
                  after: bool = False) -> tuple[ServiceOutcome, list[Candidate]]:
    try:
        answer = await gateway.get("ia-cdx", IA_CDX, cdx_params(url, reference, after))
    except Unreached as exc:
        return ServiceOutcome("ia-cdx", UNREACHED, detail=exc.sentence), []
    if answer.status != 200:
        return _not_answered("ia-cdx", IA_NAME, answer.status, answer.body), []
    found = cdx_candidates(answer.body, url)
    return ServiceOutcome("ia-cdx", FOUND if found else NONE, len(found)), found


async def ask_timemap(gateway: Gateway, source: ArchiveSource, url: str) -> tuple[ServiceOutcome, list[Candidate]]:
    """An archive's TimeMap of `url`: 404 is its way of saying it holds none."""
    try:
        answer = await gateway.get(source.key, source.timemap + url)
    except Unreached as exc:
        return ServiceOutcome(source.key, UNREACHED, detail=exc.sentence), []
    if answer.status == 404:
        return ServiceOutcome(source.key, NONE), []
    if answer.status != 200:
        return _not_answered(source.key, source.name, answer.status, answer.body), []
    archive = "" if source.found_by == "memgator" else source.key.partition(":")[2]
    found = timemap_candidates(answer.body, url, archive, source.found_by)
    return ServiceOutcome(source.key, FOUND if found else NONE, len(found)), found


def _not_answered(service: str, name: str, status: int, body: str) -> ServiceOutcome:
    """An answer that is not a listing. The Wayback Machine names a site whose owner excluded it; any other
    status says the service could not answer now, which is not "no copy"."""
    if "AdministrativeAccessControlException" in body or "RobotAccessControlException" in body:
        return ServiceOutcome(service, NONE, detail=f"{name} does not show this site's captures (excluded)")
    return ServiceOutcome(service, UNREACHED, detail=f"{name} could not answer (HTTP {status})")


async def find_candidates(gateway: Gateway, url: str, reference: ReferenceDate,
                          archives: tuple[ArchiveSource, ...] = DEFAULT_ARCHIVES, *, ask_ia: bool = True
                          ) -> tuple[list[ServiceOutcome], list[Candidate]]:
    """Every archive's captures of `url` the first phase asks for: the CDX before the reference date, and each
    TimeMap (all of its captures, ordered later), asked at once, each through its own gate."""
    asks = ([ask_cdx(gateway, url, reference)] if ask_ia else []) + [ask_timemap(gateway, a, url) for a in archives]
    outcomes, candidates = [], []
    for outcome, found in await asyncio.gather(*asks):
        outcomes.append(outcome)
        candidates.extend(found)
    return outcomes, candidates

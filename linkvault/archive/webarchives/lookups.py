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
    name: str  # as a person reads it: "Arquivo.pt", "the Library of Congress web archive", a --archive NAME
    timemap: str
    found_by: str = "timemap"
    hosts: tuple[str, ...] = ()  # other hosts its mementos are served from (archive.today's mirrors)

    @classmethod
    def named(cls, name: str, timemap: str) -> ArchiveSource:
        """`--archive NAME=TIMEMAP-URL`: the user's NAME is how every line names it."""
        return cls(f"archive:{name.lower()}", name, timemap)

    @property
    def archive(self) -> str:
        """What its candidates' `archive` says: its host for a known archive, the NAME as given for the user's."""
        return self.key.partition(":")[2] if self in DEFAULT_ARCHIVES else self.name


# The archives asked besides the Internet Archive (whose CDX server answers for it), from MemGator's list of
# archives with public TimeMaps; `--archive` adds or replaces one, `--memgator` replaces them all. Each is named as
# people know it, never by its host: these names are the ones `copies`, `show` and `report` print.
DEFAULT_ARCHIVES = (
    ArchiveSource("archive:arquivo.pt", "Arquivo.pt", "https://arquivo.pt/wayback/timemap/link/"),
    ArchiveSource("archive:archive.today", "archive.today", "https://archive.today/timemap/",
                  hosts=("archive.ph", "archive.is", "archive.li", "archive.vn", "archive.md", "archive.fo")),
    ArchiveSource("archive:webarchive.loc.gov", "the Library of Congress web archive",
                  "https://webarchive.loc.gov/all/timemap/link/"),
    ArchiveSource("archive:webarchive.org.uk", "the UK Web Archive",
                  "https://www.webarchive.org.uk/wayback/archive/timemap/link/"),
    ArchiveSource("archive:archive-it.org", "Archive-It", "https://wayback.archive-it.org/all/timemap/link/"),
)
IA_HOSTS = ("web.archive.org", "archive.org")
MEMGATOR_NAME = "MemGator"


def archive_name(archive: str) -> str:
    """How a person reads the archive a copy came from: "web.archive.org" is the Internet Archive, a host of a
    default archive (or one of its mirrors, a subdomain) its name; anything else (a --archive NAME) as given."""
    host = archive.lower().removeprefix("www.")
    if any(host == h or host.endswith("." + h) for h in IA_HOSTS):
        return IA_NAME
    for source in DEFAULT_ARCHIVES:
        for known in (source.key.partition(":")[2], *source.hosts):
            if host == known or host.endswith("." + known):
                return source.name
    return archive


def service_name(service: str) -> str:
    """How a person reads a service key: "ia-cdx" is the Internet Archive, "archive:webarchive.loc.gov" the
    Library of Congress web archive, "memgator" MemGator."""
    if service.startswith("ia-"):
        return IA_NAME
    if service == "memgator":
        return MEMGATOR_NAME
    return archive_name(service.partition(":")[2] or service)


def memgator(url: str) -> ArchiveSource:
    """A self-hosted MemGator (`--memgator URL`): one TimeMap aggregating every archive it knows."""
    return ArchiveSource("memgator", MEMGATOR_NAME, url.rstrip("/") + "/timemap/link/", found_by="memgator")


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
    archive = "" if source.found_by == "memgator" else source.archive
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

"""Records of the world's web archives (issue 14): the date a footnote is read at, a copy an archive lists, the
verdict on it once fetched and judged, the search for one link's copies, and an independent witness's capture.

They pass between the stages like every record here: found by capture (the archive clients), judged with
linkvault's own rules, stored by the vault, shown by render, written back into the report by robustify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# How a reference date was found (kept as these values; shown as "cited as of 2024-04-04 (the entry's date)").
ENTRY_DATE, REPORT_DATE, AS_OF = "entry date", "report date", "--as-of"

# Where a candidate came from.
FOUND_BY = ("cdx", "availability", "timemap", "memgator", "save-page-now")

# What became of a candidate: the copy offered, one judged and passed over, or one never fetched (a closer copy
# was valid, or --candidates was reached).
OFFERED, PASSED_OVER, NOT_FETCHED = "offered", "passed-over", "not-fetched"

# The outcome of asking one service about one link. `unreached` is our side's or the service's trouble, never
# "no copy exists": it never replaces an earlier `found` or `none`.
FOUND, NONE, UNREACHED, SKIPPED = "found", "none", "unreached", "skipped"

# What a request to an outside service came to: an answer (any the service gave, a 404 "none" included, is
# cached and asked no more), or none (unreached: never cached over an answer).
ANSWERED = "answered"

# A witness's verdict on an archive's capture against ours.
SAME, SAME_DECODED, DIFFERS, PENDING = "same", "same-decoded", "differs", "pending"


@dataclass(frozen=True)
class ServiceAnswer:
    """One answer an outside service gave (or why none came), as the vault caches it: a re-run asks nothing again."""

    service: str  # "ia-cdx", "archive:arquivo.pt" …
    request: str  # canonical: method, URL with its query sorted, the form body sorted; never credentials
    outcome: str = ANSWERED  # ANSWERED or UNREACHED
    http_status: int | None = None
    content_type: str | None = None
    body: str = ""
    detail: str | None = None  # for UNREACHED: why, in one sentence
    asked_at: str | None = None  # ISO 8601 UTC; the vault stamps it when not given


@dataclass(frozen=True)
class ReferenceDate:
    """The day a footnote's source is read at: the chronicle entry's own date, else the report's, else --as-of.
    `day` None: no date anywhere, so the newest valid copy is offered (and the row says so)."""

    day: date | None
    basis: str | None = None  # ENTRY_DATE, REPORT_DATE or AS_OF
    detail: str | None = None  # what was read: 'entry: "April 4"', 'docProps/core.xml dcterms:modified'

    @property
    def stamp(self) -> str | None:
        """The day as the Wayback APIs take it (YYYYMMDD)."""
        return self.day.strftime("%Y%m%d") if self.day else None


@dataclass(frozen=True)
class Candidate:
    """One capture an archive lists for a URL (URI-R), before anything of it is fetched."""

    url: str  # the URL as cited (URI-R)
    archive: str  # "web.archive.org", "arquivo.pt", "archive.ph" …
    uri_m: str  # the memento's URI, in the archive's replay form
    memento_at: str  # ISO 8601 UTC, "2024-04-01T09:12:33Z"
    found_by: str  # one of FOUND_BY
    listed_status: int | None = None  # the archived HTTP status, where the listing says (CDX does, TimeMaps do not)
    listed_mimetype: str | None = None
    listed_digest: str | None = None  # CDX's payload digest: base32 SHA-1 of the archived payload
    raw_uri: str | None = None  # the URI that returns the archived bytes as received (Wayback's id_ mode), if any


@dataclass
class CopyVerdict:
    """A candidate after linkvault judged it: fetched (its capture in the vault) or not, and why it is or is not
    the copy a footnote should point to."""

    candidate: Candidate
    choice: str = NOT_FETCHED  # OFFERED, PASSED_OVER or NOT_FETCHED
    reason: str = ""  # why passed over or not fetched, in one sentence; empty for the copy offered
    capture_id: int | None = None  # the memento's capture (role memento), once fetched
    state: str | None = None  # the archived page's link state (ok, soft-404, redirected-to-homepage …)
    category: str | None = None
    detail: str | None = None
    claim: str | None = None  # the claim check's verdict on the copy's text, where it ran
    claim_reason: str | None = None  # why the claim check said so ("Adilbekov not found")
    rank: int = 0  # order in which the copies are listed: the offered one first


@dataclass
class ServiceOutcome:
    """What one service said about one link, or why it could not say."""

    service: str  # "ia-cdx", "ia-availability", "archive:arquivo.pt", "memgator" …
    outcome: str  # FOUND, NONE, UNREACHED or SKIPPED
    candidates: int = 0
    detail: str | None = None  # for UNREACHED: "the Internet Archive could not be reached (…)"


@dataclass
class CopySearch:
    """The search for one cited URL's archived copies at its reference date, and what came of it."""

    url: str
    reference: ReferenceDate
    services: list[ServiceOutcome] = field(default_factory=list)
    copies: list[CopyVerdict] = field(default_factory=list)

    @property
    def offered(self) -> CopyVerdict | None:
        return next((c for c in self.copies if c.choice == OFFERED), None)

    @property
    def unreached(self) -> list[ServiceOutcome]:
        return [s for s in self.services if s.outcome == UNREACHED]


@dataclass
class SpnJob:
    """A Save Page Now 2 job submitted for a live source we captured (`capture_id`)."""

    job_id: str
    url: str
    capture_id: int | None
    submitted_at: str
    status: str = "pending"  # pending, success, error
    status_ext: str | None = None  # SPN2's error code ("error:user-session-limit" …)
    message: str | None = None
    archive_timestamp: str | None = None  # 14 digits, on success
    original_url: str | None = None
    uri_m: str | None = None


@dataclass(frozen=True)
class Witness:
    """An independent archive's capture of a page set against ours: the same payload, or not."""

    capture_id: int  # ours
    archive: str
    uri_m: str
    archive_at: str  # ISO 8601 UTC
    archive_digest: str | None  # CDX's base32 SHA-1
    our_sha1: str | None  # base32 SHA-1 of our recorded payload
    verdict: str  # SAME, SAME_DECODED, DIFFERS or PENDING
    sentence: str  # what show, report and the pack print
    our_sha1_decoded: str | None = None  # the same of our payload decoded, where a Content-Encoding applies
    text_similarity: float | None = None  # for DIFFERS: how alike the two pages' extracted texts are, 0 to 1


@dataclass
class WitnessRun:
    """What `fetch --save-page-now` did: jobs submitted, captures compared with ours, what is left for the next
    run, and what the user should hear (the account's quota ran out, the keys were refused …)."""

    submitted: int = 0
    same: int = 0  # the archive's capture holds our payload (as received, or once decoded)
    differs: int = 0
    pending: int = 0  # jobs (or index rows) still awaited: the next run finishes them
    failed: int = 0  # the archive could not capture the page (its observation, never our verdict)
    not_submitted: int = 0
    witnesses: list[Witness] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VersionLink:
    """One archived version of a footnote's source, as robustify writes it beside the original (Robust Links:
    data-versionurl, data-versiondate)."""

    uri: str  # the version URL: an archive's memento, the Save Page Now capture, or the evidence pack's page
    day: date  # the version's date (data-versiondate, YYYY-MM-DD)
    label: str = "archived"  # the words before the date in plain text: "archived", "Save Page Now", "evidence pack"


@dataclass
class CopiesRow:
    """One footnote URL `copies` looked up: its footnote, the verdict on the link itself, and the search."""

    report: str
    number: int | str
    label: str
    url: str
    state: str | None  # the link's own verdict (dead, soft-404 …), as `report` gives it
    search: CopySearch

    @property
    def ok(self) -> bool:
        """A validated copy is offered, and every service was asked."""
        return self.search.offered is not None and not self.search.unreached


@dataclass
class CopiesResult:
    """What `copies` found for each looked-up link of its reports."""

    vault: str
    rows: list[CopiesRow] = field(default_factory=list)
    not_looked_up: int = 0  # links whose verdict called for no search (alive, or never fetched), without --all
    # The run's seal, as a fetch's: RFC 3161 results for its manifest, the records it lists, of them those earlier
    # runs left unsealed; and things the user should hear once (every authority failed …).
    stamps: list = field(default_factory=list)
    sealed: int = 0
    sealed_earlier: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

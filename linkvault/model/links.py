"""One link on its way from the report to render: what fetching a URL gave (`Capture`), that capture as the judges
read it (`Page`), and one footnote's URL with its verdict (`Link`): each stage extends the record before rather
than copying it.

`fetch` makes a `Capture` per URL and a `Link` per footnote URL holding it; the vault stores a capture as a row
and gives it back as a `Capture` (linkvault/vault/capture_rows.py, the one place that spells its columns);
`report` builds the same `Link`s from the vault, adds the claim's verdict, and `pack` wraps each in an
`EvidenceRow` with what the WARC files seal. Nothing here knows of WARC files, SQLite or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from linkvault.model.copies import CopySearch
from linkvault.model.drift import Drift
from linkvault.model.history import HistoryVerdict
from linkvault.model.records import LinkState


@dataclass
class Hop:
    url: str
    status: int | None
    location: str | None = None
    via: str | None = None  # how a 2xx page sent us on: "meta-refresh" or "script" (a redirect stub)

    def as_record(self) -> dict:
        record = {"url": self.url, "status": self.status, "location": self.location}
        return {**record, "via": self.via} if self.via else record


@dataclass(frozen=True)
class RecordLocation:
    """Where a WARC record lies: its file, offset and length, and its id and payload digest."""

    file: str
    offset: int
    length: int
    record_id: str
    payload_digest: str | None
    revisit_of: str | None = None
    payload_sha1: str | None = None  # base32 SHA-1 of the payload as recorded: the Wayback CDX's digest
    payload_sha1_decoded: str | None = None  # the same of the payload decoded, where a Content-Encoding applies


@dataclass(frozen=True)
class Connection:
    """What the socket showed while the response was read."""

    ip: str | None = None
    port: int | None = None
    tls_version: str | None = None
    tls_cipher: str | None = None
    chain_pem: tuple[str, ...] = field(default_factory=tuple)  # as the server sent it, leaf first


@dataclass(frozen=True)
class Account:
    """The logged-in account a capture was made as (`fetch --cookies FILE --as NAME`): its label and the names of
    the cookies sent, never their values. What the capture shows is what that account could see."""

    label: str  # --as NAME, else "authenticated session from FILE"
    cookie_names: tuple[str, ...]  # names of the cookies sent, never their values


@dataclass
class Capture:
    """What one URL gave us, success or not; once judged, its verdict (`state`) and title; once stored, its id
    in the vault. Read back from the vault it holds what the captures table keeps (no headers nor body)."""

    url: str
    fetched_at: str
    final_url: str | None = None
    status: int | None = None
    hops: list[Hop] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0
    error: str | None = None
    error_detail: str | None = None
    ip: str | None = None
    record: RecordLocation | None = None
    truncated: bool = False
    size: int = 0
    body_head: bytes = b""
    title: str | None = None  # filled once the text is extracted
    connected: bool = False  # a failure after the host had accepted our connection
    unknown_issuer: bool = False  # TLS failed because no trusted root vouches for the chain: the site's fault or ours
    proxy_answer: str | None = None  # the user's proxy would not tunnel to the host ("502 Bad Gateway"): whose fault?
    state: LinkState | None = None  # the verdict, once judged
    connection: Connection | None = None
    provenance_id: str | None = None  # the WARC metadata record describing the final exchange
    collector: str | None = None  # who collected it (--collector), as the vault records it for a cited URL
    id: int | None = None  # its row in the vault, once stored
    account: Account | None = None  # the logged-in account it was fetched as (None: anonymously)
    vantage: str | None = None  # the vantage point it was fetched from (fetch --vantage; None: none was named)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Page:
    """A capture as the judges read it: its decoded HTML, extracted text and title beside what fetching it
    showed. Built from a capture's body (archive/pages.py), or with none: a stored capture judged from its row."""

    capture: Capture
    html: str = ""
    text: str = ""
    title: str | None = None
    account: str | None = None

    @cached_property
    def head(self) -> str:
        """The html's first 300,000 characters lower-cased, which the rules match their page-wide patterns against
        (lower-case patterns: much faster than re.I): made once per page, not a copy by each rule, and a piece at a
        time: on text not all ASCII, str.lower() works in 12 bytes a character (3.6 MB for 300,000 Cyrillic ones)."""
        end = min(len(self.html), 300_000)
        if self.html.isascii():
            return self.html[:end].lower()
        return "".join(self.html[at:min(at + 16_384, end)].lower() for at in range(0, end, 16_384))

    @property
    def url(self) -> str:
        return self.capture.url

    @property
    def final_url(self) -> str | None:
        return self.capture.final_url

    @property
    def status(self) -> int | None:
        return self.capture.status

    @property
    def hops(self) -> list[Hop]:
        return self.capture.hops

    @property
    def error(self) -> str | None:
        return self.capture.error

    @property
    def error_detail(self) -> str | None:
        return self.capture.error_detail

    def header(self, name: str) -> str | None:
        return self.capture.header(name)


@dataclass(slots=True)  # a report may have a million links: no dict each
class Link:
    """One URL of one footnote (`url` None: a footnote with no source), and the verdict on it.

    Capture attaches what fetching it gave (or an earlier run's capture, `reused`); review attaches the verdict of a
    link never captured, judges one captured before link states existed, and adds the claim's verdict. What a
    capture says (status, final URL, title, WARC record) is read from it, never copied."""

    number: int | str
    label: str
    line: int | None
    url: str | None
    category: str | None = None
    state: str | None = None
    detail: str | None = None
    capture: Capture | None = None
    reused: bool = False  # the capture is an earlier run's
    claim: str | None = None  # the claim check's verdict, once judged
    report: str = ""  # the report citing it, as the run names it
    copy_search: CopySearch | None = None  # the last `copies` search for it (`report` attaches it; None: never searched)
    history: HistoryVerdict | None = None  # its checks read together (`report` attaches it; None: never checked)
    drift: Drift | None = None  # the newest drift `recheck` stored for it (`report` attaches it; None: none judged)
    # The newest capture that showed the page, when that is not the verdict capture (`report` attaches it): a source
    # archived alive and found failing later keeps that capture as its evidence (None: none, or the verdict shows it).
    shown: Capture | None = None

    def judged_by(self, capture: Capture, *, reused: bool = False) -> Link:
        """This link with `capture` as its evidence, and the capture's verdict as its own."""
        self.capture, self.reused = capture, reused
        verdict = capture.state  # None: captured before link states existed, which review judges
        self.state, self.category, self.detail = (verdict.state, verdict.category, verdict.detail) if verdict else (None,) * 3
        return self

    @property
    def host(self) -> str | None:
        return urlsplit(self.url).hostname if self.url else None

    @property
    def http_status(self) -> int | None:
        return self.capture.status if self.capture else None

    status = http_status

    @property
    def error(self) -> str | None:
        """Why no answer came (timeout, dns-failure …) or why the URL was never sent (invalid-url …)."""
        return self.capture.error if self.capture else None

    @property
    def fetched_at(self) -> str | None:
        return self.capture.fetched_at if self.capture else None

    @property
    def final_url(self) -> str | None:
        return self.capture.final_url if self.capture else None

    @property
    def title(self) -> str | None:
        return self.capture.title if self.capture else None

    @property
    def warc_file(self) -> str | None:
        return self.capture.record.file if self.capture and self.capture.record else None

    @property
    def warc_offset(self) -> int | None:
        return self.capture.record.offset if self.capture and self.capture.record else None

    @property
    def archived_at(self) -> str | None:
        """When the capture in the WARC was made (None: nothing is in the WARC)."""
        return self.capture.fetched_at if self.capture and self.warc_file else None

    @property
    def capture_id(self) -> int | None:
        return self.capture.id if self.capture else None

    @property
    def account(self) -> Account | None:
        """The logged-in account its capture was made as (None: anonymously, or not captured)."""
        return self.capture.account if self.capture else None

    @property
    def vantage(self) -> str | None:
        """The vantage point its capture was made from (None: the run named none, or not captured)."""
        return self.capture.vantage if self.capture else None

    @property
    def last_shown_at(self) -> str | None:
        """When it was last archived showing the page, if that is not its verdict capture."""
        return self.shown.fetched_at if self.shown else None

    @property
    def archived(self) -> bool:
        return self.capture is not None and self.capture.ok


@dataclass(frozen=True)
class Retry:
    """A transient failure about to be retried, for a progress display to name while it waits."""

    url: str
    attempt: int  # the attempt coming next, from 2
    attempts: int  # at most this many
    reason: str  # the last failure: an HTTP status ("503") or a link state ("timeout")
    wait: float  # seconds until the next attempt

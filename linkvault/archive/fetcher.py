"""Fetching: async httpx, polite per host, retrying only what is worth retrying, streaming to WARC.

One `Fetcher` serves a run. Each URL is followed hop by hop (redirects are ours to follow, so
the guard sees every hop and the WARC holds every exchange), each hop retried with tenacity on
transient failures only: connect errors, resets, timeouts, 429 and 502/503/504 (honouring a capped
`Retry-After`); never a 404. A redirect stub (a 200 page that only sends the browser on, by meta
refresh or script: see `redirect_stubs`) is one more hop, under the same guard and hop limit.
The outcome for a URL is a `Capture` whose `error` names a link state (timeout, dns-failure,
connection-error, tls-error, too-many-redirects, blocked-address, unsupported-scheme, invalid-url);
a batch never stops for one URL's failure: an address httpx cannot build, a Location it cannot read,
even a fault of our own on one page is that URL's outcome. `--timeout` bounds each attempt whole,
its body included, so a page dripping a byte a second is a timeout too.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from linkvault.archive.cookies import Session, cookie_header
from linkvault.archive.egress_policy import EgressPolicy, resolve_egress, shown
from linkvault.archive.extract import DECODED_LIMIT
from linkvault.archive.failures import FailedFetch, TooSlow, classify_exception
from linkvault.archive.guard import Guard, Refused
from linkvault.archive.pages import head_size
from linkvault.archive.provenance import Connection, Provenance, connection_of, software
from linkvault.archive.redaction import redaction_record, request_redacted, response_redacted
from linkvault.archive.redirect_stubs import redirect_stub
from linkvault.archive.retries import TRANSIENT_STATUS, TransientStatus, retry_after_seconds, retrying, transient
from linkvault.archive.transport import Client, Router
from linkvault.archive.vantage import Vantage, VantageOptions
from linkvault.archive.warc import (
    Body,
    HttpRequestHead,
    HttpResponseHead,
    IdsAndClock,
    RecordLocation,
    WarcRecorder,
    http_date,
)
from linkvault.archive.warc_recovery import RecordingFailed
from linkvault.errors import named
from linkvault.model import Account, Capture, Hop, Retry

REDIRECTS = (301, 302, 303, 307, 308)
T = TypeVar("T")
__all__ = ["TRANSIENT_STATUS", "Fetcher", "FetchOptions", "retry_after_seconds"]  # what the web-archive runs import
PROJECT_URL = "https://github.com/linkvault/linkvault"


@dataclass
class FetchOptions:
    concurrency: int = 16
    per_host: int = 2
    timeout: float = 30.0
    deadline: float | None = None
    max_size: int = 50 * 1024 * 1024
    max_decoded: int = DECODED_LIMIT  # a body's Content-Encoding is undone to at most this many bytes
    max_redirects: int = 10
    retries: int = 3
    backoff: float = 1.0
    retry_after_cap: float = 60.0
    retry_statuses: tuple[int, ...] = TRANSIENT_STATUS  # answers tried again; `copies` leaves a 429 to its gate
    proxy: str | None = None
    ca_bundle: str | None = None
    allow_private: bool = False
    user_agent: str | None = None
    collector: str | None = None  # who collects: written into every capture's provenance
    tsa: tuple[str, ...] = ()  # RFC 3161 time-stamp authorities for the run's manifest (none: no timestamp)
    screenshots: bool = False  # a full-page PNG of every captured HTML page, through headless Chromium
    browser_profile: str | None = None  # a Chromium user-data dir to render in (a copy of it): the researcher logged in
    tabs: int = 3  # browser tabs rendering at once
    ids_and_clock: IdsAndClock = field(default_factory=IdsAndClock)  # the WARC records' ids and dates
    session: Session | None = None  # a logged-in account's cookies (--cookies, --as), sent only where they match
    redact_set_cookie: bool = False  # the responses' Set-Cookie values too are kept out of the WARC and the vault
    vantage: VantageOptions = field(default_factory=VantageOptions)  # other vantage points a failure is checked from

    @functools.cached_property
    def egress(self) -> EgressPolicy:
        """The run's one proxy and CA resolution (flags, then the environment), shared by every client."""
        return resolve_egress(self.proxy, self.ca_bundle)

    @property
    def url_deadline(self) -> float:
        return self.deadline or max(120.0, self.timeout * (self.retries + 2))

    def as_record(self) -> dict:
        """The options worth writing into warcinfo (no secrets: a proxy's credentials are cut)."""
        proxy = shown(self.egress.proxy) if self.egress.proxy else None
        account: dict = {"account": self.session.label} if self.session else {}  # a label: the cookies never
        account |= {"vantages": self.vantage.as_record()} if self.vantage.active else {}
        return account | {"concurrency": self.concurrency, "per_host": self.per_host, "timeout": self.timeout,
                "max_size": self.max_size, "max_redirects": self.max_redirects, "retries": self.retries,
                "proxy": proxy, "allow_private": self.allow_private, "collector": self.collector,
                # whether the run meant to be timestamped: audit tells --no-timestamp from a manifest removed
                "timestamp_authorities": [shown(tsa) for tsa in self.tsa]}


@dataclass
class _Exchange:
    status: int
    headers: list[tuple[str, str]]
    location: str | None
    record: RecordLocation
    connection: Connection
    fetched_at: str
    truncated: bool
    size: int
    body_head: bytes
    cookie_names: tuple[str, ...] = ()  # the session's cookies sent with the request
    redacted: dict | None = None  # what the exchange's records withhold (archive/redaction.py)


async def _within(seconds: float, coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.wait_for(coroutine, seconds)`, without the task it makes where `asyncio.timeout` exists (3.11): two
    tasks less a URL. TimeoutError either way."""
    if sys.version_info < (3, 11):
        return await asyncio.wait_for(coroutine, seconds)
    async with asyncio.timeout(seconds):
        return await coroutine


class Fetcher:
    """Fetches for one run from one vantage point: the run's own egress, or `vantage`'s (its proxy, the same CA and
    the same address guard); every capture it makes names its vantage point when the run names any."""

    def __init__(self, options: FetchOptions, recorder: WarcRecorder, version: str, vantage: Vantage | None = None):
        self.options = options
        self.recorder = recorder
        self.guard = Guard(allow_private=options.allow_private)
        self.vantage = vantage.name if vantage else options.vantage.home
        egress = vantage.egress(options.egress) if vantage else options.egress
        self._router = Router(egress, allow_private=options.allow_private, per_host=options.per_host)
        self.client = Client(
            transport=self._router,
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
            headers={
                "User-Agent": options.user_agent or f"linkvault/{version} (+{PROJECT_URL}; archiving cited sources)",
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Language": "ru,kk;q=0.9,en;q=0.8",
                "Accept-Encoding": "gzip, deflate",
            },
        )
        self._global = asyncio.Semaphore(options.concurrency)
        self._provenance = Provenance(options=options.as_record(), collector=options.collector, about=software())
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self.echoed: set[tuple[str, str]] = set()  # (host, name): a session cookie the site set again, kept as received
        self.down: str | None = None  # why this vantage point could not look (its proxy down): it is not asked again
        self.on_retry: Callable[[Retry], None] | None = None  # told before each wait between attempts
        # Where a redirect from `current` to `target` is followed (None: not at all, the capture ends there). An
        # archive's memento must never lead to the live site: `copies` keeps each hop inside the archive.
        self.steer: Callable[[str, str], str | None] = lambda current, target: target
        self.mementos: dict[str, dict] = {}  # URL fetched → the archived copy it is (archive, URI-M, date)
        # Awaited before every request of a capture but its first (which its caller let through): a redirect hop
        # or a retry inside an archive waits its turn at the archive's gate like the first did. It may raise
        # FailedFetch (the archive was given up for the run).
        self.gate: Callable[[str], Awaitable[None]] | None = None

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, url: str) -> Capture:
        """Follow `url` to its end within the per-URL deadline; never raises for the URL's sake."""
        started = time.monotonic()
        capture = Capture(url=url, fetched_at=http_date(self.recorder.ids_and_clock.now()),
                          vantage=self.vantage if self.options.vantage.active else None)
        try:
            await _within(self.options.url_deadline, self._follow(url, capture))
        except (asyncio.TimeoutError, TimeoutError):
            capture.error, capture.error_detail = "timeout", f"gave up after {self.options.url_deadline:.0f} s"
        except FailedFetch as exc:
            capture.error, capture.error_detail, capture.connected = exc.state, exc.detail, exc.connected
            capture.unknown_issuer, capture.proxy_answer = exc.unknown_issuer, exc.proxy_answer
        except httpx.InvalidURL as exc:  # an address browsers read but httpx does not (999.1.1.1): one URL's fate
            capture.error, capture.error_detail = "invalid-url", f"not fetched: {exc}"
        except RecordingFailed:
            raise  # the WARC cannot be written: the run stops, no URL is judged for it
        except Exception as exc:  # a fault of ours on this one URL: named, and the run goes on
            capture.error, capture.error_detail = "internal-error", f"linkvault failed fetching it: {named(exc)}"
        capture.elapsed = round(time.monotonic() - started, 3)
        return capture

    async def _follow(self, url: str, capture: Capture) -> None:
        current = url
        at_stub: dict | None = None  # the capture as it stood at the first redirect stub
        try:
            for hop in range(self.options.max_redirects + 1):
                try:
                    self.guard.check(current)
                except Refused as exc:
                    raise FailedFetch(exc.state, exc.detail) from exc
                exchange = await self._with_retries(current, admitted=hop == 0)
                stub = None if exchange.status in REDIRECTS else redirect_stub(current, exchange.status,
                                                                               exchange.headers, exchange.body_head)
                capture.hops.append(Hop(current, exchange.status, stub.target if stub else exchange.location,
                                        stub.via if stub else None))
                capture.final_url, capture.status, capture.headers = current, exchange.status, exchange.headers
                capture.record, capture.ip, capture.connection = exchange.record, exchange.connection.ip, exchange.connection
                self._record_provenance(current, exchange, capture)
                capture.truncated, capture.size, capture.body_head = exchange.truncated, exchange.size, exchange.body_head
                capture.account = self._account(capture.account, exchange.cookie_names)
                if exchange.status in REDIRECTS and exchange.location:
                    steered = self.steer(current, urljoin(current, exchange.location))
                    if steered is None:
                        return
                    current = steered
                    continue
                if stub is None:
                    if at_stub is not None and exchange.status >= 400:
                        vars(capture).update(at_stub)
                    return
                at_stub = at_stub or {**vars(capture), "hops": list(capture.hops)}
                if any(hop.url == stub.target for hop in capture.hops):  # a browser would bounce for ever
                    raise FailedFetch("too-many-redirects", f"a redirect loop: {current} sends back to {stub.target}")
                steered = self.steer(current, stub.target)
                if steered is None:
                    return
                current = steered
            raise FailedFetch("too-many-redirects", f"more than {self.options.max_redirects} redirects, the last to {current}")
        except FailedFetch as exc:
            # Where a stub's target fails, a browser may have carried a cookie or run a script we do not: the
            # stub is judged as it stands (the attempt stays in the WARC). A refusal by the guard stands.
            if at_stub is None or exc.state in ("blocked-address", "unsupported-scheme"):
                raise
            vars(capture).update(at_stub)

    async def _with_retries(self, url: str, admitted: bool = True) -> _Exchange:
        """The exchange at `url`, tried again on transient failures only (archive/retries.py)."""
        proxy = self._router.egress.proxy_for(url)
        try:
            if self.gate is not None and not admitted:
                await self.gate(url)
            exchange = await self._exchange(url)
            if exchange.status not in self.options.retry_statuses:
                return exchange
            first: BaseException = TransientStatus(exchange)
        except Exception as exc:
            if not transient(exc, proxy):
                if isinstance(exc, httpx.HTTPError):
                    raise classify_exception(exc, url, proxy) from exc
                raise
            first = exc
        opts = self.options
        return await retrying(functools.partial(self._again, url), first, url=url, proxy=proxy, retries=opts.retries,
                              backoff=opts.backoff, retry_after_cap=opts.retry_after_cap,
                              retry_statuses=opts.retry_statuses, before_sleep=lambda state: self._tell_retry(url, state))

    async def _again(self, url: str) -> _Exchange:
        """An attempt after the first: it waits its turn at the gate first, where there is one."""
        if self.gate is not None:
            await self.gate(url)
        return await self._exchange(url)

    def _tell_retry(self, url: str, state) -> None:
        if self.on_retry is None:
            return
        exc = state.outcome.exception()
        reason = str(exc.exchange.status) if isinstance(exc, TransientStatus) else classify_exception(exc, url).state
        self.on_retry(Retry(url, state.attempt_number + 1, self.options.retries + 1, reason,
                            state.next_action.sleep if state.next_action else 0.0))

    def _account(self, account: Account | None, sent: tuple[str, ...]) -> Account | None:
        """The capture's account once this hop sent the session's cookies `sent` (the names of every hop's)."""
        if not sent or self.options.session is None:
            return account
        return self.options.session.account(tuple(dict.fromkeys((account.cookie_names if account else ()) + sent)))

    def _with_session(self, request: httpx.Request) -> tuple[str, ...]:
        """Put the session's cookies for this URL on `request`, before any a site set during the run (the file's
        win over theirs of the same name); their names. No cookie of the file goes where it does not match."""
        cookies = self.options.session.cookies_for(str(request.url)) if self.options.session else []
        if not cookies:
            return ()
        names = {c.name for c in cookies}
        theirs = [part.strip() for part in request.headers.get("Cookie", "").split(";")
                  if part.strip() and part.split("=", 1)[0].strip() not in names]
        request.headers["Cookie"] = "; ".join([cookie_header(cookies), *theirs])
        return tuple(c.name for c in cookies)

    def _note_echoes(self, host: str, headers: list[tuple[str, str]], sent: tuple[str, ...]) -> None:
        """Remember a site setting one of the session's own cookies again (a refreshed value lands in the WARC)."""
        for key, value in headers:
            name = value.split("=", 1)[0].strip()
            if key.lower() == "set-cookie" and name in sent:
                self.echoed.add((host, name))

    def _record_provenance(self, url: str, exchange: _Exchange, capture: Capture) -> None:
        """A metadata record beside the response: who, with what, from where, over which TLS, as which account."""
        account = self.options.session.account(exchange.cookie_names) if self.options.session else None
        text = self._provenance.text(
            url=url, captured_at=exchange.fetched_at, connection=exchange.connection, status=exchange.status,
            hops=[h.as_record() for h in capture.hops], memento=self.mementos.get(capture.url),
            account=account if exchange.cookie_names else None, vantage=self._vantage_record(),
            redacted=exchange.redacted)
        capture.provenance_id = self.recorder.write_metadata(exchange.record.record_id, text)

    def _vantage_record(self) -> dict | None:
        """The vantage point as provenance names it: its name and proxy (credentials cut); None when the run named none."""
        if not self.options.vantage.active:
            return None
        proxy = self._router.egress.proxy
        return {"name": self.vantage, "proxy": shown(proxy) if proxy else None}

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        key = f"{parts.hostname}:{parts.port or parts.scheme}"
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(self.options.per_host)
        return self._hosts[key]

    async def _exchange(self, url: str) -> _Exchange:
        # The host's turn first: a request waiting on a busy host must not hold one of the global slots.
        async with self._host_slot(url), self._global:
            try:  # httpx bounds each read, not the answer: a byte a second would never time out
                return await _within(self.options.timeout, self._exchange_now(url))
            except (asyncio.TimeoutError, TimeoutError) as exc:
                raise TooSlow(f"did not send the whole page within {self.options.timeout:g} s "
                               "(--timeout)") from exc

    async def _exchange_now(self, url: str) -> _Exchange:
        request = self.client.build_request("GET", url)
        sent = self._with_session(request)
        fetched_at = self.recorder.ids_and_clock.now()
        response = await self.client.exchange(request)
        if response.status_code == 407 and self._router.proxied(request.url):
            # A plain-HTTP request through a proxy gets the proxy's refusal as its answer: no page's.
            await response.aclose()
            raise httpx.ProxyError(f"407 {response.reason_phrase}", request=request)
        body = Body(self.options.max_size, self.options.max_decoded)
        try:
            connection = connection_of(response.extensions.get("network_stream"), self._router.proxied(request.url))
            ip = connection.ip
            async for chunk in response.aiter_raw():
                if not body.write(chunk):
                    break
            headers, kept_back = response_redacted([(k.decode("latin-1"), v.decode("latin-1"))
                                                    for k, v in response.headers.raw], self.options.redact_set_cookie)
            if sent and not kept_back:
                self._note_echoes(request.url.host, headers, sent)
            sent_headers, withheld = request_redacted([(k.decode("latin-1"), v.decode("latin-1"))
                                                       for k, v in request.headers.raw])
            record = self.recorder.write_exchange(
                HttpRequestHead("GET", str(request.url), request.url.raw_path.decode("ascii"),
                                response.http_version, sent_headers),
                HttpResponseHead(response.status_code, response.reason_phrase, response.http_version, headers),
                body, fetched_at=fetched_at, ip=ip)
            kind = (response.headers.get("content-type") or "html").lower()
            head = body.read_head(head_size(url)) if any(t in kind for t in ("html", "xml", "json", "text/")) else b""
            return _Exchange(status=response.status_code, headers=headers,
                             location=response.headers.get("location"), record=record, connection=connection,
                             fetched_at=http_date(fetched_at),
                             truncated=body.truncated, size=body.size, body_head=head, cookie_names=sent,
                             redacted=redaction_record(withheld, kept_back) if withheld or kept_back else None)
        finally:
            body.close()
            await response.aclose()

"""The one way out to the world's web archives: every lookup goes through the run's egress policy (the user's
proxy and CA, the address guard) and through its service's gate, and every answer is kept, so a second run asks
nothing again.

An answer is what a service said, 404 ("no TimeMap for this URL") included. A service that could not be asked
— the network down, the proxy refusing, a wait longer than a run waits — is `Unreached`, with a sentence that
names why; a lookup that could not be made is never reported as "no copy exists".
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import httpx

from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.failures import classify_exception
from linkvault.archive.fetcher import retry_after_seconds
from linkvault.archive.guard import Guard
from linkvault.archive.transport import Client, Router
from linkvault.archive.webarchives.gate import WAIT_CAP, Clock, RealClock, ServiceGate, Unreached, rate_for
from linkvault.model.copies import UNREACHED, ServiceAnswer
from linkvault.parsing.urls import is_private_host
from linkvault.vault.copies import request_key

TRANSIENT = (502, 503, 504)
TRIES = 3  # a transient failure is tried again twice, after 2 then 4 seconds
MAX_PAUSES = 5  # 429s one request waits out before its service counts as unreached
MAX_ANSWER = 32 * 1024 ** 2  # bytes of one answer read; a CDX listing of 150,000 rows is about 20 MiB
OWN_SIDE = ("proxy-unreachable", "proxy-refused")  # nothing was asked of the service: stop at once


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str | None
    body: str  # decoded by the charset its Content-Type names (UTF-8 when it names none)
    cached: bool = False
    raw: bytes | None = None  # the body as received, for `get_bytes` (a page read by linkvault's own charset sniffing)


BYTES = "\n(bytes)"  # the cache key's mark of an answer kept byte for byte (`get_bytes`)


class AnswerCache(Protocol):
    """Where answers are kept between runs: the vault (its archive_answers table)."""

    def cached_answer(self, service: str, request: str) -> ServiceAnswer | None: ...

    def store_answer(self, answer: ServiceAnswer) -> None: ...


class Gateway:
    """One per run (an async context manager): an httpx client over the fetcher's transport (proxy per URL, the
    guard at connect time), the guard on every URL asked, a gate per service, and the answer cache."""

    def __init__(self, egress: EgressPolicy, *, names: Mapping[str, str], rates: Mapping[str, float] | None = None,
                 cache: AnswerCache | None = None, allow_private: bool = False, operator_hosts: Sequence[str] = (),
                 refresh: bool = False, clock: Clock | None = None, timeout: float = 30.0,
                 wait_cap: float = WAIT_CAP):
        self.egress, self.names, self.rates, self.wait_cap = egress, dict(names), dict(rates or {}), wait_cap
        self.cache, self.refresh, self.clock = cache, refresh, clock or RealClock()
        self.guard = Guard(allow_private)
        self.operator_hosts = {h.lower() for h in operator_hosts}  # named by the user: reached even if private
        self.gates: dict[str, ServiceGate] = {}
        self._stack = contextlib.AsyncExitStack()
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._direct: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Gateway:
        router = Router(self.egress, allow_private=self.guard.allow_private, per_host=2)
        self._client = await self._stack.enter_async_context(Client(transport=router, timeout=self._timeout,
                                                                    trust_env=False))
        self._direct = await self._stack.enter_async_context(httpx.AsyncClient(
            verify=self.egress.ssl_context, timeout=self._timeout, trust_env=False))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def gate(self, service: str) -> ServiceGate:
        if service not in self.gates:
            self.gates[service] = ServiceGate(service, self.names.get(service, service),
                                              rate_for(service, self.rates), self.clock, wait_cap=self.wait_cap)
        return self.gates[service]

    def unreached(self, service: str) -> str | None:
        return self.gates[service].unreached if service in self.gates else None

    async def get(self, service: str, url: str, params: Sequence[tuple[str, str]] = (),
                  headers: Mapping[str, str] | None = None) -> Answer:
        return await self._ask(service, "GET", url, params, "", dict(headers or {}))

    async def get_bytes(self, service: str, url: str) -> Answer:
        """A GET whose answer keeps its `raw` bytes, cached byte for byte: a page whose charset only its own
        markup declares (a `<meta>` tag) is decoded faithfully from them, never by the header's guess."""
        return await self._ask(service, "GET", url, (), "", {}, keep_bytes=True)

    async def post(self, service: str, url: str, data: str, headers: Mapping[str, str] | None = None) -> Answer:
        return await self._ask(service, "POST", url, (), data, dict(headers or {}))

    async def _ask(self, service: str, method: str, url: str, params: Sequence[tuple[str, str]], data: str,
                   headers: dict[str, str], *, keep_bytes: bool = False) -> Answer:
        query = urlencode(list(params))
        key = request_key(method, url + ("?" + query if query else ""), data or None) + (BYTES if keep_bytes else "")
        if self.cache is not None and not self.refresh:
            kept = self.cache.cached_answer(service, key)
            if kept is not None:
                if keep_bytes:  # kept one character per byte (Latin-1): the bytes come back exactly
                    raw = kept.body.encode("latin-1")
                    return Answer(kept.http_status or 0, kept.content_type, _text(raw, kept.content_type), True, raw)
                return Answer(kept.http_status or 0, kept.content_type, kept.body, cached=True)
        try:
            answer = await self._send(service, method, url, params, data, headers)
        except Unreached as exc:
            if self.cache is not None:  # kept as the record of why; never stands over an answer
                self.cache.store_answer(ServiceAnswer(service, key, UNREACHED, detail=exc.sentence))
            raise
        if self.cache is not None:
            body = answer.raw.decode("latin-1") if keep_bytes and answer.raw is not None else answer.body
            self.cache.store_answer(ServiceAnswer(service, key, http_status=answer.status,
                                                  content_type=answer.content_type, body=body))
        return answer

    async def _send(self, service: str, method: str, url: str, params: Sequence[tuple[str, str]], data: str,
                    headers: dict[str, str]) -> Answer:
        gate, client = self.gate(service), self._client_for(url)
        tries = pauses = 0
        while True:
            await gate.turn()  # raises Unreached once the service is given up
            try:
                response = await client.request(method, url, params=list(params), content=data or None,
                                                headers=headers)
                body = (await response.aread())[:MAX_ANSWER]
            except httpx.HTTPError as exc:
                failure = classify_exception(exc, url, self.egress.proxy_for(url))
                tries = await self._failed(gate, tries, failure.detail, own_side=failure.state in OWN_SIDE)
                continue
            if response.status_code == 429 and response.headers.get("memento-datetime") is None:
                pauses += 1  # an archived 429 (with Memento-Datetime) is a memento, not a rate limit
                if pauses > MAX_PAUSES:
                    gate.give_up(f"{gate.name} kept answering 429 (too many requests)")
                gate.pause(retry_after_seconds(list(response.headers.items()), cap=24 * 3600.0))
                continue
            if response.status_code in TRANSIENT:
                tries = await self._failed(gate, tries, f"it answered HTTP {response.status_code}")
                continue
            gate.succeeded()
            content_type = response.headers.get("content-type")
            return Answer(response.status_code, content_type, _text(body, content_type), raw=body)

    async def _failed(self, gate: ServiceGate, tries: int, why: str, *, own_side: bool = False) -> int:
        """Count a failed try; our own side's trouble (the proxy) or the last try gives the service up, else wait
        2, then 4 seconds before the next."""
        tries += 1
        gate.failed(why)
        if own_side or tries >= TRIES:
            gate.give_up(f"{gate.name} could not be reached ({why})")
        await self._backoff(gate, tries)
        return tries

    async def _backoff(self, gate: ServiceGate, tries: int) -> None:
        if gate.unreached is None:
            await self.clock.sleep(2.0 ** tries)

    def _client_for(self, url: str) -> httpx.AsyncClient:
        """The guarded client for what an archive names; the direct one only for a service the user named
        that lives on this machine or its network (a self-hosted MemGator), which no proxy can reach for us."""
        host = (urlsplit(url).hostname or "").lower()
        assert self._client is not None and self._direct is not None, "use the gateway as `async with`"
        if host in self.operator_hosts and is_private_host(host):
            return self._direct
        self.guard.check(url)  # Refused: a private address an answer named is never asked
        return self._client


def _text(body: bytes, content_type: str | None) -> str:
    """An answer's body decoded by the charset its Content-Type names, else UTF-8 (as httpx decodes it)."""
    params = (p.strip().partition("=") for p in (content_type or "").split(";")[1:])
    named = next((value.strip().strip('"') for name, _, value in params if name.strip().lower() == "charset"), "utf-8")
    try:
        return body.decode(named or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", "replace")


__all__ = ["Answer", "AnswerCache", "Gateway", "Unreached"]

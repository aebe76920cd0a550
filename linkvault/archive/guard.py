"""Which addresses a report may make us fetch.

A report is untrusted input: a footnote (or a redirect from a cited page) pointing at
127.0.0.1, 10.0.0.0/8 or 169.254.169.254 would turn linkvault into a way to read the operator's
own network. Every hop is checked before anything is sent: its scheme, its host if that is an
IP literal or a local name, and every address the name resolves to. When we connect directly,
`GuardedBackend` checks again at connect time and connects to the checked address itself, so
a name that resolves differently the second time (DNS rebinding) gains nothing. Through a
proxy the proxy resolves names, so only literal addresses and local names can be judged: they are
judged as they will be sent (UTS-46 mapped, any IPv4 notation, the IPv4 address inside an IPv6 one).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore

from linkvault.parsing.urls import blocked_ip, refusal


class Refused(Exception):
    """A URL we will not fetch; `state` says why in the link-state vocabulary."""

    # Same shape as BlockedConnect, so the fetcher reads both alike.

    def __init__(self, state: str, detail: str):
        super().__init__(detail)
        self.state = state
        self.detail = detail


class BlockedConnect(httpcore.ConnectError):
    """Raised at connect time; httpx re-raises it as ConnectError with this as `__cause__`."""

    def __init__(self, state: str, detail: str):
        super().__init__(detail)
        self.state = state
        self.detail = detail


@dataclass(frozen=True)
class Guard:
    allow_private: bool = False

    def check(self, url: str) -> None:
        """Raise Refused unless `url` may be fetched, as far as can be told without DNS (any notation of
        an address included: 2130706433 and 0x7f000001 are 127.0.0.1 to httpx and browsers alike)."""
        refused = refusal(url, self.allow_private)
        if refused:
            raise Refused(*refused)


def _literal_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def is_blocked_ip(address: str) -> bool:
    """A resolved address judged by the rule literals are (`urls.blocked_ip`): an AAAA record in
    64:ff9b::/96 or 2002::/16 is the IPv4 address it carries."""
    return blocked_ip(ipaddress.ip_address(address.split("%")[0])) is not None


async def resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedConnect("dns-failure", f"{host} does not resolve ({exc})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving names itself and refusing blocked addresses."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, allow_private: bool):
        self._inner = inner
        self._allow_private = allow_private
        self._unresolved: dict[str, BlockedConnect] = {}  # a run asks once per name that does not resolve

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.AsyncNetworkStream:
        if host in self._unresolved:
            raise self._unresolved[host]
        try:
            addresses = [host] if _literal_ip(host) else await resolve(host, port)
        except BlockedConnect as exc:
            self._unresolved[host] = exc
            raise
        if not self._allow_private:
            allowed = [a for a in addresses if not is_blocked_ip(a)]
            if not allowed:
                raise BlockedConnect("blocked-address",
                                     f"{host} resolves to {addresses[0]}, a private, loopback or link-local address")
            addresses = allowed
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise BlockedConnect("unsupported-scheme", "unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

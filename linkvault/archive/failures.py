"""Naming a failed request: the link state it means and one sentence saying why.

httpx, anyio and ssl raise a failure in many shapes (a refused connect wrapped twice, a certificate error three
causes deep, a proxy's refusal as a message); `classify_exception` reads each as the state a verdict can stand
on: timeout, dns-failure, connection-error, tls-error, blocked-address, unsupported-scheme, or the proxy's own
proxy-unreachable and proxy-refused, which say nothing of the source. The fetcher and the timestamp client both
name their failures here, so a proxy that is down reads the same for a page and for an authority.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from urllib.parse import urlsplit

import httpx

from linkvault.archive.egress_policy import shown
from linkvault.archive.guard import BlockedConnect, Refused


class TooSlow(httpx.TimeoutException):
    """An answer that kept coming, a byte at a time, past the timeout for the whole of it."""


class FailedFetch(Exception):
    """`connected` tells a host that never answered from one that dropped us mid-way; `unknown_issuer` a
    certificate no root we trust vouches for (a site's broken chain, or a TLS-intercepting proxy's CA we lack)."""

    def __init__(self, state: str, detail: str, connected: bool = False, unknown_issuer: bool = False,
                 proxy_answer: str | None = None):
        super().__init__(detail)
        self.state = state
        self.detail = detail
        self.connected = connected
        self.unknown_issuer = unknown_issuer
        self.proxy_answer = proxy_answer


# OpenSSL verify codes meaning "no trusted root for this chain": unable to get issuer certificate (locally),
# self-signed certificate (in the chain), unable to verify the first certificate.
UNKNOWN_ISSUER = (2, 18, 19, 20, 21)


def classify_exception(exc: BaseException, url: str, proxy: str | None = None) -> FailedFetch:
    """The link state and a one-sentence detail for a failed request (sent through `proxy`, if given)."""
    host = urlsplit(url).hostname or url
    causes = _causes(exc)
    if proxy and isinstance(exc, httpx.ConnectError) and any(isinstance(c, ConnectionResetError) for c in causes):
        # The proxy took the connection and then it was reset (a filter on the way to the host, as at a TLS
        # handshake naming a blocked site): the host's failure here, which the run tells from ours by how many fail.
        return FailedFetch("connection-error", f"the connection to {host} through the proxy {shown(proxy)} was reset")
    if proxy and isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)) and not _tls_failure(exc):
        # The proxy itself could not be reached: nothing was asked of the source.
        why = ("did not answer in time" if isinstance(exc, httpx.ConnectTimeout)
               else "refused the connection" if any(isinstance(c, ConnectionRefusedError) for c in causes)
               else "does not resolve" if any(isinstance(c, socket.gaierror) for c in causes)
               else f"could not be reached ({exc})")
        return FailedFetch("proxy-unreachable", f"the proxy {shown(proxy)} {why}")
    if isinstance(exc, TooSlow):
        return FailedFetch("timeout", f"{host} {exc}", connected=True)
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout)):
        return FailedFetch("timeout", f"{host} stopped answering", connected=True)
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError, TimeoutError)):
        return FailedFetch("timeout", f"{host} did not answer in time")
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (BlockedConnect, Refused)):
            return FailedFetch(cause.state, cause.detail)
        if isinstance(cause, ssl.SSLError):
            failure = getattr(cause, "verify_message", "") or cause.reason or cause
            return FailedFetch("tls-error", f"TLS with {host} failed: {failure}",
                               unknown_issuer=getattr(cause, "verify_code", None) in UNKNOWN_ISSUER)
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if isinstance(exc, httpx.ProxyError) and proxy:
        return _proxy_refusal(text.strip() or "no answer", host, proxy)
    if isinstance(exc, httpx.ProxyError):
        return FailedFetch("connection-error", f"the proxy could not reach {host}: {text}")
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if "name or service not known" in lowered or "nodename nor servname" in lowered or "name resolution" in lowered:
            return FailedFetch("dns-failure", f"{host} does not resolve")
        if "ssl" in lowered or "certificate" in lowered:
            return FailedFetch("tls-error", f"TLS with {host} failed: {text}")
        return FailedFetch("connection-error", f"could not connect to {host}: {text or 'connection refused'}")
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return FailedFetch("connection-error", f"{host} dropped the connection: {text or exc.__class__.__name__}",
                           connected=True)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FailedFetch("unsupported-scheme", text)
    if isinstance(exc, httpx.HTTPError):
        return FailedFetch("connection-error", f"{host}: {exc.__class__.__name__}: {text}")
    raise exc


def _proxy_refusal(answer: str, host: str, proxy: str) -> FailedFetch:
    """The user's proxy is up but would not take us to `host`. Wanting credentials is always the proxy's
    doing; any other answer (502, 503, 403) may be the site's, which the run tells by how many sites get it."""
    lowered = answer.lower()
    if answer.startswith("407") or "authentication" in lowered or "username/password" in lowered:
        parts = urlsplit(proxy)
        fix = ("it did not accept the credentials given" if parts.username is not None
               else f"give credentials as {parts.scheme}://user:pass@{parts.netloc}")
        return FailedFetch("proxy-refused", f"the proxy {shown(proxy)} answered {answer}: {fix}")
    return FailedFetch("connection-error", f"the proxy {shown(proxy)} answered {answer} for {host}",
                       proxy_answer=answer)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it was raised from, innermost last (anyio keeps the OSError as a cause)."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _tls_failure(exc: BaseException) -> bool:
    return any(isinstance(c, ssl.SSLError) for c in _causes(exc)) or "certificate" in str(exc).lower()

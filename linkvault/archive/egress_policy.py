"""One egress policy: which proxy and which CA certificates every outgoing connection uses.

Resolved once, here, and handed to every client: the fetcher (and with it the site companions and
soft-404 probes, which it fetches), the screenshot browser's egress (its upstream proxy, and the
certificates the browser is made to trust), and the RFC 3161 clients of `fetch` and `pack`.
Flags win; then the environment, read as every HTTP tool reads it: HTTPS_PROXY / HTTP_PROXY /
ALL_PROXY / NO_PROXY (lower case first) and SSL_CERT_FILE / SSL_CERT_DIR; then direct
connections and certifi's roots. A value that cannot work is a usage error before anything is
fetched, naming where it came from.
"""

from __future__ import annotations

import functools
import os
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linkvault.errors import UsageError

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


@dataclass(frozen=True)
class EgressPolicy:
    proxies: Mapping[str, str] = field(default_factory=dict)  # URL scheme ("http", "https") → proxy URL
    no_proxy: str | None = None  # hosts reached directly (NO_PROXY; it applies to proxies from the environment only)
    ca_file: str | None = None
    ca_dir: str | None = None
    ca_source: str | None = None  # "--ca-bundle" or the variable it came from, for messages

    def proxy_for(self, url: str) -> str | None:
        """The proxy a request to `url` goes through, or None for a direct connection."""
        parts = urlsplit(str(url))
        proxy = self.proxies.get(parts.scheme)
        # typeshed leaves out proxy_bypass_environment (undocumented, but the only NO_PROXY matcher that reads
        # a given value rather than this process's environment or the macOS settings)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if proxy and self.no_proxy and bypass(parts.hostname or "", {"no": self.no_proxy}):
            return None
        return proxy

    @property
    def proxy(self) -> str | None:
        """The proxy for https (else http) URLs: the one to name in messages and records."""
        return self.proxies.get("https") or self.proxies.get("http")

    @property
    def custom_ca(self) -> bool:
        """Whether certificates are checked against roots the user chose rather than certifi's."""
        return bool(self.ca_file or self.ca_dir)

    @functools.cached_property
    def ssl_context(self) -> ssl.SSLContext:
        """The trust store every TLS connection out is checked against (shared by the fetcher's pools)."""
        return self.new_ssl_context()

    def new_ssl_context(self) -> ssl.SSLContext:
        """The same trust in a context of its own, for a client that sets its own options (ALPN) on it."""
        try:
            if self.custom_ca:
                return ssl.create_default_context(cafile=self.ca_file, capath=self.ca_dir)
            import certifi

            return ssl.create_default_context(cafile=certifi.where())
        except (OSError, ssl.SSLError) as exc:
            where = self.ca_file or self.ca_dir
            raise UsageError(f"{self.ca_source} {where}: no CA certificates could be read from it ({exc})") from exc


def shown(proxy: str) -> str:
    """A proxy URL fit for messages and records: its credentials cut."""
    if "@" in proxy:
        return proxy.split("://", 1)[0] + "://***@" + proxy.rsplit("@", 1)[1]
    return proxy


def resolve_egress(proxy: str | None = None, ca_bundle: str | None = None,
                   environ: Mapping[str, str] | None = None) -> EgressPolicy:
    """The policy from the flags (`--proxy`, `--ca-bundle`), else the environment; checked before use."""
    env = os.environ if environ is None else environ
    if proxy:
        proxies, no_proxy = {"http": checked_proxy(proxy, "--proxy"), "https": checked_proxy(proxy, "--proxy")}, None
    else:
        proxies = {}
        for scheme in ("http", "https"):
            found = _variable(env, f"{scheme}_proxy") or _variable(env, "all_proxy")
            if found:
                name, value = found
                proxies[scheme] = checked_proxy(value, name)
        no_proxy = (_variable(env, "no_proxy") or (None, None))[1]
    if ca_bundle:
        policy = EgressPolicy(proxies, no_proxy, ca_bundle, None, "--ca-bundle")
    else:
        ca_file, ca_dir = env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None
        policy = EgressPolicy(proxies, no_proxy, ca_file, ca_dir, "SSL_CERT_FILE" if ca_file else "SSL_CERT_DIR")
    policy.ssl_context  # noqa: B018 -- a CA file that cannot be read is a usage error now, not a dead link later
    return policy


def _variable(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(NAME as set, value) of a proxy variable, lower case first as curl and urllib read them."""
    for spelled in (name, name.upper()):
        if env.get(spelled):
            return spelled, env[spelled]
    return None


def checked_proxy(url: str, source: str) -> str:
    """A proxy URL checked as --proxy is (scheme, host, port); a bad one is a usage error naming `source`."""
    url = url.strip()
    if "://" not in url:
        raise UsageError(f"{source} {url} has no scheme; write it as http://{url} (or https://, socks5://)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in PROXY_SCHEMES:
        raise UsageError(f"{source} {url}: a proxy must be http://, https:// or socks5://, not {parts.scheme}://")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1:
        raise UsageError(f"{source} {url} is not a proxy address such as http://127.0.0.1:8080")
    return url

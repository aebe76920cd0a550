"""Whose fault is a run's failure: the sources', or our own machine's (no network, the proxy down, a trust store
that lacks the CA of a TLS-intercepting proxy)? Only a source's failure may judge a link."""

from __future__ import annotations

from urllib.parse import urlsplit

from linkvault.archive.egress_policy import shown
from linkvault.archive.fetcher import Capture

# States that say more about our own network than about the source.
_LOCAL_TROUBLE = ("dns-failure", "connection-error", "timeout")
_PROXY_TROUBLE = ("proxy-unreachable", "proxy-refused")  # always the proxy's, however many hosts the run cites
UNREACHABLE_AFTER = 8


class NetworkWatch:
    """Notices when the fault is ours, not the sources': no host at all can be reached, the proxy is
    down, or every TLS handshake fails on our own trust store.

    For the network, only failures before a connection count (no DNS answer, refused, connect timeout),
    and only across several hosts: one dead site is the site's problem. Likewise certificates no
    trusted root vouches for count against us only on several hosts, while no HTTPS host has answered
    (a TLS-intercepting proxy whose CA we were not given); and so does a proxy that is up but will not
    tunnel (502, 503, 403: one site's 502 may be its origin down). A run citing a single host never blames
    us, except for a proxy that cannot be reached or wants credentials, which is never the source's doing.
    """

    def __init__(self, urls: list[str], proxy: str | None = None):
        self.proxy = proxy  # the one to name, as the egress policy names it
        self.needed_hosts = _needed_hosts({urlsplit(u).hostname for u in urls})
        self.needed_tls_hosts = _needed_hosts({urlsplit(u).hostname for u in urls if u.lower().startswith("https:")})
        self.needed_failures = min(UNREACHABLE_AFTER, len(urls))
        self.answered = False
        self.tls_answered = False
        self.failures = 0
        self.failed_hosts: set[str | None] = set()
        self.untrusted_hosts: list[str] = []
        self.proxy_down: str | None = None  # what the proxy did, as the fetcher said it
        self.proxy_error = "proxy-unreachable"  # or "proxy-refused", for a proxy that is up but will not tunnel
        self.proxy_answers: dict[str | None, str] = {}  # host → what the proxy answered instead of tunnelling
        self.proxy_refusals = 0

    def see(self, capture: Capture) -> None:
        if capture.error in _PROXY_TROUBLE and not self.proxy_down:
            self.proxy_down, self.proxy_error = capture.error_detail, capture.error
        if any(hop.status is not None and hop.url.lower().startswith("https:") for hop in capture.hops):
            self.tls_answered = True
        if capture.unknown_issuer and (host := urlsplit(capture.url).hostname) and host not in self.untrusted_hosts:
            self.untrusted_hosts.append(host)
        if capture.status is not None or capture.connected:
            self.answered = True
        elif capture.proxy_answer:
            self.proxy_refusals += 1
            self.proxy_answers[urlsplit(capture.url).hostname] = capture.proxy_answer
            if self.proxy_refusing and not self.proxy_down:
                answers = ", ".join(sorted(set(self.proxy_answers.values())))
                self.proxy_down = (f"the proxy {shown(self.proxy or '')} answered {answers} for every site "
                                   f"({len(self.proxy_answers)} hosts) instead of connecting to it")
                self.proxy_error = "proxy-refused"
        elif capture.error in _LOCAL_TROUBLE:
            self.failures += 1
            self.failed_hosts.add(urlsplit(capture.url).hostname)

    @property
    def proxy_refusing(self) -> bool:
        """The proxy, not the sites: it would tunnel to none of several hosts, and no site answered."""
        return (not self.answered and self.needed_hosts is not None and self.proxy_refusals >= self.needed_failures
                and len(self.proxy_answers) >= self.needed_hosts)

    @property
    def unreachable(self) -> bool:
        return (not self.answered and self.needed_hosts is not None and self.failures >= self.needed_failures
                and len(self.failed_hosts) >= self.needed_hosts)

    @property
    def untrusted(self) -> bool:
        return (not self.tls_answered and self.needed_tls_hosts is not None
                and len(self.untrusted_hosts) >= self.needed_tls_hosts)

    def skip(self, url: str) -> bool:
        """Whether trying `url` now could only repeat our own failure."""
        return bool(self.unreachable or self.proxy_down or (self.untrusted and url.lower().startswith("https:")))

    def own_side(self, capture: Capture) -> tuple[str, str] | None:
        """(error, detail) when this capture failed for our own reasons, once the run is over."""
        if capture.error in _PROXY_TROUBLE:
            return capture.error, capture.error_detail or "the proxy could not be reached"
        if self.proxy_refusing and capture.proxy_answer:
            return "proxy-refused", self.proxy_down or "the proxy would not connect to it"
        if self.unreachable and capture.error in _LOCAL_TROUBLE:
            return "network-unreachable", "this machine's network was unreachable"
        if self.untrusted and capture.unknown_issuer:
            return "untrusted-certificates", ("its certificate comes from a CA this machine does not trust, as on "
                                              "every HTTPS site this run (a TLS-intercepting proxy?)")
        return None

    def untried(self, url: str) -> tuple[str, str]:
        """(error, detail) for a URL the run gave up on before trying it."""
        if self.proxy_down:
            return self.proxy_error, self.proxy_down
        if self.unreachable:
            return "network-unreachable", "this machine's network was unreachable"
        return "untrusted-certificates", "every HTTPS site this run showed a certificate this machine does not trust"

    def may_be_ours(self, capture: Capture) -> bool:
        """A failure the run may yet find to be its own: stored only once the run knows."""
        return capture.record is None and (capture.error in _LOCAL_TROUBLE or capture.unknown_issuer
                                           or capture.error in _PROXY_TROUBLE)


def _needed_hosts(hosts: set) -> int | None:
    return min(3, len(hosts)) if len(hosts) >= 2 else None

"""A national filter in front of the fake web: a forward proxy that blocks some hosts as a country's network does.

    with NationalFilter(web, {"news.invalid": "451", "forum.invalid": "403", "blog.invalid": "reset"}) as filtered:
        fetch ... --proxy filtered.url --vantage abroad=web.proxy_url

A blocked host gets, for a plain-HTTP request, the regulator's 451 page, a 403 block page, or a TCP reset; for a
CONNECT (HTTPS), the tunnel opens and is reset at the TLS handshake (an SNI filter), or the CONNECT is answered
with the block status. Every other host passes through to the fake web as `FakeProxy` sends it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from . import FakeWeb
from .proxy import FakeProxy, ProxyHandler, _read_head
from .server import set_reset_on_close

BLOCK_PAGES = {
    "451": ("451 Unavailable For Legal Reasons",
            "<html><head><title>Access restricted</title></head><body><h1>Access to this resource is restricted</h1>"
            "<p>Access to the information resource has been restricted by decision of the competent authority "
            "under the Law on Mass Media. Ресурс заблокирован по решению уполномоченного органа.</p></body></html>"),
    "403": ("403 Forbidden",
            "<html><head><title>Blocked</title></head><body><h1>This site is blocked</h1><p>The resource you "
            "requested is included in the register of prohibited information. Доступ к ресурсу ограничен.</p>"
            "</body></html>"),
}


class _FilterHandler(ProxyHandler):
    server: NationalFilter

    def handle(self) -> None:
        head = _read_head(self.rfile)
        if head is None:
            return
        block = self.server.blocks.get(head.host)
        if block is None:
            return self._tunnel(head) if head.method == "CONNECT" else self._forward(head)
        self.server.record(head)
        self.server.blocked.append(head.host)
        if block == "reset":
            if head.method == "CONNECT":  # the tunnel opens; the ClientHello's server name is what gets it reset
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                self.connection.recv(4096)
            set_reset_on_close(self.connection)
            self.server.untrack(self.connection)
            self.connection.close()
            return
        status, page = BLOCK_PAGES[block]
        body = page.encode() if head.method != "CONNECT" else b""
        self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)


class NationalFilter(FakeProxy):
    """A forward proxy into `web` that blocks `blocks` (host → "451", "403" or "reset")."""

    def __init__(self, web: FakeWeb, blocks: dict[str, str]):
        super().__init__(web.http.server_address, web.https.server_address)
        self.RequestHandlerClass = _FilterHandler
        self.blocks = {urlsplit(f"//{host}").hostname or host: how for host, how in blocks.items()}
        self.blocked: list[str] = []  # hosts turned away, in order
        self.start()

    def __enter__(self) -> NationalFilter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

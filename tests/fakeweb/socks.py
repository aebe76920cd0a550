"""A minimal SOCKS5 proxy (no auth, CONNECT only) into the fake web, for `--proxy socks5://…`.

Port 443 goes to the fake HTTPS server and anything else to the fake HTTP server, so a client
keeps real host names, as it would through Tor or a censorship-circumvention proxy.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading


class _Socks5Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        try:
            if sock.recv(1) != b"\x05":
                return
            sock.recv(sock.recv(1)[0])  # offered auth methods
            sock.sendall(b"\x05\x00")  # no authentication
            version, command, _, kind = sock.recv(4)
            if kind == 1:
                host = socket.inet_ntoa(sock.recv(4))
            elif kind == 3:
                host = sock.recv(sock.recv(1)[0]).decode("idna")
            else:
                host = socket.inet_ntop(socket.AF_INET6, sock.recv(16))
            port = struct.unpack("!H", sock.recv(2))[0]
            if command != 1:
                sock.sendall(b"\x05\x07\x00\x01" + b"\x00" * 6)
                return
            self.server.hosts.append(host)  # type: ignore[attr-defined]
            upstream = socket.create_connection(self.server.upstream(port))  # type: ignore[attr-defined]
            sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
            _pipe(sock, upstream)
        except OSError:
            return


def _pipe(a: socket.socket, b: socket.socket) -> None:
    def copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join(timeout=5)
    b.close()


class Socks5Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, http_port: int, https_port: int):
        super().__init__(("127.0.0.1", 0), _Socks5Handler)
        self.hosts: list[str] = []
        self._ports = (http_port, https_port)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def upstream(self, port: int) -> tuple[str, int]:
        return ("127.0.0.1", self._ports[1] if port == 443 else self._ports[0])

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()

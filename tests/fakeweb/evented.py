"""The fake web's evented path: one asyncio loop in one thread serves the proxy and the HTTP and HTTPS servers.

The threaded servers park a thread (and, in the proxy, two more) on every connection, and a delay sleeps in
its handler thread; under one GIL on two cores they keep only a few dozen delayed requests in flight. Here a
delay is a timer and a connection a coroutine, so hundreds of delayed requests stay in flight over real sockets
and real TLS: what a benchmark at `--concurrency 100` needs. Same routes, log, certificates and `Response`
behaviours (delay, stall, reset, chunked, gzip, streamed bodies); opt in with `FakeWeb(evented=True)`. A callable
route runs on the loop, so it must answer at once (a `Response.delay`, not a sleep, makes it slow).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Awaitable, Coroutine
from dataclasses import replace
from http import HTTPStatus
from typing import Any, TypeVar

from .proxy import BUFFER, MAX_HEAD_LINES, ProxyLog, parse_head
from .server import (
    RequestInfo,
    RequestLog,
    Response,
    Router,
    framing_headers,
    has_body,
    payload,
    request_target,
    set_reset_on_close,
)

BACKLOG = 1024  # a burst of 100+ connects must not overflow the accept queue (SYN retries cost a second)
T = TypeVar("T")


class EventLoopThread:
    """An asyncio loop running in a daemon thread; the fake web's evented servers all live on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fakeweb-evented", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the loop and wait for its result (from any other thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


class _EventedServer:
    """A listening socket on 127.0.0.1 whose connections are tasks, tracked so `stop()` can cancel them."""

    def __init__(self, loop: EventLoopThread, ssl_context: ssl.SSLContext | None = None):
        self._loop = loop
        self._ssl = ssl_context
        self._tasks: set[asyncio.Task] = set()
        self._server: asyncio.Server | None = None
        self.server_address: tuple[str, int] = ("127.0.0.1", 0)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> None:
        self._server = self._loop.run(asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=self._ssl,
                                                           backlog=BACKLOG, limit=BUFFER + 2))
        self.server_address = self._server.sockets[0].getsockname()[:2]

    def stop(self) -> None:
        if self._server is not None:
            self._loop.run(self._close())

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.serve(reader, writer)
        except (OSError, ValueError, EOFError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # clients hanging up, resets, garbage: normal here
        except asyncio.CancelledError:
            pass  # stop(): ending quietly, or asyncio's stream callback logs the cancellation as an error
        finally:
            self._tasks.discard(task)
            writer.close()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


async def _read_lines(reader: asyncio.StreamReader) -> list[bytes] | None:
    """One head's lines (request line + fields); None at end of stream or when too long."""
    lines: list[bytes] = []
    while len(lines) < MAX_HEAD_LINES:
        line = await reader.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if lines:
                return lines
            continue  # stray CRLF between requests is allowed (RFC 9112 2.2)
        lines.append(line)
    return None


class EventedHTTPServer(_EventedServer):
    """The evented HTTP server; with `ssl_context`, its HTTPS server (same routes, same log)."""

    def __init__(self, loop: EventLoopThread, router: Router, log: RequestLog,
                 ssl_context: ssl.SSLContext | None = None):
        super().__init__(loop, ssl_context)
        self.router = router
        self.log = log
        self.scheme = "https" if ssl_context else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A keep-alive run of requests, each answered from the router."""
        keep_alive = True
        while keep_alive:
            lines = await _read_lines(reader)
            if lines is None:
                return
            method, target, version = lines[0].decode("latin-1").split(maxsplit=2)
            fields = [(name.strip(), value.strip()) for name, _, value in
                      (line.decode("latin-1").partition(":") for line in lines[1:])]
            request = await self._request_info(reader, writer, method, target, fields)
            response = self.router.respond(request)
            self.log.append(replace(request, status=None if response.reset else response.status))
            with self.log.answering():
                if response.delay:
                    await asyncio.sleep(response.delay)
                if response.reset:
                    set_reset_on_close(writer.get_extra_info("socket"))
                    writer.transport.abort()
                    return
                keep_alive = await _send(writer, method, response) and _keeps_alive(version.strip(), request)

    async def _request_info(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str,
                            target: str, fields: list[tuple[str, str]]) -> RequestInfo:
        header = {name.lower(): value for name, value in reversed(fields)}  # the first of repeats wins
        host, path = request_target(target, header.get("host", ""))
        if "chunked" in header.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        else:
            length = int(header.get("content-length") or 0)
            body = await reader.readexactly(length) if length > 0 else b""
        return RequestInfo(method=method, scheme=self.scheme, host=host, path=path, headers=fields, body=body,
                           time=time.monotonic(), client_port=writer.get_extra_info("peername")[1])


def _keeps_alive(version: str, request: RequestInfo) -> bool:
    connection = (request.header("Connection") or "").lower()
    return "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    while await reader.readline() not in (b"\r\n", b"\n", b""):
        pass  # trailer fields
    return b"".join(parts)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def _send(writer: asyncio.StreamWriter, method: str, response: Response) -> bool:
    """Write the answer; False when the connection must close after it."""
    pieces, length = payload(response)
    chunked = response.chunked or length is None
    headers = framing_headers(response, length, chunked)
    head = f"HTTP/1.1 {response.status} {_phrase(response.status)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    writer.write(head.encode("latin-1"))
    if response.stall_after_headers:
        await writer.drain()
        await asyncio.sleep(response.stall_after_headers)
        return False
    if method != "HEAD" and has_body(response.status):
        for piece in pieces:
            if piece:
                writer.write(b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece)
                await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
    await writer.drain()
    return not any(k.lower() == "connection" and "close" in v.lower() for k, v in headers)


class EventedProxy(ProxyLog, _EventedServer):
    """The evented forward proxy: http -> `http_address`, CONNECT (https) -> `https_address`."""

    def __init__(self, loop: EventLoopThread, http_address: tuple[str, int], https_address: tuple[str, int]):
        _EventedServer.__init__(self, loop)
        ProxyLog.__init__(self)
        self.http_address = http_address
        self.https_address = https_address

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = await _read_lines(reader)
        head = parse_head(lines) if lines else None
        if head is None:
            return
        connect = head.method == "CONNECT"
        try:
            up_reader, up_writer = await asyncio.open_connection(*(self.https_address if connect else self.http_address))
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        if connect:
            self.record(head)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await _relay(up_writer, _copy(reader, up_writer), _downstream(up_reader, writer))
        else:
            await _relay(up_writer, self._forward(reader, up_writer, head), _downstream(up_reader, writer))

    async def _forward(self, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter, head: Any) -> None:
        """Log and pass on each request head and its body; the server routes by the absolute URL."""
        while head is not None:
            self.record(head)
            upstream.write(head.raw)
            if head.chunked:
                await _copy(reader, upstream)  # not parsed: the rest of the stream goes as is
                return
            if head.content_length:
                upstream.write(await reader.readexactly(head.content_length))
            await upstream.drain()
            lines = await _read_lines(reader)
            head = parse_head(lines) if lines else None


async def _relay(upstream: asyncio.StreamWriter, client_to_upstream: Awaitable[None],
                 upstream_to_client: Awaitable[None]) -> None:
    """Run both directions until both end; the client done, the server sees EOF."""
    back = asyncio.ensure_future(upstream_to_client)
    try:
        try:
            await client_to_upstream
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        if upstream.can_write_eof() and not upstream.is_closing():
            upstream.write_eof()
        await back
    finally:
        back.cancel()  # on stop(): a server stalled mid-answer must not hold the proxy
        upstream.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(BUFFER):
        writer.write(data)
        await writer.drain()


async def _downstream(upstream: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
    """Copy server->client; pass a server's reset on as a reset, its close as a close."""
    try:
        await _copy(upstream, client)
    except ConnectionResetError:
        set_reset_on_close(client.get_extra_info("socket"))
        client.transport.abort()
        return
    except OSError:
        pass
    if client.can_write_eof() and not client.is_closing():
        client.write_eof()


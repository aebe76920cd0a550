"""httpcore's network backend on asyncio's own transports and protocols.

httpcore's default backend goes through anyio: a cancel scope around every read and write, anyio's stream
wrappers over asyncio's transport, and stream attributes rebuilt each time one is asked for. That was the
largest share of the fetcher's CPU per page. Here a connection is an asyncio transport whose protocol keeps
what arrives until it is read: a read of bytes already received returns at once, a read that must wait
waits on one future with a timer (`loop.call_later`) for its timeout. TLS is asyncio's own (`loop.start_tls`,
also inside a proxy's tunnel). The contract is httpcore's (`httpcore/_backends/anyio.py`): its Connect/Read/
Write errors and timeouts, each raised from the OSError or ssl error behind it, which `failures.py` reads.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections import deque
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

import httpcore

HIGH_WATER = 256 * 1024  # bytes received but not yet read past which the socket is not read
LOW_WATER = 64 * 1024  # ...until the reader has taken them down to this
T = TypeVar("T")


class _Receiver(asyncio.Protocol):
    """A connection's received bytes, kept until read, and whether (and how) it ended."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.offset = 0  # of the first chunk, the part already read
        self.ended = False  # the peer's end, or the connection's
        self.lost: BaseException | None = None  # what ended it, if not a clean end
        self.paused = False  # reading paused until the reader takes some
        self.blocked = False  # writing paused until the transport's buffer drains
        self.waiter: asyncio.Future[bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # the transport closes itself: an HTTP client has nothing to send after the peer's end

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.lost = exc
        self.blocked = False
        self._wake()

    def pause_writing(self) -> None:
        self.blocked = True

    def resume_writing(self) -> None:
        self.blocked = False
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(True)

    def take(self, max_bytes: int) -> bytes:
        """Up to max_bytes of what was received, oldest first."""
        chunk, offset = self.chunks[0], self.offset
        if offset == 0 and len(chunk) <= max_bytes:
            self.chunks.popleft()
            data = chunk
        else:
            data = chunk[offset:offset + max_bytes]
            if offset + len(data) >= len(chunk):
                self.chunks.popleft()
                self.offset = 0
            else:
                self.offset = offset + len(data)
        self.size -= len(data)
        if self.paused and self.size <= LOW_WATER and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return data

    async def wait(self, timeout: float | None) -> bool:
        """Wait for bytes, the end, or room to write; False if `timeout` seconds passed first."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            return await waiter
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: `transport` the one written to (TLS or not), `raw` the socket's own under any TLS."""

    def __init__(self, transport: asyncio.Transport, receiver: _Receiver, raw: asyncio.Transport | None = None):
        self._transport = transport
        self._receiver = receiver
        self._raw = raw or transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        receiver = self._receiver
        while not receiver.chunks and not receiver.ended:
            if not await receiver.wait(timeout):
                raise httpcore.ReadTimeout("timed out reading") from TimeoutError()
        if receiver.chunks:
            return receiver.take(max_bytes)
        if receiver.lost is not None:
            raise httpcore.ReadError(str(receiver.lost) or receiver.lost.__class__.__name__) from receiver.lost
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        receiver = self._receiver
        if receiver.ended or self._transport.is_closing():
            lost = receiver.lost or ConnectionResetError("the connection is closed")
            raise httpcore.WriteError(str(lost)) from lost
        self._transport.write(buffer)
        while receiver.blocked and not receiver.ended:
            if not await receiver.wait(timeout):
                raise httpcore.WriteTimeout("timed out writing") from TimeoutError()
        if receiver.lost is not None:
            raise httpcore.WriteError(str(receiver.lost)) from receiver.lost

    async def aclose(self) -> None:
        # At once, as httpcore's anyio backend ends a stream (no TLS close_notify, nothing left to send), and a turn
        # of the loop for asyncio to close the socket: a run stopped by Ctrl-C may not give the loop another.
        self._transport.abort()
        await asyncio.sleep(0)

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        if self._receiver.ended:
            lost = self._receiver.lost or ConnectionResetError("the connection closed before the TLS handshake")
            raise httpcore.ConnectError(str(lost)) from lost
        if self._receiver.chunks:  # they would be read as if they had come inside TLS
            self._transport.abort()
            raise httpcore.ConnectError("bytes arrived before the TLS handshake")
        try:  # under our timeout, not asyncio's own 60 s: --timeout may be longer
            transport = await _connected(_handshake(self._transport, self._receiver, ssl_context, server_hostname,
                                                    timeout), timeout, "in the TLS handshake")
        except BaseException:  # failed or cancelled: asyncio closes the socket only after flushing, which may never come
            self._transport.abort()
            raise
        if transport is None:  # the connection ended during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._receiver.transport = transport  # reading is paused and resumed above TLS
        return AsyncioStream(transport, self._receiver, self._raw)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # as httpcore reads it: received bytes, the end, or bytes not yet taken in
            receiver = self._receiver
            return bool(receiver.chunks) or receiver.ended or _socket_readable(self._raw.get_extra_info("socket"))
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return _address(self._raw.get_extra_info("sockname"))
        if info == "server_addr":
            return _address(self._raw.get_extra_info("peername"))
        if info == "socket":
            return self._raw.get_extra_info("socket")
        return None


async def _handshake(transport: asyncio.Transport, receiver: _Receiver, context: ssl.SSLContext,
                     server_hostname: str | None, timeout: float | None) -> asyncio.Transport | None:
    """asyncio's TLS handshake, under our timeout rather than asyncio's own 60 s (--timeout may be longer). The site
    closing the connection mid-handshake is TLS failing, as anyio and ssl say it (an SSLEOFError), not a dropped
    connection: asyncio raises a bare ConnectionResetError for it, which would read as our side's trouble."""
    try:
        return await asyncio.get_running_loop().start_tls(transport, receiver, context, server_hostname=server_hostname,
                                                          ssl_handshake_timeout=timeout)
    except ConnectionResetError as exc:
        if type(exc) is not ConnectionResetError or exc.args:
            raise
        eof = ssl.SSLEOFError(ssl.SSL_ERROR_EOF, "UNEXPECTED_EOF_WHILE_READING")
        eof.library, eof.reason = "SSL", "UNEXPECTED_EOF_WHILE_READING"  # as ssl's own errors carry them
        raise eof from exc


def _address(address: Any) -> Any:
    """(host, port), as anyio gives it, for an IPv6 address too (which the socket gives with flow and scope)."""
    return tuple(address[:2]) if isinstance(address, tuple) else address


def _socket_readable(sock: Any) -> bool:
    if sock is None or sock.fileno() < 0:
        return True
    poll = select.poll()
    poll.register(sock.fileno(), select.POLLIN)
    return bool(poll.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections as `AsyncioStream`s; names are resolved by asyncio (the guard in front passes addresses)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        transport, receiver = await _connected(loop.create_connection(_Receiver, host, port, local_addr=local), timeout)
        _set_options(transport, socket_options)
        return AsyncioStream(transport, receiver)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        transport, receiver = await _connected(loop.create_unix_connection(_Receiver, path), timeout)
        _set_options(transport, socket_options)
        return AsyncioStream(transport, receiver)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(connecting: Awaitable[T], timeout: float | None, doing: str = "connecting") -> T:
    """What a connect (or a TLS handshake) gives, its failures as httpcore names them (the cause kept)."""
    try:
        async with asyncio.timeout(timeout):
            return await connecting
    except TimeoutError as exc:  # before OSError: a timeout is one, and the kernel's ETIMEDOUT too
        raise httpcore.ConnectTimeout(str(exc) or f"timed out {doing}") from exc
    except (OSError, UnicodeError) as exc:  # ssl's errors too
        raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc


def _set_options(transport: asyncio.Transport, options: Iterable[httpcore.SOCKET_OPTION] | None) -> None:
    sock: socket.socket | None = transport.get_extra_info("socket")
    for option in options or ():
        if sock is not None:
            sock.setsockopt(*option)

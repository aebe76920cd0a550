"""Provenance: who collected a capture, with what, from which address, over which TLS chain.

Written into the WARC itself as a `metadata` record beside each response (linked by
`WARC-Refers-To`, and with no `WARC-Target-URI`, which would shadow the page on replay), and kept
in the vault too: the facts the Berkeley Protocol asks to be recorded at the moment of collection.
"""

from __future__ import annotations

import _ssl
import contextlib
import json
import platform
import ssl
import weakref
from importlib import metadata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpcore

from linkvault.model import Account, Connection

LIBRARIES = ("httpx", "httpcore", "warcio", "trafilatura", "sqlite-utils")


_SEEN: weakref.WeakKeyDictionary[object, Connection] = weakref.WeakKeyDictionary()


def connection_of(stream: httpcore.AsyncNetworkStream | None, proxied: bool) -> Connection:
    """Read address and TLS facts from httpcore's network stream (None-safe), once a connection: every request a
    kept-alive connection carries shows the same address and chain, which were read and made PEMs again for each."""
    if stream is None:
        return Connection()
    try:
        return _SEEN[stream]
    except (KeyError, TypeError):  # TypeError: a stream that cannot be weakly referenced is read each time
        pass
    connection = _read_connection(stream, proxied)
    with contextlib.suppress(TypeError):
        _SEEN[stream] = connection
    return connection


def _read_connection(stream: httpcore.AsyncNetworkStream, proxied: bool) -> Connection:
    addr = None if proxied else stream.get_extra_info("server_addr")  # through a proxy: the proxy's address
    tls = stream.get_extra_info("ssl_object")
    if tls is None:
        return Connection(ip=addr[0] if addr else None, port=addr[1] if addr else None)
    raw = getattr(tls, "_sslobj", tls)  # the chain accessors are private before Python 3.13
    chain: tuple[str, ...] = ()
    getter = getattr(raw, "get_unverified_chain", None)
    if getter is not None:
        try:
            chain = tuple(ssl.DER_cert_to_PEM_cert(cert.public_bytes(_ssl.ENCODING_DER)) for cert in getter() or [])
        except (AttributeError, ValueError, ssl.SSLError):
            chain = ()
    if not chain and tls.getpeercert(True):
        chain = (ssl.DER_cert_to_PEM_cert(tls.getpeercert(True)),)
    cipher = tls.cipher()
    return Connection(ip=addr[0] if addr else None, port=addr[1] if addr else None, tls_version=tls.version(),
                      tls_cipher=cipher[0] if cipher else None, chain_pem=chain)


def software() -> dict:
    versions: dict[str, str | None] = {}
    for name in ("linkvault", *LIBRARIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"packages": versions, "python": platform.python_version(), "openssl": ssl.OPENSSL_VERSION,
            "system": platform.platform(terse=True)}


class Provenance:
    """A run's provenance records, one beside each response, as the JSON text of their metadata records: the text
    `json.dumps(facts, ensure_ascii=False, indent=1)` writes for their facts. Most of a record is the run's options
    and software, the same in every record: that part is rendered once, and each record's own facts around it."""

    def __init__(self, *, options: dict, collector: str | None, about: dict):
        self.collector = collector
        self._shared = f' "options": {json_text(options, _LEVEL)},\n "software": {json_text(about, _LEVEL)}'
        self._tls: dict[Connection, str] = {}  # a kept-alive connection's TLS facts, rendered once for its requests

    def text(self, *, url: str, captured_at: str, connection: Connection, status: int, hops: list[dict],
             memento: dict | None = None, account: Account | None = None, vantage: dict | None = None,
             redacted: dict | None = None) -> str:
        """The provenance facts of one response as its record's JSON text; `memento`: the archive, URI-M and date of an
        archived copy fetched; `account`: the logged-in account whose cookies went with the request; `vantage`: the
        vantage point it was seen from (fetch --vantage); `redacted`: what its records withhold (each written only where
        it applies, so every other record stays as it was)."""
        own = {"url": url, "captured_at": captured_at, "collector": self.collector, "status": status,
               "ip": connection.ip, "port": connection.port}
        tls = self._tls.get(connection)
        if tls is None:
            if len(self._tls) >= 64:  # memory stays flat over any number of connections
                self._tls.clear()
            tls = self._tls[connection] = json_text(_tls(connection), _LEVEL)
        extra = self._extra(memento, account, vantage, redacted)
        return "".join(("{", _items(own), f',\n "tls": {tls},\n "redirects": {json_text(hops, _LEVEL)},\n',
                        self._shared, "," + _items(extra) if extra else "", "\n}"))

    @staticmethod
    def _extra(memento: dict | None, account: Account | None, vantage: dict | None, redacted: dict | None) -> dict:
        extra: dict = {"account": account_record(account)} if account else {}
        extra |= {"vantage": vantage} if vantage else {}
        extra |= {"memento": memento} if memento else {}
        return extra | {"redacted": redacted} if redacted else extra


def _tls(connection: Connection) -> dict | None:
    return {"version": connection.tls_version, "cipher": connection.tls_cipher,
            "chain_pem": list(connection.chain_pem)} if connection.tls_version else None


_FLAT = json.JSONEncoder(ensure_ascii=False).encode  # C-encoded; json's indented encoding is pure Python, and slower
_LEVEL = "\n "  # a top-level key's value starts its lines one space in


def json_text(value: object, pad: str = "\n") -> str:
    """`value` as `json.dumps(value, ensure_ascii=False, indent=1)` writes it (string keys), `pad` being the line break
    and indent of the level it sits at."""
    if isinstance(value, dict) and value:
        return "{" + _items(value, pad) + pad + "}"
    if isinstance(value, (list, tuple)) and value:
        inner = pad + " "
        return "[" + ",".join(inner + json_text(item, inner) for item in value) + pad + "]"
    return _FLAT(value)


def _items(facts: dict, pad: str = "\n") -> str:
    inner = pad + " "
    return ",".join(f"{inner}{_FLAT(key)}: {json_text(value, inner)}" for key, value in facts.items())


def account_record(account: Account) -> dict:
    """The account as provenance states it: label and cookie names (never values), and what that means."""
    return {"label": account.label, "cookie_names": list(account.cookie_names),
            "statement": f"captured logged in as {account.label}: it reflects what that account could see, "
                         "which another reader may not"}


def sha256_file(path: str) -> str:
    """The SHA-256 of a file (a report, a pack), read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

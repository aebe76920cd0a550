"""Provenance: who collected a capture, with what, from which address, over which TLS chain.

Written into the WARC itself as a `metadata` record beside each response (linked by
`WARC-Refers-To`, and with no `WARC-Target-URI`, which would shadow the page on replay), and kept
in the vault too: the facts the Berkeley Protocol asks to be recorded at the moment of collection.
"""

from __future__ import annotations

import _ssl
import contextlib
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


def provenance_record(*, url: str, captured_at: str, connection: Connection, status: int,
                      hops: list[dict], options: dict, collector: str | None, about: dict,
                      memento: dict | None = None, account: Account | None = None, vantage: dict | None = None) -> dict:
    """The provenance facts of one response; `memento`: the archive, URI-M and date of an archived copy fetched;
    `account`: the logged-in account whose cookies went with the request (each written only where it applies, so
    every other record stays as it was); `vantage`: the vantage point it was seen from (fetch --vantage)."""
    facts = {
        "url": url,
        "captured_at": captured_at,
        "collector": collector,
        "status": status,
        "ip": connection.ip,
        "port": connection.port,
        "tls": {"version": connection.tls_version, "cipher": connection.tls_cipher,
                "chain_pem": list(connection.chain_pem)} if connection.tls_version else None,
        "redirects": hops,
        "options": options,
        "software": about,
    }
    if account:
        facts["account"] = account_record(account)
    if vantage:
        facts["vantage"] = vantage
    return facts | {"memento": memento} if memento else facts


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

"""Trusted timestamps (RFC 3161) over a run's manifest: every record id with its block digest.

rfc3161-client hashes the data itself, so the manifest's exact bytes are what gets stamped and
what is stored (a `resource` record); each authority's reply is checked on receipt (status, and
that it stamps our manifest's digest) and stored beside it. An authority that fails is recorded
and the run goes on: a missing timestamp weakens evidence, it does not destroy it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

from linkvault.archive.egress_policy import EgressPolicy, resolve_egress
from linkvault.archive.failures import classify_exception
from linkvault.archive.transport import proxy_via
from linkvault.parsing.urls import is_private_host

DEFAULT_TSAS = ("http://timestamp.digicert.com", "https://freetsa.org/tsr", "http://timestamp.sectigo.com")


@dataclass(frozen=True)
class Stamp:
    tsa: str
    token: bytes | None  # the whole TimeStampResp as received, when it verified
    gen_time: str | None
    error: str | None


def manifest_bytes(records: list[tuple[str, str | None]], reports: dict[str, str], options: dict,
                   custody: dict | None = None) -> bytes:
    """`custody`: the custody chain's head (id and hash of its newest event) as the manifest is made, so
    the timestamp anchors the chain too: events it covers cannot be deleted or rewritten unnoticed."""
    document = {"records": [{"id": rid, "block_digest": digest} for rid, digest in records],
                "reports": reports, "options": options}
    if custody is not None:
        document["custody"] = custody
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode()


def stamp(manifest: bytes, tsas: list[str], *, timeout: float = 15.0, egress: EgressPolicy | None = None) -> list[Stamp]:
    """Ask each authority, through the proxy and with the CA the egress policy names (the environment's by default)."""
    egress = egress or resolve_egress()
    request = TimestampRequestBuilder().data(manifest).hash_algorithm(HashAlgorithm.SHA256).build()
    digest = hashlib.sha256(manifest).digest()
    stamps = []
    with contextlib.ExitStack() as clients:
        by_proxy: dict[str | None, httpx.Client] = {}
        for tsa in tsas:
            # A TSA on this machine or its network is reached directly: no proxy can reach it for us.
            proxy = None if is_private_host(urlsplit(tsa).hostname or "") else egress.proxy_for(tsa)
            if proxy not in by_proxy:
                by_proxy[proxy] = clients.enter_context(httpx.Client(
                    timeout=timeout, verify=egress.ssl_context, proxy=proxy_via(proxy, egress.ssl_context), trust_env=False))
            client = by_proxy[proxy]
            try:
                reply = client.post(tsa, content=request.as_bytes(),
                                    headers={"Content-Type": "application/timestamp-query"})
                if reply.status_code != 200:
                    raise ValueError(f"HTTP {reply.status_code}")
                response = decode_timestamp_response(reply.content)
                if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
                    raise ValueError(f"refused ({response.status})")
                imprint = response.tst_info.message_imprint.message
                if imprint != digest:
                    raise ValueError("the token stamps another digest than our manifest's")
                if response.tst_info.nonce != request.nonce:
                    raise ValueError("the token's nonce is not our request's")
                stamps.append(Stamp(tsa, reply.content, response.tst_info.gen_time.isoformat(), None))
            except httpx.HTTPError as exc:  # said as for a page: a proxy that is down is named as the proxy
                stamps.append(Stamp(tsa, None, None, classify_exception(exc, tsa, proxy).detail))
            except Exception as exc:  # any authority's failure is recorded, never fatal
                stamps.append(Stamp(tsa, None, None, f"{exc.__class__.__name__}: {exc}"))
    return stamps

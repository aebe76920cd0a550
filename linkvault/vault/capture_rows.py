"""A capture as a row of the `captures` table and back: the one place its columns are spelled in Python.

`row_of` gives what `Vault.add_capture` inserts (the redirect chain, headers and certificates go on to their
side tables; a memento, fetched from an archive, also names the page it is a copy of);
`capture_of` rebuilds a `Capture` from a row read back (with `title` when the query joined its
text), as `fetch` reuses it and `report`, `verify` and `pack` judge and seal it.
"""

from __future__ import annotations

from linkvault.model import Account, Candidate, Capture, Connection, Hop, LinkState, RecordLocation

# A report's URL, a site adapter's extra fetch, a post's own picture, a soft-404 check, an archive's copy of a cited
# page, and a cited URL seen again from another vantage point whose look is not the one that stands (`fetch --vantage`).
ROLES = ("cited", "companion", "image", "probe", "memento", "vantage")


def row_of(capture: Capture, role: str, memento: Candidate | None = None, part_of: int | None = None) -> dict:
    """The `captures` row of `capture`, fetched in `role`, with its side-table parts (redirects, headers, cert_chain);
    for a `memento`, the candidate it was fetched as (the page it copies, when, in which archive); for an image, the
    capture of the post it is `part_of`."""
    record, c, state = capture.record, capture.connection, capture.state
    return {
        "url": capture.url, "fetched_at": capture.fetched_at, "final_url": capture.final_url,
        "redirects": [h.as_record() for h in capture.hops],
        "status": capture.status, "headers": capture.headers, "content_type": capture.header("content-type"),
        "elapsed": capture.elapsed, "error": capture.error, "error_detail": capture.error_detail, "ip": capture.ip,
        "warc_file": record.file if record else None, "warc_offset": record.offset if record else None,
        "warc_length": record.length if record else None, "record_id": record.record_id if record else None,
        "payload_digest": record.payload_digest if record else None,
        "payload_sha1": record.payload_sha1 if record else None,
        "payload_sha1_decoded": record.payload_sha1_decoded if record else None,
        "memento_of": memento.url if memento else None, "memento_at": memento.memento_at if memento else None,
        "archive": memento.archive if memento else None,
        "revisit_of": record.revisit_of if record else None, "truncated": int(capture.truncated), "size": capture.size,
        "port": c.port if c else None, "tls_version": c.tls_version if c else None,
        "tls_cipher": c.tls_cipher if c else None, "cert_chain": "".join(c.chain_pem) if c and c.chain_pem else None,
        "provenance_id": capture.provenance_id,
        "state": state.state if state else None, "category": state.category if state else None,
        "state_detail": state.detail if state else None,
        "role": role, "part_of": part_of, "collector": capture.collector,
        "account": capture.account.label if capture.account else None,
        "account_cookies": ",".join(capture.account.cookie_names) if capture.account else None,
        "vantage": capture.vantage,
    }


def capture_of(row: dict, hops: list[dict] | None = None) -> Capture:
    """The `Capture` a `captures` row (and its redirect hops, when read) holds."""
    record = None
    if row.get("warc_file") or row.get("record_id"):
        record = RecordLocation(file=row.get("warc_file") or "", offset=row.get("warc_offset") or 0,
                                length=row.get("warc_length") or 0, record_id=row.get("record_id") or "",
                                payload_digest=row.get("payload_digest"), revisit_of=row.get("revisit_of"),
                                payload_sha1=row.get("payload_sha1"), payload_sha1_decoded=row.get("payload_sha1_decoded"))
    state = None
    if row.get("state"):
        state = LinkState(row["state"], row.get("state_detail") or "", row.get("status"), row.get("final_url"))
    connection = Connection(ip=row.get("ip"), port=row.get("port"), tls_version=row.get("tls_version"),
                            tls_cipher=row.get("tls_cipher"))
    return Capture(
        url=row["url"], fetched_at=row.get("fetched_at") or "", final_url=row.get("final_url"), status=row.get("status"),
        hops=[Hop(h["url"], h["status"], h.get("location"), h.get("via")) for h in hops or []],
        elapsed=row.get("elapsed") or 0.0, error=row.get("error"), error_detail=row.get("error_detail"),
        ip=row.get("ip"), record=record, truncated=bool(row.get("truncated")), size=row.get("size") or 0,
        title=row.get("title"), state=state, connection=connection, provenance_id=row.get("provenance_id"),
        collector=row.get("collector"), id=row.get("id"), account=_account(row),
        vantage=row.get("vantage"))


def _account(row: dict) -> Account | None:
    """The account a capture was made as, if any (a row of a vault before version 9 has none)."""
    if not row.get("account"):
        return None
    return Account(row["account"], tuple(name for name in (row.get("account_cookies") or "").split(",") if name))

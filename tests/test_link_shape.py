"""One shape of a link: the vault gives back the `Capture` it was given (its row mapped in one place,
vault/capture_rows.py), and review's rows are `Link`s holding it, not copies of its fields."""

from __future__ import annotations

from linkvault.model import Capture, Connection, Hop, Link, LinkState, RecordLocation
from linkvault.parsing import parse_text
from linkvault.reviewing import links_of
from linkvault.vault import Vault

URL = "https://vlast.kz/novosti/59686.html"
FINAL = "https://vlast.kz/novosti/59686-sud.html"


def _capture(**kw) -> Capture:
    return Capture(url=URL, fetched_at="2024-04-20T09:15:02.123456Z", final_url=FINAL, status=200,
                   hops=[Hop(URL, 301, FINAL), Hop(FINAL, 200, "https://vlast.kz/", "meta-refresh")],
                   headers=[("Content-Type", "text/html; charset=utf-8")], elapsed=0.25, ip="203.0.113.7",
                   record=RecordLocation("linkvault-1.warc.gz", 1234, 5678, "<urn:uuid:1>", "sha256:abc"),
                   truncated=True, size=4096, title="Суд оштрафовал активиста", connection=Connection(
                       ip="203.0.113.7", port=443, tls_version="TLSv1.3", tls_cipher="TLS_AES_128_GCM_SHA256"),
                   provenance_id="<urn:uuid:2>", collector="desk@example.org", **kw)


def test_a_capture_comes_back_from_the_vault_as_it_was_stored(tmp_path):
    stored = _capture(state=LinkState("redirected", "reached through 1 redirect(s)", 200, FINAL))
    with_text = {"title": stored.title, "author": None, "published": "2024-04-20", "language": "ru",
                 "sitename": "Власть", "text": "Суд Астаны оштрафовал активиста."}
    vault = Vault(str(tmp_path / "vault"))
    try:
        vault.add_url(URL)
        vault.store_capture(stored, role="cited", text=with_text)
        [back] = vault.verdicts([URL]).values()
        assert vault.texts_of([back.id])[back.id]["text"] == with_text["text"]
    finally:
        vault.close()
    assert back.id == stored.id is not None
    for name in ("url", "fetched_at", "final_url", "status", "elapsed", "error", "error_detail", "ip", "record",
                 "truncated", "size", "title", "state", "provenance_id", "collector"):
        assert getattr(back, name) == getattr(stored, name), name
    assert back.connection == Connection(ip="203.0.113.7", port=443, tls_version="TLSv1.3",
                                         tls_cipher="TLS_AES_128_GCM_SHA256")


def test_a_capture_stored_before_link_states_is_judged_from_its_row_and_redirects(tmp_path):
    vault = Vault(str(tmp_path / "vault"))
    try:
        vault.add_url(URL)
        vault.store_capture(_capture(), role="cited")  # no state: as a vault of schema 1 holds it
        captures = vault.verdicts([URL])
    finally:
        vault.close()
    assert [(h.url, h.status, h.location, h.via) for h in captures[URL].hops] == [
        (URL, 301, FINAL, None), (FINAL, 200, "https://vlast.kz/", "meta-refresh")]
    report = parse_text(f"A court fined him[1].\n\n[1] {URL}\n", path="r.txt")
    [link] = links_of(report, captures)
    assert isinstance(link, Link) and link.capture is captures[URL]  # the row holds the capture, not a copy
    assert (link.state, link.http_status, link.title, link.warc_offset) == ("redirected", 200, captures[URL].title, 1234)
    assert link.detail.endswith("(judged from the status alone)")

"""A provenance record's JSON (archive/provenance.py) is the text `json.dumps(facts, ensure_ascii=False, indent=1)`
writes, whatever the facts, though the parts every record of a run repeats are rendered once."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.provenance import Provenance, account_record, json_text, software
from linkvault.model import Account, Connection

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=6),
                    max_leaves=30)
OPTIONS, SOFTWARE = FetchOptions(proxy="http://user:secret@proxy.example:3128").as_record(), software()
CHAIN = ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
         "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n")


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_json_text_is_what_json_dumps_writes(value):
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=1)


def _expected(url: str, connection: Connection, hops: list[dict], **extra: object) -> str:
    tls = {"version": connection.tls_version, "cipher": connection.tls_cipher,
           "chain_pem": list(connection.chain_pem)} if connection.tls_version else None
    facts = {"url": url, "captured_at": "2024-04-12T09:30:00.000000Z", "collector": "А. Редактор", "status": 200,
             "ip": connection.ip, "port": connection.port, "tls": tls, "redirects": hops, "options": OPTIONS,
             "software": SOFTWARE, **extra}
    return json.dumps(facts, ensure_ascii=False, indent=1)


def test_a_run_s_provenance_records_are_what_json_dumps_writes_of_their_facts():
    provenance = Provenance(options=OPTIONS, collector="А. Редактор", about=SOFTWARE)
    over_tls = Connection("10.0.0.7", 443, "TLSv1.3", "TLS_AES_256_GCM_SHA384", CHAIN)
    plain = Connection("10.0.0.8", 80)
    hops = [{"url": "http://vlast.kz/a", "status": 301, "location": "https://vlast.kz/a"},
            {"url": "https://vlast.kz/a", "status": 200, "location": None, "via": "meta refresh"}]
    account = Account("researcher", ("sessionid",))
    memento = {"archive": "web.archive.org", "uri_m": "https://web.archive.org/web/2024/https://vlast.kz/a"}
    redacted = {"request_headers": ["Cookie"]}
    records = [  # (what Provenance.text is given, the extra facts json.dumps is given): one connection again and again
        (dict(url="https://vlast.kz/a", connection=over_tls, hops=hops), {}),
        (dict(url="https://vlast.kz/b", connection=over_tls, hops=hops[1:], account=account, vantage={"name": "abroad"},
              memento=memento, redacted=redacted),
         {"account": account_record(account), "vantage": {"name": "abroad"}, "memento": memento, "redacted": redacted}),
        (dict(url="http://vlast.kz/c", connection=plain, hops=[]), {}),
        (dict(url="https://vlast.kz/a", connection=over_tls, hops=hops, redacted=redacted), {"redacted": redacted}),
    ]
    for facts, extra in records:
        text = provenance.text(captured_at="2024-04-12T09:30:00.000000Z", status=200, **facts)
        assert text == _expected(facts["url"], facts["connection"], facts["hops"], **extra)

"""A `differs` witness says how alike the two pages read: the archive's raw capture (id_) is fetched through its
gate, its text extracted as linkvault extracts ours, and the ratio kept in the vault (witnesses.text_similarity,
schema 9), the custody event, `show`, and fetch's summary and JSON. A page with one sentence changed reads nearly
alike; another article does not. Through the CLI over the fake Save Page Now 2 on real sockets."""

from __future__ import annotations

import json
import sqlite3

import httpx
from fakeweb.sites import AZATTYQ_ARTICLE, AZATTYQ_PARAGRAPHS, KAZTAG_ARTICLE, KAZTAG_PARAGRAPHS, VLAST_ARTICLE
from test_save_page_now import FAST, custody, fetch, keys, report, rows, spn_of, wayback  # noqa: F401 -- fixtures

from linkvault.archive.webarchives.likeness import alike_words, likeness
from linkvault.cli import cli
from linkvault.vault import METADATA, SCHEMA_VERSION, Vault


def _served(fakeweb, url: str) -> bytes:
    with httpx.Client(**fakeweb.client_kwargs()) as client:
        return client.get(url).content


def test_a_differing_witness_says_how_alike_the_texts_are_everywhere_it_is_shown(
        runner, fakeweb, wayback, report, keys, tmp_path):  # noqa: F811 -- fixtures imported above
    spn = spn_of(fakeweb, wayback, polls_before_success=0)
    ours = _served(fakeweb, AZATTYQ_ARTICLE).decode("utf-8")
    last = AZATTYQ_PARAGRAPHS[-1]
    spn.payloads[AZATTYQ_ARTICLE] = ours.replace(last, last.replace("не получен", "получен вечером")).encode()
    spn.payloads[VLAST_ARTICLE] = ("<html><head><title>Погода</title></head><body><article><h1>Погода в Алматы"
                                   "</h1><p>Завтра в Алматы ожидается снег, ветер северо-западный, до 15 м/с. "
                                   "Температура ночью до минус десяти градусов.</p></article></body></html>").encode()
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST,
                   "--rate", "ia-memento=6000/min", "--format", "json")
    assert result.exit_code == 0, result.output
    witnesses = {w["uri_m"].split("/", 5)[-1]: w for w in json.loads(result.stdout)["summary"]["save_page_now"]
                 ["witnesses"]}
    edited, other = witnesses[AZATTYQ_ARTICLE], witnesses[VLAST_ARTICLE]
    assert edited["verdict"] == other["verdict"] == "differs"
    assert 0.9 <= edited["text_similarity"] < 1 and other["text_similarity"] < 0.5
    assert alike_words(edited["text_similarity"]) in edited["sentence"]
    raw = [r.path for r in fakeweb.log.snapshot() if r.host == "web.archive.org" and "id_/" in r.path]
    assert sorted(p.split("id_/", 1)[1] for p in raw) == sorted([AZATTYQ_ARTICLE, VLAST_ARTICLE])
    logged = {d["url"]: d for e, d in custody(vault) if e == "witnessed"}
    assert logged[AZATTYQ_ARTICLE]["text_similarity"] == round(edited["text_similarity"], 4)
    assert sorted(s for (s,) in rows(vault, "select text_similarity from witnesses")) == sorted(
        [edited["text_similarity"], other["text_similarity"]])
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert f"differs from ours ({alike_words(edited['text_similarity'])}" in " ".join(shown.output.split())
    table = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert table.exit_code == 0  # witnessed already: nothing more to submit, the earlier witness stands
    assert rows(vault, "select count(*) from witnesses") == [(2,)]


def test_the_same_payload_asks_the_archive_for_no_page_and_records_no_similarity(
        runner, fakeweb, wayback, report, keys, tmp_path):  # noqa: F811 -- fixtures imported above
    spn_of(fakeweb, wayback, polls_before_success=0)
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert "witnessed: 2 same" in result.output, result.output
    assert not [r for r in fakeweb.log.snapshot() if r.host == "web.archive.org" and "id_/" in r.path]
    assert rows(vault, "select text_similarity from witnesses") == [(None,), (None,)]


def test_texts_that_only_reflow_are_alike_and_a_rewrite_is_not():
    text = "Суд Астаны арестовал журналиста.\nАдвокат обжалует меру пресечения."
    assert likeness(text, "Суд Астаны арестовал   журналиста. Адвокат обжалует\nмеру пресечения.") == 1.0
    assert likeness(text, "Завтра в Алматы ожидается снег.") < 0.5
    assert alike_words(0.999) == "text 99% alike"  # a page that differs never reads 100% alike


def test_a_v8_vault_gains_the_similarity_column_and_its_description_on_the_next_fetch(
        runner, fakeweb, wayback, report, keys, tmp_path):  # noqa: F811 -- fixtures imported above
    vault = tmp_path / "vault"
    assert fetch(runner, fakeweb, vault, report).exit_code == 0
    with sqlite3.connect(vault / "linkvault.db") as db:
        db.execute("alter table witnesses drop column text_similarity")
        db.execute("pragma user_version = 8")
    db.close()
    assert fetch(runner, fakeweb, vault, report).exit_code == 0
    with sqlite3.connect(vault / "linkvault.db") as db:
        assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION >= 9
        assert "text_similarity" in [r[1] for r in db.execute("pragma table_info(witnesses)")]
    db.close()
    tables = json.loads((vault / METADATA).read_text(encoding="utf-8"))["databases"]["linkvault"]["tables"]
    assert "0 to 1" in tables["witnesses"]["columns"]["text_similarity"]


def _kaztag_edition(fakeweb) -> bytes:
    """KazTAG's page as the fake web serves it (Windows-1251, the charset named only in a <meta> tag), one
    "Обновлено" paragraph longer: an edition the archive got after ours."""
    page = _served(fakeweb, KAZTAG_ARTICLE).decode("cp1251")
    last = KAZTAG_PARAGRAPHS[-1]
    assert last in page
    return page.replace(last, f"{last}</p>\n<p>Обновлено: защита подала жалобу на меру пресечения.").encode("cp1251")


def test_an_edition_in_windows_1251_declared_only_in_meta_reads_nearly_alike_not_as_mojibake(
        runner, fakeweb, wayback, keys, tmp_path):  # noqa: F811 -- fixtures imported above
    spn = spn_of(fakeweb, wayback, polls_before_success=0)
    spn.payloads[KAZTAG_ARTICLE] = _kaztag_edition(fakeweb)
    cited = tmp_path / "k.txt"
    cited.write_text(f"The court arrested him[1].\n\n[1] {KAZTAG_ARTICLE}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, cited, "--save-page-now", "--spn-keys", str(keys), *FAST,
                   "--rate", "ia-memento=6000/min", "--format", "json")
    assert result.exit_code == 0, result.output
    [witness] = json.loads(result.stdout)["summary"]["save_page_now"]["witnesses"]
    assert witness["verdict"] == "differs"
    assert 0.8 <= witness["text_similarity"] < 1, witness["sentence"]


def test_a_page_kept_as_bytes_comes_back_byte_for_byte_from_the_answer_cache(fakeweb, tmp_path):
    import asyncio

    from linkvault.archive.egress_policy import resolve_egress
    from linkvault.archive.webarchives.gateway import Gateway

    served = _served(fakeweb, KAZTAG_ARTICLE)
    cache = Vault(str(tmp_path / "vault"))
    egress = resolve_egress(fakeweb.proxy_url, fakeweb.ca_pem_path, environ={})

    async def ask():
        async with Gateway(egress, names={"ia-memento": "the Internet Archive"}, cache=cache) as gateway:
            return await gateway.get_bytes("ia-memento", KAZTAG_ARTICLE)

    first, second = asyncio.run(ask()), asyncio.run(ask())
    assert first.raw == second.raw == served and (first.cached, second.cached) == (False, True)
    assert second.content_type == first.content_type == "text/html"
    assert len([r for r in fakeweb.log.snapshot() if r.host == "kaztag.kz"]) == 2  # _served, then the first ask

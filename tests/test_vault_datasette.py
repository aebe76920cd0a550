"""A vault that reads well in Datasette: `footnote_verdicts` (report path, integer numbers, verdicts), captures one line
tall (bulky parts in side tables), a metadata file describing every table; old vaults migrated in place."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from fakeweb.server import html, redirect
from fakeweb.sites import facebook_login_wall

from linkvault.cli import cli
from linkvault.vault import METADATA, SCHEMA_VERSION

ALIVE = "https://rus.azattyq.org/a/{n}.html"
REPORT = "".join(f"April {n}, Astana, an event[{n}].\n" for n in range(1, 15)) + "\n" + "".join(
    f"[{n}] {ALIVE.format(n=32887870 + n)}\n" for n in range(1, 10)) + """[10] https://kaztag.kz/ru/news/udalennaya-novost
[11] https://www.facebook.com/groups/ActivistsNotExtremists/posts/1/
[12] https://vlast.kz/novosti/12345-story.html
[14] Interview with the district court's press officer, 12 April 2024.
"""
SIDE_COLUMNS = {"redirects", "headers", "cert_chain"}


def _fetch(tmp_path, web, runner):
    web.route("kaztag.kz", "/ru/news/udalennaya-novost", html("<html><body><h1>404</h1></body></html>", status=404))
    web.route_url("https://www.facebook.com/groups/ActivistsNotExtremists/posts/1/", facebook_login_wall())
    web.route_url("https://m.facebook.com/groups/ActivistsNotExtremists/posts/1/", facebook_login_wall())
    web.route("vlast.kz", "/novosti/12345-story.html", redirect("https://vlast.kz/", 301))
    web.route("vlast.kz", "/", html("<html><head><title>Vlast.kz</title></head><body><p>Главная</p></body></html>"))
    for n in range(1, 10):
        web.route_url(ALIVE.format(n=32887870 + n), html(
            f"<html><head><title>Новость {n}</title></head><body><article><p>{'Суд оштрафовал активиста. ' * 20}"
            f"({n})</p></article></body></html>"))
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", web.proxy_url,
                                 "--ca-bundle", web.ca_pem_path, "--retries", "0"])
    assert result.exit_code == 1, result.output  # a dead link, [13] cited with no entry, [14] with no URL
    return report, vault


@pytest.fixture
def fetched(tmp_path, fakeweb, runner):
    return _fetch(tmp_path, fakeweb, runner)


def _verdicts(vault) -> list[tuple]:
    db = sqlite3.connect(vault / "linkvault.db")
    try:
        return db.execute("select report, number, typeof(number), label, url, category, state, detail, archived_at "
                          "from footnote_verdicts").fetchall()
    finally:
        db.close()


def test_footnote_verdicts_lists_footnotes_in_numeric_order_with_report_path_and_verdict(fetched):
    report, vault = fetched
    rows = _verdicts(vault)
    assert [r[1] for r in rows] == list(range(1, 15))  # 1, 2 … 10, 11, 12: not 1, 10, 11, 12, 2
    assert {r[2] for r in rows} == {"integer"}
    assert {r[0] for r in rows} == {str(report.resolve())}
    verdicts = {r[1]: (r[5], r[6]) for r in rows}
    assert verdicts[1] == ("alive", "ok") and verdicts[10] == ("dead", "not-found")
    assert verdicts[11] == ("restricted", "login-wall") and verdicts[12] == ("dead", "redirected-to-homepage")
    assert all(r[7] and r[8] for r in rows if r[4])  # every URL has a reason and an archived capture
    assert rows[9][4] == "https://kaztag.kz/ru/news/udalennaya-novost" and rows[9][3] == "10"


def test_footnote_verdicts_shows_footnotes_with_no_url_as_report_does(fetched, runner):
    """[13] is cited with no entry, [14]'s entry has no URL: fetch stored nothing for them to fetch, but an
    editor browsing the vault sees them, in the words `report --format json` uses."""
    report, vault = fetched
    rows = {r[1]: r for r in _verdicts(vault)}
    judged = json.loads(runner.invoke(cli, ["--vault", str(vault), "report", str(report), "--format", "json"]).stdout)
    for note in (f for f in judged["footnotes"] if f["url"] is None):
        number, _, _, label, url, category, state, detail, archived_at = rows[note["number"]]
        assert (label, url, category, state, detail) == (str(note["number"]), None, note["category"], note["state"],
                                                         note["detail"])
        assert archived_at is None
    assert (rows[13][5], rows[13][6]) == ("missing", "missing-footnote")
    assert (rows[14][5], rows[14][6]) == ("missing", "no-url") and "press officer" in rows[14][7]
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "14"])
    assert shown.exit_code == 2 and "footnote [14] has no URL in this report: the entry has no URL" in shown.output
    found = runner.invoke(cli, ["--vault", str(vault), "search", "Суд оштрафовал", "--format", "json"])
    assert found.exit_code == 0 and len(json.loads(found.stdout)) == 9


def test_captures_are_one_line_and_their_bulky_parts_live_in_side_tables(fetched):
    _, vault = fetched
    db = sqlite3.connect(vault / "linkvault.db")
    columns = {r[1] for r in db.execute("pragma table_info(captures)")}
    assert not columns & SIDE_COLUMNS
    cells = [v for row in db.execute("select * from captures") for v in row if isinstance(v, str)]
    assert cells and not [v for v in cells if "\n" in v or len(v) > 400]
    hops = db.execute("select h.hop, h.status, h.location from redirect_hops h join captures c on c.id = h.capture_id "
                      "where c.url = 'https://vlast.kz/novosti/12345-story.html' order by hop").fetchall()
    assert hops[0] == (0, 301, "https://vlast.kz/") and hops[-1][1] == 200
    names = {r[0].lower() for r in db.execute("select name from response_headers")}
    assert "content-type" in names
    pems = [r[0] for r in db.execute("select pem from certificates")]
    db.close()
    assert pems and all(p.startswith("-----BEGIN CERTIFICATE-----") and p.count("BEGIN") == 1 for p in pems)


def test_show_still_reads_redirects_and_report_still_judges_from_the_side_tables(fetched, runner):
    report, vault = fetched
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "12"])
    assert shown.exit_code == 0 and "301 https://vlast.kz/novosti/12345-story.html → https://vlast.kz/" in shown.output
    db = sqlite3.connect(vault / "linkvault.db")
    with db:
        db.execute("update captures set state = null, category = null, state_detail = null")  # as before link states
    db.close()
    judged = json.loads(runner.invoke(cli, ["--vault", str(vault), "report", str(report), "--format", "json"]).stdout)
    twelve = next(f for f in judged["footnotes"] if f["number"] == 12)
    assert twelve["state"] == "redirected-to-homepage" and "judged from the status alone" in twelve["detail"]


def _tables(vault) -> set[str]:
    db = sqlite3.connect(vault / "linkvault.db")
    try:
        return {r[0] for r in db.execute("select name from sqlite_master where type in ('table', 'view') "
                                         "and name not like 'sqlite_%'")}
    finally:
        db.close()


def test_the_metadata_file_describes_every_table_and_column(fetched):
    _, vault = fetched
    meta = json.loads((vault / METADATA).read_text(encoding="utf-8"))
    tables = meta["databases"]["linkvault"]["tables"]
    assert set(tables) == _tables(vault) and "footnote_verdicts" in tables
    db = sqlite3.connect(vault / "linkvault.db")
    for name, table in tables.items():
        assert table["description"], name
        if table.get("hidden"):
            assert name.startswith("texts_fts"), name
            continue
        columns = {r[1] for r in db.execute(f"pragma table_info([{name}])")} - {"id"}
        assert columns <= set(table["columns"]), (name, columns - set(table["columns"]))
    db.close()
    assert tables["reports"]["label_column"] == "path" and tables["footnotes"]["sort"] == "number"


def test_a_vault_of_the_previous_schema_is_migrated_in_place(fetched, runner):
    """Put the vault back as version 5 wrote it (bulky columns inline, no view, no metadata): reading it names its
    schema and changes nothing (issue 13: reading never writes); audit, which logs custody, upgrades it first."""
    report, vault = fetched
    before = _verdicts(vault)
    db = sqlite3.connect(vault / "linkvault.db")
    db.row_factory = sqlite3.Row
    details = {}
    for c in db.execute("select id from captures"):
        hops = [dict(h) for h in db.execute("select url, status, location from redirect_hops where capture_id = ? "
                                            "order by hop", [c["id"]])]
        headers = [list(h) for h in db.execute("select name, value from response_headers where capture_id = ? "
                                               "order by position", [c["id"]])]
        chain = "".join(p[0] for p in db.execute("select pem from certificates where capture_id = ? order by position",
                                                 [c["id"]])) or None
        details[c["id"]] = (json.dumps(hops), json.dumps(headers), chain)
    with db:
        db.execute("drop view footnote_verdicts")
        db.execute("delete from footnotes where url is null")  # before version 7, footnotes with no URL were not kept
        for column in ("gap", "gap_detail"):
            db.execute(f"alter table footnotes drop column {column}")
        for table in ("redirect_hops", "response_headers", "certificates"):
            db.execute(f"drop table {table}")
        for column in ("redirects", "headers", "cert_chain"):
            db.execute(f"alter table captures add column {column} text")
        db.executemany("update captures set redirects = ?, headers = ?, cert_chain = ? where id = ?",
                       [(*d, i) for i, d in details.items()])
        db.execute("pragma user_version = 5")
    db.close()
    (vault / METADATA).unlink()

    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "12"])
    assert shown.exit_code == 2 and f"(schema 5; this one reads {SCHEMA_VERSION})" in shown.output, shown.output
    assert sqlite3.connect(vault / "linkvault.db").execute("pragma user_version").fetchone()[0] == 5
    assert not (vault / METADATA).exists()
    audited = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "12"])
    assert shown.exit_code == 0, shown.output
    db = sqlite3.connect(vault / "linkvault.db")
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION == 14
    assert {r[1] for r in db.execute("pragma table_info(drifts)")} >= {"state", "similarity", "passage_then"}  # step 12
    assert not {r[1] for r in db.execute("pragma table_info(captures)")} & SIDE_COLUMNS
    assert "vantage" in {r[1] for r in db.execute("pragma table_info(captures)")}  # step 13 (fetch --vantage)
    for capture_id, (hops, headers, chain) in details.items():
        assert json.loads(hops) == [dict(zip(("url", "status", "location"), r)) for r in db.execute(
            "select url, status, location from redirect_hops where capture_id = ? order by hop", [capture_id])]
        assert json.loads(headers) == [list(r) for r in db.execute(
            "select name, value from response_headers where capture_id = ? order by position", [capture_id])]
        assert chain == ("".join(r[0] for r in db.execute(
            "select pem from certificates where capture_id = ? order by position", [capture_id])) or None)
    db.close()
    assert _verdicts(vault) == [row for row in before if row[4] is not None]
    assert "footnote_verdicts" in json.loads((vault / METADATA).read_text())["databases"]["linkvault"]["tables"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_view_with_the_vaults_metadata(fetched, tmp_path):
    pytest.importorskip("datasette", reason="datasette is in the test extras (pip install -e '.[test]')")
    report, vault = fetched
    port = _free_port()
    log = tmp_path / "datasette.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(vault / "linkvault.db"), "-m",
                                 str(vault / METADATA), "-h", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONWARNINGS": ""})
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/-/versions.json", timeout=5):
                        break
                except OSError:
                    assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
                    assert time.monotonic() < deadline, "datasette did not start"
                    time.sleep(0.2)
            with urllib.request.urlopen(f"{base}/linkvault/footnote_verdicts.json?_shape=array") as r:
                rows = json.loads(r.read())
            with urllib.request.urlopen(f"{base}/-/metadata.json") as r:
                meta = json.loads(r.read())
            with urllib.request.urlopen(f"{base}/linkvault/footnotes") as r:
                footnotes_page = r.read().decode()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert [r["number"] for r in rows] == list(range(1, 15))
    assert rows[12]["category"] == "missing" and rows[9]["report"] == str(report.resolve()) and rows[9]["state"] == "not-found"
    assert "footnote_verdicts" in meta["databases"]["linkvault"]["tables"]
    assert str(report.resolve()) in footnotes_page  # the report shown by its path, not its id

"""An authenticated capture as evidence: the account on record everywhere a capture is shown, and the session's
secrets nowhere: not in the WARC records, the vault's database, custody, or any member of the packed WACZ."""

from __future__ import annotations

import base64
import gzip
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from fakeweb.members import MEMBERS, OPEN_PAGE, SECRET, SERVER_SET, cookies_txt, members_page
from jsonschema import Draft202012Validator
from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.redaction import REDACTED
from linkvault.cli import cli
from linkvault.render.records import schema_text

PROXY_PASSWORD = "proxy-pa55word-not-for-evidence"
LABEL = "KIBHR research account"


def fetch_logged_in(runner, tmp_path: Path, fakeweb, *extra: str) -> tuple[Path, Path]:
    fakeweb.route_url(MEMBERS, members_page)
    cookies = cookies_txt(tmp_path)
    report = tmp_path / "chronicle.txt"
    report.write_text(f"Суд отклонил ходатайство[1], министерство прокомментировало[2].\n\n[1] {MEMBERS}\n[2] {OPEN_PAGE}\n",
                      encoding="utf-8")
    vault = tmp_path / "vault"
    proxy = fakeweb.proxy_url.replace("http://", f"http://researcher:{PROXY_PASSWORD}@")
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", proxy, "--ca-bundle",
                                 fakeweb.ca_pem_path, "--cookies", cookies, "--as", LABEL, *extra])
    assert result.exit_code == 0, result.output
    assert any(f"xs={SECRET}" in (r.header("Cookie") or "") for r in fakeweb.requests)  # it was sent: there is a secret
    return vault, report


def _unpacked(name: str, data: bytes) -> list[bytes]:
    """A file's bytes, and inflated too when it is gzip (a WARC's members) or a zip (the WACZ and its members)."""
    found = [data]
    if data[:2] == b"\x1f\x8b":
        found.append(gzip.decompress(data))
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                found += _unpacked(member, z.read(member))
    return found


def secrets_in(path: Path) -> list[str]:
    needles = [SECRET.encode(), PROXY_PASSWORD.encode(), base64.b64encode(f"researcher:{PROXY_PASSWORD}".encode())]
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return [f"{p}" for p in files for blob in _unpacked(p.name, p.read_bytes()) for needle in needles if needle in blob]


def warc_records(vault: Path) -> list[tuple[str, dict, list, bytes]]:
    found = []
    for warc in sorted((vault / "warc").glob("*.warc.gz")):
        with open(warc, "rb") as fh:
            for r in ArchiveIterator(fh):
                http = r.http_headers.headers if r.http_headers else []
                found.append((r.rec_type, dict(r.rec_headers.headers), http, r.content_stream().read()))
    return found


def test_the_session_secret_is_in_no_file_of_the_vault_or_the_pack(runner, tmp_path, fakeweb):
    vault, report = fetch_logged_in(runner, tmp_path, fakeweb)
    wacz = tmp_path / "chronicle.wacz"
    packed = runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(wacz)])
    assert packed.exit_code == 0, packed.output
    assert not list(vault.rglob("research-account.txt"))  # the cookies file itself is never copied in
    assert secrets_in(vault) == [] and secrets_in(wacz) == []


def test_the_request_record_keeps_the_cookie_header_with_its_value_withheld_and_says_so(runner, tmp_path, fakeweb):
    vault, _ = fetch_logged_in(runner, tmp_path, fakeweb)
    records = warc_records(vault)
    [request] = [(h, http) for kind, h, http, _ in records if kind == "request" and h["WARC-Target-URI"] == MEMBERS]
    headers, http = request
    assert ("Cookie", REDACTED) in http and headers["WARC-Redacted-Headers"] == "Cookie"
    [anonymous] = [h for kind, h, _, _ in records if kind == "request" and h["WARC-Target-URI"] == OPEN_PAGE]
    assert "WARC-Redacted-Headers" not in anonymous  # nothing withheld: the record is as it always was
    [response] = [http for kind, h, http, _ in records if kind == "response" and h["WARC-Target-URI"] == MEMBERS]
    assert ("Set-Cookie", SERVER_SET) in response  # what the server said is kept as received
    for warc in (vault / "warc").glob("*.warc.gz"):
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_redact_set_cookie_withholds_the_servers_cookies_in_the_warc_and_the_vault_alike(runner, tmp_path, fakeweb):
    vault, report = fetch_logged_in(runner, tmp_path, fakeweb, "--redact-set-cookie")
    [(headers, http)] = [(h, http) for kind, h, http, _ in warc_records(vault)
                         if kind == "response" and h["WARC-Target-URI"] == MEMBERS]
    assert ("Set-Cookie", REDACTED) in http and headers["WARC-Redacted-Headers"] == "Set-Cookie"
    db = sqlite3.connect(vault / "linkvault.db")
    assert db.execute("select value from response_headers where name = 'Set-Cookie'").fetchall() == [(REDACTED,)]
    audited = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output


def test_audit_holds_on_the_vault_and_the_pack_of_redacted_records(runner, tmp_path, fakeweb):
    vault, report = fetch_logged_in(runner, tmp_path, fakeweb)
    audited = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output
    wacz = tmp_path / "chronicle.wacz"
    assert runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(wacz)]).exit_code == 0
    audited = runner.invoke(cli, ["audit", str(wacz)])
    assert audited.exit_code == 0, audited.output


def test_the_account_is_in_the_vault_custody_report_show_and_the_packs_summary(runner, tmp_path, fakeweb):
    vault, report = fetch_logged_in(runner, tmp_path, fakeweb)
    db = sqlite3.connect(vault / "linkvault.db")
    rows = dict(db.execute("select url, account from captures where role = 'cited'").fetchall())
    assert rows == {MEMBERS: LABEL, OPEN_PAGE: None}
    assert db.execute("select account_cookies from captures where url = ?", [MEMBERS]).fetchone() == ("c_user,xs",)
    events = [(e, json.loads(d)) for e, d in db.execute("select event, details from custody order by id")]
    assert ("session", {"label": LABEL, "domains": ["vlast.kz"], "cookie_names": ["c_user", "xs"]}) in events
    [captured] = [d for e, d in events if e == "captured" and d["url"] == MEMBERS]
    assert captured["account"] == {"label": LABEL, "cookie_names": ["c_user", "xs"]}

    def report_as(fmt: str) -> str:
        result = runner.invoke(cli, ["--vault", str(vault), "report", str(report), "--format", fmt],
                               env={"COLUMNS": "80"})  # the table's compact form: its detail cells on one line
        assert result.exit_code == 0, result.output
        return result.stdout

    reported = json.loads(report_as("json"))
    members, anonymous = reported["footnotes"]
    assert members["account"] == {"label": LABEL, "cookie_names": ["c_user", "xs"]} and "account" not in anonymous
    schema = json.loads(schema_text())
    assert list(Draft202012Validator(schema).iter_errors(reported)) == []  # the schema knows the field
    csv_lines = report_as("csv").splitlines()
    assert csv_lines[0].endswith(",account") and csv_lines[1].endswith(f",{LABEL}") and csv_lines[2].endswith(",")
    for fmt in ("markdown", "html"):
        assert f"captured logged in as {LABEL}" in " ".join(report_as(fmt).split()), fmt
    assert f"archived (logged in as {LABEL})" in " ".join(report_as("table").split())
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert f"captured logged in as {LABEL} (cookies c_user, xs): it shows what that account could see" in \
        " ".join(shown.stdout.split())

    wacz = tmp_path / "chronicle.wacz"
    assert runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(wacz)]).exit_code == 0
    summary = [blob for blob in _unpacked(wacz.name, wacz.read_bytes()) if b"<h1>Evidence summary</h1>" in blob]
    assert summary and f"captured logged in as {LABEL}".encode() in summary[-1]


def test_the_reports_html_escapes_the_account_label(runner, tmp_path, fakeweb):
    vault, report = fetch_logged_in(runner, tmp_path, fakeweb, "--as", "<b>Research</b> & co")
    result = runner.invoke(cli, ["--vault", str(vault), "report", str(report), "--format", "html"])
    assert "captured logged in as &lt;b&gt;Research&lt;/b&gt; &amp; co" in result.stdout
    assert "<b>Research</b>" not in result.stdout

"""Trusted timestamps on a run's manifest, from a local RFC 3161 authority (openssl), checked by openssl."""

from __future__ import annotations

import json
import subprocess

from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli

URL = "https://rus.azattyq.org/a/32887882.html"


def _fetch(tmp_path, fakeweb, runner, *tsa_args):
    report = tmp_path / "r.txt"
    report.write_text(f"Claim[1].\n\n[1] {URL}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, *tsa_args])
    assert result.exit_code == 0, result.output
    resources = {}
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for r in ArchiveIterator(fh):
                if r.rec_type == "resource":
                    resources[r.rec_headers.get_header("WARC-Target-URI")] = r.content_stream().read()
    return vault, resources


def test_the_manifest_is_timestamped_and_openssl_verifies_the_token(tmp_path, fakeweb, runner, tsa):
    vault, resources = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url)
    [manifest_uri] = [u for u in resources if u.startswith("urn:evidence:manifest:")]
    [token_uri] = [u for u in resources if u.startswith("urn:evidence:rfc3161:")]
    manifest = resources[manifest_uri]
    records = json.loads(manifest)["records"]
    assert len(records) >= 3 and all(r["block_digest"].startswith("sha256:") for r in records)
    (tmp_path / "manifest.json").write_bytes(manifest)
    (tmp_path / "token.tsr").write_bytes(resources[token_uri])
    check = subprocess.run(["openssl", "ts", "-verify", "-data", "manifest.json", "-in", "token.tsr",
                            "-CAfile", str(tsa.directory / "root.pem"), "-untrusted", str(tsa.directory / "tsa.pem")],
                           cwd=tmp_path, capture_output=True, text=True)
    assert "Verification: OK" in check.stdout, check.stdout + check.stderr
    audit = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audit.exit_code == 0 and "everything holds" in audit.output


def test_a_tsa_that_is_down_is_recorded_and_the_run_goes_on(tmp_path, fakeweb, runner, tsa):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/tsr"
    vault, resources = _fetch(tmp_path, fakeweb, runner, "--tsa", dead, "--tsa", tsa.url)
    assert len([u for u in resources if u.startswith("urn:evidence:rfc3161:")]) == 1
    import sqlite3

    events = sqlite3.connect(vault / "linkvault.db").execute("select event, details from custody order by id").fetchall()
    kinds = [e for e, _ in events]
    assert "timestamp-failed" in kinds and "timestamped" in kinds
    failed = json.loads(next(d for e, d in events if e == "timestamp-failed"))
    assert failed["tsa"] == dead and failed["error"]


def test_no_timestamp_writes_no_manifest(tmp_path, fakeweb, runner, tsa):
    _, resources = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url, "--no-timestamp")
    assert not [u for u in resources if u.startswith("urn:evidence:")]


def test_audit_verifies_tokens_against_the_tsa_root(tmp_path, fakeweb, runner, tsa):
    vault, _ = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url)
    without = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert without.exit_code == 0  # a private root: not altered, and said after the verdict, in the singular
    assert without.output.strip().endswith(
        "1 timestamp checked: everything holds; 1 signature not verified (this machine's trusted roots do not cover "
        "its authority: pass --tsa-roots)"), without.output
    result = runner.invoke(cli, ["--vault", str(vault), "audit", "--tsa-roots", str(tsa.directory / "root.pem")])
    assert result.exit_code == 0, result.output
    assert "1 timestamp checked: everything holds" in result.output


def test_a_foreign_timestamp_token_makes_audit_fail_naming_it(tmp_path, fakeweb, runner, tsa):
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    from linkvault.archive.timestamp import stamp

    vault, resources = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url)
    [token_uri] = [u for u in resources if u.startswith("urn:evidence:rfc3161:")]
    [foreign] = stamp(b"a different manifest", [tsa.url])
    with open(vault / "warc" / "zz-swapped.warc.gz", "wb") as fh:  # read after the real file: it replaces the token
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warc_record(token_uri, "resource", payload=BytesIO(foreign.token),
                                                      length=len(foreign.token),
                                                      warc_content_type="application/timestamp-reply"))
    result = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert result.exit_code == 1 and token_uri in result.output and "another document" in result.output


def test_audit_verifies_signatures_against_the_machines_trusted_roots_by_default(tmp_path, fakeweb, runner, tsa,
                                                                                 monkeypatch):
    vault, _ = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url)
    monkeypatch.setenv("SSL_CERT_FILE", str(tsa.directory / "root.pem"))  # as if the authority's root were trusted here
    result = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert result.exit_code == 0 and "1 timestamp checked: everything holds" in result.output, result.output


def test_tsa_roots_that_are_not_certificates_are_a_one_line_error(tmp_path, fakeweb, runner, tsa):
    vault, _ = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url)
    junk = tmp_path / "roots.pem"
    junk.write_text("not a certificate\n")
    result = runner.invoke(cli, ["--vault", str(vault), "audit", "--tsa-roots", str(junk)])
    assert result.exit_code == 2 and "roots.pem" in result.output and "Traceback" not in result.output


def _pack(tmp_path, runner, vault, *args):
    out = tmp_path / "r.wacz"
    result = runner.invoke(cli, ["--vault", str(vault), "pack", str(tmp_path / "r.txt"), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out, result


def test_the_pack_itself_is_timestamped_and_openssl_verifies_it(tmp_path, fakeweb, runner, tsa):
    import base64
    import sys
    import zipfile
    from pathlib import Path

    vault, _ = _fetch(tmp_path, fakeweb, runner, "--tsa", tsa.url)
    out, result = _pack(tmp_path, runner, vault, "--tsa", tsa.url)
    assert "timestamped by 1 authority" in " ".join(result.output.split())  # the closing line wraps at the width
    validate = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f", str(out)],
                              capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr

    with zipfile.ZipFile(out) as z:
        (tmp_path / "datapackage.json").write_bytes(z.read("datapackage.json"))
        [entry] = json.loads(z.read("datapackage-digest.json"))["rfc3161"]
    (tmp_path / "pack.tsr").write_bytes(base64.b64decode(entry["token"]))
    check = subprocess.run(["openssl", "ts", "-verify", "-data", "datapackage.json", "-in", "pack.tsr",
                            "-CAfile", str(tsa.directory / "root.pem"), "-untrusted", str(tsa.directory / "tsa.pem")],
                           cwd=tmp_path, capture_output=True, text=True)
    assert "Verification: OK" in check.stdout, check.stdout + check.stderr
    audit = runner.invoke(cli, ["audit", str(out), "--tsa-roots", str(tsa.directory / "root.pem")])
    assert audit.exit_code == 0 and "2 timestamps checked: everything holds" in audit.output, audit.output


def test_a_pack_whose_file_list_was_rewritten_fails_its_own_timestamp(tmp_path, fakeweb, runner, tsa):
    import hashlib
    import zipfile

    vault, _ = _fetch(tmp_path, fakeweb, runner, "--no-timestamp")
    out, _ = _pack(tmp_path, runner, vault, "--tsa", tsa.url)
    with zipfile.ZipFile(out) as z:
        files = {name: z.read(name) for name in z.namelist()}
    package = json.loads(files["datapackage.json"])
    package["title"] = "a different story"  # rewritten consistently: the digest file is updated, the token cannot be
    files["datapackage.json"] = json.dumps(package).encode()
    digest = json.loads(files["datapackage-digest.json"])
    digest["hash"] = "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
    files["datapackage-digest.json"] = json.dumps(digest).encode()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    audit = runner.invoke(cli, ["audit", str(out)])
    assert audit.exit_code == 1 and "pack timestamp 1" in audit.output and "another document" in audit.output


def test_a_tsa_that_is_down_leaves_the_pack_whole_and_says_so(tmp_path, fakeweb, runner):
    vault, _ = _fetch(tmp_path, fakeweb, runner, "--no-timestamp")
    out, result = _pack(tmp_path, runner, vault, "--tsa", "http://127.0.0.1:9/tsr")
    assert "not timestamped by http://127.0.0.1:9/tsr" in result.output and "timestamped by" not in result.output.split(
        "wrote")[1]
    assert runner.invoke(cli, ["audit", str(out)]).exit_code == 0


def test_pack_reaches_its_timestamp_authority_through_the_proxy(tmp_path, fakeweb, runner, tsa):
    from tsa import behind_a_name

    fakeweb.route("tsa.evidence-example.org", "/tsr", behind_a_name(tsa))
    vault, _ = _fetch(tmp_path, fakeweb, runner, "--no-timestamp")
    fakeweb.reset_log()
    _, result = _pack(tmp_path, runner, vault, "--tsa", "http://tsa.evidence-example.org/tsr",
                      "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    assert "timestamped by 1 authority" in " ".join(result.output.split())  # the closing line wraps at the width
    assert fakeweb.proxied_hosts == ["tsa.evidence-example.org"]


def test_fetch_and_pack_take_their_proxy_from_the_environment_for_timestamps(tmp_path, fakeweb_env, runner, tsa):
    from tsa import behind_a_name

    fakeweb_env.route("tsa.evidence-example.org", "/tsr", behind_a_name(tsa))
    report = tmp_path / "r.txt"
    report.write_text(f"Claim[1].\n\n[1] {URL}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--tsa", "http://tsa.evidence-example.org/tsr"])
    assert fetched.exit_code == 0, fetched.output
    _, packed = _pack(tmp_path, runner, vault, "--tsa", "http://tsa.evidence-example.org/tsr")
    assert "timestamped by 1 authority" in " ".join(packed.output.split())  # the closing line wraps at the width
    assert fakeweb_env.proxied_hosts.count("tsa.evidence-example.org") == 2  # fetch's manifest, then the pack


def test_when_every_authority_fails_fetch_says_so_once_and_names_them(tmp_path, fakeweb, runner):
    import socket

    with socket.socket() as a, socket.socket() as b:
        a.bind(("127.0.0.1", 0))
        b.bind(("127.0.0.1", 0))
        dead = [f"http://127.0.0.1:{s.getsockname()[1]}/tsr" for s in (a, b)]
    vault, resources = _fetch(tmp_path, fakeweb, runner, "--tsa", dead[0], "--tsa", dead[1])
    assert not [u for u in resources if u.startswith("urn:evidence:rfc3161:")]
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(tmp_path / "r.txt"), "--refresh", "--proxy",
                                 fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--tsa", dead[0], "--tsa", dead[1]])
    [line] = [line for line in result.output.splitlines() if "no trusted timestamp" in line]
    assert dead[0] in line and dead[1] in line and "could not connect to 127.0.0.1" in line


def test_a_proxy_that_is_down_is_named_when_the_pack_cannot_be_timestamped(tmp_path, fakeweb, runner):
    import socket

    vault, _ = _fetch(tmp_path, fakeweb, runner, "--no-timestamp")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{s.getsockname()[1]}"
    _, result = _pack(tmp_path, runner, vault, "--tsa", "http://tsa.evidence-example.org/tsr", "--proxy", proxy)
    assert f"not timestamped by http://tsa.evidence-example.org/tsr: the proxy {proxy} refused the connection" \
        in result.output


def test_audit_says_plainly_which_captures_have_no_trusted_time(tmp_path, fakeweb, runner, tsa):
    import re

    def untimed(output: str) -> int:
        found = re.search(r"(\d+) captures? ha(?:s|ve) no trusted timestamp", output)
        return int(found.group(1)) if found else 0

    vault, _ = _fetch(tmp_path, fakeweb, runner, "--no-timestamp")
    audit = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audit.exit_code == 0 and "0 timestamps" not in audit.output
    first = untimed(audit.output)
    assert first >= 1  # the page (and the site's soft-404 probe)
    assert json.loads(runner.invoke(cli, ["--vault", str(vault), "audit", "--format", "json"]).stdout)[
        "untimed_captures"] == first
    out, _ = _pack(tmp_path, runner, vault, "--no-timestamp")
    packed = runner.invoke(cli, ["audit", str(out)])
    assert untimed(packed.output) == first and "0 timestamps" not in packed.output, packed.output
    runner.invoke(cli, ["--vault", str(vault), "fetch", str(tmp_path / "r.txt"), "--refresh", "--proxy",
                        fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--tsa", tsa.url])
    again = runner.invoke(cli, ["--vault", str(vault), "audit", "--tsa-roots", str(tsa.directory / "root.pem")])
    # the first run's captures, left unstamped, are listed in the stamped run's manifest: nothing is untimed now
    assert "1 timestamp checked: everything holds" in again.output and untimed(again.output) == 0, again.output


def test_an_https_proxys_own_certificate_is_checked_against_the_runs_ca_for_timestamps_too(fakeweb, tsa):
    """One egress policy: the timestamp client trusts an https:// proxy by the run's --ca-bundle, as the fetcher
    does (httpx's default for a proxy is certifi's roots: every authority was 'not timestamped' behind it)."""
    from listeners import tls_proxy
    from tsa import behind_a_name

    from linkvault.archive.egress_policy import EgressPolicy
    from linkvault.archive.timestamp import stamp

    fakeweb.route("tsa.evidence-example.org", "/tsr", behind_a_name(tsa))
    with tls_proxy(fakeweb.certs.server_context, fakeweb.https.server_address) as proxy:
        egress = EgressPolicy(proxies={"http": proxy, "https": proxy}, ca_file=fakeweb.ca_pem_path)
        [got] = stamp(b"manifest", ["https://tsa.evidence-example.org/tsr"], timeout=10, egress=egress)
    assert got.error is None and got.token

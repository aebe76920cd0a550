"""The one egress policy: flags first, then the environment as curl and urllib read it, then direct and certifi."""

from __future__ import annotations

import pytest

from linkvault.archive.egress_policy import resolve_egress
from linkvault.cli import cli
from linkvault.errors import UsageError


def test_the_flags_win_over_the_environment_and_no_proxy_applies_to_the_environments_proxy_only(fakeweb):
    env = {"HTTPS_PROXY": "http://env-proxy.example:3128", "NO_PROXY": "kaztag.kz", "SSL_CERT_FILE": "/nonexistent.pem"}
    flags = resolve_egress(fakeweb.proxy_url, fakeweb.ca_pem_path, env)
    assert flags.proxy_for("https://kaztag.kz/news") == fakeweb.proxy_url
    assert flags.ca_file == fakeweb.ca_pem_path  # the unreadable SSL_CERT_FILE is never looked at

    from_env = resolve_egress(None, fakeweb.ca_pem_path, env)
    assert from_env.proxy_for("https://rus.azattyq.org/a/1.html") == "http://env-proxy.example:3128"
    assert from_env.proxy_for("https://kaztag.kz/news") is None
    assert from_env.proxy_for("http://rus.azattyq.org/") is None  # no HTTP_PROXY, no ALL_PROXY: direct


def test_lower_case_variables_win_and_all_proxy_covers_both_schemes(fakeweb):
    env = {"https_proxy": "http://lower.example:1", "HTTPS_PROXY": "http://upper.example:2",
           "ALL_PROXY": "socks5://tor.example:9050", "SSL_CERT_FILE": fakeweb.ca_pem_path}
    policy = resolve_egress(None, None, env)
    assert policy.proxy_for("https://t.me/s/channel/1") == "http://lower.example:1"
    assert policy.proxy_for("http://t.me/") == "socks5://tor.example:9050"
    assert policy.custom_ca and policy.ca_file == fakeweb.ca_pem_path


@pytest.mark.parametrize("value, says", [
    ("127.0.0.1:8080", "write it as http://127.0.0.1:8080"),
    ("ftp://proxy.example:21", "not ftp://"),
    ("http://", "not a proxy address"),
])
def test_a_proxy_that_cannot_work_is_refused_naming_where_it_came_from(value, says):
    with pytest.raises(UsageError) as refused:
        resolve_egress(None, None, {"ALL_PROXY": value})
    assert refused.value.message.startswith(f"ALL_PROXY {value}") and says in refused.value.message


def test_an_unreadable_ssl_cert_file_is_a_one_line_usage_error(tmp_path, runner, monkeypatch):
    report = tmp_path / "r.txt"
    report.write_text("Claim[1].\n\n[1] https://rus.azattyq.org/a/32887882.html\n", encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing-ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report)])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert "SSL_CERT_FILE" in line and "missing-ca.pem" in line and "internal error" not in line
    assert not (tmp_path / "vault").exists()  # refused before anything was written

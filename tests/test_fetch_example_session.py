"""Issue 15's Done case on the example report: its Facebook and Instagram sources, on a fake web that walls them off
from anonymous visitors as the real sites do, are login walls without a session and posts with their text
(searchable, read by the claim check) with the research account's cookies.txt; the secret is in no vault file."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLE
from fakeweb.sites import example_report_phrases, example_report_site, report_footnotes
from fakeweb.social import SESSION_SECRETS, example_social_routes, write_cookies_txt

import linkvault
from linkvault.cli import cli

SOCIAL = {n: url for n, url in report_footnotes() if "facebook.com" in url or "instagram.com" in url}


@pytest.fixture(scope="module")
def walled(fakeweb_session):
    """The example report's social sources behind login walls for this module's tests only."""
    with fakeweb_session.isolated() as web:
        web.add_routes(example_social_routes(example_report_site(), walls=True))
        yield web


@pytest.fixture(scope="module")
def runs(walled, tmp_path_factory):
    """One anonymous fetch into one vault, one fetch with the account's session into another."""
    from click.testing import CliRunner

    runner, base = CliRunner(), tmp_path_factory.mktemp("example-session")
    cookies = write_cookies_txt(base / "cookies.txt")
    common = ["fetch", str(EXAMPLE), "--proxy", walled.proxy_url, "--ca-bundle", walled.ca_pem_path, "--format", "json"]
    anonymous = runner.invoke(cli, ["--vault", str(base / "anonymous"), *common])
    logged_in = runner.invoke(cli, ["--vault", str(base / "session"), *common, "--cookies", str(cookies),
                                    "--as", "KIBHR research account"])
    return base, anonymous, logged_in


def _social_items(result) -> dict[int, dict]:
    items = json.loads(result.stdout)["reports"][0]["footnotes"]
    return {item["number"]: item for item in items if item["number"] in SOCIAL and item["url"] == SOCIAL[item["number"]]}


def test_the_example_has_fifteen_facebook_and_instagram_sources():
    assert len(SOCIAL) == 15


def test_without_a_session_every_social_source_is_a_login_wall_as_today(runs):
    _, anonymous, _ = runs
    assert anonymous.exit_code == 1, anonymous.output  # the 15 footnotes with no source
    items = _social_items(anonymous)
    assert sorted(items) == sorted(SOCIAL)
    assert {item["state"] for item in items.values()} == {"login-wall"}


def test_with_the_session_every_social_source_is_the_post_with_its_text_and_the_account_named(runs):
    _, _, logged_in = runs
    assert logged_in.exit_code == 1, logged_in.output
    items = _social_items(logged_in)
    assert sorted(items) == sorted(SOCIAL)
    assert {item["state"] for item in items.values()} == {"ok"}, {n: i["detail"] for n, i in items.items()}
    assert {item["account"]["label"] for item in items.values()} == {"KIBHR research account"}
    assert all(item["account"]["cookie_names"] for item in items.values())


def test_the_posts_text_is_searchable_and_the_claim_check_reads_it(runs, runner):
    base, _, _ = runs
    phrases = example_report_phrases()
    for number in sorted(SOCIAL)[:4]:
        hits = linkvault.search(phrases[number], vault=base / "session")
        assert number in [h.number for h in hits], (number, phrases[number])
    verified = runner.invoke(cli, ["--vault", str(base / "session"), "verify", str(EXAMPLE), "--format", "json"])
    claims = _claims(verified)
    assert sorted(claims) == sorted(SOCIAL)
    assert all(c["verdict"] not in NOT_READ for c in claims.values()), claims
    walls = _claims(runner.invoke(cli, ["--vault", str(base / "anonymous"), "verify", str(EXAMPLE), "--format", "json"]))
    assert all(c["verdict"] in NOT_READ for c in walls.values()), walls  # a login page holds nothing to check


NOT_READ = ("not-checked", "no-text", "unverifiable")


def _claims(result) -> dict[int, dict]:
    rows = json.loads(result.stdout)["footnotes"]
    return {row["number"]: row["claim"] for row in rows if row["number"] in SOCIAL and row.get("claim")}


def test_the_sessions_secret_is_in_no_file_of_the_vault(runs):
    base, _, _ = runs
    for path in (base / "session").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip
                import zlib

                try:
                    data += gzip.decompress(data)
                except (OSError, zlib.error, EOFError):
                    pass
            assert not any(secret.encode() in data for secret in SESSION_SECRETS), path

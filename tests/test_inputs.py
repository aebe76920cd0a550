"""Ways to give sources besides a report file: a list of URLs, URLs as arguments, and `-` for standard input.

lychee, `wget -i` and ArchiveBox users expect all three. Each becomes a report whose URLs are its
numbered sources, and the vault knows it by a stable name: the command-line URLs by the digest of
the list, standard input by the digest of what was read.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from fakeweb.server import html

from linkvault.cli import cli

URL_LIST = """# sources for the April chronicle
https://vlast.kz/inputs/detained

https://orda.kz/inputs/released
# a comment between URLs
https://kaztag.kz/inputs/fined
"""


def check_json(runner, args, **kw) -> tuple[int, dict]:
    result = runner.invoke(cli, ["check", *args, "--format", "json"], **kw)
    return result.exit_code, json.loads(result.stdout) if result.stdout.startswith("{") else result.output


def sources(data: dict) -> list[tuple[object, str, list[int]]]:
    return [(n["number"], n["url"], n["cited_at"]) for n in data["footnotes"]]


def test_file_of_urls_is_a_report_whose_every_url_is_its_own_numbered_source(runner, write):
    code, data = check_json(runner, [str(write("to-archive.txt", URL_LIST))])

    assert code == 0 and data["format"] == "urls" and data["findings"] == []
    assert sources(data) == [(1, "https://vlast.kz/inputs/detained", [2]),
                             (2, "https://orda.kz/inputs/released", [4]),
                             (3, "https://kaztag.kz/inputs/fined", [6])]


def test_url_list_format_can_be_named_and_a_line_that_is_no_url_is_a_one_line_error(runner, write):
    path = write("list", "https://vlast.kz/inputs/detained\nsee also the court record\n")
    result = runner.invoke(cli, ["check", str(path), "--input-format", "urls"])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and f"{path}:2: not a URL" in result.output


def test_report_with_prose_is_not_taken_for_a_url_list(runner, write):
    code, data = check_json(runner, [str(write("r.txt", "Detained[1].\n\n[1] https://vlast.kz/inputs/detained\n"))])
    assert code == 0 and data["format"] == "txt"


def test_urls_on_the_command_line_are_one_report_numbered_in_order(runner):
    code, data = check_json(runner, ["https://vlast.kz/inputs/detained", "https://orda.kz/inputs/released"])

    assert code == 0 and data["format"] == "urls"
    assert data["report"].startswith("<command-line URLs ")
    assert sources(data) == [(1, "https://vlast.kz/inputs/detained", [1]), (2, "https://orda.kz/inputs/released", [2])]


def test_dash_reads_the_report_from_standard_input(runner):
    code, data = check_json(runner, ["-"], input=URL_LIST)
    digest = hashlib.sha256(URL_LIST.encode()).hexdigest()

    assert code == 0 and data["report"] == f"<stdin {digest[:12]}>"
    assert [n["url"] for n in data["footnotes"]][-1] == "https://kaztag.kz/inputs/fined"


def test_markdown_report_on_standard_input_is_sniffed_by_content(runner):
    text = "Aid was blocked.[^1]\n\n[^1]: https://vlast.kz/inputs/aid\n"
    code, data = check_json(runner, ["-"], input=text)
    assert code == 0 and data["format"] == "md" and sources(data) == [(1, "https://vlast.kz/inputs/aid", [1])]


def test_empty_standard_input_is_a_one_line_error(runner):
    result = runner.invoke(cli, ["check", "-"], input="")
    assert result.exit_code == 2 and result.output.strip() == "linkvault: error: <stdin>: the file is empty"


ARTICLE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
           "<p>{title} в Алматы утром во вторник. По словам коллег, его задержали у здания редакции, когда он "
           "выходил после планёрки. Адвокат сообщил, что протокол составлен по статье о распространении ложной "
           "информации, а сам журналист свою вину не признаёт и намерен обжаловать решение в суде.</p>"
           "<p>Правозащитники призвали власти соблюдать права журналистов и гарантии свободы слова.</p>"
           "</article></body></html>")


def serve_articles(web) -> None:
    for path, title in (("/inputs/detained", "Журналист задержан"), ("/inputs/released", "Журналист освобождён")):
        web.route("vlast.kz", path, html(ARTICLE.format(title=title)))


def fetch_args(vault, web, *inputs) -> list[str]:
    return ["--vault", str(vault), "fetch", *inputs, "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path,
            "--format", "json"]


def report_rows(vault) -> list[tuple[str, str, str]]:
    with sqlite3.connect(vault / "linkvault.db") as db:
        return db.execute("select path, sha256, format from reports order by id").fetchall()


URLS = ["https://vlast.kz/inputs/detained", "https://vlast.kz/inputs/released"]


def test_fetch_of_urls_on_the_command_line_is_one_named_report_that_report_and_show_find_again(tmp_path, fakeweb,
                                                                                                runner):
    serve_articles(fakeweb)
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, fetch_args(vault, fakeweb, *URLS))

    assert fetched.exit_code == 0, fetched.output
    data = json.loads(fetched.stdout)
    name = data["reports"][0]["report"]
    digest = hashlib.sha256("".join(f"{u}\n" for u in URLS).encode()).hexdigest()
    assert name == f"<command-line URLs {digest[:12]}>"
    assert {(link["number"], link["http_status"]) for link in data["reports"][0]["footnotes"]} == {(1, 200), (2, 200)}
    assert report_rows(vault) == [(name, digest, "urls")]

    again = runner.invoke(cli, ["--vault", str(vault), "report", *URLS, "--format", "json"])
    assert again.exit_code == 0, again.output
    reviewed = json.loads(again.stdout)
    assert reviewed["report"] == name
    assert [(row["number"], row["category"]) for row in reviewed["footnotes"]] == [(1, "alive"), (2, "alive")]

    for given in (URLS, [name]):
        shown = runner.invoke(cli, ["--vault", str(vault), "show", *given, "2"])
        assert shown.exit_code == 0, shown.output
        assert shown.output.startswith(f"{name} [2]") and "https://vlast.kz/inputs/released" in shown.output
        assert "verdict: alive / ok" in shown.output  # by the name too: the list is rebuilt from the vault


def test_fetch_from_standard_input_is_known_by_the_digest_of_what_was_read(tmp_path, fakeweb, runner):
    serve_articles(fakeweb)
    vault = tmp_path / "vault"
    text = "".join(f"{u}\n" for u in URLS)
    digest = hashlib.sha256(text.encode()).hexdigest()

    for _ in range(2):  # the same text piped in again is the same report, not a second one
        fetched = runner.invoke(cli, fetch_args(vault, fakeweb, "-"), input=text)
        assert fetched.exit_code == 0, fetched.output
    assert report_rows(vault) == [(f"<stdin {digest[:12]}>", digest, "urls")]
    assert json.loads(fetched.stdout)["reports"][0]["report"] == f"<stdin {digest[:12]}>"

    shown = runner.invoke(cli, ["--vault", str(vault), "show", "-", "1"], input=text)
    assert shown.exit_code == 0 and "https://vlast.kz/inputs/detained" in shown.output
    reviewed = runner.invoke(cli, ["--vault", str(vault), "report", "-", "--format", "json"], input=text)
    assert [row["category"] for row in json.loads(reviewed.stdout)["footnotes"]] == ["alive", "alive"]


def test_pack_asks_for_the_report_file_itself(tmp_path, runner):
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "pack", "-", "-o", str(tmp_path / "p.wacz")],
                           input="https://vlast.kz/inputs/detained\n")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "pack needs the report file" in result.output


def test_library_reads_a_list_of_urls_as_a_report():
    import linkvault

    report = linkvault.parse_urls(URLS)
    assert report.format == "urls" and report.path.startswith("<command-line URLs ")
    assert [(n.label, n.urls) for n in report.footnotes] == [("1", (URLS[0],)), ("2", (URLS[1],))]
    assert linkvault.check(report).findings == []


def test_report_and_verify_take_the_name_fetch_gave_a_list_of_urls_from_standard_input(tmp_path, fakeweb, runner):
    serve_articles(fakeweb)
    vault = tmp_path / "vault"
    text = "# to archive\n" + "".join(f"{u}\n" for u in URLS)
    name = json.loads(runner.invoke(cli, fetch_args(vault, fakeweb, "-"), input=text).stdout)["reports"][0]["report"]
    piped = json.loads(runner.invoke(cli, ["--vault", str(vault), "report", "-", "--format", "json"],
                                     input=text).stdout)

    by_name = runner.invoke(cli, ["--vault", str(vault), "report", name, "--format", "json"])
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout) == piped  # the same footnotes, lines, verdicts and findings as the list itself
    assert [(row["number"], row["line"], row["category"]) for row in piped["footnotes"]] == [(1, 2, "alive"),
                                                                                             (2, 3, "alive")]
    verified = runner.invoke(cli, ["--vault", str(vault), "verify", name, "--format", "json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["report"] == name


def test_report_takes_the_name_fetch_gave_urls_on_the_command_line(tmp_path, fakeweb, runner):
    serve_articles(fakeweb)
    vault = tmp_path / "vault"
    name = json.loads(runner.invoke(cli, fetch_args(vault, fakeweb, *URLS)).stdout)["reports"][0]["report"]

    by_name = runner.invoke(cli, ["--vault", str(vault), "report", name, "--format", "json"])
    assert by_name.exit_code == 0, by_name.output
    assert [(row["url"], row["category"]) for row in json.loads(by_name.stdout)["footnotes"]] == [
        (URLS[0], "alive"), (URLS[1], "alive")]


def test_a_report_with_sentences_read_from_standard_input_cannot_be_rebuilt_by_its_name(tmp_path, fakeweb, runner):
    """Its claims are not in the vault, only its footnotes: report and verify say so in one line."""
    serve_articles(fakeweb)
    vault = tmp_path / "vault"
    text = f"Journalist detained in Almaty.[^1]\n\n[^1]: {URLS[0]}\n"
    name = json.loads(runner.invoke(cli, fetch_args(vault, fakeweb, "-"), input=text).stdout)["reports"][0]["report"]

    for command in ("report", "verify"):
        result = runner.invoke(cli, ["--vault", str(vault), command, name])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert result.output.startswith(f"linkvault: error: {name}: was read from standard input as md")
    unknown = runner.invoke(cli, ["--vault", str(vault), "report", "<stdin 000000000000>"])
    assert unknown.exit_code == 2 and "nor a report fetched into this vault" in unknown.output

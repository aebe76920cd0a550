"""The README's walkthroughs (issues 14, 15 and 16), run for real on the test suite's fake web.

The editor's flow (a report whose footnote's source died: fetch → copies → report → robustify → check), the
lawyer's (fetch with a Save Page Now witness → show → pack → audit), the researcher's with a research account
(its cookies.txt → fetch --cookies → show → report → the secret in no vault file) and the editor's monthly routine
(fetch → a daily timer's recheck --due as the web changes under the sources → changes → report, each command run
with its clock moved to the day it tells of by tests/as_of.py, so its dates are the story's, not today's). Each
command runs as a user runs it: the installed `linkvault` in a subprocess, in a fresh directory, as wide as an
80-column terminal (`COLUMNS=80`), its stdout and stderr read as one stream. The web it reaches is tests/fakeweb (the cited sites; a Wayback Machine
holding the dead article's three captures, tests/fakeweb/archive_data.py; a Save Page Now 2; Facebook and
Instagram answering by session, tests/fakeweb/social.py), through the fake
web's proxy and CA given in the environment (`HTTPS_PROXY`, `SSL_CERT_FILE`), as a user behind a proxy gives them,
with a local RFC 3161 authority (tests/tsa.py) under a public-looking name in place of the public ones.

What changes from run to run is replaced by a placeholder of the same length, so the text wraps as it did:
today's times (`YYYY-MM-DDThh:mm:ss.ffffffZ`, `YYYYMMDDhhmmss` …), uuids, the temporary directory
(`/home/you/reports`), and with `#` the process id and byte offsets in WARC names and a pack's SHA-256 and a
cookie's expiry (a year from today); the research account's cookie values are shown masked (`••••`).

    .venv/bin/python tests/walkthroughs.py      # print every block
tests/test_readme_walkthroughs.py holds README.md's blocks to this output.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # run as a script
    sys.path.insert(0, str(TESTS))

from drift_site import REPORT as ROUTINE_TEXT  # noqa: E402
from drift_site import SIDEBAR, first_routes, later_routes  # noqa: E402
from fakeweb import FakeWeb  # noqa: E402
from fakeweb.archive_data import DEAD_ARTICLE, dead_article_captures  # noqa: E402
from fakeweb.server import html, url_key  # noqa: E402
from fakeweb.sites import (  # noqa: E402
    AZATTYQ_ARTICLE,
    KAZTAG_ARTICLE,
    KAZTAG_PARAGRAPHS,
    VLAST_ARTICLE,
    all_sites,
    kaztag_site,
)
from fakeweb.social import (  # noqa: E402
    FACEBOOK_SESSION,
    FB_CLOSED_GROUP_POST,
    FB_DELETED_POST,
    FB_GROUP_POST,
    IG_POST,
    INSTAGRAM_SESSION,
    write_cookies_txt,
)
from fakeweb.spn import FakeSavePageNow  # noqa: E402
from fakeweb.wayback import FakeWayback  # noqa: E402
from tsa import LocalTSA, behind_a_name  # noqa: E402

TSA_URL = "https://tsa.evidence-example.org/tsr"
HOME = "/home/you/reports"  # what the temporary directory is shown as; as long as mkdtemp's name below
SPN_KEYS = ("AKIA4CHRONICLE", "q7W-not-a-real-secret")
# Save Page Now's own rates (6 and 12 a minute) would make the lawyer's fetch take half a minute; the README marks
# these extra flags with "…".
FAST_SPN = ["--rate", "ia-spn=600/min", "--rate", "ia-spn-status=600/min", "--rate", "ia-cdx=600/min"]

CHRONICLE = f"""\
Chronicle of freedom of expression in Kazakhstan, April 2024 (excerpt)

April 1, Astana, the court arrested journalist Marat Yesenov, the author of a Telegram channel about the city \
akimats' spending, for two months[1].

2 апреля, Астана. Специализированный следственный суд избрал журналисту Марату Есенову меру пресечения в виде \
содержания под стражей сроком на два месяца[2].

April 4, Astana, the defence of journalist Марат Есенов said it would appeal against his two-month arrest[3].

April 16, Astana, journalists were not let into the courtroom at the first hearing of Marat Yesenov's case[4].

[1] {AZATTYQ_ARTICLE}
[2] {KAZTAG_ARTICLE}
[3] {DEAD_ARTICLE}
[4] {VLAST_ARTICLE}
"""
REPORT = "chronicle.txt"
# The researcher's chronicle: four entries citing social posts (a group post, an Instagram post, a post since
# deleted, a post in a closed group the research account has not joined).
SOCIAL = f"""\
Chronicle of freedom of expression in Kazakhstan, April 2024 (social media excerpt)

April 5, Astana, the Yesil district court sentenced blogger Yerlan Kasenov to two years of restricted freedom \
for a post about the akimat's spending; journalists were not let into the courtroom[1].

April 10, Almaty, police detained three participants of a picket of parents of children with disabilities at \
the akimat[2].

April 3, Astana, a court monitor reported that the hearing in Kasenov's case was postponed[3].

April 12, Almaty, parents of the detained picketers discussed the case in a closed group[4].

[1] {FB_GROUP_POST.url}
[2] {IG_POST.url}
[3] {FB_DELETED_POST}
[4] {FB_CLOSED_GROUP_POST}
"""
SOCIAL_REPORT = "report.txt"
ACCOUNT = "KIBHR research account"
# Where the session's secrets would be if they had leaked: every file of the vault, the WARCs read decompressed.
SECRETS = "awk '$6 == \"xs\" || $6 == \"sessionid\" {print $7}' cookies.txt > secrets.txt"
SECRET_CHECK = "find linkvault-vault -type f | sort | xargs zgrep -c -F -f secrets.txt"


@dataclass(frozen=True)
class Step:
    """One command: what the README shows after `$ `, and what runs (`hidden` flags are shown as "…")."""

    shown: str
    hidden: Sequence[str] = ()
    shell: bool = False  # run by sh (a pipeline), linkvault first on its PATH
    at: str | None = None  # linkvault run as of this moment (tests/as_of.py moves its clock there); None: now
    web: Callable[[FakeWeb], None] | None = None  # how the web changed before it runs
    note: str = ""  # a shell comment after the command in the README
    quiet: bool = False  # run, but not shown (a timer's run the README does not tell)

    def argv(self) -> list[str]:
        if self.shell:
            return ["sh", "-c", " ".join([self.shown, *map(shlex.quote, self.hidden)])]
        return [*shlex.split(self.shown), *self.hidden]


EDITOR = {
    "editor-report": [Step(f"cat {REPORT}")],
    "editor-fetch": [Step(f"linkvault fetch {REPORT}")],
    "editor-copies": [Step(f"linkvault copies {REPORT}")],
    "editor-review": [Step(f"linkvault report {REPORT}")],
    "editor-robustify": [Step(f"linkvault robustify {REPORT} -o chronicle-robust.txt"),
                         Step("grep '^\\[3\\]' chronicle-robust.txt"),
                         Step("linkvault check chronicle-robust.txt"), Step(f"linkvault check {REPORT}")],
}
LAWYER = {
    "lawyer-fetch": [Step(f"linkvault fetch {REPORT} --save-page-now --spn-keys ia-keys.txt "
                          "--collector 'A. Lawyer'", FAST_SPN)],
    "lawyer-show": [Step(f"linkvault show {REPORT} 1")],
    "lawyer-pack": [Step(f"linkvault pack {REPORT} --collector 'A. Lawyer'"),
                    Step("linkvault audit chronicle.wacz --tsa-roots tsa-root.pem")],
}
RESEARCHER = {
    "researcher-cookies": [Step("chmod 600 cookies.txt"), Step("cat cookies.txt")],
    "researcher-fetch": [Step(f"cat {SOCIAL_REPORT}"), Step(f"linkvault fetch {SOCIAL_REPORT} --cookies cookies.txt --as '{ACCOUNT}'")],
    "researcher-show": [Step(f"linkvault show {SOCIAL_REPORT} 1 --text")],
    "researcher-report": [Step(f"linkvault report {SOCIAL_REPORT}")],
    "researcher-secret": [Step("zgrep -a -h -m2 -e '^WARC-Redacted-Headers' -e '^Cookie:' linkvault-vault/warc/*.warc.gz",
                               shell=True),
                          Step(SECRETS, shell=True), Step(SECRET_CHECK, shell=True)],
}
# The editor's monthly routine (README: recheck), on tests/drift_site.py's chronicle: fetched on Monday 5 October
# 2026 as its five sources stood; two days later the web changed under four of them (a paragraph edited away, a page
# replaced by the site's front page, a Telegram post deleted, a fine's amount and article changed); on the day of
# the first weekly check a fifth answered 500 and was back the next day. A daily timer runs `recheck --due` at
# 09:30; the days it found nothing due fetch nothing and are not run here. Then, on Monday 2 November, the editor
# reads what changed and the report.
ROUTINE_REPORT = "chronicle.txt"
OUTAGE = html("<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>"
              "</body></html>", status=500)


def _timer(day: str, *, web: Callable[[FakeWeb], None] | None = None, quiet: bool = True) -> Step:
    return Step("linkvault recheck --due", at=f"2026-{day}T09:30:00Z", web=web, quiet=quiet,
                note="" if quiet else "the timer's run")


ROUTINE = {
    "routine-fetch": [Step(f"cat {ROUTINE_REPORT}"),
                      Step(f"linkvault fetch {ROUTINE_REPORT}", at="2026-10-05T09:00:00Z", note="Monday 5 October",
                           web=lambda web: web.add_routes(first_routes()))],
    "routine-week": [_timer("10-12", quiet=False, web=lambda web: (web.add_routes(later_routes()),
                                                                    web.route_url(SIDEBAR, OUTAGE))),
                     Step("linkvault changes --since last", at="2026-10-12T10:00:00Z")],
    "routine-dead": [_timer("10-15", web=lambda web: web.add_routes({url_key(SIDEBAR): later_routes()[url_key(SIDEBAR)]})),
                     _timer("10-18", quiet=False)],
    "routine-month": [*(_timer(day) for day in ("10-19", "10-22", "10-25", "10-26", "10-29", "11-01", "11-02")),
                      Step("linkvault changes --since 2026-10-05", at="2026-11-02T10:00:00Z", note="Monday 2 November"),
                      Step(f"linkvault report {ROUTINE_REPORT}", at="2026-11-02T10:01:00Z")],
}
FLOWS = ((EDITOR, REPORT, CHRONICLE), (LAWYER, REPORT, CHRONICLE), (RESEARCHER, SOCIAL_REPORT, SOCIAL),
         (ROUTINE, ROUTINE_REPORT, ROUTINE_TEXT))
# What Save Page Now received for KazTAG's page: the same article (Windows-1251, its charset named only in a
# <meta> tag, as the fake kaztag.kz serves it), an edition updated after ours with one paragraph more.
KAZTAG_UPDATE = "Обновлено 3 апреля: защита подала жалобу на меру пресечения."
KAZTAG_EDITION = kaztag_site()[url_key(KAZTAG_ARTICLE)].body.replace(
    f"{KAZTAG_PARAGRAPHS[-1]}</p>".encode("cp1251"),
    f"{KAZTAG_PARAGRAPHS[-1]}</p>\n<p>{KAZTAG_UPDATE}</p>".encode("cp1251"))
assert KAZTAG_UPDATE.encode("cp1251") in KAZTAG_EDITION


def run_walkthroughs(web: FakeWeb) -> dict[str, str]:
    """Every README block, by name: `$ command` lines, each followed by what it printed, normalised."""
    blocks: dict[str, str] = {}
    with web.isolated(), tempfile.TemporaryDirectory(prefix="lv-tsa-") as tsa_dir:
        wayback = FakeWayback(dead_article_captures()).install(web)
        spn = FakeSavePageNow(wayback, web, keys=SPN_KEYS, polls_before_success=1)
        # The archive got another edition of KazTAG's page than we did: a witness that differs.
        spn.payloads[KAZTAG_ARTICLE] = KAZTAG_EDITION
        tsa = LocalTSA(Path(tsa_dir))
        try:
            web.route("tsa.evidence-example.org", "/tsr", behind_a_name(tsa))
            for flow, report, text in FLOWS:
                with _workdir(report, text) as work:
                    (work / "ia-keys.txt").write_text(":".join(SPN_KEYS) + "\n", encoding="utf-8")
                    shutil.copy(tsa.directory / "root.pem", work / "tsa-root.pem")
                    write_cookies_txt(work / "cookies.txt").chmod(0o644)  # as an extension saves it
                    normalise = _normaliser(work, datetime.now(timezone.utc).date())
                    for name, steps in flow.items():
                        ran = [(step, _run(step, work, web, normalise)) for step in steps]
                        blocks[name] = "\n".join(shown for step, shown in ran if not step.quiet)
        finally:
            tsa.close()
    return blocks


class _workdir:
    """A fresh directory whose name has a fixed length (so it can be shown as HOME), holding the flow's report."""

    def __init__(self, report: str, text: str) -> None:
        self.report, self.text = report, text

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="walk", dir="/tmp"))
        assert len(str(self.path)) == len(HOME), self.path
        (self.path / self.report).write_text(self.text, encoding="utf-8")
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _run(step: Step, work: Path, web: FakeWeb, normalise: Callable[[str], str]) -> str:
    if step.web:
        step.web(web)
    argv = step.argv()
    if argv[0] == "linkvault":
        argv[:1] = [sys.executable, str(TESTS / "as_of.py"), step.at] if step.at else _linkvault()
    done = subprocess.run(argv, cwd=work, env=_environment(web), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120)
    shown = f"$ {step.shown}{' …' if step.hidden else ''}"
    if step.note:
        shown = f"{shown:<40} # {step.note}"
    return "\n".join([shown, *normalise(done.stdout).rstrip("\n").splitlines()])


def _linkvault() -> list[str]:
    beside = Path(sys.executable).with_name("linkvault")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "linkvault"]


def _environment(web: FakeWeb) -> dict[str, str]:
    """This machine's environment less its own proxy, CA and linkvault settings; the fake web's in their place, and
    this tree's linkvault first on the path, whichever the virtualenv installed."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_PROXY") and not k.startswith(("SSL_CERT", "LINKVAULT_", "COLUMNS"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS.parent), env.get("PYTHONPATH")]))  # this tree's
    env["PATH"] = os.pathsep.join([str(Path(_linkvault()[0]).parent), env.get("PATH", "")])  # for sh's steps
    env.update({"HTTPS_PROXY": web.proxy_url, "HTTP_PROXY": web.proxy_url, "NO_PROXY": "",
                "SSL_CERT_FILE": web.ca_pem_path, "COLUMNS": "80", "LINKVAULT_TSA": TSA_URL,
                "LINKVAULT_NO_SCREENSHOTS": "1",  # a browser would add seconds and nothing to read
                "LINKVAULT_PROGRESS_EVERY": "3600"})  # no "still running" line, which depends on timing
    return env


def _normaliser(work: Path, today: date) -> Callable[[str], str]:
    """Replace what changes from run to run by same-length placeholders (see the module's docstring)."""
    days = {today - timedelta(days=1), today, today + timedelta(days=1)}  # a run across midnight
    iso = "|".join(d.isoformat() for d in days)
    compact = "|".join(d.strftime("%Y%m%d") for d in days)
    rules: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (re.escape(str(work)), lambda m: HOME),
        (rf"(?:{iso})T\d\d:\d\d:\d\d\.\d{{6}}Z", lambda m: "YYYY-MM-DDThh:mm:ss.ffffffZ"),
        (rf"(?:{iso})T\d\d:\d\d:\d\dZ", lambda m: "YYYY-MM-DDThh:mm:ssZ"),
        (rf"(?<!\d)(?:{compact})\d{{6}}(?!\d)", lambda m: "YYYYMMDDhhmmss"),
        (rf"(?<![\d-])(?:{iso})(?![\d])", lambda m: "YYYY-MM-DD"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", lambda m: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"),
        (r"(?<=-[0-9YMDhms]{14}-)\d+(?=-\d{5}\.warc)", _hashes),  # a WARC's process id, today's or a dated run's
        (r"(?<=offset )\d+|(?<=length )\d+", _hashes),
        (r"(?<=sha256)(\s+)([0-9a-f]{64})", lambda m: m.group(1) + "#" * 64),  # the hash may wrap to its own line
        (r"(?<=TRUE\t)\d{10}(?=\t)", _hashes),  # a cookie's expiry in cookies.txt
        ("|".join(sorted((re.escape(value) for _, value in (*FACEBOOK_SESSION, *INSTAGRAM_SESSION)), key=len,
                         reverse=True)), lambda m: "••••"),  # the longest first: one value may begin another
    ]

    def normalise(text: str) -> str:
        for pattern, replace in rules:
            text = re.sub(pattern, replace, text)
        return text

    return normalise


def _hashes(match: re.Match[str]) -> str:
    return "#" * len(match.group(0))


def main() -> None:
    with FakeWeb(all_sites()) as web:
        for name, block in run_walkthroughs(web).items():
            print(f"--- {name}\n{block}\n")


if __name__ == "__main__":
    main()

"""The `linkvault` command: a thin click shell over the library.

Each command parses its options, calls one library function and renders the result. Errors
become output and exit codes in one place, `LinkvaultGroup.invoke`.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import click
from click.core import ParameterSource

import linkvault
from linkvault.errors import LinkvaultError, UsageError, environment_failure
from linkvault.model import Severity
from linkvault.render import FORMATS as OUTPUT_FORMATS
from linkvault.render.textsafe import terminal_safe
from linkvault.parsing import FORMATS as INPUT_FORMATS
from linkvault.parsing import STDIN, is_url_argument


class LinkvaultGroup(click.Group):
    """Shows a LinkvaultError as one line on stderr and exits with its code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LinkvaultError as exc:
            _fail(ctx, exc)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("linkvault: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug of ours, unless this machine failed: one line either way
            if os.environ.get("LINKVAULT_DEBUG"):
                raise
            vault = (ctx.obj or {}).get("vault")
            failure = environment_failure(exc, database=os.path.join(vault, "linkvault.db") if vault else None)
            if failure is not None:
                _fail(ctx, failure)
            click.echo(f"linkvault: internal error: {exc.__class__.__name__}: {terminal_safe(exc)} "
                       "(set LINKVAULT_DEBUG=1 for the traceback, and please report it)", err=True)
            ctx.exit(2)


def _fail(ctx: click.Context, error: LinkvaultError) -> None:
    click.echo(f"linkvault: error: {terminal_safe(error.message)}", err=True)
    ctx.exit(error.exit_code)


VAULT_HELP = ("Vault directory: linkvault.db and warc/ (env LINKVAULT_VAULT; default ./linkvault-vault). "
              "Accepted before or after the command; after it wins.")


def global_options(func):
    """The group's options, accepted after the subcommand too (`linkvault fetch r.txt --vault v`).

    Given here, a value overrides the group's (flag or env var); not given, the group's stands.
    """

    def remember(ctx: click.Context, _param, value):
        if value is not None:
            ctx.ensure_object(dict).update(vault=value, vault_named=True)

    return click.option("--vault", default=None, expose_value=False, callback=remember,
                        type=click.Path(file_okay=False), help=VAULT_HELP)(func)


def output_options(func):
    return click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True,
                        help="Output format.")(func)


def fail_on_option(func):
    return click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
                        help="Exit 1 when a finding of this severity (or worse) is found.")(func)


def egress_options(func):
    """--proxy and --ca-bundle, the same for every command that connects (the egress policy reads them first)."""
    for option in reversed([
        click.option("--proxy", default=None, metavar="URL",
                     help="http://, https:// or socks5:// proxy for every connection (default: HTTPS_PROXY, "
                          "HTTP_PROXY, ALL_PROXY, NO_PROXY)."),
        click.option("--ca-bundle", default=None, type=click.Path(exists=True, dir_okay=False),
                     help="Trust these CA certificates, e.g. a TLS-intercepting proxy's (default: SSL_CERT_FILE, "
                          "SSL_CERT_DIR, else certifi's)."),
    ]):
        func = option(func)
    return func


def editor_output_options(func):
    """REPORT plus the options `report` and `verify` share."""
    for option in reversed([
        click.argument("report", nargs=-1, required=True),
        click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown", "html"]),
                     default="table", show_default=True),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                     help="Write to this file instead of standard output."),
        fail_on_option,
        click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None, help="Read REPORT as this format."),
        click.pass_context,
    ]):
        func = option(func)
    return func


def _inputs(args: tuple[str, ...], input_format: str | None) -> list:
    """Reports as the library takes them: file names as given, `-` read from standard input, and
    the arguments that are URLs as one report of their own."""
    urls = [a for a in args if is_url_argument(a) and not os.path.exists(a)]
    inputs = [linkvault.parse_report(a, input_format) if a == STDIN else a for a in args if a not in urls]
    return inputs + ([linkvault.parse_urls(urls)] if urls else [])


def _one_input(args: tuple[str, ...], input_format: str | None):
    inputs = _inputs(args, input_format)
    if len(inputs) != 1:
        raise click.UsageError("give one report: a file, - for standard input, or URLs")
    return inputs[0]


def _deliver(render, output: str | None) -> None:
    """Rendered for the terminal on standard output, or plain into `output`."""
    color, width = _terminal() if output is None else (False, 120)
    text = render(color, width)
    if output is None:
        click.echo(text)
        return
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    click.echo(f"wrote {output}", err=True)


@click.group(cls=LinkvaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(linkvault.__version__, prog_name="linkvault")
@click.option("--vault", envvar="LINKVAULT_VAULT", default="linkvault-vault", type=click.Path(file_okay=False),
              help=VAULT_HELP)
@click.pass_context
def cli(ctx: click.Context, vault: str) -> None:
    """Archive the sources a report cites; check its footnotes before publishing."""
    ctx.obj = {"vault": vault, "vault_named": ctx.get_parameter_source("vault") is not ParameterSource.DEFAULT}


def _vault_to_read(ctx: click.Context) -> str:
    """The vault `report` and `verify` read. One named by --vault or LINKVAULT_VAULT must exist (exit 2,
    naming it); the default one may not yet: before the first fetch every source is "not fetched yet",
    and that there is no vault is said once."""
    from linkvault.vault import Vault

    vault = ctx.obj["vault"]
    if ctx.obj.get("vault_named", True):
        Vault.require(vault)
    elif not Vault.exists(vault):
        click.echo(f"linkvault: note: no vault found at {os.path.abspath(vault)}: nothing is fetched yet "
                   "(run linkvault fetch, or pass --vault)", err=True)
    return vault


@cli.command()
@global_options
@click.argument("report", nargs=-1, required=True)
@output_options
@fail_on_option
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
              help="Read REPORT as this format instead of guessing from its name and content.")
def check(report: tuple[str, ...], fmt: str, fail_on: str, input_format: str | None) -> None:
    """Check a report's footnotes offline: missing, uncited, duplicate, broken or draft links.

    REPORT is a file, - for standard input, or URLs (each its own numbered source).

    \b
    Example:
        linkvault check report.txt
        linkvault check report.docx --format json --fail-on warning
        cat urls.txt | linkvault check -

    Exit codes: 0 no finding at --fail-on level, 1 at least one, 2 bad input.
    """
    from linkvault.render.exits import check_exit

    result = linkvault.check(_one_input(report, input_format), input_format)
    click.echo(_render(result, fmt))
    _exit(result.fails(Severity(fail_on)), lambda: check_exit(result, Severity(fail_on)))


MIN_WIDTH = 60  # narrower than this, tables would be all wrapping: render at 60 and let the terminal wrap


def _exit(failed: bool, why) -> None:
    """Exit 0, or exit 1 after one line on stderr saying why (`why()` renders it)."""
    if failed:
        click.echo(why(), err=True)
        sys.exit(1)
    sys.exit(0)


def _terminal() -> tuple[bool, int]:
    """Colour on a terminal; the width COLUMNS says (on a terminal or not), else the terminal's, else 120.

    Piped into a pager (`linkvault report r.txt | less`), stdout is no terminal but stderr still is: its width
    is the one the reader sees (bash does not export COLUMNS)."""
    tty = sys.stdout.isatty()
    color = tty and "NO_COLOR" not in os.environ
    columns = os.environ.get("COLUMNS", "")
    width = 120
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        for stream in (sys.stdout, sys.stderr):
            try:
                width = os.get_terminal_size(stream.fileno()).columns or width
                break
            except (AttributeError, OSError, ValueError):  # not a terminal, or no file descriptor (CliRunner)
                continue
    return color, max(width, MIN_WIDTH)


def _render(result, fmt: str) -> str:
    from linkvault.render import render_check

    color, width = _terminal()
    return render_check(result, fmt, color=color, width=width)


def _tsas(given: tuple[str, ...]) -> tuple[str, ...]:
    """--tsa, else LINKVAULT_TSA (space-separated; empty for none), else the public defaults."""
    from linkvault.archive.timestamp import DEFAULT_TSAS

    if given:
        return given
    if "LINKVAULT_TSA" in os.environ:
        return tuple(os.environ["LINKVAULT_TSA"].split())
    return DEFAULT_TSAS


def _parse_size(value: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    text = value.strip().lower().removesuffix("ib").removesuffix("b")
    number, unit = (text[:-1], text[-1]) if text and text[-1] in "kmg" else (text, "")
    try:
        return int(float(number) * units[unit])
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a size such as 50M or 1G") from None


def _parse_age(value: str | None):
    from datetime import timedelta

    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = value.strip().lower()
    try:
        return timedelta(seconds=float(text[:-1]) * units[text[-1]]) if text[-1] in units else timedelta(days=float(text))
    except (ValueError, IndexError):
        raise click.BadParameter(f"'{value}' is not an age such as 12h, 7d or 2w") from None


@cli.command()
@global_options
@click.argument("reports", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 256), help="Requests at once.")
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 64), help="Requests at once per host.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds per request, its whole answer included.")
@click.option("--retries", default=3, show_default=True, type=click.IntRange(0, 10), help="Retries on transient failures.")
@click.option("--max-size", default="50M", show_default=True, help="Truncate bodies beyond this size.")
@egress_options
@click.option("--allow-private", is_flag=True, help="Also fetch loopback, private and link-local addresses.")
@click.option("--refresh", is_flag=True, help="Fetch again even what was archived before.")
@click.option("--max-age", default=None, help="Fetch again what was archived longer ago than this (12h, 7d, 2w).")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None, help="Read REPORTS as this format.")
@click.option("--collector", envvar="LINKVAULT_COLLECTOR", default=None,
              help="Who collects, recorded in every capture's provenance (env LINKVAULT_COLLECTOR).")
@click.option("--tsa", "tsas", multiple=True, metavar="URL",
              help="RFC 3161 time-stamp authority for the run's manifest (repeatable; default: env LINKVAULT_TSA, "
                   "else a list of public free ones).")
@click.option("--no-timestamp", is_flag=True, help="Do not timestamp the run's manifest.")
@click.option("--no-screenshots", is_flag=True, envvar="LINKVAULT_NO_SCREENSHOTS",
              help="Take no full-page screenshots (env LINKVAULT_NO_SCREENSHOTS=1).")
@click.option("--tabs", default=3, show_default=True, type=click.IntRange(1, 16), help="Browser tabs taking screenshots at once.")
@click.option("-v", "--verbose", is_flag=True, help="One line per URL as it is done.")
@click.pass_context
def fetch(ctx, reports, fmt, concurrency, per_host, timeout, retries, max_size, proxy, ca_bundle, allow_private,
          refresh, max_age, input_format, collector, tsas, no_timestamp, no_screenshots, tabs, verbose) -> None:
    """Archive every source the reports cite: WARC files plus searchable text in the vault.

    REPORTS are files, - for standard input, or URLs (together one report, each URL its own source).

    \b
    Example:
        linkvault fetch report.txt
        linkvault --vault ~/evidence fetch april.docx may.docx --proxy socks5://127.0.0.1:9050
        linkvault fetch https://example.org/a https://example.org/b

    Exit codes: 0 everything archived, 1 a footnote missing or a link not archived, 2 bad input.
    """
    from linkvault.archive import FetchOptions, fetch_reports
    from linkvault.render.archive import render_fetch
    from linkvault.render.exits import fetch_exit

    options = FetchOptions(concurrency=concurrency, per_host=per_host, timeout=timeout, retries=retries,
                           max_size=_parse_size(max_size), proxy=proxy, ca_bundle=ca_bundle, allow_private=allow_private,
                           collector=collector, tsa=() if no_timestamp else _tsas(tsas),
                           screenshots=not no_screenshots, tabs=tabs)
    inputs = _inputs(reports, input_format)
    with _progress(verbose) as progress:
        result = fetch_reports(inputs, ctx.obj["vault"], options, refresh=refresh, max_age=_parse_age(max_age),
                               input_format=input_format, on_progress=progress)
    from linkvault.reviewing import review as build_review

    reviews = [] if fmt == "json" else [build_review(ctx.obj["vault"], r, input_format) for r in inputs]
    color, width = _terminal()
    click.echo(render_fetch(result, fmt, reviews=reviews, color=color, width=width))
    for note in result.notes[:5]:
        click.echo(f"linkvault: note: {note}", err=True)
    _exit(not result.ok, lambda: fetch_exit(result, reviews))


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(float(value), 0.05) if value else default
    except ValueError:
        return default


class _progress:
    """What the fetch is doing, on stderr.

    On a terminal, a bar whose label names n/N and the host being waited for or retried. Elsewhere
    (a cron or CI log), that label as a line every `every` seconds (LINKVAULT_PROGRESS_EVERY, default 10),
    so the log shows the run is alive. With --verbose, also one line per URL and per retry as they happen.
    """

    def __init__(self, verbose: bool, every: float | None = None):
        from linkvault.render.progress import FetchProgress

        self.verbose = verbose
        self.every = every if every is not None else _seconds(os.environ.get("LINKVAULT_PROGRESS_EVERY"), 10.0)
        self.state = FetchProgress()
        self.bar = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self):
        if sys.stderr.isatty() and not self.verbose:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("fetching", total=None)
        self._ticker = threading.Thread(target=self._tick, name="linkvault-progress", daemon=True)
        self._ticker.start()
        return self

    def __call__(self, capture, done: int, total: int, stage: str = "fetching", **event) -> None:
        from linkvault.render.progress import retry_line

        self.state.update(capture, done, total, stage, **event)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=self.state.line())
        elif self.verbose and event.get("retry"):
            click.echo(retry_line(event["retry"]), err=True)
        elif self.verbose and capture is not None:
            state = "screenshot" if stage == "screenshots" else capture.error or f"HTTP {capture.status}"
            click.echo(f"[{done}/{total}] {state:>18}  {terminal_safe(capture.final_url or capture.url)}", err=True)

    def _tick(self) -> None:
        """Keeps the bar's label current while nothing else happens; off a terminal, the heartbeat line."""
        while not self._stop.wait(1.0 if self.bar is not None else self.every):
            if self.bar is not None:
                self.bar.update(self.task, description=self.state.line())
            elif self.state.total is not None:
                click.echo(f"linkvault: {self.state.line()}", err=True)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.bar is not None:
            self.bar.stop()


@cli.command()
@global_options
@click.argument("query")
@click.option("--report", default=None, help="Only sources of this report.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def search(ctx, query, report, limit, fmt) -> None:
    """Full-text search over the archived texts (words match their inflected forms by prefix).

    \b
    Example:
        linkvault search "Адилбеков арест"
        linkvault search журналист --report report.txt --format json
    """
    from linkvault.lookup import search as run_search
    from linkvault.render.archive import render_search

    hits = run_search(ctx.obj["vault"], query, report=report, limit=limit)
    color, width = _terminal()
    click.echo(render_search(hits, fmt, color=color, width=width))


@cli.command()
@global_options
@click.argument("report", nargs=-1, required=True)
@click.argument("number")
@click.option("--text", "with_text", is_flag=True, help="Print the extracted text too.")
@click.option("--screenshot", "screenshot_to", type=click.Path(dir_okay=False, writable=True), default=None,
              metavar="FILE.png", help="Write the newest full-page screenshot to FILE.png (logged in custody).")
@click.option("--collector", envvar="LINKVAULT_COLLECTOR", default=None, help="Who exports, for the custody log.")
@click.pass_context
def show(ctx, report, number, with_text, screenshot_to, collector) -> None:
    """What is archived for one footnote: captures, status, WARC location, screenshot, extracted text.

    REPORT as given to fetch (a file, -, URLs), or the <…> name fetch printed for standard input or URLs.

    \b
    Example:
        linkvault show report.txt 17 --text
        linkvault show report.txt 17 --screenshot source-17.png
    """
    from linkvault.lookup import export_screenshot
    from linkvault.lookup import show as run_show
    from linkvault.render.archive import render_show

    archive = run_show(ctx.obj["vault"], _one_input(report, None), number)
    color, width = _terminal()
    click.echo(render_show(archive, with_text=with_text, color=color, width=width))
    if screenshot_to:
        shot = export_screenshot(ctx.obj["vault"], archive, screenshot_to, collector=collector)
        click.echo(f"wrote {screenshot_to}: the screenshot of {shot['url']} taken {shot['taken_at']}, "
                   f"sha256 {shot['sha256']}")


@cli.command()
@global_options
@editor_output_options
def report(ctx, report, fmt, output, fail_on, input_format) -> None:
    """The editor's report: every footnote with the state of its archived source.

    REPORT as given to fetch: a file, - for standard input, or URLs; for a list of URLs also the <…>
    name fetch printed.

    \b
    Example:
        linkvault report report.txt
        linkvault report report.docx --format html -o report.html

    Exit codes: 0 nothing at --fail-on level, 1 something (errors: missing footnotes, invalid URLs,
    dead links; warnings add walled, refused and unknown links), 2 bad input.
    """
    from linkvault.reviewing import review as build_review
    from linkvault.render.exits import review_exit
    from linkvault.render.review import render_review

    result = build_review(_vault_to_read(ctx), _one_input(report, input_format), input_format)
    _deliver(lambda color, width: render_review(result, fmt, color=color, width=width), output)
    _exit(result.fails(Severity(fail_on)), lambda: review_exit(result, Severity(fail_on)))


@cli.command()
@global_options
@editor_output_options
def verify(ctx, report, fmt, output, fail_on, input_format) -> None:
    """Does each footnote's archived source support the sentence that cites it?

    REPORT as for report.

    \b
    Example:
        linkvault verify report.txt
        linkvault verify report.txt --format json

    Reads what `fetch` archived; footnotes not fetched yet are `not-checked`. Exit codes: 0 nothing
    at --fail-on level, 1 a wrong link (or, with --fail-on warning, weak support), 2 bad input.
    """
    from linkvault.reviewing import verify as run_verify
    from linkvault.render.claims import render_claims
    from linkvault.render.exits import verify_exit

    result = run_verify(_vault_to_read(ctx), _one_input(report, input_format), input_format)
    _deliver(lambda color, width: render_claims(result, fmt, color=color, width=width), output)
    _exit(result.fails(Severity(fail_on)), lambda: verify_exit(result, Severity(fail_on)))


@cli.command()
@global_options
@click.argument("wacz", required=False)
@click.option("--tsa-roots", type=click.Path(exists=True, dir_okay=False), default=None,
              help="PEM root certificates of the time-stamp authorities (default: this machine's trusted roots, "
                   "SSL_CERT_FILE or certifi's).")
@click.option("--collector", envvar="LINKVAULT_COLLECTOR", default=None,
              help="Who checks, for the vault's custody log (env LINKVAULT_COLLECTOR).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def audit(ctx, wacz, tsa_roots, collector, fmt) -> None:
    """Check that nothing was altered: WARC digests, timestamps, capture rows and the custody chain
    of the vault, or the digests and timestamps inside an evidence pack (WACZ).

    \b
    Example:
        linkvault --vault ~/evidence audit
        linkvault audit report-evidence.wacz --tsa-roots tsa-roots.pem

    A vault's audit is itself logged in its custody chain (`re-checked`, with what it found), except on
    a read-only vault, which is checked all the same. It waits for a fetch using the vault (up to
    LINKVAULT_LOCK_WAIT seconds, default 10) rather than judge its half-written files.

    Exit codes: 0 everything holds (captures of a run with --no-timestamp, or whose every authority
    failed, are counted, not failed), 1 something was altered or is missing, or captures are covered by
    no timestamped manifest with nothing on record saying why (each named), 2 no readable vault, or a
    pack past the limits audit reads (not one linkvault made).
    """
    from linkvault.evidence.audit import audit_vault
    from linkvault.evidence.audit_pack import audit_wacz
    from linkvault.render.exits import audit_exit

    result = audit_wacz(wacz, tsa_roots) if wacz else audit_vault(ctx.obj["vault"], tsa_roots, collector=collector)
    if result.not_logged:
        click.echo(f"linkvault: note: {result.vault}: {result.not_logged}, so this audit is not logged in its custody "
                   "chain", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        _exit(not result.holds, lambda: audit_exit(result))
    for problem in result.problems:
        click.echo(terminal_safe(f"{problem.kind.upper():<9} {problem.where}: {problem.problem}"))
    from linkvault.render.check import counted

    verdict = "everything holds" if result.holds else counted(len(result.problems), "problem", "problems") + " found"
    stamps = f", {counted(result.timestamps, 'timestamp', 'timestamps')}" if result.timestamps else ""
    unchecked = result.unchecked_signatures
    unverified = (f"; {counted(unchecked, 'signature', 'signatures')} not verified (this machine's trusted roots do not "
                  f"cover {'its' if unchecked == 1 else 'their'} authority: pass --tsa-roots)") if unchecked else ""
    untimed = (f"; {result.untimed} capture{'s have' if result.untimed != 1 else ' has'} no trusted timestamp "
               "(the run was not timestamped, or every authority failed: only this machine's clock says when)"
               ) if result.untimed else ""
    click.echo(f"{counted(result.files, 'WARC file', 'WARC files')}, {counted(result.records, 'record', 'records')}, "
               f"{counted(result.events, 'custody event', 'custody events')}{stamps} checked: "
               f"{verdict}{unverified}{untimed}")
    _exit(not result.holds, lambda: audit_exit(result))


@cli.command()
@global_options
@click.argument("report")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True),
              help="The evidence pack to write (default: REPORT's name with .wacz, in the current directory).")
@click.option("--force", is_flag=True, help="Overwrite the pack if the file exists.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None, help="Read REPORT as this format.")
@click.option("--collector", envvar="LINKVAULT_COLLECTOR", default=None,
              help="Who packs, for the custody log (env LINKVAULT_COLLECTOR).")
@click.option("--tsa", "tsas", multiple=True, metavar="URL",
              help="RFC 3161 time-stamp authority for the pack itself (repeatable; default as for fetch).")
@click.option("--no-timestamp", is_flag=True, help="Do not timestamp the pack.")
@egress_options
@click.pass_context
def pack(ctx, report, output, force, input_format, collector, tsas, no_timestamp, proxy, ca_bundle) -> None:
    """One evidence pack per report: a WACZ with every capture, provenance, timestamp, the report and a summary.

    The pack itself is timestamped too: RFC 3161 tokens over its datapackage.json, which holds the
    SHA-256 of every file in it, are carried in its datapackage-digest.json.

    \b
    Example:
        linkvault pack report.txt                  # writes report.wacz here
        linkvault pack report.txt -o report-evidence.wacz --force
    """
    from linkvault.evidence.pack import pack as make_pack
    from linkvault.render.evidence import render_evidence

    output = output or os.path.splitext(os.path.basename(report))[0] + ".wacz"
    if os.path.exists(output) and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")

    result = make_pack(ctx.obj["vault"], report, output, input_format, collector=collector,
                       tsa=() if no_timestamp else _tsas(tsas), proxy=proxy, ca_bundle=ca_bundle,
                       summarize=render_evidence)
    for failure in result.timestamp_failures:
        click.echo(f"linkvault: note: the pack was not timestamped by {failure}", err=True)
    stamped = f", timestamped by {result.timestamps} authorit{'y' if result.timestamps == 1 else 'ies'}" \
        if result.timestamps else ""
    click.echo(f"wrote {result.path}: {result.warc_files} WARC files, {result.pages} pages{stamped}, "
               f"sha256 {result.sha256}")


def main() -> None:
    cli(prog_name="linkvault")


if __name__ == "__main__":
    main()

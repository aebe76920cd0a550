"""The `linkvault` command: a thin click shell over the library's verbs. Each command is options → one verb
(`linkvault.fetch`, …) → one renderer (`linkvault.render`); options several commands share are declared once.
Errors become output and exit codes in one place, `LinkvaultGroup.invoke`."""

from __future__ import annotations

import functools
import os
import sys

import click
from click.core import ParameterSource

import linkvault
from linkvault.errors import LinkvaultError, UsageError, environment_failure
from linkvault.model import Severity
from linkvault.render import FORMATS as OUTPUT_FORMATS
from linkvault.render.terminal import terminal_look
from linkvault.render.textsafe import terminal_safe


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


def _note(text: str) -> None:
    click.echo(f"linkvault: note: {text}", err=True)


# -- options several commands share, each declared once ---------------------------------------------

VAULT_HELP = ("Vault directory: linkvault.db and warc/ (env LINKVAULT_VAULT; default ./linkvault-vault). "
              "Accepted before or after the command; after it wins.")


def global_options(func):
    """The group's --vault, accepted after the subcommand too (`linkvault fetch r.txt --vault v`), where it wins."""

    def remember(ctx: click.Context, _param, value):
        if value is not None:
            ctx.ensure_object(dict).update(vault=value, vault_named=True)

    return click.option("--vault", default=None, expose_value=False, callback=remember,
                        type=click.Path(file_okay=False), help=VAULT_HELP)(func)


def _options(func, options: list):
    """Apply click decorators in the order they are listed (top first, as if stacked over `func`)."""
    for option in reversed(options):
        func = option(func)
    return func


def format_option(*choices: str):
    """--format, among the outputs a command renders (the first is the default)."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="Output format.")


def fail_on_option(func):
    return click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
                        help="Exit 1 when a finding of this severity (or worse) is found.")(func)


def input_format_option(what: str = "REPORT"):
    return click.option("--input-format", type=click.Choice(linkvault.INPUT_FORMATS), default=None,
                        help=f"Read {what} as this format instead of guessing from its name and content.")


def collector_option(role: str):
    """--collector: who does what the command does, for the custody log."""
    return click.option("--collector", envvar="LINKVAULT_COLLECTOR", default=None,
                        help=f"{role} (env LINKVAULT_COLLECTOR).")


def timestamp_options(what: str):
    """--tsa and --no-timestamp, handed to the command as one `tsa`: the authorities to stamp `what` with."""

    def decorate(func):
        @functools.wraps(func)
        def command(*args, tsas: tuple[str, ...], no_timestamp: bool, **kwargs):
            return func(*args, tsa=() if no_timestamp else linkvault.timestamp_authorities(tsas), **kwargs)

        return _options(command, [
            click.option("--tsa", "tsas", multiple=True, metavar="URL",
                         help=f"RFC 3161 time-stamp authority for {what} (repeatable; default: env LINKVAULT_TSA, "
                              "else a list of public free ones)."),
            click.option("--no-timestamp", is_flag=True, help=f"Do not timestamp {what}."),
        ])

    return decorate


def egress_options(func):
    """--proxy and --ca-bundle, the same for every command that connects (the egress policy reads them first)."""
    return _options(func, [
        click.option("--proxy", default=None, metavar="URL",
                     help="http://, https:// or socks5:// proxy for every connection (default: HTTPS_PROXY, "
                          "HTTP_PROXY, ALL_PROXY, NO_PROXY)."),
        click.option("--ca-bundle", default=None, type=click.Path(exists=True, dir_okay=False),
                     help="Trust these CA certificates, e.g. a TLS-intercepting proxy's (default: SSL_CERT_FILE, "
                          "SSL_CERT_DIR, else certifi's)."),
    ])


def editor_output_options(func):
    """REPORT plus the options `report` and `verify` share."""
    return _options(func, [
        click.argument("report", nargs=-1, required=True),
        format_option("table", "json", "csv", "markdown", "html"),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                     help="Write to this file instead of standard output."),
        fail_on_option,
        input_format_option(),
        click.pass_context,
    ])


# -- from the command line to the verbs and back ----------------------------------------------------

def _vault(ctx: click.Context) -> str:
    return ctx.obj["vault"]


def _one_input(args: tuple[str, ...], input_format: str | None) -> str | linkvault.Report:
    inputs = linkvault.parse_arguments(args, input_format)
    if len(inputs) != 1:
        raise click.UsageError("give one report: a file, - for standard input, or URLs")
    return inputs[0]


def _echo(render, *args, **kwargs) -> None:
    """`render(*args, **kwargs)` for this terminal (its colour and width), on standard output."""
    color, width = terminal_look()
    click.echo(render(*args, **kwargs, color=color, width=width))


def _deliver(render, output: str | None) -> None:
    """Rendered for the terminal on standard output, or plain into `output`."""
    color, width = terminal_look() if output is None else (False, 120)
    text = render(color, width)
    if output is None:
        click.echo(text)
        return
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    click.echo(f"wrote {output}", err=True)


def _exit(failed: bool, why) -> None:
    """Exit 0, or exit 1 after one line on stderr saying why (`why()` renders it)."""
    if failed:
        click.echo(why(), err=True)
        sys.exit(1)
    sys.exit(0)


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


def _progress(verbose: bool):
    """What the fetch is doing, on stderr: a bar on a terminal, else a line every LINKVAULT_PROGRESS_EVERY seconds
    (default 10) so a cron or CI log shows the run is alive; with --verbose, a line per URL and per retry."""
    from linkvault.render.progress import ProgressDisplay

    try:
        every = max(float(os.environ.get("LINKVAULT_PROGRESS_EVERY") or 10.0), 0.05)
    except ValueError:
        every = 10.0
    return ProgressDisplay(lambda line: click.echo(line, err=True), bar=sys.stderr.isatty(), verbose=verbose,
                           every=every)


# -- the commands ------------------------------------------------------------------------------------

@click.group(cls=LinkvaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(linkvault.__version__, prog_name="linkvault")
@click.option("--vault", envvar="LINKVAULT_VAULT", default="linkvault-vault", type=click.Path(file_okay=False),
              help=VAULT_HELP)
@click.pass_context
def cli(ctx: click.Context, vault: str) -> None:
    """Archive the sources a report cites; check its footnotes before publishing."""
    ctx.obj = {"vault": vault, "vault_named": ctx.get_parameter_source("vault") is not ParameterSource.DEFAULT}


@cli.command()
@global_options
@click.argument("report", nargs=-1, required=True)
@format_option(*OUTPUT_FORMATS)
@fail_on_option
@input_format_option()
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
    from linkvault.render import render_check
    from linkvault.render.exits import check_exit

    result = linkvault.check(_one_input(report, input_format), input_format)
    _echo(render_check, result, fmt)
    _exit(result.fails(Severity(fail_on)), lambda: check_exit(result, Severity(fail_on)))


@cli.command()
@global_options
@click.argument("reports", nargs=-1, required=True)
@format_option("table", "json")
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
@input_format_option("REPORTS")
@collector_option("Who collects, recorded in every capture's provenance")
@timestamp_options("the run's manifest")
@click.option("--no-screenshots", is_flag=True, envvar="LINKVAULT_NO_SCREENSHOTS",
              help="Take no full-page screenshots (env LINKVAULT_NO_SCREENSHOTS=1).")
@click.option("--tabs", default=3, show_default=True, type=click.IntRange(1, 16), help="Browser tabs taking screenshots at once.")
@click.option("-v", "--verbose", is_flag=True, help="One line per URL as it is done.")
@click.pass_context
def fetch(ctx, reports, fmt, input_format, max_size, max_age, no_screenshots, verbose, **settings) -> None:
    """Archive every source the reports cite: WARC files plus searchable text in the vault.

    REPORTS are files, - for standard input, or URLs (together one report, each URL its own source).

    \b
    Example:
        linkvault fetch report.txt
        linkvault --vault ~/evidence fetch april.docx may.docx --proxy socks5://127.0.0.1:9050
        linkvault fetch https://example.org/a https://example.org/b

    Exit codes: 0 everything archived, 1 a footnote missing or a link not archived, 2 bad input.
    """
    from linkvault.render.archive import render_fetch
    from linkvault.render.exits import fetch_exit

    size, inputs = _parse_size(max_size), linkvault.parse_arguments(reports, input_format)
    with _progress(verbose) as progress:
        result = linkvault.fetch(inputs, _vault(ctx), input_format=input_format, on_progress=progress, max_size=size,
                                 max_age=_parse_age(max_age), screenshots=not no_screenshots, reviews=fmt != "json",
                                 **settings)
    _echo(render_fetch, result, fmt, reviews=result.reviews)
    for note in result.notes[:5]:
        _note(note)
    _exit(not result.ok, lambda: fetch_exit(result, result.reviews))


@cli.command()
@global_options
@click.argument("query")
@click.option("--report", default=None, help="Only sources of this report.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@format_option("table", "json")
@click.pass_context
def search(ctx, query, report, limit, fmt) -> None:
    """Full-text search over the archived texts (words match their inflected forms by prefix).

    \b
    Example:
        linkvault search "Адилбеков арест"
        linkvault search журналист --report report.txt --format json
    """
    from linkvault.render.archive import render_search

    hits = linkvault.search(query, _vault(ctx), report=report, limit=limit)
    _echo(render_search, hits, fmt)


@cli.command()
@global_options
@click.argument("report", nargs=-1, required=True)
@click.argument("number")
@click.option("--text", "with_text", is_flag=True, help="Print the extracted text too.")
@click.option("--screenshot", "screenshot_to", type=click.Path(dir_okay=False, writable=True), default=None,
              metavar="FILE.png", help="Write the newest full-page screenshot to FILE.png (logged in custody).")
@collector_option("Who exports, for the custody log")
@click.pass_context
def show(ctx, report, number, with_text, screenshot_to, collector) -> None:
    """What is archived for one footnote: captures, status, WARC location, screenshot, extracted text.

    REPORT as given to fetch (a file, -, URLs), or the <…> name fetch printed for standard input or URLs.

    \b
    Example:
        linkvault show report.txt 17 --text
        linkvault show report.txt 17 --screenshot source-17.png
    """
    from linkvault.render.archive import render_exported, render_show

    archive = linkvault.show(_one_input(report, None), number, _vault(ctx), screenshot_to=screenshot_to,
                             collector=collector)
    _echo(render_show, archive, with_text=with_text)
    if screenshot_to:
        click.echo(render_exported(archive, screenshot_to))


def _editor(ctx, verb, render, why, report, fmt, output, fail_on, input_format) -> None:
    """`report` and `verify`. A vault named by --vault or LINKVAULT_VAULT must exist (exit 2, naming it); the
    default one may not yet: before the first fetch every source is "not fetched yet", and that is said once."""
    from linkvault.render.review import no_vault_note

    result = verb(_one_input(report, input_format), _vault(ctx), input_format,
                  vault_must_exist=ctx.obj.get("vault_named", True))
    review = result.review if isinstance(result, linkvault.Verification) else result
    if review is not None and not review.fetched:
        _note(no_vault_note(_vault(ctx)))
    _deliver(lambda color, width: render(result, fmt, color=color, width=width), output)
    _exit(result.fails(Severity(fail_on)), lambda: why(result, Severity(fail_on)))


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
    from linkvault.render.exits import review_exit
    from linkvault.render.review import render_review

    _editor(ctx, linkvault.review, render_review, review_exit, report, fmt, output, fail_on, input_format)


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
    from linkvault.render.claims import render_claims
    from linkvault.render.exits import verify_exit

    _editor(ctx, linkvault.verify, render_claims, verify_exit, report, fmt, output, fail_on, input_format)


@cli.command()
@global_options
@click.argument("wacz", required=False)
@click.option("--tsa-roots", type=click.Path(exists=True, dir_okay=False), default=None,
              help="PEM root certificates of the time-stamp authorities (default: this machine's trusted roots, "
                   "SSL_CERT_FILE or certifi's).")
@collector_option("Who checks, for the vault's custody log")
@format_option("text", "json")
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
    from linkvault.render.audit import audit_notes, render_audit
    from linkvault.render.exits import audit_exit

    result = linkvault.audit(_vault(ctx), wacz=wacz or None, tsa_roots=tsa_roots, collector=collector)
    for note in audit_notes(result):
        _note(note)
    click.echo(render_audit(result, fmt))
    _exit(not result.holds, lambda: audit_exit(result))


@cli.command()
@global_options
@click.argument("report")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True),
              help="The evidence pack to write (default: REPORT's name with .wacz, in the current directory).")
@click.option("--force", is_flag=True, help="Overwrite the pack if the file exists.")
@input_format_option()
@collector_option("Who packs, for the custody log")
@timestamp_options("the pack itself")
@egress_options
@click.pass_context
def pack(ctx, report, output, force, **settings) -> None:
    """One evidence pack per report: a WACZ with every capture, provenance, timestamp, the report and a summary.

    The pack itself is timestamped too: RFC 3161 tokens over its datapackage.json, which holds the
    SHA-256 of every file in it, are carried in its datapackage-digest.json.

    \b
    Example:
        linkvault pack report.txt                  # writes report.wacz here
        linkvault pack report.txt -o report-evidence.wacz --force
    """
    from linkvault.render.evidence import pack_notes, render_packed

    output = output or os.path.splitext(os.path.basename(report))[0] + ".wacz"
    if os.path.exists(output) and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    result = linkvault.pack(report, output, _vault(ctx), **settings)
    for note in pack_notes(result):
        _note(note)
    click.echo(render_packed(result))


def main() -> None:
    cli(prog_name="linkvault")


if __name__ == "__main__":
    main()

"""The editor's commands: `check` before publishing (offline), `report` (a verdict for every footnote), `verify`
(does the source say what the footnote claims?), `robustify` (the report written back with archived copies) and
`changes` (what changed under the links since a date, or since the last re-check)."""

from __future__ import annotations

import functools

import click

import linkvault
from linkvault.cli.options import (
    editor_output_options,
    fail_on_option,
    force_option,
    format_option,
    global_options,
    history_options,
    input_format_option,
    one_input,
    vault_of,
    verdict_options,
)
from linkvault.cli.output import deliver, echo_rendered, exit_with, note
from linkvault.model import Severity
from linkvault.render import FORMATS as OUTPUT_FORMATS
from linkvault.render.terminal import terminal_look


@click.command()
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

    result = linkvault.check(one_input(report, input_format), input_format)
    echo_rendered(render_check, result, fmt)
    exit_with(result.fails(Severity(fail_on)), lambda: check_exit(result, Severity(fail_on)))


def _editor(ctx, verb, render, why, report, fmt, output, fail_on, input_format) -> None:
    """`report` and `verify`. A vault named by --vault or LINKVAULT_VAULT must exist (exit 2, naming it); the
    default one may not yet: before the first fetch every source is "not fetched yet", and that is said once."""
    from linkvault.render.review import no_vault_note

    result = verb(one_input(report, input_format), vault_of(ctx), input_format,
                  vault_must_exist=ctx.obj.get("vault_named", True))
    review = result.review if isinstance(result, linkvault.Verification) else result
    if review is not None and not review.fetched:
        note(no_vault_note(vault_of(ctx)))
    deliver(lambda color, width: render(result, fmt, color=color, width=width), output)
    exit_with(result.fails(Severity(fail_on)), lambda: why(result, Severity(fail_on)))


@click.command()
@global_options
@editor_output_options
@history_options
def report(ctx, report, fmt, output, fail_on, input_format, rules) -> None:
    """The editor's report: every footnote with the state of its archived source.

    REPORT as given to fetch: a file, - for standard input, or URLs; for a list of URLs also the <…>
    name fetch printed.

    \b
    Example:
        linkvault report report.txt
        linkvault report report.docx --format html -o report.html

    A link whose capture failed is failing until its history confirms it dead (--dead-after checks at
    least --apart apart; --dead-after 1: dead at once).

    Exit codes: 0 nothing at --fail-on level, 1 something (errors: missing footnotes, invalid URLs,
    failing or dead links; warnings add walled, refused and unknown links), 2 bad input.
    """
    from linkvault.render.exits import review_exit
    from linkvault.render.review import render_review

    _editor(ctx, functools.partial(linkvault.review, rules=rules), render_review, review_exit, report, fmt, output,
            fail_on, input_format)


@click.command()
@global_options
@editor_output_options
@verdict_options
def verify(ctx, report, fmt, output, fail_on, input_format, rules) -> None:
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

    _editor(ctx, functools.partial(linkvault.verify, rules=rules), render_claims, verify_exit, report, fmt, output,
            fail_on, input_format)



@click.command()
@global_options
@click.argument("report")
@click.option("-o", "--output", required=True, metavar="OUT", type=click.Path(dir_okay=False),
              help="The robustified report to write, in REPORT's format.")
@click.option("--plain", is_flag=True,
              help="Markdown: write `URL (archived DATE: URI-M)` instead of the Robust Links <a> element.")
@click.option("--pack-url", default=None, metavar="URL",
              help="Where the evidence pack (WACZ) is published: each living source's capture is linked as the "
                   "pack's page in ReplayWeb.page.")
@input_format_option()
@force_option("OUT (or the report itself, when OUT is REPORT)")
@verdict_options
@click.pass_context
def robustify(ctx, report, output, plain, pack_url, input_format, force, rules) -> None:
    """Write REPORT to OUT with each footnote's archived versions beside its source.

    The versions are the copy `linkvault copies` validated, the Save Page Now capture (fetch
    --save-page-now) and, with --pack-url, the evidence pack's page of our own capture. HTML and
    Markdown get Robust Links attributes (data-originalurl, data-versiondate, data-versionurl); text
    and Word get `(archived DATE: URI-M)` after the URL, in Word as real links. Every other byte is
    kept; `linkvault check` reads OUT as it read REPORT. The vault is only read.

    \b
    Example:
        linkvault robustify report.docx -o report-robust.docx
        linkvault robustify report.md -o report-robust.md --plain \\
            --pack-url https://example.org/report.wacz

    Prints a line for each footnote left without a version, and why. Exit codes: 0 written, 2 bad
    input, no vault, or OUT exists (without --force).
    """
    from linkvault.render.robust.summary import render_robustified

    result = linkvault.robustify(report, output, vault_of(ctx), plain=plain, pack_url=pack_url,
                                 input_format=input_format, force=force, rules=rules)
    click.echo(render_robustified(result, width=terminal_look()[1]))


@click.command()
@global_options
@click.argument("reports", nargs=-1)
@click.option("--since", default="last", show_default=True, metavar="DATE|last",
              help="Compare against the links as of this day (YYYY-MM-DD) or time; last: just before the newest "
                   "check run began.")
@format_option("table", "json", "html")
@fail_on_option
@history_options
@click.pass_context
def changes(ctx, reports, since, fmt, fail_on, rules) -> None:
    """The links whose history, verdict or drift changed since DATE, each before → after and when.

    REPORTS are reports fetched into the vault (files, or the <…> names fetch printed); none: every report in it.
    A source that died, a passage gone or a page replaced is an error; a link starting to fail a warning.

    \b
    Example:
        linkvault changes
        linkvault changes report.txt --since 2026-11-01 --format html > changes.html
        linkvault changes --fail-on warning

    Exit codes: 0 no change at --fail-on level, 1 at least one, 2 bad input (no vault, a report never fetched).
    """
    from linkvault.render.changes import changes_exit, render_changes

    result = linkvault.changes(reports, vault_of(ctx), since, rules=rules)
    echo_rendered(render_changes, result, fmt)
    exit_with(result.fails(Severity(fail_on)), lambda: changes_exit(result, Severity(fail_on)))

"""The researcher's commands: `fetch` archives every source a report cites, `copies` finds a lost one's copy in the
world's web archives, `search` and `show` read the archive, `recheck`
checks every source again on a schedule."""

from __future__ import annotations

import click

import linkvault
from linkvault.cli.options import (
    allow_private_option,
    collector_option,
    concurrency_option,
    egress_options,
    format_option,
    global_options,
    heartbeat_option,
    history_options,
    input_format_option,
    one_input,
    parse_age,
    parse_size,
    queue_option,
    rate_option,
    request_options,
    run_display_options,
    save_page_now_options,
    session_options,
    timestamp_options,
    vantage_options,
    vault_of,
    verdict_options,
    wait_cap_option,
)
from linkvault.cli.output import echo_rendered, exit_with, note, progress


@click.command()
@global_options
@click.argument("reports", nargs=-1, required=True)
@format_option("table", "json")
@concurrency_option("Requests")
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 64), help="Requests at once per host.")
@request_options
@click.option("--max-size", default="50M", show_default=True, help="Truncate bodies beyond this size.")
@egress_options
@vantage_options
@session_options
@save_page_now_options
@allow_private_option()
@click.option("--refresh", is_flag=True, help="Fetch again even what was archived before.")
@click.option("--max-age", default=None, help="Fetch again what was archived longer ago than this (12h, 7d, 2w).")
@input_format_option("REPORTS")
@collector_option("Who collects, recorded in every capture's provenance")
@timestamp_options("the run's manifest")
@click.option("--tabs", default=3, show_default=True, type=click.IntRange(1, 16), help="Browser tabs taking screenshots at once.")
@click.option("--browser-profile", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Take the screenshots logged in: in a copy of this Chromium user-data directory (never changed).")
@verdict_options
@queue_option(False, "Enqueue the URLs for `linkvault worker` processes instead of fetching them here; this run "
                     "stores what they capture, then seals and reports as always.")
@heartbeat_option
@run_display_options
@click.pass_context
def fetch(ctx, reports, fmt, input_format, max_size, max_age, no_screenshots, verbose, **settings) -> None:
    """Archive every source the reports cite: WARC files plus searchable text in the vault.

    REPORTS are files, - for standard input, or URLs (together one report, each URL its own source).

    \b
    Example:
        linkvault fetch report.txt
        linkvault --vault ~/evidence fetch april.docx may.docx \\
            --proxy socks5://127.0.0.1:9050
        linkvault fetch report.txt --vantage abroad=socks5://127.0.0.1:9050
        linkvault fetch https://example.org/a https://example.org/b
        linkvault fetch report.txt --save-page-now --spn-keys ~/.config/ia.ini
        linkvault fetch report.txt --cookies research-account.txt \\
            --as "KIBHR research account"
        linkvault fetch report.txt --queue redis://127.0.0.1:6379/0

    A link that fails is failing until its history confirms it dead (--dead-after checks at least --apart
    apart; --dead-after 1: dead at once).

    Exit codes: 0 everything archived, 1 a footnote missing or a link not archived, 2 bad input.
    """
    from linkvault.render.archive import render_fetch
    from linkvault.render.exits import fetch_exit

    size, inputs = parse_size(max_size), linkvault.parse_arguments(reports, input_format)
    with progress(verbose) as display:
        result = linkvault.fetch(inputs, vault_of(ctx), input_format=input_format, on_progress=display, max_size=size,
                                 max_age=parse_age(max_age), screenshots=not no_screenshots, reviews=fmt != "json",
                                 **settings)
    echo_rendered(render_fetch, result, fmt, reviews=result.reviews)
    for text in result.notes[:5]:
        note(text)
    exit_with(not result.ok, lambda: fetch_exit(result, result.reviews))


def _archive_pair(_ctx, _param, values: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = [value.partition("=") for value in values]
    for value, (name, eq, url) in zip(values, pairs):
        if not (name.strip() and eq and url.strip().startswith(("http://", "https://"))):
            raise click.BadParameter(f"{value!r}: give it as NAME=TIMEMAP-URL, e.g. "
                                     "arquivo.pt=https://arquivo.pt/wayback/timemap/link/")
    return [(name.strip(), url.strip()) for name, _, url in pairs]


@click.command()
@global_options
@click.argument("reports", nargs=-1, required=True)
@click.option("--all", "every_link", is_flag=True,
              help="Look up every link, not only failing, dead, restricted or refused ones.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Reference date (YYYY-MM-DD) for footnotes with no entry date and a report with no date of its own.")
@click.option("--archive", "archives", multiple=True, callback=_archive_pair, metavar="NAME=TIMEMAP-URL",
              help="Ask this archive's TimeMap too (the URL is appended to TIMEMAP-URL); replaces a default one of "
                   "the same name. Repeatable.")
@click.option("--memgator", default=None, metavar="URL", help="Ask this MemGator instead of every archive's TimeMap.")
@click.option("--candidates", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Copies fetched and judged at most per link.")
@click.option("--ia-api", type=click.Choice(["cdx", "availability"]), default="cdx", show_default=True,
              help="Ask the Internet Archive by its CDX server, or by the batched availability API (fewer requests, "
                   "one copy each side of the date, and sometimes empty for archived pages).")
@rate_option
@wait_cap_option
@click.option("--refresh-copies", "refresh", is_flag=True, help="Ask the archives again, not the vault's answers.")
@egress_options
@allow_private_option("mementos")
@input_format_option("REPORTS")
@collector_option("Who collects, recorded in every memento's provenance")
@timestamp_options("the run's manifest of the copies it fetched")
@format_option("table", "json")
@verdict_options
@click.pass_context
def copies(ctx, reports, every_link, as_of, fmt, **settings) -> None:
    """Find an archived copy of each failing, dead, restricted or refused source, and prove it is the page cited.

    Asks the Internet Archive and other web archives for captures closest before each footnote's reference date
    (its chronicle entry's date, else the report's, else --as-of), fetches the best into the vault's WARC files,
    judges each as a live page is judged (an archived soft-404 or redirect to the front page is passed over) and
    checks the footnote's claim on its text, then seals the copies in a timestamped manifest as fetch seals its
    captures. Run fetch first: a link's verdict comes from it.

    \b
    Example:
        linkvault copies report.txt
        linkvault copies report.docx --as-of 2024-04-30 \\
            --archive arquivo.pt=https://arquivo.pt/wayback/timemap/link/
        linkvault copies report.txt --all --format json \\
            --memgator http://127.0.0.1:1208

    Exit codes: 0 every looked-up link has a validated copy, 1 one has none or an archive could not be reached,
    2 bad input.
    """
    from linkvault.render.copies import copies_exit, render_copies

    inputs = linkvault.parse_arguments(reports, settings.get("input_format"))
    result = linkvault.find_copies(inputs, vault_of(ctx), all=every_link,
                                   as_of=as_of.date() if as_of else None, **settings)
    echo_rendered(render_copies, result, fmt)
    for text in result.notes[:5]:
        note(text)
    exit_with(not result.ok, lambda: copies_exit(result))


@click.command()
@global_options
@click.argument("reports", nargs=-1)
@click.option("--due", is_flag=True, help="Only the links whose next check is due (failing after --failing-every, "
                                          "the rest after --alive-every).")
@history_options
@format_option("table", "json")
@request_options
@egress_options
@vantage_options
@session_options
@allow_private_option()
@collector_option("Who collects, recorded in every capture's provenance")
@timestamp_options("the run's manifest")
@run_display_options
@click.pass_context
def recheck(ctx, reports, due, fmt, no_screenshots, verbose, **settings) -> None:
    """Check each cited source again, as a new capture: a link's history says since when it is alive, failing or dead.

    REPORTS are reports fetched into the vault (files, or the <…> names fetch printed); none: every report in it.
    Meant for cron or a systemd timer (README: the editor's monthly routine).

    \b
    Example:
        linkvault recheck --due
        linkvault recheck report.txt --dead-after 3 --apart 3d
        linkvault --vault ~/evidence recheck --due --format json
        linkvault recheck --due --vantage abroad=socks5://127.0.0.1:9050
        linkvault recheck --due --cookies research-account.txt --as "KIBHR research account"

    Exit codes: 0 no link is dead by its history, 1 one is (or this machine's network failed), 2 bad input.
    """
    from linkvault.render.recheck import recheck_exit, render_recheck

    with progress(verbose) as display:
        result = linkvault.recheck(reports, vault_of(ctx), due=due, on_progress=display,
                                   screenshots=not no_screenshots, **settings)
    echo_rendered(render_recheck, result, fmt)
    exit_with(result.could_not_check or result.by_status()["dead"] > 0, lambda: recheck_exit(result))


@click.command()
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

    hits = linkvault.search(query, vault_of(ctx), report=report, limit=limit)
    echo_rendered(render_search, hits, fmt)


@click.command()
@global_options
@click.argument("report", nargs=-1, required=True)
@click.argument("number")
@click.option("--text", "with_text", is_flag=True, help="Print the extracted text too.")
@click.option("--screenshot", "screenshot_to", type=click.Path(dir_okay=False, writable=True), default=None,
              metavar="FILE.png", help="Write the newest full-page screenshot to FILE.png (logged in custody).")
@collector_option("Who exports, for the custody log")
@verdict_options
@click.pass_context
def show(ctx, report, number, with_text, screenshot_to, collector, rules) -> None:
    """What is archived for one footnote: captures, status, WARC location, screenshot, extracted text.

    REPORT as given to fetch (a file, -, URLs), or the <…> name fetch printed for standard input or URLs.

    \b
    Example:
        linkvault show report.txt 17 --text
        linkvault show report.txt 17 --screenshot source-17.png
    """
    from linkvault.render.archive import render_exported, render_show

    archive = linkvault.show(one_input(report, None), number, vault_of(ctx), screenshot_to=screenshot_to,
                             collector=collector, rules=rules)
    echo_rendered(render_show, archive, with_text=with_text)
    if screenshot_to:
        click.echo(render_exported(archive, screenshot_to))


"""The commands for evidence that holds: `audit` checks that nothing was altered, `pack` seals one report's
captures into an evidence pack (WACZ) a third party can check."""

from __future__ import annotations

import os

import click

import linkvault
from linkvault.cli.options import (
    collector_option,
    egress_options,
    force_option,
    format_option,
    global_options,
    input_format_option,
    timestamp_options,
    vault_of,
)
from linkvault.cli.output import exit_with, note
from linkvault.errors import UsageError


@click.command()
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

    result = linkvault.audit(vault_of(ctx), wacz=wacz or None, tsa_roots=tsa_roots, collector=collector)
    for text in audit_notes(result):
        note(text)
    click.echo(render_audit(result, fmt))
    exit_with(not result.holds, lambda: audit_exit(result))


@click.command()
@global_options
@click.argument("report")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True),
              help="The evidence pack to write (default: REPORT's name with .wacz, in the current directory).")
@force_option("the pack")
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
    from linkvault.render.terminal import terminal_look

    output = output or os.path.splitext(os.path.basename(report))[0] + ".wacz"
    if os.path.exists(output) and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    result = linkvault.pack(report, output, vault_of(ctx), **settings)
    for text in pack_notes(result):
        note(text)
    click.echo(render_packed(result, width=terminal_look()[1]))


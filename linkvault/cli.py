"""The `linkvault` command: a thin click shell over the library.

Each command parses its options, calls one library function and renders the result. Errors
become output and exit codes in one place, `LinkvaultGroup.invoke`.
"""

from __future__ import annotations

import os
import shutil
import sys

import click

import linkvault
from linkvault.errors import LinkvaultError
from linkvault.model import Severity
from linkvault.render import FORMATS as OUTPUT_FORMATS
from linkvault.report import FORMATS as INPUT_FORMATS


class LinkvaultGroup(click.Group):
    """Shows a LinkvaultError as one line on stderr and exits with its code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LinkvaultError as exc:
            click.echo(f"linkvault: error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("linkvault: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug of ours: say so in one line unless asked for the traceback
            if os.environ.get("LINKVAULT_DEBUG"):
                raise
            click.echo(f"linkvault: internal error: {exc.__class__.__name__}: {exc} "
                       "(set LINKVAULT_DEBUG=1 for the traceback, and please report it)", err=True)
            ctx.exit(2)


def output_options(func):
    return click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True,
                        help="Output format.")(func)


def fail_on_option(func):
    return click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
                        help="Exit 1 when a finding of this severity (or worse) is found.")(func)


@click.group(cls=LinkvaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(linkvault.__version__, prog_name="linkvault")
def cli() -> None:
    """Archive the sources a report cites; check its footnotes before publishing."""


@cli.command()
@click.argument("report")
@output_options
@fail_on_option
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default=None,
              help="Read REPORT as this format instead of guessing from its name and content.")
def check(report: str, fmt: str, fail_on: str, input_format: str | None) -> None:
    """Check a report's footnotes offline: missing, uncited, duplicate, broken or draft links.

    \b
    Example:
        linkvault check report.txt
        linkvault check report.docx --format json --fail-on warning

    Exit codes: 0 no finding at --fail-on level, 1 at least one, 2 bad input.
    """
    result = linkvault.check(report, input_format)
    click.echo(_render(result, fmt))
    sys.exit(1 if result.fails(Severity(fail_on)) else 0)


def _render(result, fmt: str) -> str:
    from linkvault.render import render_check

    tty = sys.stdout.isatty()
    color = tty and "NO_COLOR" not in os.environ
    width = shutil.get_terminal_size((120, 24)).columns if tty else 120
    return render_check(result, fmt, color=color, width=max(width, 60))


def main() -> None:
    cli(prog_name="linkvault")


if __name__ == "__main__":
    main()

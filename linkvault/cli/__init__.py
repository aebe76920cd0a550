"""The `linkvault` command: a thin click shell over the library's verbs. Each command is options → one verb
(`linkvault.fetch`, …) → one renderer (`linkvault.render`); options several commands share are declared once,
in `options`. The commands live by who uses them (`editor`, `researcher`, `evidence`) and are registered on the
group here. Errors become output and exit codes in one place, `LinkvaultGroup.invoke`."""

from __future__ import annotations

import os
import sys

import click
from click.core import ParameterSource

import linkvault
from linkvault.cli.editor import changes, check, report, robustify, verify
from linkvault.cli.evidence import audit, pack
from linkvault.cli.options import VAULT_HELP
from linkvault.cli.queue import status, worker
from linkvault.cli.researcher import copies, fetch, recheck, search, show
from linkvault.errors import LinkvaultError, environment_failure
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


@click.group(cls=LinkvaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(linkvault.__version__, prog_name="linkvault")
@click.option("--vault", envvar="LINKVAULT_VAULT", default="linkvault-vault", type=click.Path(file_okay=False),
              help=VAULT_HELP)
@click.pass_context
def cli(ctx: click.Context, vault: str) -> None:
    """Archive the sources a report cites; check its footnotes before publishing."""
    ctx.obj = {"vault": vault, "vault_named": ctx.get_parameter_source("vault") is not ParameterSource.DEFAULT}


for command in (check, fetch, copies, recheck, changes, search, show, report, verify, robustify, audit, pack, worker,
                status):
    cli.add_command(command)


def main() -> None:
    # httpx loads its own command line (httpx._main: rich's console and pygments, ~50 ms) on import whenever click
    # and rich are installed, as they are with linkvault; this process never runs it, so it is marked absent first.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    cli(prog_name="linkvault")


if __name__ == "__main__":
    main()

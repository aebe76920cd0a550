"""Where a command's rendered text goes: standard output or a file, one-line notes on stderr, the progress of a
fetch, and the exit code a verdict asks for. What the text says is `linkvault.render`'s."""

from __future__ import annotations

import os
import sys

import click

from linkvault.render.terminal import terminal_look


def note(text: str) -> None:
    click.echo(f"linkvault: note: {text}", err=True)


def echo_rendered(render, *args, **kwargs) -> None:
    """`render(*args, **kwargs)` for this terminal (its colour and width), on standard output."""
    color, width = terminal_look()
    click.echo(render(*args, **kwargs, color=color, width=width))


def deliver(render, output: str | None) -> None:
    """Rendered for the terminal on standard output, or plain into `output`."""
    color, width = terminal_look() if output is None else (False, 120)
    text = render(color, width)
    if output is None:
        click.echo(text)
        return
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    click.echo(f"wrote {output}", err=True)


def exit_with(failed: bool, why) -> None:
    """Exit 0, or exit 1 after one line on stderr saying why (`why()` renders it; wrapped at the terminal's width)."""
    from linkvault.render.exits import exit_text

    if failed:
        click.echo(exit_text(why(), terminal_look()[1]), err=True)
        sys.exit(1)
    sys.exit(0)


def progress(verbose: bool):
    """What the fetch is doing, on stderr: a bar on a terminal, else a line every LINKVAULT_PROGRESS_EVERY seconds
    (default 10) so a cron or CI log shows the run is alive; with --verbose, a line per URL and per retry."""
    from linkvault.render.progress import ProgressDisplay

    try:
        every = max(float(os.environ.get("LINKVAULT_PROGRESS_EVERY") or 10.0), 0.05)
    except ValueError:
        every = 10.0
    return ProgressDisplay(lambda line: click.echo(line, err=True), bar=sys.stderr.isatty(), verbose=verbose,
                           every=every)

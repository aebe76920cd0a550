"""The distributed mode's commands: `worker` captures what `fetch --queue` enqueued, `status` shows the queue."""

from __future__ import annotations

import click

import linkvault
from linkvault.cli.options import (
    concurrency_option,
    format_option,
    global_options,
    heartbeat_option,
    queue_option,
    vault_of,
)

QUEUE_HELP = "The Redis that fetch --queue enqueued on"


@click.command()
@global_options
@queue_option(True, QUEUE_HELP)
@concurrency_option("URLs this worker captures")
@click.option("--screenshots", is_flag=True,
              help="Take the runs' screenshots (through this machine's Chromium) instead of fetching.")
@click.option("--exit-when-idle", type=click.FloatRange(0.1), default=None, metavar="SECONDS",
              help="Stop after this long with nothing to do (default: run until stopped).")
@heartbeat_option
@click.pass_context
def worker(ctx, queue, concurrency, screenshots, exit_when_idle, heartbeat) -> None:
    """Capture the URLs queued by `fetch --queue` into the vault's WARC directory, until stopped (SIGTERM).

    Start as many as you like, on as many machines as share the vault directory: each takes a fair share of the
    sites (by registrable domain) and a host never gets more than the run's --per-host requests at once from all
    of them together. The run that enqueued (fetch --queue) stores what they capture. A worker started with
    --screenshots takes the runs' screenshots instead, in batches, so a slow browser never holds up fetching.
    If Redis stops answering for a heartbeat, the worker stops with one line (exit 2).

    \b
    Example:
        linkvault worker --queue redis://127.0.0.1:6379/0 --vault /srv/vault
        linkvault worker --queue redis://127.0.0.1:6379/0 --vault /srv/vault --screenshots
    """
    from linkvault.render.queue import worker_line

    result = linkvault.worker(queue, vault_of(ctx), concurrency=concurrency, idle_exit=exit_when_idle,
                              screenshots=screenshots, heartbeat=heartbeat,
                              on_refused=lambda line: click.echo(f"linkvault: error: {line}", err=True))
    click.echo(worker_line(result), err=True)


@click.command()
@global_options
@queue_option(True, QUEUE_HELP)
@format_option("table", "json")
def status(queue, fmt) -> None:
    """Each report of the runs on the queue, newest first: URLs queued, in flight, done and failed.

    \b
    Example:
        linkvault status --queue redis://127.0.0.1:6379/0
    """
    from linkvault.render.queue import render_status

    click.echo(render_status(linkvault.queue_status(queue), fmt))

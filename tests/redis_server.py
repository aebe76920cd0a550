"""A real redis-server (Debian's package) for the distributed mode's tests, on a free port of 127.0.0.1, and real
`linkvault worker` processes on it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HEARTBEAT = "2"  # seconds (--heartbeat): a killed worker's messages go to another after this long


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A fresh redis-server, nothing saved to disk; its URL (redis://127.0.0.1:PORT/0)."""
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if binary is None:
        pytest.skip("redis-server is not installed (Debian's package redis-server; `make test` installs it as root)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (exit {proc.poll()})")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def queue_env(screenshots: bool = False) -> dict[str, str]:
    """The environment workers and queued runs share in a test: no TSA, no screenshots unless asked for (and no
    heartbeat from the environment: a test gives --heartbeat)."""
    env = {**os.environ, "LINKVAULT_TSA": "", "LINKVAULT_NO_SCREENSHOTS": "1"}
    env.pop("LINKVAULT_QUEUE_HEARTBEAT", None)
    if screenshots:
        del env["LINKVAULT_NO_SCREENSHOTS"]
    return env


def start_worker(queue: str, vault: Path, log: Path, *extra: str) -> subprocess.Popen:
    """`linkvault worker` as its own process with a short heartbeat, its output to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "linkvault", "--vault", str(vault), "worker", "--queue", queue,
                                 "--heartbeat", HEARTBEAT, *extra], stdout=out, stderr=subprocess.STDOUT,
                                env=queue_env())


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        if proc.poll() is None:
            proc.terminate()
    for proc in workers:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

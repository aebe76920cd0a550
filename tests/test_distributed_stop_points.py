"""A queued run stopped at each step of storing what a worker sent (Ctrl-C or SIGKILL at a chosen point, through
tests/stop_at.py, not where a loaded machine happens to stop it): the next run stores every URL once, none lost, none
twice, each with its custody event (a real redis-server, real `linkvault worker` processes)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis_server import HEARTBEAT, queue_env, start_worker, stop_workers
from test_distributed import _cited, _fetch, _outstanding, _sites, _warcs_hold, queue, server  # noqa: F401

STOP_AT = Path(__file__).with_name("stop_at.py")


@pytest.mark.parametrize(("where", "stop"), [("stored", "INT"), ("stored", "KILL"), ("unmarking", "KILL")],
                         ids=["ctrl-c-after-a-row-stored", "killed-after-a-row-stored", "killed-before-redis-hears-it"])
def test_a_run_stopped_between_storing_a_row_and_redis_hearing_it_stores_it_once(fakeweb, queue, tmp_path, where,  # noqa: F811
                                                                                  stop):
    """Stopped right after the vault stored a worker's first capture, or right before Redis hears a URL stored: the
    vault keeps all of a worker's rows or none of them, and a row redelivered that the vault already holds (its URL,
    time and WARC record) is not stored again, its URL no longer outstanding."""
    hosts = [f"stopped-{n}.kz" for n in range(3)]
    _, report = _sites(fakeweb, hosts, 6, 0.4, tmp_path, f"stopped-{where}-{stop}")
    urls = [f"https://{host}/news/stopped-{where}-{stop}-{n}" for host in hosts for n in range(6)]
    vault = tmp_path / "vault"
    worker = start_worker(queue, vault, tmp_path / "worker.log", "--exit-when-idle", "1.5")
    try:
        cmd = [sys.executable, str(STOP_AT), where, stop, "--vault", str(vault), "fetch", str(report), "--per-host",
               "1", "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--format", "json",
               "--queue", queue, "--heartbeat", HEARTBEAT]
        run = subprocess.run(cmd, capture_output=True, text=True, env=queue_env(), timeout=300)
        assert run.returncode == (130 if stop == "INT" else -signal.SIGKILL), run.stderr
        assert worker.wait(timeout=120) == 0  # it finished the run's URLs (their rows wait in Redis), then was idle
    finally:
        stop_workers([worker])
    again = _fetch(vault, fakeweb, str(report), "--per-host", "1", queue=queue)  # no worker needed: all is in Redis
    assert again.returncode == 0, again.stderr
    assert [fakeweb.hits(url) for url in urls] == [1] * len(urls)  # nothing fetched again
    assert sorted(_cited(vault)) == sorted(urls)  # each stored once
    assert not _outstanding(queue)
    _warcs_hold(vault)  # audit: each capture with its custody event

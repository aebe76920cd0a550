"""A queued run stopped at each step of storing what a worker sent (Ctrl-C or SIGKILL at a chosen point, through
tests/stop_at.py, not where a loaded machine happens to stop it): the next run stores every URL once, none lost, none
twice, each with its custody event; the run's soft-404 probes and a browser worker's screenshots once too, whatever
message is delivered again; and a run with nothing new to fetch still stores what waits on the vault's queue (a real
redis-server, real `linkvault worker` processes)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from redis_server import HEARTBEAT, queue_env, start_worker, stop_workers
from test_distributed import _cited, _fetch, _outstanding, _sites, _wait_for, _warcs_hold, queue, server  # noqa: F401

from linkvault.archive.screenshot import chromium

STOP_AT = Path(__file__).with_name("stop_at.py")


def _stopped_run(web, redis_url: str, report: Path, vault: Path, where: str, stop: str = "KILL",
                 screenshots: bool = False, worker_log: Path | None = None) -> subprocess.Popen | None:
    """`fetch --queue` of `report` into `vault`, stopped by itself at `where` (tests/stop_at.py). With `worker_log`,
    a worker that exits once idle, started when the run has enqueued its URLs (started before, it could be idle and
    gone before a loaded machine's run enqueues any), and returned."""
    cmd = [sys.executable, str(STOP_AT), where, stop, "--vault", str(vault), "fetch", str(report), "--per-host",
           "1", "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path, "--format", "json",
           "--queue", redis_url, "--heartbeat", HEARTBEAT]
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=queue_env(screenshots))
    worker = None
    try:
        if worker_log is not None:
            _wait_for("the URLs enqueued", lambda: _outstanding(redis_url) or run.poll() is not None)
            worker = start_worker(redis_url, vault, worker_log, "--exit-when-idle", "1.5")
        _, err = run.communicate(timeout=300)
        assert run.returncode == (130 if stop == "INT" else -signal.SIGKILL), err
    except BaseException:
        run.kill()
        run.communicate()
        stop_workers([worker] if worker else [])
        raise
    return worker


def _waiting(redis_url: str, vault: Path) -> int:
    """Messages on the vault's queue not acked yet: waiting there, or held by a consumer (alive or killed)."""
    name = (vault / ".queue-id").read_text(encoding="ascii").strip()
    return redis.StrictRedis.from_url(redis_url).hlen(f"linkvault:linkvault.vault.{name}.msgs")


def _stored_twice(vault: Path) -> list[tuple]:
    """Rows the vault holds twice: a capture (its URL, time and WARC record), or a capture's or screenshot's custody
    event (about the same record)."""
    with sqlite3.connect(vault / "linkvault.db") as db:
        return [*db.execute("select role, url, fetched_at, record_id from captures "
                            "group by url, fetched_at, record_id having count(*) > 1"),
                *db.execute("select event, subject from custody where event in ('captured', 'screenshotted') "
                            "group by event, subject having count(*) > 1")]


def _roles(vault: Path) -> dict[str, int]:
    with sqlite3.connect(vault / "linkvault.db") as db:
        return dict(db.execute("select role, count(*) from captures group by role"))


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
    worker = _stopped_run(fakeweb, queue, report, vault, where, stop, worker_log=tmp_path / "worker.log")
    assert worker
    try:
        assert worker.wait(timeout=120) == 0  # it finished the run's URLs (their rows wait in Redis), then was idle
    finally:
        stop_workers([worker])
    again = _fetch(vault, fakeweb, str(report), "--per-host", "1", queue=queue)  # no worker needed: all is in Redis
    assert again.returncode == 0, again.stderr
    assert [fakeweb.hits(url) for url in urls] == [1] * len(urls)  # nothing fetched again
    assert sorted(_cited(vault)) == sorted(urls)  # each stored once
    assert not _outstanding(queue)
    _warcs_hold(vault)  # audit: each capture with its custody event


def test_a_store_message_delivered_again_stores_the_runs_soft_404_probes_once(fakeweb, queue, tmp_path):  # noqa: F811
    """Killed after the vault stored a worker's message, before Redis heard it: delivered again to the next run (a
    --refresh, which fetches every URL anew), the message's rows that belong to no URL, the soft-404 probe of each
    host, are not stored a second time."""
    hosts = ["probed-a.kz", "probed-b.kz"]
    _, report = _sites(fakeweb, hosts, 2, 0.0, tmp_path, "probed")
    urls = [f"https://{host}/news/probed-{n}" for host in hosts for n in range(2)]
    vault = tmp_path / "vault"
    worker = _stopped_run(fakeweb, queue, report, vault, "unmarking", worker_log=tmp_path / "worker.log")
    assert worker
    try:
        assert worker.wait(timeout=120) == 0
        assert _roles(vault)["probe"]  # the killed run's first message: its URLs' rows and their hosts' probes
        worker = start_worker(queue, vault, tmp_path / "worker2.log")
        again = _fetch(vault, fakeweb, str(report), "--refresh", "--per-host", "1", queue=queue)
    finally:
        stop_workers([worker])
    assert again.returncode == 0, again.stderr
    assert not _stored_twice(vault)
    assert [fakeweb.hits(url) for url in urls] == [2] * len(urls)  # the refresh fetched each again
    assert _roles(vault) == {"cited": 2 * len(urls), "probe": 2 * len(hosts)}  # each run's, once
    assert not _outstanding(queue) and not _waiting(queue, vault)
    _warcs_hold(vault)


def test_a_run_with_nothing_new_to_fetch_stores_what_waits_on_the_vaults_queue(fakeweb, queue, tmp_path):  # noqa: F811
    """Killed after the vault stored the one URL of its report, before Redis heard it: the next run has nothing to
    fetch, yet it stores the message left on the vault's queue (nothing twice) and clears the URL's outstanding mark,
    so a later --refresh fetches the page again instead of waiting for the old message."""
    _, report = _sites(fakeweb, ["drained.kz"], 1, 0.0, tmp_path, "drained")
    url, vault = "https://drained.kz/news/drained-0", tmp_path / "vault"
    worker = _stopped_run(fakeweb, queue, report, vault, "unmarking", worker_log=tmp_path / "worker.log")
    assert worker
    try:
        assert worker.wait(timeout=120) == 0
    finally:
        stop_workers([worker])
    assert _cited(vault) == [url] and _outstanding(queue) == 1 and _waiting(queue, vault) == 1
    nothing_new = _fetch(vault, fakeweb, str(report), queue=queue)  # no worker: there is nothing to fetch
    assert nothing_new.returncode == 0, nothing_new.stderr
    assert not _outstanding(queue) and not _waiting(queue, vault)
    assert not _stored_twice(vault) and _roles(vault) == {"cited": 1, "probe": 1}
    worker = start_worker(queue, vault, tmp_path / "worker2.log")
    try:
        refreshed = _fetch(vault, fakeweb, str(report), "--refresh", queue=queue)
    finally:
        stop_workers([worker])
    assert refreshed.returncode == 0, refreshed.stderr
    assert fakeweb.hits(url) == 2 and _cited(vault) == [url, url]  # fetched again, not the old message waited for
    assert not _stored_twice(vault)
    _warcs_hold(vault)


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_a_screenshots_message_delivered_again_stores_each_screenshot_once(fakeweb, queue, tmp_path):  # noqa: F811
    """Killed after the vault stored a browser worker's screenshots, before acking their message: delivered again to
    the next run (a --refresh), the screenshots already held are not stored again (their primary key would stop the
    run), and that run counts only the screenshots it asked for."""
    _, report = _sites(fakeweb, ["shot-again.kz"], 2, 0.0, tmp_path, "shot-again")
    vault = tmp_path / "vault"
    workers = [start_worker(queue, vault, tmp_path / "fetching.log"),
               start_worker(queue, vault, tmp_path / "browser.log", "--screenshots")]
    try:
        client = redis.StrictRedis.from_url(queue)
        while not client.zcard("linkvault:shooters"):
            time.sleep(0.1)
        _stopped_run(fakeweb, queue, report, vault, "acking-shots", screenshots=True)
        with sqlite3.connect(vault / "linkvault.db") as db:
            assert db.execute("select count(*) from screenshots").fetchone() == (2,)
        assert _waiting(queue, vault) == 1
        again = _fetch(vault, fakeweb, str(report), "--refresh", queue=queue, screenshots=True)
    finally:
        stop_workers(workers)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"]["screenshots"] == 2  # its own pages, not the earlier run's again
    with sqlite3.connect(vault / "linkvault.db") as db:
        assert db.execute("select count(*), count(distinct response_id) from screenshots").fetchone() == (4, 4)
    assert not _stored_twice(vault) and not _waiting(queue, vault)
    _warcs_hold(vault)


def test_ctrl_c_while_redis_stalls_on_the_ack_stops_the_run_and_the_next_run_stores_nothing_twice(fakeweb, tmp_path,
                                                                                                  monkeypatch):
    """Ctrl-C heard once the vault has stored a worker's message, as the run acks it, when Redis stops answering
    (SIGSTOP): the run stops as interrupted (130) after a moment's grace, not a heartbeat later as a Redis failure;
    the next run, Redis back, stores nothing twice (given the message again, if Redis never heard the ack)."""
    from redis_server import redis_server

    hosts = ["stalled-a.kz", "stalled-b.kz"]
    _, report = _sites(fakeweb, hosts, 2, 0.0, tmp_path, "stalled")
    urls = [f"https://{host}/news/stalled-{n}" for host in hosts for n in range(2)]
    vault = tmp_path / "vault"
    with redis_server(tmp_path) as redis_url:
        redis_pid = redis.StrictRedis.from_url(redis_url).info()["process_id"]
        monkeypatch.setenv("LINKVAULT_TEST_REDIS_PID", str(redis_pid))
        worker = start_worker(redis_url, vault, tmp_path / "worker.log")
        try:
            try:
                _stopped_run(fakeweb, redis_url, report, vault, "redis-stalls", "INT")
            finally:
                os.kill(redis_pid, signal.SIGCONT)
            assert _cited(vault)  # stored; the ack waited in Redis's socket (heard once it runs again, or never)
            again = _fetch(vault, fakeweb, str(report), "--per-host", "1", queue=redis_url)
        finally:
            stop_workers([worker])
        assert again.returncode == 0, again.stderr
        assert not _outstanding(redis_url) and not _waiting(redis_url, vault)
    assert [fakeweb.hits(url) for url in urls] == [1] * len(urls)
    assert sorted(_cited(vault)) == sorted(urls) and not _stored_twice(vault)
    _warcs_hold(vault)

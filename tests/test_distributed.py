"""The distributed mode (issue 17) against a real redis-server and real `linkvault worker` processes: the example
report through three workers gives a single run's report, WARCs `warcio check` accepts and a vault `audit` passes;
a host never gets more than --per-host requests at once from all workers and runs together (counted by the fake
web); a worker killed with SIGKILL mid-run loses nothing and stores nothing twice; `status` counts per report; what
workers finish after the run was interrupted waits in Redis for the next run; Redis going down stops workers and run
with one line; the heartbeat is an option; a re-fetch through a worker writes a revisit record."""

from __future__ import annotations

import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from conftest import EXAMPLE, ROOT
from fakeweb import Response
from fakeweb.filter import NationalFilter
from fakeweb.members import ARTICLE_TITLE, MEMBERS, SECRET, cookies_txt, members_page
from fakeweb.server import html, url_key
from jsonschema import Draft202012Validator
from redis_server import HEARTBEAT, queue_env, redis_server, start_worker, stop_workers
from test_own_side_failures import no_proxy_environment  # noqa: F401 -- a fixture, used by name
from test_vantage import _article

import linkvault
from linkvault.archive.screenshot import chromium
from linkvault.render.records import schema_text

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def queue(server):
    redis.StrictRedis.from_url(server).flushall()
    return server


def _fetch(vault: Path, web, *args: str, queue: str | None = None, wait: bool = True, screenshots: bool = False,
           proxy: str | None = None):
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", *args, "--proxy", proxy or web.proxy_url,
           "--ca-bundle", web.ca_pem_path, "--format", "json", *(["--queue", queue, "--heartbeat", HEARTBEAT] if queue else [])]
    env = queue_env(screenshots)
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def _workers_registered(queue: str, n: int) -> None:
    client = redis.StrictRedis.from_url(queue)
    deadline = time.monotonic() + 60
    while client.zcard("linkvault:workers") < n:
        assert time.monotonic() < deadline, "the workers never came up"
        time.sleep(0.1)


def _comparable(value):
    """A fetch's or report's JSON without what differs between any two runs: when, where (vault, WARC file), and
    the vault's row ids (captures are stored in the order they finish)."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = json.loads(value)
        value.pop("vault", None)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in ("warc", "warc_file", "offset", "capture_id")}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z?", "TIME", value) if isinstance(value, str) else value


def _warcs_hold(vault: Path) -> list[Path]:
    files = sorted((vault / "warc").iterdir())
    assert files and not [f for f in files if f.name.endswith(".open")]
    checks = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=queue_env())
              for cmd in ([str(BIN / "warcio"), "check", *map(str, files)],  # both at once: neither writes
                          [sys.executable, "-m", "linkvault", "--vault", str(vault), "audit"])]
    for check in checks:
        said, _ = check.communicate(timeout=300)
        assert check.returncode == 0, said
    return files


def _cited(vault: Path) -> list[str]:
    with sqlite3.connect(vault / "linkvault.db") as db:
        return [url for (url,) in db.execute("select url from captures where role = 'cited'")]


def test_the_example_report_through_three_workers_is_the_single_runs_report(fakeweb, queue, tmp_path):
    workers = [start_worker(queue, tmp_path / "queued", tmp_path / f"worker{n}.log") for n in range(3)]
    try:  # the workers start while the single run runs (they wait, idle, for the queued one)
        single = _fetch(tmp_path / "single", fakeweb, str(EXAMPLE))
        assert single.returncode == 1, single.stderr  # the example's 15 footnotes with no source
        _workers_registered(queue, 3)
        queued = _fetch(tmp_path / "queued", fakeweb, str(EXAMPLE), queue=queue)
    finally:
        stop_workers(workers)
    assert queued.returncode == 1, queued.stderr
    assert _comparable(queued.stdout) == _comparable(single.stdout)
    files = _warcs_hold(tmp_path / "queued")
    writers = {f.name.split("-")[-2] for f in files}  # linkvault-<time>-<host>-<pid>-NNNNN.warc.gz
    assert {str(w.pid) for w in workers} <= writers  # each worker wrote its own files
    assert sorted(_cited(tmp_path / "queued")) == sorted(_cited(tmp_path / "single"))
    report = [sys.executable, "-m", "linkvault", "report", str(EXAMPLE), "--format", "json"]
    reports = [subprocess.Popen([*report[:3], "--vault", str(tmp_path / name), *report[3:]], stdout=subprocess.PIPE,
                                text=True, env=queue_env()) for name in ("single", "queued")]  # both at once
    single_report, queued_report = (proc.communicate(timeout=300)[0] for proc in reports)
    assert _comparable(queued_report) == _comparable(single_report)


class HostCounter:
    """A route (a news page) that counts how many requests each host has in flight at once."""

    def __init__(self, delay: float):
        self.delay, self.lock = delay, threading.Lock()
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}

    def __call__(self, request) -> Response:
        with self.lock:
            self.now[request.host] = self.now.get(request.host, 0) + 1
            self.most[request.host] = max(self.most.get(request.host, 0), self.now[request.host])
        time.sleep(self.delay)
        with self.lock:
            self.now[request.host] -= 1
        title = f"Court fines activist over post {request.path} ({request.host})"
        paragraphs = "".join(f"<p>The district court of Almaty fined the activist {n * 50} thousand tenge on Tuesday for "
                             f"a post about an unsanctioned rally, case {request.path}, the court's press office "
                             "said; the activist's lawyer said they would appeal the ruling.</p>" for n in range(1, 4))
        body = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                f"{paragraphs}</article></body></html>")
        return Response(200, [("Content-Type", "text/html; charset=utf-8")], body.encode())


def _sites(web, hosts: list[str], per_host: int, delay: float, tmp_path: Path, name: str,
           counter: HostCounter | None = None) -> tuple[HostCounter, Path]:
    """A report citing `per_host` pages on each host, each answered after `delay` seconds by `counter`."""
    counter = counter or HostCounter(delay)
    urls = [f"https://{host}/news/{name}-{n}" for host in hosts for n in range(per_host)]
    web.add_routes({url_key(url): counter for url in urls})  # the soft-404 probes get the fake web's 404
    body = " ".join(f"Claim {n}[{n}]." for n in range(1, len(urls) + 1))
    notes = "\n".join(f"[{n}] {url}" for n, url in enumerate(urls, start=1))
    report = tmp_path / f"{name}.txt"
    report.write_text(f"{body}\n\n{notes}\n", encoding="utf-8")
    return counter, report


def test_two_reports_through_three_workers_never_exceed_per_host_on_any_host(fakeweb, queue, tmp_path):
    hosts = ["politeness-a.kz", "politeness-b.kz", "politeness-c.kz"]
    counter, first = _sites(fakeweb, hosts, 8, 0.2, tmp_path, "first")
    _, second = _sites(fakeweb, hosts, 8, 0.2, tmp_path, "second", counter)  # one counter for both reports
    workers = [start_worker(queue, tmp_path / "vault", tmp_path / f"worker{n}.log") for n in range(3)]
    try:
        _workers_registered(queue, 3)
        runs = [_fetch(tmp_path / vault, fakeweb, str(report), "--per-host", "2", queue=queue, wait=False)
                for vault, report in (("one", first), ("two", second))]
        outs = [run.communicate(timeout=600) for run in runs]
    finally:
        stop_workers(workers)
    assert [run.returncode for run in runs] == [0, 0], [out[-3000:] for out, _ in outs]
    assert set(counter.most) == set(hosts)
    assert max(counter.most.values()) <= 2, counter.most


def test_a_worker_killed_with_sigkill_mid_run_loses_nothing_and_stores_nothing_twice(fakeweb, queue, tsa, tmp_path):
    """Its messages go to the other worker (and its host slots are free) once its heartbeat lapses; its open WARC file
    is recovered, and the run's timestamped manifest covers every record in it (audit finds no capture uncovered)."""
    hosts = [f"killed-{n}.kz" for n in range(8)]
    _, report = _sites(fakeweb, hosts, 5, 0.3, tmp_path, "kill")
    vault = tmp_path / "vault"
    workers = [start_worker(queue, vault, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        _workers_registered(queue, 2)
        run = _fetch(vault, fakeweb, str(report), "--tsa", tsa.url, queue=queue, wait=False)
        deadline = time.monotonic() + 120
        while not (writing := [w for w in workers for f in (vault / "warc").glob(f"*-{w.pid}-*.open")]) \
                or len(fakeweb.requests) < 12:
            assert time.monotonic() < deadline and run.poll() is None, run.stderr.read() if run.stderr else ""
            time.sleep(0.05)
        killed = writing[0]  # a worker with captures in hand: written to its WARC, not yet sent to the run
        killed.send_signal(signal.SIGKILL)
        out, err = run.communicate(timeout=600)
    finally:
        stop_workers(workers)
    assert run.returncode == 0, err
    urls = [f"https://{host}/news/kill-{n}" for host in hosts for n in range(5)]
    assert sorted(_cited(vault)) == sorted(urls)  # each once: none lost, none stored twice
    assert {item["state"] for item in json.loads(out)["reports"][0]["footnotes"]} == {"ok"}, out[:3000]
    files = _warcs_hold(vault)
    assert any(f"-{killed.pid}-" in f.name for f in files)  # the killed worker's open file, recovered
    assert json.loads(out)["summary"]["timestamp"]["stamped"]


def test_a_warc_file_a_live_process_writes_is_not_recovered_under_it(tmp_path):
    """A queued run's workers write into the vault's warc/ while a run starts there: recovery (which cuts and renames
    a killed process's `.open` file) must leave a live writer's file alone, and take it once the writer is gone."""
    from linkvault.archive.warc import WarcRecorder
    from linkvault.archive.warc_recovery import recover_open_files

    recorder = WarcRecorder(str(tmp_path), {"software": "test"}, lambda digest: None, label="host-1")
    recorder.write_metadata("<urn:uuid:1>", {"url": "https://example.org/"})
    [open_file] = [p.name for p in tmp_path.iterdir()]
    assert open_file.endswith(".warc.gz.open") and "-host-1-" in open_file
    assert recover_open_files(str(tmp_path)) == []
    assert [p.name for p in tmp_path.iterdir()] == [open_file]
    recorder._file._fh.close()  # the writer gone (as a killed process's lock goes with it)
    assert recover_open_files(str(tmp_path)) == [str(tmp_path / open_file[:-len(".open")])]


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_screenshots_go_to_the_browser_worker_not_the_fetching_ones(fakeweb, queue, tmp_path):
    """With a `worker --screenshots` up, the run's pages are shot there (its own WARC file), not by the run."""
    _, report = _sites(fakeweb, ["shots-a.kz", "shots-b.kz"], 2, 0.0, tmp_path, "shots")
    vault = tmp_path / "vault"
    fetching = start_worker(queue, vault, tmp_path / "fetching.log")
    browser = start_worker(queue, vault, tmp_path / "browser.log", "--screenshots")
    try:
        _workers_registered(queue, 1)
        client = redis.StrictRedis.from_url(queue)
        while not client.zcard("linkvault:shooters"):
            time.sleep(0.1)
        run = _fetch(vault, fakeweb, str(report), queue=queue, screenshots=True)
    finally:
        stop_workers([fetching, browser])
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["screenshots"] == 4
    with sqlite3.connect(vault / "linkvault.db") as db:
        files = {name for (name,) in db.execute("select warc_file from screenshots")}
    assert files and all(f"-{browser.pid}-" in name for name in files)
    _warcs_hold(vault)


def test_status_counts_each_reports_urls_queued_then_done_and_failed(fakeweb, queue, tmp_path):
    _, report = _sites(fakeweb, ["status-a.kz", "status-b.kz"], 3, 0.0, tmp_path, "status")
    with open(report, "a", encoding="utf-8") as fh:  # nothing listens there: stored, never archived
        fh.write("[7] http://127.0.0.1:9/gone\n")
    vault = tmp_path / "vault"
    run = _fetch(vault, fakeweb, str(report), "--allow-private", "--retries", "0", queue=queue, wait=False)
    status = [sys.executable, "-m", "linkvault", "status", "--queue", queue, "--format", "json"]
    deadline = time.monotonic() + 60
    while not (rows := json.loads(subprocess.check_output(status, env=queue_env()))["reports"]):
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.1)
    [row] = rows
    assert (row["queued"], row["in_flight"], row["done"], row["failed"], row["finished"]) == (7, 0, 0, 0, False)
    assert row["report"].endswith("status.txt")
    worker = start_worker(queue, vault, tmp_path / "worker.log")
    try:
        _, err = run.communicate(timeout=600)
    finally:
        stop_workers([worker])
    assert run.returncode == 1, err  # the refused site is a link not archived
    [row] = json.loads(subprocess.check_output(status, env=queue_env()))["reports"]
    assert (row["queued"], row["in_flight"], row["done"], row["failed"], row["finished"]) == (0, 0, 6, 1, True)
    schema = json.loads(schema_text())
    assert not list(Draft202012Validator(schema).iter_errors(json.loads(subprocess.check_output(status,
                                                                                             env=queue_env()))))
    table = subprocess.check_output(status[:-2], env=queue_env(), text=True)
    assert "finished" in table and "status.txt" in table
    assert max(len(line) for line in table.splitlines()) <= 80


def test_a_queue_that_is_not_redis_or_not_there_is_a_one_line_usage_error(tmp_path, write):
    report = write("r.txt", "Claim[1].\n\n[1] https://example.org/a\n")

    def fetch(queue: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "v"), "fetch", str(report),
                               "--queue", queue], capture_output=True, text=True, env=queue_env(), cwd=ROOT)

    wrong = fetch("amqp://127.0.0.1:5672/")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == ["linkvault: error: --queue 'amqp://127.0.0.1:5672/': give a Redis URL, "
                                                 "such as redis://127.0.0.1:6379/0"]
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        nobody = f"redis://127.0.0.1:{free.getsockname()[1]}/0"
    absent = fetch(nobody)
    assert absent.returncode == 2
    [line] = absent.stderr.strip().splitlines()
    assert line.startswith(f"linkvault: error: --queue '{nobody}': no Redis answers there (")



def test_two_runs_a_worker_serves_in_the_same_second_write_two_files(tmp_path):
    """A worker holds one recorder per run; two started in the same second must not open the same `.open` name."""
    from datetime import datetime, timezone

    from linkvault.archive.warc import IdsAndClock, WarcRecorder

    clock = IdsAndClock(now=lambda: datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc))
    first, second = (WarcRecorder(str(tmp_path), {"software": "test"}, lambda digest: None, clock, label="host-1")
                     for _ in range(2))
    first.write_metadata("<urn:uuid:1>", {"run": 1})
    second.write_metadata("<urn:uuid:2>", {"run": 2})
    first.close()
    second.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkvault-20261130070000-host-1-00000.warc.gz",
                                                          "linkvault-20261130070000-host-1-00001.warc.gz"]


def _wait_for(what: str, ready, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)


def _stored(vault: Path) -> bool:
    try:
        return vault.joinpath("linkvault.db").exists() and bool(_cited(vault))
    except sqlite3.OperationalError:  # being made
        return False


def _outstanding(queue: str) -> int:
    """URLs enqueued for the (one) vault of a test and not stored yet."""
    client = redis.StrictRedis.from_url(queue)
    return sum(client.hlen(key) for key in client.keys("linkvault:vault:*:outstanding"))


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_what_workers_finish_after_the_run_stopped_waits_in_redis_for_the_next_run(fakeweb, queue, tmp_path, stop):
    """A run interrupted (Ctrl-C) or killed after enqueuing: the worker goes on, its rows wait in Redis; the next
    `fetch --queue` of the report stores them and enqueues none of those URLs again: each fetched once, stored
    once, and the vault audits clean."""
    hosts = [f"resumed-{n}.kz" for n in range(3)]
    _, report = _sites(fakeweb, hosts, 6, 0.4, tmp_path, f"resumed-{stop.name}")  # 2.4 s a host, one at a time
    urls = [f"https://{host}/news/resumed-{stop.name}-{n}" for host in hosts for n in range(6)]
    vault = tmp_path / "vault"
    run = _fetch(vault, fakeweb, str(report), "--per-host", "1", queue=queue, wait=False)
    _wait_for("the URLs enqueued", lambda: _outstanding(queue) or run.poll() is not None)
    worker = start_worker(queue, vault, tmp_path / "worker.log", "--exit-when-idle", "1.5")  # idle only once done
    try:
        _wait_for("a first batch stored", lambda: _stored(vault))
        run.send_signal(stop)
        _, err = run.communicate(timeout=60)
        assert run.returncode == (130 if stop == signal.SIGINT else -signal.SIGKILL), err
        stored_by_the_first = len(_cited(vault))
        assert 0 < stored_by_the_first < len(urls)
        assert worker.wait(timeout=120) == 0  # it finished the run's URLs (their rows wait in Redis), then was idle
        assert [fakeweb.hits(url) for url in urls] == [1] * len(urls)
        worker = start_worker(queue, vault, tmp_path / "worker2.log")
        again = _fetch(vault, fakeweb, str(report), "--per-host", "1", queue=queue)
    finally:
        stop_workers([worker])
    assert again.returncode == 0, again.stderr
    assert [fakeweb.hits(url) for url in urls] == [1] * len(urls)  # nothing fetched again
    assert sorted(_cited(vault)) == sorted(urls)  # each stored once
    assert {item["state"] for item in json.loads(again.stdout)["reports"][0]["footnotes"]} == {"ok"}
    assert not _outstanding(queue)
    _warcs_hold(vault)


def test_redis_going_down_mid_run_stops_worker_and_run_with_one_line_naming_the_queue(fakeweb, tmp_path):
    """Not idle forever: both wait for Redis a heartbeat (--heartbeat 2), then exit 2 saying which queue went."""
    hosts = [f"outage-{n}.kz" for n in range(3)]
    _, report = _sites(fakeweb, hosts, 6, 0.5, tmp_path, "outage")
    urls = [f"https://{host}/news/outage-{n}" for host in hosts for n in range(6)]
    vault, log = tmp_path / "vault", tmp_path / "worker.log"
    with redis_server(tmp_path) as queue:
        worker = start_worker(queue, vault, log)
        try:
            run = _fetch(vault, fakeweb, str(report), "--per-host", "1", queue=queue, wait=False)
            _wait_for("a request", lambda: any(fakeweb.hits(url) for url in urls))
            redis.StrictRedis.from_url(queue).shutdown()
            _, err = run.communicate(timeout=120)
            assert worker.wait(timeout=120) == 2
        finally:
            stop_workers([worker])
    line = f"linkvault: error: --queue '{queue}': Redis stopped answering and did not come back within the heartbeat"
    assert run.returncode == 2, err
    [said] = err.strip().splitlines()
    assert said.startswith(line), said
    [said] = log.read_text().strip().splitlines()
    assert said.startswith(line), said
    assert not list((vault / "warc").glob("*.open"))  # the worker closed its WARC file


@pytest.mark.parametrize("how", ["option", "env"])
def test_the_heartbeat_is_a_command_option_and_the_environment_its_fallback(queue, tmp_path, how):
    """`worker --heartbeat 7` (or LINKVAULT_QUEUE_HEARTBEAT=7 alone): its shard leases live 7 s, not the test's 2."""
    env = {**queue_env(), "LINKVAULT_QUEUE_HEARTBEAT": "2" if how == "option" else "7"}
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "vault"), "worker", "--queue", queue,
           *(["--heartbeat", "7"] if how == "option" else [])]
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    client = redis.StrictRedis.from_url(queue)
    try:
        _wait_for("a shard leased", lambda: client.keys("linkvault:shard:*") or worker.poll() is not None, 60)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        ttls = [client.pttl(key) for key in client.keys("linkvault:shard:*")]
    finally:
        stop_workers([worker])
    assert ttls and all(2000 < ttl <= 7000 for ttl in ttls), ttls


def test_a_refetch_through_workers_writes_a_revisit_of_the_identical_payload(fakeweb, queue, tmp_path):
    """As a single run does: the vault's digests travel with the URLs, and the worker's WARC holds a revisit."""
    _, report = _sites(fakeweb, ["revisit-a.kz", "revisit-b.kz"], 1, 0.0, tmp_path, "revisit")
    vault = tmp_path / "vault"
    worker = start_worker(queue, vault, tmp_path / "worker.log")
    try:
        first = _fetch(vault, fakeweb, str(report), queue=queue)
        again = _fetch(vault, fakeweb, str(report), "--refresh", queue=queue)
    finally:
        stop_workers([worker])
    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    with sqlite3.connect(vault / "linkvault.db") as db:
        rows = db.execute("select url, revisit_of, payload_digest from captures where role = 'cited' order by id").fetchall()
    urls = sorted({url for url, _, _ in rows})
    assert len(rows) == 4 and [revisit for _, revisit, _ in rows[:2]] == [None, None]
    assert sorted(str(revisit) for _, revisit, _ in rows[2:]) == urls  # each a revisit of its own first capture
    from warcio.archiveiterator import ArchiveIterator

    revisits = []
    for path in _warcs_hold(vault):
        with open(path, "rb") as fh:
            revisits += [r.rec_headers.get_header("WARC-Refers-To-Target-URI") for r in ArchiveIterator(fh)
                         if r.rec_type == "revisit"]
    assert sorted(revisits) == urls


def _redis_holds(queue: str, secret: str) -> list[str]:
    """Every key of the queue's Redis whose name or value holds `secret`."""
    client = redis.StrictRedis.from_url(queue)
    read = {"string": client.get, "hash": client.hgetall, "list": lambda key: client.lrange(key, 0, -1),
            "set": client.smembers, "zset": lambda key: client.zrange(key, 0, -1)}
    return [key.decode() for key in client.keys("*")
            if secret.encode() in key + repr(read[client.type(key).decode()](key)).encode()]


@pytest.mark.usefixtures("no_proxy_environment")
def test_a_session_and_vantage_points_reach_the_workers_and_no_cookie_value_stays_in_redis(fakeweb, queue, tmp_path):
    """`fetch --queue --cookies … --vantage …`: the workers fetch as the account (its cookie to its site alone) and
    look again from the other vantage point through the run's plan in Redis, gone when the run ends; the cookie's
    value is in no Redis key or value then, and in no worker's output."""
    fakeweb.route_url(MEMBERS, members_page)
    blocked = "http://opposition-paper.invalid/articles/881"
    fakeweb.route_url(blocked, html(_article("The land code hearings", "Deputies postponed the hearings again.")))
    report = tmp_path / "r.txt"
    report.write_text(f"The court refused[1], deputies postponed[2].\n\n[1] {MEMBERS}\n[2] {blocked}\n", encoding="utf-8")
    vault, log = tmp_path / "vault", tmp_path / "worker.log"
    worker = start_worker(queue, vault, log)
    try:
        with NationalFilter(fakeweb, {"opposition-paper.invalid": "451"}) as home:
            run = _fetch(vault, fakeweb, str(report), "--cookies", cookies_txt(tmp_path), "--as", "KIBHR research",
                         "--vantage", f"abroad={fakeweb.proxy_url}", "--retries", "0", queue=queue, proxy=home.url)
    finally:
        stop_workers([worker])
    assert run.returncode == 0, run.stderr
    [members, geo] = json.loads(run.stdout)["reports"][0]["footnotes"]
    assert members["title"].startswith(ARTICLE_TITLE)  # the article, not the login form
    assert all((f"xs={SECRET}" in (r.header("Cookie") or "")) == (r.host == "members.vlast.kz")
               for r in fakeweb.requests if r.host in ("members.vlast.kz", "opposition-paper.invalid"))
    rows = {row.url: row for row in linkvault.review(report, vault, rules=linkvault.HistoryRules(dead_after=1)).rows}
    assert (rows[blocked].state, rows[blocked].vantage) == ("geo-blocked", "abroad")
    with sqlite3.connect(vault / "linkvault.db") as db:
        assert db.execute("select account from captures where url = ? and role = 'cited'", [MEMBERS]).fetchone()[0]
    assert _redis_holds(queue, SECRET) == [] and SECRET not in log.read_text()
    _warcs_hold(vault)


def test_a_dead_workers_unacked_message_goes_back_within_a_heartbeat_not_by_chance(queue):
    """Dramatiq looks for dead workers' messages on a chance of its dispatches (set to none here); each linkvault
    process also looks once every half heartbeat, so a killed worker's pages do not wait on luck for another."""
    from dramatiq import Message

    from linkvault.archive.distributed.broker import connect

    dead, alive = connect(queue, heartbeat=0.5), connect(queue, heartbeat=0.5)
    dead.maintenance_chance = alive.maintenance_chance = 0
    dead.declare_queue("linkvault.looks")
    sent = dead.enqueue(Message(queue_name="linkvault.looks", actor_name="linkvault.capture", args=("page",),
                                kwargs={}, options={}))
    held = dead.consume("linkvault.looks", prefetch=1, timeout=100)  # taken, never acked: then its worker is gone
    deadline = time.monotonic() + 10
    while (taken := next(held)) is None:
        assert time.monotonic() < deadline
    assert taken.message_id == sent.message_id
    consumer = alive.consume("linkvault.looks", prefetch=1, timeout=100)
    try:
        deadline = time.monotonic() + 20  # the dead one's heartbeat lapses after 0.5 s; a look follows within 0.25 s
        while (again := next(consumer)) is None:
            assert time.monotonic() < deadline, "the dead worker's message never went back"
        assert again.message_id == sent.message_id
    finally:
        consumer.close()


def _over_the_wire(value: object) -> object:
    """What a message carries of `value`, as Redis holds it and a reader gets it back: JSON text."""
    from linkvault.archive.distributed.wire import encode

    return json.loads(json.dumps(encode(value), ensure_ascii=False))


def test_the_example_runs_captures_and_calls_cross_the_wire_as_json_and_read_back_equal(fakeweb, tmp_path):
    """Every capture and vault call a worker makes of the example report (real fetches through the fake web, judged
    as a worker judges them) goes on the queue as JSON and reads back to equal records: no pickle needed."""
    import asyncio

    from linkvault._version import __version__
    from linkvault.archive.distributed.vault_ops import CaptureTable, VaultOps, ops_from_wire, ops_to_wire
    from linkvault.archive.distributed.wire import decode
    from linkvault.archive.fetcher import Fetcher, FetchOptions
    from linkvault.archive.judging import capture_and_judge
    from linkvault.archive.probes import Probes
    from linkvault.archive.warc import WarcRecorder
    from linkvault.model import Capture
    from linkvault.parsing import parse_report

    urls = sorted({url for note in parse_report(EXAMPLE).footnotes for url in note.urls})
    ops = VaultOps()

    async def capture_all() -> list[Capture]:
        options = FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, retries=0, timeout=5.0)
        recorder = WarcRecorder(str(tmp_path), {"software": "linkvault/test"}, lambda digest: None, label="host-1")
        client = Fetcher(options, recorder, __version__)
        try:
            return await asyncio.gather(*(capture_and_judge(client, ops, Probes(client, ops), url, None)  # type: ignore[arg-type]
                                          for url in urls))
        finally:
            await client.aclose()
            recorder.close()

    captures = asyncio.run(capture_all())
    assert {c.state.state for c in captures if c.state} == {"ok"} and len(captures) == len(urls)
    assert any(c.connection and c.connection.chain_pem for c in captures) and any(c.hops for c in captures)
    ops.add_screenshot({"record_id": "<urn:uuid:5c1b>", "response_id": "<urn:uuid:9e2a>", "url": urls[0],
                        "taken_at": "2026-11-30T12:00:00Z", "warc_file": "linkvault-x-host-1-00000.warc.gz",
                        "warc_offset": 1024, "warc_length": 20480, "sha256": "ab" * 32, "width": 1280, "height": 4096,
                        "size": 19876})
    table = CaptureTable()
    sent = ops_to_wire(ops.ops, table)
    read = [decode(Capture, item) for item in _over_the_wire(table.captures)]  # type: ignore[union-attr]
    assert read == table.captures and len(read) >= len(urls)
    assert [c.body_head for c in read] == [c.body_head for c in table.captures]
    calls = ops_from_wire(_over_the_wire(sent), read, "ops")
    assert [(name, args, kwargs) for name, args, kwargs in calls] == ops.ops
    assert {name for name, _, _ in calls} == {"add_url", "store_capture", "log_event", "add_screenshot"}
    assert any(kwargs.get("text") for name, _, kwargs in calls if name == "store_capture")


def test_the_runs_plan_is_json_in_redis_and_reads_back_as_the_session_and_vantage_points(queue, tmp_path):
    from linkvault.archive.cookies import load_session
    from linkvault.archive.distributed.broker import connect
    from linkvault.archive.distributed.plan import keep_plan, with_plan
    from linkvault.archive.fetcher import FetchOptions
    from linkvault.archive.vantage import parse

    options = FetchOptions(session=load_session(cookies_txt(tmp_path), "KIBHR research"),
                           vantage=parse(["abroad=http://user:pw@127.0.0.1:3128"], "almaty"))
    broker = connect(queue)
    assert keep_plan(broker, "run-1", options)
    [key] = redis.StrictRedis.from_url(queue).keys("linkvault:plan:*")
    assert json.loads(redis.StrictRedis.from_url(queue).get(key))["kind"] == "plan"
    planned = with_plan(broker, "run-1", FetchOptions())
    assert planned is not None and (planned.session, planned.vantage) == (options.session, options.vantage)


class _Planted:
    """A pickle that makes a directory when it is loaded: proof that something unpickled what Redis held."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return os.mkdir, (self.marker,)


def _plant(client: redis.StrictRedis, queue_name: str, data: bytes) -> None:
    """A message as anyone who can write to the Redis can put one on a Dramatiq queue."""
    import uuid

    redis_id = str(uuid.uuid4())
    client.hset(f"linkvault:{queue_name}.msgs", redis_id, data)
    client.rpush(f"linkvault:{queue_name}", redis_id)


def _dramatiq_message(queue_name: str, actor: str, *args: object) -> bytes:
    import uuid

    return json.dumps({"queue_name": queue_name, "actor_name": actor, "args": list(args), "kwargs": {},
                       "options": {}, "message_id": str(uuid.uuid4()), "message_timestamp": 0}).encode()


def test_messages_that_are_not_linkvaults_are_refused_in_one_line_never_run_and_the_run_goes_on(fakeweb, queue,
                                                                                               tmp_path):
    """Garbage, a pickle, the old pickled rows and another version's message, planted on the vault's queue and on
    every shard: the run and its worker each say one line per message naming the queue, load none of them (no
    pickle makes its directory), and the run stores every one of its own URLs."""
    import base64
    import pickle
    import zlib

    from linkvault.archive.distributed.broker import SHARDS, shard_queue

    _, report = _sites(fakeweb, ["wire-a.kz", "wire-b.kz"], 2, 0.0, tmp_path, "wire")
    vault, marker = tmp_path / "vault", tmp_path / "unpickled"
    vault.mkdir()
    (vault / ".queue-id").write_text("5d1f0c9e8b7a4f3e9d2c1b0a99887766\n")
    into = "linkvault.vault.5d1f0c9e8b7a4f3e9d2c1b0a99887766"
    client = redis.StrictRedis.from_url(queue)
    old_rows = base64.b64encode(zlib.compress(pickle.dumps(([(None, None, [])], [_Planted(marker)])))).decode()
    for name, actor in [(into, "linkvault.store"), *((shard_queue(n), "linkvault.capture") for n in range(SHARDS))]:
        _plant(client, name, b"\x80\x04 not a message at all \xff")
        _plant(client, name, pickle.dumps(_Planted(marker)))
        _plant(client, name, _dramatiq_message(name, actor, "run-x", old_rows))
        _plant(client, name, _dramatiq_message(name, actor, {"v": 99, "kind": "store"}))
    log = tmp_path / "worker.log"
    worker = start_worker(queue, vault, log)
    try:
        run = _fetch(vault, fakeweb, str(report), queue=queue)
    finally:
        stop_workers([worker])
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    assert sorted(_cited(vault)) == sorted(f"https://{h}/news/wire-{n}" for h in ("wire-a.kz", "wire-b.kz")
                                           for n in range(2))
    said = [line for line in run.stderr.splitlines() if "refused a message" in line]
    assert len(said) == 4 and all(f"--queue '{queue}': refused a message on {into} " in line for line in said), said
    assert any("not a Dramatiq JSON message" in line for line in said)
    assert any("version 99" in line for line in said)
    refused = [line for line in log.read_text().splitlines() if "refused a message on linkvault.shard." in line]
    assert len(refused) == 4 * SHARDS and all(line.startswith("linkvault: error: --queue ") for line in refused)
    assert client.zcard(f"linkvault:{into}.XQ") == 4  # kept aside in the dead letters, never run
    _warcs_hold(vault)


def test_dramatiqs_own_messages_in_redis_are_json_and_carry_no_pickle(fakeweb, queue, tmp_path):
    """What a run enqueues, as Redis holds it: Dramatiq's JSON, its payload linkvault's JSON, no pickle inside."""
    _, report = _sites(fakeweb, ["json-a.kz"], 1, 0.0, tmp_path, "json")
    run = _fetch(tmp_path / "vault", fakeweb, str(report), queue=queue, wait=False)
    client = redis.StrictRedis.from_url(queue)
    try:
        _wait_for("a URL enqueued", lambda: any(client.hlen(k) for k in client.keys("linkvault:linkvault.shard.*.msgs")))
    finally:
        run.kill()
        run.communicate()
    [held] = [body for key in client.keys("linkvault:linkvault.shard.*.msgs") for body in client.hvals(key)]
    message = json.loads(held)
    [sent] = message["args"]
    assert (sent["v"], sent["kind"], sent["url"]) == (1, "capture", "https://json-a.kz/news/json-0")
    assert b"\x80" not in held and "gASV" not in held.decode()  # no pickle, raw or base64


def _refreshing(request) -> Response:
    """The members' page, which sets the session's own cookie again."""
    answer = members_page(request)
    return Response(answer.status, [*answer.headers, ("Set-Cookie", "xs=refreshed-value; Path=/; Secure")], answer.body)


@pytest.mark.usefixtures("no_proxy_environment")
def test_a_queued_runs_closing_notes_are_a_single_runs_the_workers_send_them_back(fakeweb, queue, tmp_path):
    """A vantage point that could not look and a site that set the session's cookie again: a single run says both
    once it has fetched; the workers see them, so they send them back, and the queued run says the same lines."""
    from test_own_side_failures import _closed_port

    fakeweb.route_url(MEMBERS, _refreshing)
    gone = "https://notes-gone.kz/news/2024/04/court-ruling"
    fakeweb.route_url(gone, html("<html><body><h1>Page not found</h1></body></html>", status=404))
    report = tmp_path / "r.txt"
    report.write_text(f"The court refused[1], the ruling was removed[2].\n\n[1] {MEMBERS}\n[2] {gone}\n", encoding="utf-8")
    port = _closed_port()
    args = (str(report), "--cookies", cookies_txt(tmp_path), "--vantage", f"elsewhere=http://127.0.0.1:{port}",
            "--retries", "0")
    worker = start_worker(queue, tmp_path / "queued", tmp_path / "worker.log")  # starting while the single run runs
    try:
        single = _fetch(tmp_path / "single", fakeweb, *args)
        queued = _fetch(tmp_path / "queued", fakeweb, *args, queue=queue)
    finally:
        stop_workers([worker])
    assert (single.returncode, queued.returncode) == (1, 1), single.stderr + queued.stderr

    def notes(err: str) -> list[str]:
        return [line for line in err.splitlines() if line.startswith("linkvault: note:")]

    said = notes(single.stderr)
    assert any(f"the vantage point elsewhere could not look (the proxy http://127.0.0.1:{port}" in n for n in said)
    assert any("sites set the session's own cookies again (xs (members.vlast.kz))" in n for n in said)
    assert notes(queued.stderr) == said
    assert _comparable(queued.stdout) == _comparable(single.stdout)


def test_a_dead_workers_host_slots_are_free_once_its_heartbeat_lapses_and_live_workers_never_exceed_the_limit(queue):
    """Per-host slots are held by the worker that took them: while both live, two workers share --per-host (2)
    and a third request waits; once one stops heartbeating (killed), its slots are free at once, not after the
    host has been quiet for --timeout + 5 s, and the live one still never holds more than the limit."""
    from linkvault.archive.distributed.broker import connect
    from linkvault.archive.distributed.limits import HostSlots

    killed, alive = connect(queue, heartbeat=1.0), connect(queue, heartbeat=1.0)
    for broker in (killed, alive):
        broker.do_ack("linkvault.shard.00", "heartbeat")  # each is heard from, as a worker's heartbeat does
    mine, theirs = HostSlots(killed), HostSlots(alive)
    host = "politeness-a.kz:https"
    assert mine.take(host, 2) and (given := theirs.take(host, 2))
    assert not theirs.take(host, 2) and not mine.take(host, 2)  # both live: the limit is theirs together
    theirs.give(host, given)
    assert mine.take(host, 2) and not theirs.take(host, 2)  # a slot given back is anyone's; still two at most
    deadline = time.monotonic() + 20
    while not theirs.take(host, 2):  # `killed` is silent from now on: its heartbeat lapses after 1 s
        alive.do_ack("linkvault.shard.00", "heartbeat")
        assert time.monotonic() < deadline, "the dead worker's slots were never freed"
        time.sleep(0.05)
    assert theirs.take(host, 2) and not theirs.take(host, 2)  # both its slots freed, and no more than the limit
    assert _slots_of(queue, host) == [alive.broker_id] * 2


def _slots_of(queue: str, host: str) -> list[str]:
    """The workers holding a slot of `host`, one entry a slot."""
    return sorted(slot.decode().split()[0] for slot in redis.StrictRedis.from_url(queue).hkeys(f"linkvault:slots:{host}"))


def test_a_worker_paused_past_its_heartbeat_gives_back_its_old_slots_never_one_taken_since(queue):
    """A worker paused (SIGSTOP) with a request in flight is taken for dead once its heartbeat lapses, and its slot
    given to a live one. Back, it takes a slot again before its next heartbeat, then its old request ends and gives
    its slot back: the new slot stays counted (the take was heard as a heartbeat; the old slot, gone already, is what
    is given back), so the live worker still cannot take a slot past --per-host (2)."""
    from linkvault.archive.distributed.broker import connect
    from linkvault.archive.distributed.limits import HostSlots

    paused, alive = connect(queue, heartbeat=1.0), connect(queue, heartbeat=1.0)
    for broker in (paused, alive):
        broker.do_ack("linkvault.shard.00", "heartbeat")
    theirs, mine = HostSlots(paused), HostSlots(alive)
    host = "politeness-p.kz:https"
    old = theirs.take(host, 2)  # in flight as the worker is paused
    assert old and mine.take(host, 2) and not mine.take(host, 2)
    deadline = time.monotonic() + 20
    while not (second := mine.take(host, 2)):  # `paused` is silent: its slot let go once its heartbeat lapses
        alive.do_ack("linkvault.shard.00", "heartbeat")
        assert time.monotonic() < deadline, "the paused worker's slot was never let go"
        time.sleep(0.05)
    mine.give(host, second)
    assert theirs.take(host, 2)  # back, a new request (before its next heartbeat): the second of the two slots
    theirs.give(host, old)  # the old request ends
    assert not mine.take(host, 2)  # two in flight (one each): no third
    assert _slots_of(queue, host) == sorted([alive.broker_id, paused.broker_id])


@pytest.mark.usefixtures("no_proxy_environment")
def test_an_interrupted_runs_closing_notes_drained_by_the_next_run_are_not_the_next_runs(fakeweb, queue, tmp_path):
    """A run with a session and a vantage point is interrupted once its URLs are enqueued; a worker then fetches
    them, seeing the vantage point down and the session's cookie set again, and its message waits on the vault's queue.
    The next run into the vault, of another report, with neither, stores that message before it plans (the URL is
    archived), but says none of the interrupted run's notes: they were never this run's."""
    from test_own_side_failures import _closed_port

    fakeweb.route_url(MEMBERS, _refreshing)
    gone = "https://notes-gone.kz/news/2024/04/court-ruling"  # looked at from the vantage point too
    fakeweb.route_url(gone, html("<html><body><h1>Page not found</h1></body></html>", status=404))
    first = tmp_path / "first.txt"
    first.write_text(f"The court refused[1], the ruling was removed[2].\n\n[1] {MEMBERS}\n[2] {gone}\n",
                     encoding="utf-8")
    _, second = _sites(fakeweb, ["notes-next.kz"], 1, 0.0, tmp_path, "second")
    vault = tmp_path / "vault"
    interrupted = _fetch(vault, fakeweb, str(first), "--cookies", cookies_txt(tmp_path), "--vantage",
                         f"elsewhere=http://127.0.0.1:{_closed_port()}", "--retries", "0", queue=queue, wait=False)
    try:  # no worker is up yet: the run waits with its URLs enqueued
        _wait_for("the URLs enqueued", lambda: _outstanding(queue) == 2 or interrupted.poll() is not None)
    finally:
        interrupted.send_signal(signal.SIGINT)
        _, err = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130, err
    worker = start_worker(queue, vault, tmp_path / "worker.log", "--exit-when-idle", "1.5")
    try:
        assert worker.wait(timeout=120) == 0  # it fetched the interrupted run's URLs; its message waits in Redis
        worker = start_worker(queue, vault, tmp_path / "worker2.log")
        after = _fetch(vault, fakeweb, str(second), queue=queue)
    finally:
        stop_workers([worker])
    assert after.returncode == 0, after.stderr
    assert sorted(_cited(vault)) == sorted([MEMBERS, gone, "https://notes-next.kz/news/second-0"])  # drained ones too
    assert fakeweb.hits(MEMBERS) and not _outstanding(queue)
    said = [line for line in after.stderr.splitlines() if line.startswith("linkvault: note:")]
    assert not [line for line in said if "vantage point" in line or "cookies again" in line], said

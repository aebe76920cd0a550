"""A failure of this machine or of the vault's files is one line naming the file, exit 2: never
"internal error … please report it". Real failures: a database of garbage, a vault on a full tmpfs,
a vault on a read-only bind mount, a process out of address space."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap

import pytest

from linkvault.cli import cli

ARTICLE = "https://kaztag.kz/ru/news/sud-oshtrafoval"
PAGE = ("<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>Суд оштрафовал активиста</title></head>"
        "<body><article><h1>Суд оштрафовал активиста</h1>"
        + "<p>Специализированный административный суд Алматы оштрафовал активиста за участие в митинге.</p>" * 40
        + "</article></body></html>")


def _report(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(f"Активиста оштрафовали за митинг[1].\n\n[1] {ARTICLE}\n", encoding="utf-8")
    return path


def _one_line(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkvault: error: "), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


def _fetch(runner, fakeweb, vault, path):
    return runner.invoke(cli, ["--vault", str(vault), "fetch", str(path), "--proxy", fakeweb.proxy_url,
                               "--ca-bundle", fakeweb.ca_pem_path, "--no-timestamp", "--no-screenshots", "--refresh"])


@contextlib.contextmanager
def _mounted(target, *mount_args):
    """`mount …` onto `target` for the test's length, or a skip saying why it could not be."""
    target.mkdir(exist_ok=True)
    try:
        done = subprocess.run(["mount", *mount_args, str(target)], capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount(8) on this machine")
    if done.returncode != 0:
        pytest.skip(f"cannot mount here (not root, or no CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.mark.parametrize("command", [["report", "{path}"], ["show", "{path}", "1"], ["search", "митинг"], ["audit"],
                                     ["fetch", "{path}", "--no-timestamp", "--no-screenshots"]])
def test_a_vault_database_of_garbage_is_one_line_naming_it(tmp_path, runner, command):
    path = _report(tmp_path)
    vault = tmp_path / "vault"
    vault.mkdir()
    # what a sync tool or a careless copy leaves: an HTML error page saved under the database's name
    (vault / "linkvault.db").write_bytes(b"<html><body>502 Bad Gateway</body></html>\n" + os.urandom(4096))
    result = runner.invoke(cli, ["--vault", str(vault), *(a.format(path=path) for a in command)])
    _one_line(result, f"{vault / 'linkvault.db'}: not a linkvault database", "file is not a database")


def test_a_full_disk_is_one_line_saying_so(tmp_path, fakeweb, runner):
    """A vault on a 1 MiB tmpfs, filled to the last block after its database was made: the next fetch's
    writes (WARC or database, whichever comes first) fail with ENOSPC as on a full disk."""
    path = _report(tmp_path)
    with fakeweb.isolated(), _mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=1m", "tmpfs") as disk:
        fakeweb.route_url(ARTICLE, __import__("fakeweb").html(PAGE))
        vault = disk / "vault"
        assert _fetch(runner, fakeweb, vault, path).exit_code == 0
        with open(disk / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 4096)
        result = _fetch(runner, fakeweb, vault, path)
    _one_line(result, "no space left on the device")


def test_a_vault_on_a_read_only_file_system_is_one_line_saying_so(tmp_path, fakeweb, runner):
    path = _report(tmp_path)
    vault = tmp_path / "vault"
    with fakeweb.isolated():
        fakeweb.route_url(ARTICLE, __import__("fakeweb").html(PAGE))
        assert _fetch(runner, fakeweb, vault, path).exit_code == 0
        with _mounted(tmp_path / "ro", "--bind", "-o", "ro", str(vault)) as readonly:
            result = _fetch(runner, fakeweb, readonly, path)
    _one_line(result, "read-only")


def test_running_out_of_memory_is_one_line_saying_so(tmp_path):
    """`check` in a process whose address space is capped a little above what it holds after start-up
    (RLIMIT_AS): reading a 4 MB report then fails with MemoryError, as on a machine out of memory."""
    path = tmp_path / "r.txt"
    line = "Активиста оштрафовали за участие в митинге у здания акимата[1]. "
    path.write_text(line * (4_000_000 // len(line.encode())) + "\n\n[1] https://kaztag.kz/ru/news/x\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import resource, sys
        from linkvault.cli import cli
        with open("/proc/self/status") as status:
            size = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (size + 16 * 2**20, resource.RLIM_INFINITY))
        cli(["check", {str(path)!r}], prog_name="linkvault")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LINKVAULT_DEBUG": ""})
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "out of memory" in done.stderr, done.stderr

"""Reading never writes: every verb that reads a vault works on one nobody may write (an evidence copy on a
write-protected disk) and changes no byte of it, and a vault of an older linkvault is named, not migrated, by a read.
Only a verb that writes (fetch, and pack's and audit's custody logging where they may) upgrades a vault, under its lock."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fakeweb import Response

from linkvault.cli import cli
from linkvault.vault import SCHEMA_VERSION

NOBODY = 65534
URLS = ["https://vlast.kz/politika/zakon-o-vyborah.html", "https://vlast.kz/politika/zasedanie-mazhilisa.html"]
pytest_as_nobody = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                      reason="needs root and setpriv to run a verb as nobody")


def _as_reader(*args: str, cwd, code: str | None = None) -> subprocess.CompletedProcess:
    """linkvault (or the Python `code`) run by a user whom the vault's file modes bind: the unprivileged `nobody`
    when the tests run as root (whom no mode stops), else the tests' own user."""
    as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "linkvault", *args]
    return subprocess.run([*as_nobody, *command], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "HOME": str(cwd)})


def _fetched_vault(place: Path, fakeweb, runner) -> Path:
    """A vault `linkvault fetch` made in `place` of a two-footnote report (r.txt) of two pages of the fake web."""
    for k, url in enumerate(URLS):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Закон {k}</title></head><body><p>Мажилис принял закон "
                                        f"о выборах в чтении {k}.</p></body></html>".encode()))
    report = place / "r.txt"  # where it was fetched from: the vault names reports by their path
    report.write_text("Закон принят[1], заседание прошло[2].\n\n" + "".join(f"[{k}] {u}\n" for k, u in enumerate(URLS, 1)),
                      encoding="utf-8")
    vault = place / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path])
    assert fetched.exit_code == 0, fetched.output
    return vault


@pytest.fixture
def place():
    """A directory outside pytest's tmp_path (which only its owner may enter) that `nobody` can read."""
    made = Path(tempfile.mkdtemp(prefix="linkvault-ro-"))
    os.chmod(made, 0o755)
    yield made
    for root, dirs, _ in os.walk(made):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    shutil.rmtree(made)


def _writable_dir(path: Path) -> Path:
    """A directory the reader may write in (a pack is written there)."""
    path.mkdir()
    os.chmod(path, 0o777)
    return path


def _write_protect(tree: Path) -> None:
    """chmod -R a-w: files and directories alike."""
    for root, dirs, files in os.walk(tree):
        for name in files + dirs:
            path = os.path.join(root, name)
            os.chmod(path, stat.S_IMODE(os.stat(path).st_mode) & ~0o222)
    os.chmod(tree, stat.S_IMODE(os.stat(tree).st_mode) & ~0o222)


def _snapshot(tree: Path) -> dict[str, tuple]:
    """Every file's bytes (by SHA-256), size, mode and mtime, and every directory's listing, mode and mtime."""
    seen = {}
    for root, dirs, files in os.walk(tree):
        info = os.stat(root)
        seen[os.path.relpath(root, tree)] = ("dir", sorted(dirs + files), stat.S_IMODE(info.st_mode), info.st_mtime_ns)
        for name in files:
            path = os.path.join(root, name)
            info = os.stat(path)
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            seen[os.path.relpath(path, tree)] = ("file", digest, info.st_size, stat.S_IMODE(info.st_mode),
                                                 info.st_mtime_ns)
    return seen


def _files(tree: Path) -> dict[str, tuple]:
    """`_snapshot`'s files but SQLite's own -wal and -shm: reading a writable vault in WAL mode, SQLite makes
    them to share its index with any writer (and leaves them for the next writer), writing nothing else."""
    return {name: seen for name, seen in _snapshot(tree).items()
            if seen[0] == "file" and not name.endswith(("-wal", "-shm"))}


def test_every_read_verb_works_on_a_write_protected_vault_and_changes_no_byte_of_it(place, fakeweb, runner):
    vault = _fetched_vault(place, fakeweb, runner)
    out = _writable_dir(place / "out")  # the pack goes outside the vault
    _write_protect(vault)
    before = _snapshot(vault)

    report = _as_reader("--vault", str(vault), "report", "r.txt", cwd=place)
    assert report.returncode == 0 and "Закон 0" in report.stdout, report.stderr
    verify = _as_reader("--vault", str(vault), "verify", "r.txt", cwd=place)
    assert verify.returncode in (0, 1) and "Traceback" not in verify.stderr, verify.stderr
    show = _as_reader("--vault", str(vault), "show", "r.txt", "2", "--text", cwd=place)
    assert show.returncode == 0 and "zasedanie-mazhilisa" in show.stdout and "чтении 1" in show.stdout, show.stderr
    search = _as_reader("--vault", str(vault), "search", "выборах", cwd=place)
    assert search.returncode == 0 and "zakon-o-vyborah" in search.stdout, search.stderr
    audit = _as_reader("--vault", str(vault), "audit", cwd=place)
    assert audit.returncode == 0 and "everything holds" in audit.stdout, audit.stderr
    assert audit.stderr == (f"linkvault: note: {vault}: the vault is read-only, so this audit is not logged in its "
                            "custody chain\n")
    pack = _as_reader("--vault", str(vault), "pack", "r.txt", "-o", str(out / "r.wacz"), "--no-timestamp", cwd=place)
    assert pack.returncode == 0 and pack.stdout.startswith(f"wrote {out / 'r.wacz'}: 2 WARC files, 2 pages"), pack.stderr
    assert pack.stderr == (f"linkvault: note: {vault}: the vault is read-only, so this pack is not logged in its "
                           "custody chain\n")
    assert "Traceback" not in report.stderr + show.stderr + search.stderr

    after = _snapshot(vault)
    assert sorted(set(after) - set(before)) == []  # no -wal, -shm or -journal file made, nor any other
    assert after == before
    packed = _as_reader("audit", str(out / "r.wacz"), cwd=place)  # and what it packed is a whole pack
    assert packed.returncode == 0 and "everything holds" in packed.stdout, packed.stdout + packed.stderr


def test_pack_and_audit_of_a_write_protected_vault_say_on_their_result_that_they_were_not_logged(place, fakeweb, runner):
    vault = _fetched_vault(place, fakeweb, runner)
    out = _writable_dir(place / "out")
    _write_protect(vault)
    code = ("import sys, linkvault\n"
            "packed = linkvault.pack('r.txt', sys.argv[2], vault=sys.argv[1])\n"
            "audited = linkvault.audit(sys.argv[1])\n"
            "print(packed.not_logged, audited.not_logged, audited.holds, sep='|')\n")
    result = _as_reader(str(vault), str(out / "r.wacz"), cwd=place, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "the vault is read-only|the vault is read-only|True\n"


def test_pack_and_audit_of_a_writable_vault_log_custody_and_say_nothing_of_it(tmp_path, fakeweb, runner):
    vault = _fetched_vault(tmp_path, fakeweb, runner)
    packed = runner.invoke(cli, ["--vault", str(vault), "pack", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.wacz"),
                                 "--no-timestamp"])
    assert packed.exit_code == 0 and "not logged" not in packed.output, packed.output
    audited = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audited.exit_code == 0 and "not logged" not in audited.output, audited.output
    events = [r[0] for r in sqlite3.connect(vault / "linkvault.db").execute("select event from custody order by id")]
    assert events[-2:] == ["packed", "re-checked"]


def _rewind_schema(vault: Path, version: int) -> None:
    """The vault as a linkvault of schema `version` left it, as far as any version check can tell."""
    with sqlite3.connect(vault / "linkvault.db") as conn:
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_a_read_verb_on_an_older_vault_names_its_schema_and_the_fix_and_writes_nothing(tmp_path, fakeweb, runner):
    vault = _fetched_vault(tmp_path, fakeweb, runner)
    _rewind_schema(vault, 6)
    before = _files(vault)
    message = (f"linkvault: error: {vault}: this vault is of an older linkvault (schema 6; this one reads "
               f"{SCHEMA_VERSION}), and reading never upgrades it: `linkvault fetch` into it (or into a writable copy) "
               "upgrades it in place\n")
    report = str(tmp_path / "r.txt")
    for verb in (["report", report], ["verify", report], ["show", report, "1"], ["search", "выборах"]):
        result = runner.invoke(cli, ["--vault", str(vault), *verb])
        assert (result.exit_code, result.output) == (2, message), verb
    assert _files(vault) == before
    assert not os.path.exists(vault / "linkvault.db-wal") or not os.path.getsize(vault / "linkvault.db-wal")

    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", report, "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path])
    assert fetched.exit_code == 0, fetched.output
    assert sqlite3.connect(vault / "linkvault.db").execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert runner.invoke(cli, ["--vault", str(vault), "report", report]).exit_code == 0


@pytest.mark.parametrize("verb", ["pack", "audit"])
def test_pack_and_audit_upgrade_an_older_writable_vault_under_its_lock_as_they_log(tmp_path, fakeweb, runner, verb):
    vault = _fetched_vault(tmp_path, fakeweb, runner)
    _rewind_schema(vault, 6)
    args = ["pack", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.wacz"), "--no-timestamp"] if verb == "pack" else [verb]
    result = runner.invoke(cli, ["--vault", str(vault), *args])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(vault / "linkvault.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("select event from custody order by id desc limit 1").fetchone()[0] == {"pack": "packed",
                                                                                              "audit": "re-checked"}[verb]


# -- a write-protected copy, as root would hand one on (its files 0444, its directories 0555) -----------------------

def _write_protected_copy(fakeweb, runner, *, schema: int | None = None, unsaved_wal: bool = False):
    """A fetched vault without its lock file, write-protected as a copy root made (dirs 0555, files 0444);
    `schema` rewinds the copy's schema version, as a vault from an older linkvault would be; `unsaved_wal`
    copies it as a run killed mid-write leaves it, its last writes only in linkvault.db-wal."""
    place = tempfile.mkdtemp(prefix="linkvault-ro-")  # outside pytest's tmp_path, which only root may enter
    os.chmod(place, 0o755)
    _writable_dir(Path(place) / "out")
    copy = str(_fetched_vault(Path(place), fakeweb, runner))
    for name in (".lock", "linkvault.db-wal", "linkvault.db-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(copy, name))
    if schema is not None:
        with sqlite3.connect(os.path.join(copy, "linkvault.db")) as conn:
            conn.execute(f"PRAGMA user_version = {schema}")
    if unsaved_wal:  # a writer still open when the copy was made: its commit is in the WAL, not yet in the database
        writer = sqlite3.connect(os.path.join(copy, "linkvault.db"))
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        with writer:
            writer.execute("update captures set state_detail = state_detail || ' (re-judged)'")
        for name in ("linkvault.db", "linkvault.db-wal"):
            shutil.copy(os.path.join(copy, name), os.path.join(place, name))
        writer.close()
        for name in ("linkvault.db", "linkvault.db-wal"):
            shutil.move(os.path.join(place, name), os.path.join(copy, name))
        if os.path.exists(shm := os.path.join(copy, "linkvault.db-shm")):
            os.remove(shm)
    for root, _, files in os.walk(copy):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
        os.chmod(root, 0o555)
    return place, copy


@pytest_as_nobody
def test_a_write_protected_copy_without_its_lock_file_is_read_and_packed_and_left_as_it_was(fakeweb, runner):
    place, copy = _write_protected_copy(fakeweb, runner)
    before = {name: os.stat(os.path.join(copy, name)).st_mtime_ns for name in os.listdir(copy)}
    try:
        report = _as_reader("--vault", copy, "report", "r.txt", cwd=place)
        assert report.returncode == 0 and "Закон 0" in report.stdout, report.stderr
        assert _as_reader("--vault", copy, "verify", "r.txt", cwd=place).returncode in (0, 1)
        show = _as_reader("--vault", copy, "show", "r.txt", "2", cwd=place)
        assert show.returncode == 0 and "zasedanie-mazhilisa" in show.stdout, show.stderr
        search = _as_reader("--vault", copy, "search", "выборах", cwd=place)
        assert search.returncode == 0 and "zakon-o-vyborah" in search.stdout, search.stderr
        audit = _as_reader("--vault", copy, "audit", cwd=place)
        assert audit.returncode == 0 and "everything holds" in audit.stdout, audit.stderr
        assert audit.stderr == (f"linkvault: note: {copy}: the vault is read-only, so this audit is not logged in its "
                                "custody chain\n")
        assert "Traceback" not in report.stderr + show.stderr + search.stderr
        pack = _as_reader("--vault", copy, "pack", "r.txt", "-o", "out/r.wacz", "--no-timestamp", cwd=place)
        assert pack.returncode == 0 and pack.stderr == (f"linkvault: note: {copy}: the vault is read-only, so this pack "
                                                        "is not logged in its custody chain\n")
        assert {name: os.stat(os.path.join(copy, name)).st_mtime_ns for name in os.listdir(copy)} == before
    finally:
        _make_removable(place)


@pytest_as_nobody
def test_a_write_protected_vault_of_an_older_schema_is_named_in_one_line(fakeweb, runner):
    place, copy = _write_protected_copy(fakeweb, runner, schema=6)
    try:
        report = _as_reader("--vault", copy, "report", "r.txt", cwd=place)
        assert report.returncode == 2
        assert report.stderr == (f"linkvault: error: {copy}: this vault is of an older linkvault (schema 6; this one "
                                 f"reads {SCHEMA_VERSION}), and reading never upgrades it: `linkvault fetch` into it (or "
                                 "into a writable copy) upgrades it in place\n")
    finally:
        _make_removable(place)


@pytest_as_nobody
def test_a_write_protected_vault_whose_last_writes_are_in_its_wal_is_named_not_read_stale(fakeweb, runner):
    place, copy = _write_protected_copy(fakeweb, runner, unsaved_wal=True)
    try:
        report = _as_reader("--vault", copy, "report", "r.txt", cwd=place)
        assert report.returncode == 2
        assert report.stderr == (f"linkvault: error: {copy}: its newest writes are still in linkvault.db-wal, which "
                                 "SQLite cannot read where nothing may be written: copy the vault somewhere writable "
                                 "to read it\n")
    finally:
        _make_removable(place)


def _make_removable(place: str) -> None:
    for root, _, _ in os.walk(place):
        os.chmod(root, 0o755)
    shutil.rmtree(place)

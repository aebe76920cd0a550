from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "kz-chronicle-2024-04.txt"
REAL_PAGES = ROOT.parent / "shared" / "real-pages"

pytest_plugins = ["fakeweb.fixtures"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    """A local RFC 3161 authority (tests/tsa.py) over real HTTP, one per test module."""
    from tsa import LocalTSA

    authority = LocalTSA(tmp_path_factory.mktemp("tsa"))
    yield authority
    authority.close()


@pytest.fixture
def write(tmp_path):
    """Write a report into tmp_path: write("r.txt", text) or write("r.txt", raw_bytes)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return _write


@pytest.fixture(autouse=True)
def no_public_timestamp_authorities(monkeypatch):
    """Tests never reach the real web: `fetch` gets no public TSA unless a test names its own."""
    monkeypatch.setenv("LINKVAULT_TSA", "")
    monkeypatch.setenv("LINKVAULT_NO_SCREENSHOTS", "1")  # a browser per fetch would slow every test; tests opt in
    # Tables are as wide as COLUMNS says: the shell's width (or pytest-xdist's 80) must not reach tests that
    # pin the default width; a test that means a width sets it.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


def pytest_terminal_summary(terminalreporter) -> None:
    """After a `make bench` run: every benchmark's headline figures in one table (tests/bench_summary.py)."""
    from bench_summary import HEADLINES, table

    if HEADLINES:
        terminalreporter.write_line("")
        terminalreporter.write_line(table(HEADLINES))

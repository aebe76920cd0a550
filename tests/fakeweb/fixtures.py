"""pytest fixtures for the fake web. Load with `pytest_plugins = ["fakeweb.fixtures"]`.

- `fakeweb_session`: one FakeWeb for the whole run, serving `all_sites()` (starting it costs ~50 ms,
  but sharing keeps thread and socket counts flat).
- `fakeweb`: the same object per test, with empty logs and routes added by the test dropped after it.
- `fake_wayback`: an empty FakeWayback on `fakeweb` (add captures with `.add`; see wayback.py).
- `fakeweb_env`: `fakeweb`, plus proxy and CA environment variables so code that builds its own
  `httpx.Client()` (the CLI) reaches the fake web without being told.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import FakeWeb
from .sites import all_sites
from .wayback import FakeWayback


@pytest.fixture(scope="session")
def fakeweb_session() -> Iterator[FakeWeb]:
    with FakeWeb(all_sites()) as web:
        yield web


@pytest.fixture
def fakeweb(fakeweb_session: FakeWeb) -> Iterator[FakeWeb]:
    with fakeweb_session.isolated() as web:
        yield web


@pytest.fixture
def fake_wayback(fakeweb: FakeWeb) -> FakeWayback:
    """The Internet Archive on this test's fake web, holding nothing yet."""
    return FakeWayback().install(fakeweb)


@pytest.fixture
def fakeweb_env(fakeweb: FakeWeb, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeb]:
    """httpx with trust_env (the default) then proxies everything and trusts only the fake CA."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, fakeweb.proxy_url)
        monkeypatch.setenv(name.lower(), fakeweb.proxy_url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")  # the fake servers themselves stay direct
    monkeypatch.setenv("SSL_CERT_FILE", fakeweb.ca_pem_path)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    yield fakeweb

"""Vantage points: the networks a run looks at the web from (`fetch --vantage NAME=PROXY`, repeatable).

A failure seen from one network is often a block, not a death: a national filter answers 451 or a 403 block
page, or resets the connection, while the page is alive from elsewhere. The run's own egress (its proxy and
CA, `egress_policy`) is the home vantage, named `home` ("here" unless `--vantage-name` says otherwise); every
other vantage is an egress policy of its own: its proxy, the same CA settings, and the same address guard
(the fetcher's), so a private target is refused through every one of them.

The seam: `VantageOptions` is the whole of it. `FetchOptions.vantage` carries it, so any verb that runs a
`FetchRun` (`fetch`, and `recheck`) takes the same object unchanged; the CLI builds it once (`parse`), from
the same click options on each command (`linkvault.cli.options.vantage_options`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from linkvault.archive.egress_policy import EgressPolicy, checked_proxy, shown
from linkvault.errors import UsageError

HOME = "here"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class Vantage:
    """One other vantage point: its name (as captures record it) and the proxy it looks through."""

    name: str
    proxy: str

    def egress(self, home: EgressPolicy) -> EgressPolicy:
        """This vantage's egress policy: its own proxy for every scheme, the home policy's CA settings."""
        return replace(home, proxies={"http": self.proxy, "https": self.proxy}, no_proxy=None)

    def as_record(self) -> dict:
        return {"name": self.name, "proxy": shown(self.proxy)}


@dataclass(frozen=True)
class VantageOptions:
    """Where a run looks from: `home` (the run's own egress) and `points`, the others, each tried before a
    link's failure counts."""

    points: tuple[Vantage, ...] = ()
    home: str = HOME
    named: bool = field(default=False, compare=False)  # --vantage-name given: captures name home even alone

    @property
    def active(self) -> bool:
        """Whether captures record their vantage point (any was named)."""
        return bool(self.points) or self.named

    def as_record(self) -> dict:
        """For warcinfo and provenance: the vantage points, proxies' credentials cut."""
        return {"home": self.home, "others": [point.as_record() for point in self.points]}


def parse(values: tuple[str, ...] | list[str], home: str | None = None) -> VantageOptions:
    """`--vantage NAME=PROXY` values (and `--vantage-name`) as options; a bad one is a usage error."""
    home_name = _name(home, "--vantage-name") if home else HOME
    points: list[Vantage] = []
    for value in values:
        name, sep, proxy = value.partition("=")
        if not sep or not proxy.strip():
            raise UsageError(f"--vantage {value}: write it as NAME=PROXY, e.g. abroad=socks5://127.0.0.1:9050")
        name = _name(name.strip(), f"--vantage {value}:")
        if name == home_name or any(p.name == name for p in points):
            raise UsageError(f"--vantage {value}: the vantage name {name} is used twice")
        points.append(Vantage(name, checked_proxy(proxy, f"--vantage {name}")))
    return VantageOptions(tuple(points), home_name, named=bool(home))


def _name(name: str, source: str) -> str:
    if not _NAME.match(name):
        raise UsageError(f"{source} {name!r} is not a vantage name (letters, digits, '.', '_' or '-', up to 40)")
    return name

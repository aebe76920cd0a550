"""What a fetch run found: every footnote URL as a `Link`, what the run did (fetched, reused, sealed,
screenshotted), and why it could not judge (no network, the proxy down, a trust store lacking a CA)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from linkvault.model.copies import WitnessRun
from linkvault.model.drift import Drift
from linkvault.model.history import HISTORY_STATUSES, HistoryRules, HistoryVerdict
from linkvault.model.links import Capture, Link
from linkvault.model.records import CheckResult, Severity


@dataclass
class FetchResult:
    vault: str
    checks: list[CheckResult]
    links: list[Link] = field(default_factory=list)
    fetched: int = 0
    reused: int = 0
    network_unreachable: bool = False
    proxy_down: str | None = None  # what the proxy did, when it could not be reached: no link was checked
    untrusted_hosts: list[str] = field(default_factory=list)  # HTTPS hosts whose certificates our trust store lacks
    recovered: list[str] = field(default_factory=list)
    stamps: list = field(default_factory=list)  # RFC 3161 results for the run's manifest
    sealed: int = 0  # records the run's manifest lists
    sealed_earlier: int = 0  # of those, records earlier runs left unsealed (killed, or every authority failed)
    screenshots: int = 0
    screenshots_earlier: int = 0  # of those, of pages an earlier run captured but never screenshotted
    notes: list[str] = field(default_factory=list)  # things the user should hear once (no Chromium …)
    # Asked for with `verdicts=True`: each cited URL's verdict capture as the vault holds it at the run's end, and
    # their archived texts by capture id, read in the run's one open of the vault (what its closing table needs).
    verdicts: dict[str, Capture] = field(default_factory=dict)
    texts: dict[int, dict] = field(default_factory=dict)
    reviews: list = field(default_factory=list)  # each report's review, when the verb built them (`linkvault.fetch`)
    save_page_now: WitnessRun | None = None  # what `--save-page-now` submitted and witnessed, when asked

    @property
    def failed(self) -> list[Link]:
        return [link for link in self.links if not link.archived]

    @property
    def ok(self) -> bool:
        missing = any(c.fails(Severity.ERROR) for c in self.checks)
        return (not missing and not self.failed and not self.network_unreachable and not self.proxy_down
                and not self.untrusted_hosts)


@dataclass
class RecheckResult:
    """What `recheck` did: as of when, under which rules, every footnote URL of the reports (`links`, each holding
    the capture it is judged by now), the URLs it fetched again, each URL's history after the run, the run itself
    (`fetch`: reachability, screenshots, timestamps), what became of the passage each footnote relied on (`drifts`)
    and what the after-recapture hooks returned, both by (label, url)."""

    vault: str
    as_of: datetime
    due_only: bool
    rules: HistoryRules
    links: list[Link] = field(default_factory=list)
    rechecked: list[str] = field(default_factory=list)
    histories: dict[str, HistoryVerdict] = field(default_factory=dict)
    fetch: FetchResult | None = None
    after: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    drifts: dict[tuple[str, str], Drift] = field(default_factory=dict)  # (label, url) → since its first capture

    @property
    def could_not_check(self) -> bool:
        """The run failed on our side (no network, the proxy down): it judged nothing."""
        return bool(self.fetch and (self.fetch.network_unreachable or self.fetch.proxy_down))

    def by_status(self) -> dict[str, int]:
        counts = {status: 0 for status in HISTORY_STATUSES}
        for url in dict.fromkeys(link.url for link in self.links if link.url):
            counts[self.histories[url].status if url in self.histories else "unknown"] += 1
        return counts

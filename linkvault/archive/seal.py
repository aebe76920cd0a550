"""Sealing a run's evidence once its pages are fetched: a dated full-page screenshot of each captured HTML
page, then a manifest of every record written, timestamped by each authority in turn. What an earlier run
left unfinished (killed before these stages, or every authority failed) is finished here too."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.warc import WarcRecorder, block_digest, stamped_records
from linkvault.model import Capture
from linkvault.vault import Vault


@dataclass
class Unfinished:
    """Evidence earlier runs left unfinished, which this run completes: records no stamped manifest lists
    ((record id, block digest)) and pages captured but never screenshotted."""

    records: list[tuple[str, str | None]] = field(default_factory=list)
    pages: list[Capture] = field(default_factory=list)

    @classmethod
    def of(cls, vault: Vault, options: FetchOptions, reused_urls: list[str]) -> Unfinished:
        """What this run will finish, as far as its options ask for timestamps and screenshots."""
        return cls(records=unsealed(vault) if options.tsa else [],
                   pages=vault.unshot_captures(reused_urls) if options.screenshots else [])


def unsealed(vault: Vault) -> list[tuple[str, str | None]]:
    """The vault's captures and screenshots that no manifest with a stored token lists: a run killed before
    its timestamps, or one every authority failed, left them so."""
    stamped = stamped_records(vault.warc_dir)
    found_unsealed = []
    for row in vault.recorded_captures():
        if row["record_id"] in stamped:
            continue
        found = block_digest(os.path.join(vault.warc_dir, row["warc_file"]), row["warc_offset"])
        if found and found[0] == row["record_id"]:  # a record gone from its place is audit's finding, not ours to seal
            found_unsealed.append(found)
    return found_unsealed


class Sealer:
    """The run's evidence stages, writing into its vault and WARC: what they did goes into `notes` (things the
    user should hear once) and their counts; `on_progress` hears each stage as it goes."""

    def __init__(self, vault: Vault, recorder: WarcRecorder, options: FetchOptions,
                 on_progress: Callable[..., None] | None = None):
        self.vault, self.recorder, self.options, self.on_progress = vault, recorder, options, on_progress
        self.notes: list[str] = []
        self.screenshots = 0

    def shoot(self, pages: list[Capture]) -> set[str]:
        """A dated full-page PNG of each captured HTML page in `pages`, as `urn:fullPage:` resource records.
        Returns the response record ids shot. Each page is shot through the egress of the vantage point its capture
        was made from (one egress policy: a geo-blocked page, alive only from abroad, is shot through abroad's proxy,
        where it shows the page, not the block); a page from a vantage point this run does not name is left unshot."""
        home = self.options.vantage.home
        egresses: dict[str, EgressPolicy] = {home: self.options.egress, **{
            point.name: point.egress(self.options.egress) for point in self.options.vantage.points}}
        groups: dict[str, list[Capture]] = {}  # home first: one browser per vantage point with pages to shoot
        for page in pages:
            if (page.vantage or home) in egresses:
                groups.setdefault(page.vantage or home, []).append(page)
        if not groups:
            return set()
        total, done, shot_ids = sum(map(len, groups.values())), 0, set[str]()
        if self.on_progress:  # the display names this stage from its start (the browser's too), not from the first page
            self.on_progress(None, 0, total, stage="screenshots")
        for vantage in sorted(groups, key=lambda name: name != home):
            shot = self._shoot_through(egresses[vantage], groups[vantage], (done, total))
            if shot is None:  # no browser at all: the note is said once
                break
            shot_ids, done = shot_ids | shot, done + len(groups[vantage])
        return shot_ids

    def _shoot_through(self, egress: EgressPolicy, pages: list[Capture], progress: tuple[int, int]) -> set[str] | None:
        """`pages` shot by one browser whose every connection leaves through `egress` (None: there is no browser);
        `progress` is (pages done before these, pages in all)."""
        from linkvault.archive.screenshot import Browser, BrowserMissing

        try:
            browser = Browser(egress=egress, allow_private=self.options.allow_private,
                              profile=self.options.browser_profile)
        except BrowserMissing as exc:
            hint = " (apt-get install chromium)" if "not installed" in str(exc) else ""
            self.notes.append(f"{exc}, so no screenshots were taken{hint}")
            return None
        failed: dict[str, list[str]] = {}  # why → pages
        try:
            shot_ids = self._shoot_all(browser, pages, failed, progress)
        finally:
            browser.close()
        self._browser_notes(browser, failed)
        return shot_ids

    def _shoot_all(self, browser, pages: list[Capture], failed: dict[str, list[str]], progress: tuple[int, int]) -> set[str]:
        shot_ids: set[str] = set()
        with concurrent.futures.ThreadPoolExecutor(self.options.tabs) as tabs:
            # map keeps the pages' order, so the WARC and the custody log read the same on every run
            shots = tabs.map(lambda c: _shoot(browser, c.final_url or c.url), pages)
            for n, (capture, shot) in enumerate(zip(pages, shots), start=progress[0] + 1):
                if self.on_progress:
                    self.on_progress(capture, n, progress[1], stage="screenshots")
                if isinstance(shot, Exception):  # one page's failure costs its screenshot, not the run
                    failed.setdefault(str(shot), []).append(capture.final_url or capture.url)
                    continue
                assert capture.record, "only a page captured into the WARC is shot"
                self._keep(capture.record.record_id, shot)
                shot_ids.add(capture.record.record_id)
        return shot_ids

    def _keep(self, response: str, shot) -> None:
        """One screenshot, of the page in response record `response`, into the WARC, the vault and the custody log."""
        from linkvault.archive.screenshot import png_size

        where = self.recorder.write_resource(f"urn:fullPage:{shot.url}", "image/png", shot.png, concurrent_to=response)
        sha256 = hashlib.sha256(shot.png).hexdigest()
        width, height = png_size(shot.png)
        self.vault.add_screenshot({"record_id": where.record_id, "response_id": response, "url": shot.url,
                                   "taken_at": shot.taken_at, "warc_file": where.file, "warc_offset": where.offset,
                                   "warc_length": where.length, "sha256": sha256, "width": width, "height": height,
                                   "size": len(shot.png)})
        self.vault.log_event("screenshotted", where.record_id, collector=self.options.collector,
                             details={"url": shot.url, "response": response, "sha256": sha256,
                                      "blocked": shot.blocked[-20:], "dialogs": [text[:200] for text in shot.dialogs[:5]],
                                      # rendered as whoever is logged in to that profile: what that account could see
                                      **({"browser_profile": True} if self.options.browser_profile else {})})
        self.screenshots += 1

    def _browser_notes(self, browser, failed: dict[str, list[str]]) -> None:
        if browser.egress.refused:  # WebSockets, service workers: what no page's own record shows
            self.notes.append(f"the browser was kept from {len(browser.egress.refused)} connection(s) to private or "
                              f"local addresses, first {browser.egress.refused[0]}")
        if browser.egress.tls and browser.egress.tls.untrusted:  # sites the fetcher's trust store would refuse too
            untrusted = browser.egress.tls.untrusted
            self.notes.append(f"the browser was kept from {len(untrusted)} site(s) whose certificate the CA "
                              f"certificates given do not vouch for, first {untrusted[0]}")
        for why, urls in failed.items():  # a browser that died would otherwise fill the screen with one line a page
            which = urls[0] if len(urls) == 1 else f"{len(urls)} pages ({urls[0]}, …)"
            self.notes.append(f"no screenshot of {which}: {why}")

    def timestamp(self, reports: dict[str, str], earlier: Sequence[tuple[str, str | None]] = ()) -> tuple[list, int]:
        """Stamp the run's manifest with each authority in turn (`on_progress` hears which is being asked);
        manifest and tokens go into the WARC. `reports` maps each report's name in the vault to its SHA-256;
        `earlier` lists records earlier runs left unsealed, which this manifest lists too.
        Returns the stamps and how many records the manifest lists."""
        from linkvault.archive.timestamp import manifest_bytes, stamp

        options, recorder = self.options, self.recorder
        records = list(earlier) + list(recorder.written)
        manifest = manifest_bytes(records, reports, options.as_record(), custody=self.vault.custody_head())
        run = recorder.run_id
        manifest_id = recorder.write_resource(f"urn:evidence:manifest:{run}", "application/json", manifest).record_id
        stamps = []
        for n, tsa in enumerate(options.tsa):
            if self.on_progress:
                self.on_progress(None, n, len(options.tsa), stage="timestamping", started=tsa)
            stamps += stamp(manifest, [tsa], egress=options.egress)
        if self.on_progress:  # done: the label must not go on naming an authority no one is waiting for
            self.on_progress(None, len(options.tsa), len(options.tsa), stage="timestamping")
        for n, s in enumerate(stamps, start=1):
            token_id = None
            if s.token:
                token_id = recorder.write_resource(f"urn:evidence:rfc3161:{run}:{n}", "application/timestamp-reply",
                                                   s.token).record_id
            self.vault.log_event("timestamped" if s.token else "timestamp-failed", manifest_id,
                                 collector=options.collector,
                                 details={"tsa": s.tsa, "token_record": token_id, "gen_time": s.gen_time, "error": s.error})
        if not any(s.token for s in stamps):
            self.notes.append("the run's manifest has no trusted timestamp: every authority failed ("
                              + "; ".join(f"{s.tsa}: {s.error}" for s in stamps) + ")")
        return stamps, len(records)


def _shoot(browser, url: str):
    if browser.gone:
        return browser.gone
    try:
        return browser.screenshot(url)
    except Exception as exc:
        return exc

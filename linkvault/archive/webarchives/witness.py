"""An independent witness (`fetch --save-page-now`, design §5.4): the Internet Archive captures each live source
near the time we did, and its capture's payload digest (from its CDX index) is set against ours.

The run reads the account's quota first and submits no more than is left today, never more jobs at once than
the account has free sessions; it polls every job in one request through the status gate until each is done or
the run's cap passes. A job left unfinished stays `pending` in `spn_jobs` and the next run finishes it; so does
one whose capture the index does not list yet (pending, with its timestamp). What the archive could not capture
is its own observation of the live page: it never changes our verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.webarchives.gate import Clock
from linkvault.archive.webarchives.gateway import Gateway, Unreached
from linkvault.archive.webarchives.likeness import alike_words, text_likeness
from linkvault.archive.webarchives.listings import IA_WEB, cdx_candidates, iso_of_timestamp, wayback_uris
from linkvault.archive.webarchives.lookups import IA_CDX, IA_NAME
from linkvault.archive.webarchives.savepagenow import (
    RETRY_LATER,
    SESSION_LIMIT,
    STOP_SUBMITTING,
    KeysRefused,
    SpnOptions,
    job_unknown,
    poll,
    submit,
    user_quota,
    within_seconds,
)
from linkvault.model import Candidate, Link, SpnJob, Witness, WitnessRun
from linkvault.model.copies import DIFFERS, SAME, SAME_DECODED
from linkvault.vault import Vault, now_iso

ARCHIVE = "web.archive.org"
NAMES = {"ia-spn": "Save Page Now", "ia-spn-status": "Save Page Now", "ia-cdx": "the Internet Archive's CDX server",
         "ia-memento": "the Internet Archive"}
RESUBMITS = 2  # times a URL is submitted again after the archive's passing trouble


@dataclass(frozen=True)
class Ours:
    """Our capture a job witnesses: its record and payload digests."""

    capture_id: int
    record_id: str
    sha1: str | None
    sha1_decoded: str | None


def sentence_for(verdict: str, archive_at: str, similarity: float | None = None) -> str:
    alike = f"{alike_words(similarity)}: " if similarity is not None else ""
    said = {SAME: "holds the same payload as ours",
            SAME_DECODED: "holds the same payload as ours once its content coding is undone",
            DIFFERS: f"holds a payload that differs from ours ({alike}the page may have changed between the captures)"}
    return f"the Internet Archive's capture at {archive_at} {said[verdict]}"


def verdict_of(digest: str | None, ours: Ours) -> str:
    if digest and digest == ours.sha1:
        return SAME
    if digest and digest == ours.sha1_decoded:
        return SAME_DECODED
    return DIFFERS


def live_sources(vault: Vault, links: Sequence[Link]) -> list[tuple[str, Ours]]:
    """Each live source of the run once, with the capture its verdict rests on; one already witnessed, or with
    a job still pending, is not submitted again."""
    found: dict[str, Ours] = {}
    for link in links:
        capture = link.capture
        if link.category != "alive" or link.url is None or capture is None or capture.id is None \
                or capture.record is None or link.url in found:
            continue
        found[link.url] = Ours(capture.id, capture.record.record_id, capture.record.payload_sha1,
                               capture.record.payload_sha1_decoded)
    ids = [ours.capture_id for ours in found.values()]
    witnessed, jobs = vault.witnesses_of(ids), vault.spn_jobs_of(ids)
    return [(url, ours) for url, ours in found.items() if not witnessed.get(ours.capture_id)
            and not any(job.status == "pending" for job in jobs.get(ours.capture_id, []))]


def witness(vault: Vault, egress: EgressPolicy, options: SpnOptions, links: Sequence[Link], *,
            allow_private: bool = False, collector: str | None = None, clock: Clock | None = None,
            on_progress: Callable[..., None] | None = None) -> WitnessRun:
    """Submit the run's live sources to Save Page Now and compare what it captured with ours; `on_progress` hears
    the stage as it goes (jobs done of all, and what it is at: submitted, in progress, polls)."""
    witnessing = Witnessing(vault, options, collector, on_progress)

    async def go() -> None:
        async with Gateway(egress, names=NAMES, rates=options.rates, allow_private=allow_private,
                           clock=clock, wait_cap=options.wait_cap) as gateway:  # no answer cache: every status is asked afresh
            await witnessing.run(gateway, live_sources(vault, links))

    asyncio.run(go())
    return witnessing.result


class Witnessing:
    """One run's jobs: those it submits and those earlier runs left pending, polled together."""

    def __init__(self, vault: Vault, options: SpnOptions, collector: str | None,
                 on_progress: Callable[..., None] | None = None):
        self.vault, self.options, self.collector, self.on_progress = vault, options, collector, on_progress
        self.jobs = self.polls = 0  # for the progress label: the jobs of the run (new and pending), polls made
        self.result = WitnessRun()
        self.pending: dict[str, SpnJob] = {}
        self.ours: dict[int, Ours] = {}
        self.todo: list[tuple[str, Ours]] = []
        self.tries: dict[str, int] = {}
        self.slots = 0

    async def run(self, gateway: Gateway, sources: list[tuple[str, Ours]]) -> None:
        try:
            await self._run(gateway, sources)
        except (Unreached, KeysRefused) as exc:
            self.result.notes.append(f"{exc}: {len(self.todo)} live sources were not submitted" if self.todo
                                     else str(exc))
            self.result.not_submitted += len(self.todo)
            self.todo.clear()
        self.result.pending = len(self.pending)
        if self.todo:
            self.result.not_submitted += len(self.todo)
            self.result.notes.append(f"Save Page Now had no free session within the run's wait: {len(self.todo)} "
                                     "live sources were not submitted")

    async def _run(self, gateway: Gateway, sources: list[tuple[str, Ours]]) -> None:
        self.ours.update((ours.capture_id, ours) for _, ours in sources)
        self.pending = {job.job_id: job for job in self.vault.pending_spn_jobs()}
        self.todo = list(sources)  # until the quota is read: all of them, were it to fail
        self.jobs = len(sources) + len(self.pending)
        self._progress("reading the account's quota")
        quota = await user_quota(gateway, self.options.keys)
        left = len(sources) if quota.left_today is None else quota.left_today
        self.todo, self.slots = sources[:left], quota.available
        if len(sources) > left:
            self.result.not_submitted = len(sources) - left
            self.result.notes.append(f"the account's daily captures ran out: {len(sources) - left} live sources "
                                     "were not submitted")
        for job in [j for j in self.pending.values() if j.archive_timestamp]:  # captured: the index may list it now
            await self._compare(gateway, job)
        start = gateway.clock.monotonic()
        while (self.todo or self.in_flight) and gateway.clock.monotonic() - start < self.options.poll_cap:
            await self._submit_some(gateway)
            if self.in_flight:
                self._progress()
                await self._poll(gateway)
                self.polls += 1
            elif self.todo and self.slots <= 0:  # refused for sessions with none of ours running: ask again
                self.slots = (await user_quota(gateway, self.options.keys)).available
        self._progress()

    def _progress(self, doing: str | None = None) -> None:
        """The stage's label: jobs finished of all, and what it is at."""
        if self.on_progress is None:
            return
        left = len(self.todo) + self.in_flight
        counts = [f"{self.result.submitted} submitted"] + [f"{n} {what}" for n, what in (
            (len(self.todo), "to submit"), (self.in_flight, "in progress")) if n]
        polled = [f"polled {self.polls} time{'s' * (self.polls != 1)}"] if self.polls else []
        at = doing or ", ".join(counts + polled)
        self.on_progress(None, max(self.jobs - left, 0), self.jobs, stage="Save Page Now", detail=at)

    @property
    def in_flight(self) -> int:
        return sum(1 for job in self.pending.values() if not job.archive_timestamp)

    async def _submit_some(self, gateway: Gateway) -> None:
        while self.todo and self.in_flight < self.slots:
            self._progress()
            url, ours = self.todo[0]
            answer = await submit(gateway, self.options.keys, url, self.options.within)
            if answer.status_ext == SESSION_LIMIT:
                self.slots = self.in_flight  # wait for one of ours to finish (or the account's sessions to free)
                return
            self.todo.pop(0)
            if answer.status_ext in STOP_SUBMITTING:
                self._failed(url, ours, None, answer.status_ext, answer.message)
                self.result.notes.append(f"Save Page Now stopped taking captures ({answer.message or answer.status_ext}"
                                         f"): {len(self.todo)} live sources were not submitted")
                self.result.not_submitted += len(self.todo)
                self.todo.clear()
            elif answer.job_id is None:
                self._failed(url, ours, None, answer.status_ext, answer.message)
            else:
                self._submitted(url, ours, answer.job_id)

    def _submitted(self, url: str, ours: Ours, job_id: str) -> None:
        job = SpnJob(job_id, url, ours.capture_id, now_iso())
        self.pending[job_id] = job
        self.vault.store_spn_job(job)
        self.result.submitted += 1
        self.vault.log_event("spn-submitted", ours.record_id, collector=self.collector,
                             details={"url": url, "job_id": job_id})

    async def _poll(self, gateway: Gateway) -> None:
        waiting = [job_id for job_id, job in self.pending.items() if not job.archive_timestamp]
        if not waiting:
            return
        statuses = await poll(gateway, self.options.keys, waiting)
        for job_id in waiting:
            status = statuses.get(job_id)
            if status is None or status.get("status") == "pending":
                continue
            job = self.pending.pop(job_id)
            if status.get("status") == "success":
                await self._captured(gateway, job, status)
            elif job_unknown(status):
                await self._expired(gateway, job, status)
            else:
                self._job_failed(job, status)

    async def _captured(self, gateway: Gateway, job: SpnJob, status: dict, how: str | None = None) -> None:
        timestamp, original = str(status.get("timestamp") or ""), str(status.get("original_url") or job.url)
        uri_m = wayback_uris(IA_WEB, timestamp, original)[0]
        job = replace(job, archive_timestamp=timestamp, original_url=original, uri_m=uri_m)
        details = {"url": job.url, "job_id": job.job_id, "uri_m": uri_m, "timestamp": timestamp,
                   "original_url": original}
        self.vault.log_event("spn-captured", self._record_of(job), collector=self.collector,
                             details=details | ({"found": how} if how else {}))
        await self._compare(gateway, job)

    async def _expired(self, gateway: Gateway, job: SpnJob, status: dict) -> None:
        """A job the archive no longer knows (a run interrupted, its status kept about an hour): its capture is
        looked up in the index around the submission; none there, the job is marked expired with why. Nothing
        witnessed before is touched."""
        said = str(status.get("message") or status.get("exception") or "job not found")
        try:
            found = await self._capture_near(gateway, job)
        except Unreached:
            self.pending[job.job_id] = job  # still pending: the next run looks again
            raise
        if found is not None:
            timestamp = datetime.strptime(found.memento_at, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%d%H%M%S")
            await self._captured(gateway, job, {"timestamp": timestamp, "original_url": job.url},
                                 how=f"in the index after Save Page Now forgot the job ({said})")
            return
        why = (f"Save Page Now no longer knows job {job.job_id} ({said}) and its index lists no capture of "
               f"{job.url} near the submission at {job.submitted_at[:19]}Z")
        self.vault.store_spn_job(replace(job, status="expired", message=why), polled_at=now_iso())
        self.vault.log_event("spn-expired", self._record_of(job), collector=self.collector,
                             details={"url": job.url, "job_id": job.job_id, "message": why})
        self.result.notes.append(why + "; the job is marked expired")

    async def _capture_near(self, gateway: Gateway, job: SpnJob) -> Candidate | None:
        """The archive's capture of the job's URL closest to its submission: from as early as --spn-within let
        Save Page Now return an existing capture, to an hour after (as long as a job may run)."""
        submitted = datetime.strptime(job.submitted_at[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        start = submitted - timedelta(seconds=within_seconds(self.options.within) + 60)
        answer = await gateway.get("ia-cdx", IA_CDX, [
            ("url", job.url), ("from", start.strftime("%Y%m%d%H%M%S")),
            ("to", (submitted + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")), ("output", "json"),
            ("filter", "!mimetype:warc/revisit"), ("fl", "timestamp,original,statuscode,digest,mimetype,length")])
        rows = [c for c in cdx_candidates(answer.body, job.url) if c.listed_digest] if answer.status == 200 else []
        at = submitted.strftime("%Y-%m-%dT%H:%M:%SZ")
        return min(rows, key=lambda c: (c.listed_status != 200, abs(_seconds_between(c.memento_at, at))), default=None)

    async def _compare(self, gateway: Gateway, job: SpnJob) -> None:
        """The capture's digest from the CDX index, against ours; a capture the index does not list yet stays
        pending (with its timestamp) for the next run."""
        self.pending.pop(job.job_id, None)
        timestamp, original = job.archive_timestamp or "", job.original_url or job.url
        answer = await gateway.get("ia-cdx", IA_CDX, [
            ("url", original), ("from", timestamp), ("to", timestamp), ("output", "json"),
            ("fl", "timestamp,original,statuscode,digest,mimetype,length")])
        at = iso_of_timestamp(timestamp) or timestamp
        rows = [c for c in cdx_candidates(answer.body, original) if c.memento_at == at and c.listed_digest] \
            if answer.status == 200 else []
        ours = self._ours_of(job)
        if not rows or ours is None:
            self.pending[job.job_id] = replace(job, status="pending")
            self.vault.store_spn_job(self.pending[job.job_id], polled_at=now_iso())
            return
        row = next((c for c in rows if c.listed_status == 200), rows[0])
        verdict = verdict_of(row.listed_digest, ours)
        similarity = None
        if verdict == DIFFERS and row.raw_uri:  # how far apart: a changed timestamp, or another article?
            our_text = self.vault.texts_of([ours.capture_id]).get(ours.capture_id, {}).get("text")
            similarity = await text_likeness(gateway, row.raw_uri, original, our_text)
        found = Witness(ours.capture_id, ARCHIVE, job.uri_m or row.uri_m, at, row.listed_digest, ours.sha1,
                        verdict, sentence_for(verdict, at, similarity), ours.sha1_decoded, similarity)
        self.vault.store_spn_job(replace(job, status="success"), polled_at=now_iso())
        self.vault.log_event("witnessed", ours.record_id, collector=self.collector, details={
            "record": ours.record_id, "archive": ARCHIVE, "uri_m": found.uri_m, "archive_at": at,
            "archive_digest": found.archive_digest, "our_sha1": ours.sha1, "verdict": verdict,
            "sentence": found.sentence, "url": job.url}
            | ({"text_similarity": round(similarity, 4)} if similarity is not None else {}))
        self.vault.add_witness(found, custody_id=self.vault.custody_count_and_head()[0])
        self.result.witnesses.append(found)
        if verdict == DIFFERS:
            self.result.differs += 1
        else:
            self.result.same += 1

    def _job_failed(self, job: SpnJob, status: dict) -> None:
        status_ext = str(status.get("status_ext") or "error:unknown")
        message = str(status.get("message") or status.get("exception") or "")
        ours = self._ours_of(job)
        tries = self.tries.get(job.url, 0)
        again = status_ext in RETRY_LATER and ours is not None and tries < RESUBMITS  # the archive's passing trouble
        if again and ours is not None:
            self.tries[job.url] = tries + 1
            self.todo.append((job.url, ours))
        self.vault.store_spn_job(replace(job, status="error", status_ext=status_ext, message=message),
                                 polled_at=now_iso())
        self._failed(job.url, ours, job.job_id, status_ext, message, final=not again)

    def _failed(self, url: str, ours: Ours | None, job_id: str | None, status_ext: str | None,
                message: str | None, *, final: bool = True) -> None:
        self.result.failed += final
        self.vault.log_event("spn-failed", ours.record_id if ours else url, collector=self.collector, details={
            "url": url, "job_id": job_id, "status_ext": status_ext, "message": message})

    def _ours_of(self, job: SpnJob) -> Ours | None:
        if job.capture_id is None:
            return None
        if job.capture_id not in self.ours:  # a job an earlier run submitted: its capture from the vault
            row = next((r for r in self.vault.captures_of([job.url]) if r["id"] == job.capture_id), None)
            if row is None or not row.get("record_id"):
                return None
            self.ours[job.capture_id] = Ours(row["id"], row["record_id"], row.get("payload_sha1"),
                                             row.get("payload_sha1_decoded"))
        return self.ours[job.capture_id]

    def _record_of(self, job: SpnJob) -> str:
        ours = self._ours_of(job)
        return ours.record_id if ours else job.url


def _seconds_between(first: str, second: str) -> float:
    """Seconds from one ISO 8601 UTC instant ("2024-04-01T09:12:33Z") to another."""
    return (datetime.fromisoformat(second.replace("Z", "+00:00"))
            - datetime.fromisoformat(first.replace("Z", "+00:00"))).total_seconds()


__all__ = ["IA_NAME", "Ours", "WitnessRun", "Witnessing", "live_sources", "sentence_for", "verdict_of", "witness"]

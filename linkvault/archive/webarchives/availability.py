"""The Internet Archive's batched availability API (`copies --ia-api availability`, design §1.2, §5.2): one v2 POST
names the capture closest before the reference date for up to BATCH links, then one more the closest after for
those it had none before; fewer requests than a CDX query per link, but one capture per direction and no digest.

The API is known to answer `{}` for pages the archive holds (why lychee dropped it), so its empty answer is kept as
"none from this API", never "no copy exists". Each link's answer is kept in the vault under its own request, beside
the batch's, so a later run asks only for the links it has no answer for, whatever batch they fall in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from linkvault.archive.webarchives.gateway import Gateway, Unreached
from linkvault.archive.webarchives.listings import availability_candidates
from linkvault.archive.webarchives.lookups import IA_NAME
from linkvault.model import Candidate, ReferenceDate, ServiceOutcome
from linkvault.model.copies import FOUND, NONE, UNREACHED, ServiceAnswer
from linkvault.vault.copies import request_key

IA_AVAILABLE = "https://archive.org/wayback/available"
SERVICE = "ia-availability"
BATCH = 50  # links per POST: InternetArchiveBot's batches, a size the API answers within its timeout
STATUSES = ("200", "203", "206")  # the statuses IABot accepts: a page, not an archived error or redirect
AGAIN = 2  # times the items the API failed (a result without archived_snapshots) are posted again
EMPTY = (f"{IA_NAME}'s availability API named no capture (it is sometimes empty for pages the archive holds; "
         "--ia-api cdx asks its index)")
Key = tuple[str, ReferenceDate]
Found = dict[Key, tuple[ServiceOutcome, list[Candidate]]]


def query_line(url: str, reference: ReferenceDate, direction: str) -> str:
    """One link's line of a v2 batch, less its tag: the closest capture `before` or `after` the reference day
    (the newest, where there is no reference date) of an accepted status."""
    params = [("url", url)]
    if reference.stamp:
        params += [("timestamp", f"{reference.stamp}235959"), ("closest", direction)]
    return urlencode(params + [("statuscodes", s) for s in STATUSES])


async def ask_availability(gateway: Gateway, wanted: Sequence[Key], direction: str = "before") -> Found:
    """Each link's closest capture in `direction`, from the vault where an earlier run asked, else in batches of
    BATCH; a link the API kept failing, or could not be asked about, is unreached with why."""
    lines = {key: query_line(key[0], key[1], direction) for key in dict.fromkeys(wanted)}
    found: Found = {}
    for key, line in lines.items():
        kept = _cached(gateway, line)
        if kept is not None:
            found[key] = _outcome(availability_candidates(kept, url=key[0]).get(key[0]))
    todo = [key for key in lines if key not in found]
    for start in range(0, len(todo), BATCH):
        found.update(await _batch(gateway, {key: lines[key] for key in todo[start:start + BATCH]}))
    return found


async def _batch(gateway: Gateway, lines: dict[Key, str]) -> Found:
    found: Found = {}
    for _ in range(AGAIN + 1):
        todo = {str(tag): (key, line) for tag, (key, line) in enumerate(lines.items()) if key not in found}
        if not todo:
            break
        body = "\n".join(f"{line}&{urlencode([('tag', tag)])}" for tag, (_, line) in todo.items())
        try:
            answer = await gateway.post(SERVICE, IA_AVAILABLE, body, headers={
                "Wayback-Api-Version": "2", "Content-Type": "application/x-www-form-urlencoded"})
        except Unreached as exc:
            return found | {key: (ServiceOutcome(SERVICE, UNREACHED, detail=exc.sentence), []) for key, _ in
                            todo.values()}
        if answer.status != 200:
            why = f"{IA_NAME}'s availability API could not answer (HTTP {answer.status})"
            return found | {key: (ServiceOutcome(SERVICE, UNREACHED, detail=why), []) for key, _ in todo.values()}
        for tag, result in _results(answer.body).items():
            if tag in todo and isinstance(result.get("archived_snapshots"), dict):
                key, line = todo[tag]
                _keep(gateway, line, result)
                found[key] = _outcome(availability_candidates(json.dumps(result), url=key[0]).get(key[0]))
    why = f"{IA_NAME}'s availability API failed for this link {AGAIN + 1} times"
    return found | {key: (ServiceOutcome(SERVICE, UNREACHED, detail=why), []) for key in lines if key not in found}


def _results(body: str) -> dict[str, dict]:
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    results = answer.get("results") if isinstance(answer, dict) else None
    return {str(r.get("tag")): r for r in results if isinstance(r, dict)} if isinstance(results, list) else {}


def _outcome(candidates: list[Candidate] | None) -> tuple[ServiceOutcome, list[Candidate]]:
    if candidates:
        return ServiceOutcome(SERVICE, FOUND, len(candidates)), candidates
    return ServiceOutcome(SERVICE, NONE, detail=EMPTY), []


def _per_link(line: str) -> str:
    return request_key("POST", IA_AVAILABLE, line)


def _cached(gateway: Gateway, line: str) -> str | None:
    if gateway.cache is None or gateway.refresh:
        return None
    kept = gateway.cache.cached_answer(SERVICE, _per_link(line))
    return kept.body if kept is not None else None


def _keep(gateway: Gateway, line: str, result: dict) -> None:
    """One link's result, kept under its own request (the batch's answer is kept whole by the gateway too)."""
    if gateway.cache is not None:
        gateway.cache.store_answer(ServiceAnswer(SERVICE, _per_link(line), http_status=200,
                                                 content_type="application/json", body=json.dumps(result)))

"""The fake Save Page Now 2 follows the SPN2 API draft (design §1.5): keys, job polling, batch status, the user's
quota, and a finished job's capture showing up in the fake Wayback's CDX with the payload the site served."""

from __future__ import annotations

import hashlib
from base64 import b32encode

import httpx
import pytest
from fakeweb.sites import AZATTYQ_ARTICLE, azattyq_site
from fakeweb.spn import FakeSavePageNow, parse_timedelta
from fakeweb.wayback import FakeWayback, too_many_requests

SAVE = "https://web.archive.org/save"
STATUS = "https://web.archive.org/save/status"
KEYS = {"Authorization": "LOW access:secret", "Accept": "application/json"}


@pytest.fixture
def wayback(fakeweb):
    return FakeWayback().install(fakeweb)


@pytest.fixture
def spn(fakeweb, wayback):
    return FakeSavePageNow(wayback, fakeweb, keys=("access", "secret"), sessions=2, polls_before_success=2)


@pytest.fixture
def client(fakeweb):
    with httpx.Client(**fakeweb.client_kwargs(), timeout=10) as client:
        yield client


def submit(client, url: str = AZATTYQ_ARTICLE, **options: str) -> dict:
    answer = client.post(SAVE, data={"url": url, **options}, headers=KEYS)
    assert answer.status_code == 200, answer.text
    return answer.json()


def payload_digest(body: bytes) -> str:
    return b32encode(hashlib.sha1(body).digest()).decode()


def test_a_job_is_pending_then_succeeds_and_its_capture_holds_the_sites_payload(spn, client):
    job = submit(client, skip_first_archive="1")
    assert set(job) == {"url", "job_id"} and job["url"] == AZATTYQ_ARTICLE
    polls = [client.get(f"{STATUS}/{job['job_id']}").json() for _ in range(3)]
    assert [p["status"] for p in polls] == ["pending", "pending", "success"]
    done = polls[-1]
    assert done["original_url"] == AZATTYQ_ARTICLE and len(done["timestamp"]) == 14
    row = client.get("https://web.archive.org/cdx/search/cdx",
                     params={"url": AZATTYQ_ARTICLE, "from": done["timestamp"], "to": done["timestamp"],
                             "output": "json", "fl": "timestamp,statuscode,digest"}).json()
    served = next(iter(azattyq_site().values())).body
    assert row[1] == [done["timestamp"], "200", payload_digest(served)]
    raw = client.get(f"https://web.archive.org/web/{done['timestamp']}id_/{AZATTYQ_ARTICLE}")
    assert raw.content == served and raw.headers["memento-datetime"]


def test_a_scripted_payload_makes_the_archives_capture_differ_from_ours(spn, client):
    spn.payloads[AZATTYQ_ARTICLE] = b"<html><body>Another edition of the page</body></html>"
    job = submit(client)
    for _ in range(3):
        done = client.post(STATUS, data={"job_id": job["job_id"]}).json()
    capture = spn.wayback.store.exact(AZATTYQ_ARTICLE, done["timestamp"])
    assert capture is not None and capture.digest == payload_digest(spn.payloads[AZATTYQ_ARTICLE])


def test_batch_status_answers_a_list_in_the_order_asked(spn, client):
    first, second = submit(client), submit(client, url="https://vlast.kz/novosti/"
                                                       "59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html")
    ids = f"{first['job_id']},{second['job_id']}"
    answers = client.post(STATUS, data={"job_ids": ids}).json()
    assert [a["job_id"] for a in answers] == [first["job_id"], second["job_id"]]
    assert {a["status"] for a in answers} == {"pending"}


def test_user_status_shows_sessions_and_the_daily_quota(spn, client):
    submit(client)
    user = client.get(f"{STATUS}/user", params={"_t": "123"}, headers=KEYS).json()
    assert user == {"available": 1, "processing": 1, "daily_captures": 1, "daily_captures_limit": 30000}


def test_wrong_keys_are_refused_with_401(spn, client):
    for headers in ({"Authorization": "LOW access:wrong"}, {}):
        answer = client.post(SAVE, data={"url": AZATTYQ_ARTICLE}, headers=headers)
        assert answer.status_code == 401 and answer.json()["status_ext"] == "error:unauthorized"
    assert client.get(f"{STATUS}/user").status_code == 401


def test_too_many_jobs_in_flight_is_a_session_limit_error(spn, client):
    submit(client)
    submit(client)
    refused = submit(client)
    assert refused["status"] == "error" and refused["status_ext"] == "error:user-session-limit"
    assert "job_id" not in refused


def test_an_exhausted_quota_refuses_every_submission(fakeweb, wayback, client):
    spn = FakeSavePageNow(wayback, fakeweb, daily_limit=50, daily_captures=50)
    assert client.get(f"{STATUS}/user", headers=KEYS).json()["daily_captures"] == 50
    assert submit(client)["status_ext"] == "error:too-many-daily-captures"
    assert spn.jobs == {}


def test_scripted_submit_errors_and_job_errors(spn, client):
    spn.script_submit("error:user-session-limit")
    assert submit(client)["status_ext"] == "error:user-session-limit"
    spn.job_errors[AZATTYQ_ARTICLE] = ("error:blocked-url", "This URL is blocked.")
    job = submit(client)
    answers = [client.get(f"{STATUS}/{job['job_id']}").json() for _ in range(3)]
    assert answers[-1]["status"] == "error" and answers[-1]["status_ext"] == "error:blocked-url"
    assert answers[-1]["message"] and answers[-1]["resources"] == []


def test_a_dead_page_ends_the_job_in_not_found_and_adds_no_capture(spn, client):
    job = submit(client, url="https://kaztag.kz/ru/news/no-such-page")
    for _ in range(3):
        answer = client.get(f"{STATUS}/{job['job_id']}").json()
    assert answer["status_ext"] == "error:not-found" and spn.wayback.store.all() == []


def test_if_not_archived_within_returns_a_recent_capture_instead_of_a_new_one(spn, client):
    first = submit(client)
    for _ in range(3):
        done = client.get(f"{STATUS}/{first['job_id']}").json()
    again = submit(client, if_not_archived_within="1d")
    answer = client.get(f"{STATUS}/{again['job_id']}").json()
    assert answer["status"] == "success" and answer["timestamp"] == done["timestamp"]
    assert len(spn.wayback.store.all()) == 1


def test_an_unknown_job_and_http_level_faults(spn, wayback, client):
    assert client.get(f"{STATUS}/no-such-job").status_code == 404
    wayback.script("spn", too_many_requests("60", html=True))
    assert client.post(SAVE, data={"url": AZATTYQ_ARTICLE}, headers=KEYS).status_code == 429
    assert client.get(f"{STATUS}/system").json() == {"status": "ok"}


def test_if_not_archived_within_reads_the_documented_forms():
    assert parse_timedelta("3d 5h 20m").total_seconds() == 3 * 86400 + 5 * 3600 + 20 * 60
    assert parse_timedelta("3600").total_seconds() == 3600
    assert parse_timedelta("") is None and parse_timedelta("soon") is None

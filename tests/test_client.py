"""PlaymentClient against the fake server (real HTTP on 127.0.0.1) and a few mock transports.

No test sleeps for backoff: ``sleep`` is a recorder, ``rng`` is fixed, ``clock`` is fake where the
time budget matters.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_playment import FakePlayment, sample_payload

from converters.errors import ApiError, UsageError
from converters.playment.client import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthError,
    DuplicateBatchError,
    DuplicateReferenceError,
    MalformedResponseError,
    PlaymentClient,
    RateLimitError,
    RequestRejectedError,
    RetryPolicy,
    Secret,
    ServerError,
    parse_retry_after,
)

KEY = "sk-live-7f3a9c2e-SECRET-0b1d"
PROJECT = "proj-1"
WF = "2aae1234-acac-1234-eeff-12a22a237bbc"


class Sleeps:
    """Records the requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakePlayment]:
    with FakePlayment(api_key=KEY, project_id=PROJECT) as server:
        yield server


def make_client(url: str, sleeps: Sleeps | None = None, **kw: Any) -> PlaymentClient:
    kw.setdefault("retry", RetryPolicy(max_attempts=5))
    return PlaymentClient(PROJECT, kw.pop("key", KEY), base_url=url, sleep=sleeps or Sleeps(),
                          rng=lambda: 0.5, **kw)


def job(i: int = 1) -> dict[str, Any]:
    payload = sample_payload(i)
    payload["work_flow_id"] = WF
    return payload


# ------------------------------------------------------------------------------- happy paths


def test_create_job_and_get_it_back(fake: FakePlayment) -> None:
    with make_client(fake.url) as client:
        created = client.create_job(job(7))
        assert created.reference_id == "job-00007"
        assert created.attempts == 1
        assert created.job_id == fake.jobs["job-00007"]["job_id"]
        got = client.get_job(created.job_id)
    assert got["reference_id"] == "job-00007"
    assert got["work_flow_id"] == WF
    assert fake.stats()["requests"] == {"POST jobs": 1, "GET job": 1}


def test_payload_bytes_are_sent_as_is(fake: FakePlayment) -> None:
    with make_client(fake.url) as client:
        created = client.create_job(b'{"reference_id":"raw-1","work_flow_id":"w","data":{"image_url":"u"}}')
    assert created.reference_id == "raw-1"
    assert fake.jobs["raw-1"]["payload"]["data"] == {"image_url": "u"}


def test_batch_create_duplicate_and_ensure(fake: FakePlayment) -> None:
    with make_client(fake.url) as client:
        first = client.create_batch("week-12", "nightly")
        assert first.batch_id == fake.batches["week-12"]["batch_id"]
        with pytest.raises(DuplicateBatchError) as info:
            client.create_batch("week-12")
        assert (info.value.status, info.value.code) == (400, "BATCH_CREATION")
        again = client.ensure_batch("week-12")
        assert (again.batch_id, again.existed) == (first.batch_id, True)
        assert client.find_batch("other") is None


def test_ensure_batch_after_a_dropped_answer(fake: FakePlayment) -> None:
    # the batch is created, the answer is lost (garbage body), the retry gets BATCH_CREATION,
    # and the id is found through the project details
    fake.script("garbage_after_store")
    with make_client(fake.url) as client:
        batch = client.ensure_batch("b1")
    assert batch.existed is True
    assert batch.batch_id == fake.batches["b1"]["batch_id"]
    assert len(fake.batches) == 1


# ------------------------------------------------------------------------------------ auth


def test_wrong_key_is_a_clear_auth_error_and_never_retried(fake: FakePlayment) -> None:
    sleeps = Sleeps()
    with make_client(fake.url, sleeps, key="wrong-key") as client, pytest.raises(AuthError) as info:
        client.create_job(job())
    err = info.value
    assert isinstance(err, ApiError)
    assert (err.status, err.code, err.attempts) == (401, "auth-failure", 1)
    assert "check the API key" in str(err)
    assert sleeps.calls == []
    assert fake.stats()["requests"] == {"POST jobs": 1}
    assert fake.jobs == {}


def test_other_project_is_an_auth_error(fake: FakePlayment) -> None:
    client = PlaymentClient("someone-elses", KEY, base_url=fake.url, sleep=Sleeps())
    with client, pytest.raises(AuthError) as info:
        client.create_job(job())
    assert (info.value.status, info.value.code) == (403, "unauthorized")


def test_bad_keys_are_refused_without_echoing_them() -> None:
    for bad in ["", " padded ", "line\nbreak", "ключ"]:
        with pytest.raises(UsageError) as info:
            PlaymentClient(PROJECT, bad)
        if bad.strip():
            assert bad.strip() not in str(info.value)


# --------------------------------------------------------------------------------- retries


def test_backoff_schedule() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0)
    # cap_n = min(3, 0.5 * 2**(n-1)) = 0.5, 1, 2, 3, 3; wait = cap/2 + u * cap/2
    assert [policy.backoff(n, lambda: 0.0) for n in range(1, 6)] == [0.25, 0.5, 1.0, 1.5, 1.5]
    assert [policy.backoff(n, lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_5xx_burst_is_retried_with_backoff(fake: FakePlayment) -> None:
    fake.script("503", "500", "502_html", "408")
    sleeps = Sleeps()
    with make_client(fake.url, sleeps) as client:
        created = client.create_job(job())
    assert created.attempts == 5
    # rng = 0.5: wait = 0.75 * cap, cap = 0.5, 1, 2, 4 -> 0.375, 0.75, 1.5, 3.0
    assert sleeps.calls == [0.375, 0.75, 1.5, 3.0]
    assert len(fake.jobs) == 1


def test_retries_are_bounded(fake: FakePlayment) -> None:
    fake.script("503", "503", "503", "503")
    sleeps = Sleeps()
    client = make_client(fake.url, sleeps, retry=RetryPolicy(max_attempts=3))
    with client, pytest.raises(ServerError) as info:
        client.create_job(job())
    assert (info.value.status, info.value.code, info.value.attempts) == (503, "api_error", 3)
    assert "after 3 attempts" in str(info.value)
    assert len(sleeps.calls) == 2
    assert fake.jobs == {}


def test_429_retry_after_is_honoured(fake: FakePlayment) -> None:
    fake.retry_after = "7"
    fake.script("429", "429")
    sleeps = Sleeps()
    with make_client(fake.url, sleeps) as client:
        created = client.create_job(job())
    assert created.attempts == 3
    assert sleeps.calls == [7.0, 7.0]


def test_retry_after_beyond_the_time_budget_gives_up_without_sleeping(fake: FakePlayment) -> None:
    fake.retry_after = "120"
    fake.script("429")
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=5, max_elapsed=60.0)
    with make_client(fake.url, sleeps, retry=policy) as client, pytest.raises(RateLimitError) as info:
        client.create_job(job())
    assert (info.value.status, info.value.retry_after) == (429, 120.0)
    assert sleeps.calls == []


def test_total_time_is_bounded_by_the_clock(fake: FakePlayment) -> None:
    fake.script(*["503"] * 10)
    now = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        now[0] += s

    policy = RetryPolicy(max_attempts=10, backoff_base=1.0, backoff_max=100.0, max_elapsed=10.0)
    client = PlaymentClient(PROJECT, KEY, base_url=fake.url, retry=policy, sleep=sleep,
                            clock=lambda: now[0], rng=lambda: 1.0)
    with client, pytest.raises(ServerError) as info:
        client.create_job(job())
    # waits 1, 2, 4 (t = 7); the next wait of 8 would end at 15 > 10 -> give up after attempt 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert info.value.attempts == 4


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    # Sun, 06 Nov 1994 08:49:37 GMT = 784111777; "now" 30 s earlier
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now=lambda: 784111747.0) == 30.0


def test_client_errors_are_not_retried(fake: FakePlayment) -> None:
    sleeps = Sleeps()
    payload = sample_payload(1)  # no work_flow_id -> FS_0005
    with make_client(fake.url, sleeps) as client, pytest.raises(RequestRejectedError) as info:
        client.create_job(payload)
    assert (info.value.status, info.value.code, info.value.attempts) == (400, "FS_0005", 1)
    assert "work_flow_id" in info.value.message
    assert sleeps.calls == []


def test_unknown_job_is_a_request_error(fake: FakePlayment) -> None:
    with make_client(fake.url) as client, pytest.raises(RequestRejectedError) as info:
        client.get_job("nope")
    assert (info.value.status, info.value.code) == (404, "not_found")


# ------------------------------------------------------------- lost answers (exactly once)


@pytest.mark.parametrize("fault", ["drop_after_store", "garbage_after_store", "empty_after_store"])
def test_answer_lost_after_store_becomes_duplicate(fake: FakePlayment, fault: str) -> None:
    fake.script(fault)
    with make_client(fake.url) as client, pytest.raises(DuplicateReferenceError) as info:
        client.create_job(job(3))
    assert (info.value.code, info.value.attempts) == ("FS_0001", 2)
    assert fake.store_log == ["job-00003"]


def test_dropped_before_store_is_created_on_retry(fake: FakePlayment) -> None:
    fake.script("drop_before_store")
    with make_client(fake.url) as client:
        created = client.create_job(job(4))
    assert created.attempts == 2
    assert fake.store_log == ["job-00004"]


def test_answer_slower_than_the_timeout(fake: FakePlayment) -> None:
    fake.slow_seconds = 0.4
    fake.script("slow")
    with make_client(fake.url, timeout=0.1) as client, pytest.raises(DuplicateReferenceError) as info:
        client.create_job(job(5))
    assert info.value.attempts == 2
    assert fake.store_log == ["job-00005"]


def test_timeout_every_time_is_a_timeout_error(fake: FakePlayment) -> None:
    fake.slow_seconds = 0.3
    fake.script("slow", "slow")
    client = make_client(fake.url, timeout=0.1, retry=RetryPolicy(max_attempts=2))
    with client, pytest.raises(ApiTimeoutError) as info:
        client.create_job(job(6))
    assert (info.value.status, info.value.code, info.value.attempts) == (None, "timeout", 2)


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the client connects
    sleeps = Sleeps()
    client = make_client(f"http://127.0.0.1:{port}", sleeps, retry=RetryPolicy(max_attempts=3))
    with client, pytest.raises(ApiConnectionError) as info:
        client.create_job(job())
    assert (info.value.code, info.value.attempts) == ("connection_error", 3)
    assert len(sleeps.calls) == 2


# --------------------------------------------------------------------------- odd bodies


def _mock(status: int, content: bytes, ctype: str = "application/json") -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content,
                                                              headers={"content-type": ctype}))


def test_4xx_without_envelope() -> None:
    client = make_client("https://api.example", transport=_mock(400, b"Bad Request", "text/plain"))
    with client, pytest.raises(RequestRejectedError) as info:
        client.create_job(job())
    assert (info.value.status, info.value.code) == (400, "http_400")
    assert "text/plain" in info.value.message


def test_200_with_success_false_is_an_error() -> None:
    body = b'{"success": false, "error": {"code": "FS_0003", "message": "invalid frame_id"}}'
    client = make_client("https://api.example", transport=_mock(200, body))
    with client, pytest.raises(RequestRejectedError) as info:
        client.create_job(job())
    assert (info.value.code, info.value.message) == ("FS_0003", "invalid frame_id")


def test_malformed_2xx_every_time() -> None:
    sleeps = Sleeps()
    client = make_client("https://api.example", sleeps, transport=_mock(200, b"[1, 2"),
                         retry=RetryPolicy(max_attempts=2))
    with client, pytest.raises(MalformedResponseError) as info:
        client.create_job(job())
    assert (info.value.code, info.value.attempts) == ("malformed_response", 2)
    assert len(sleeps.calls) == 1


def test_undecodable_body_is_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:  # claims gzip, is not: httpx raises DecodingError while reading it
            return httpx.Response(200, content=b"not gzip", headers={"content-encoding": "gzip"})
        return httpx.Response(200, json={"success": True, "data": {"job_id": "j2", "reference_id": "r"}})

    sleeps = Sleeps()
    with make_client("https://api.example", sleeps, transport=httpx.MockTransport(handler)) as client:
        created = client.create_job({"reference_id": "r"})
    assert (created.job_id, created.attempts, len(sleeps.calls)) == ("j2", 2, 1)


def test_custom_paths_and_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True, "data": {"job_id": "j1", "reference_id": "r"}})

    client = make_client("https://h.example/", transport=httpx.MockTransport(handler),
                         jobs_path="/projectsvc/projects/{project_id}/jobs")
    with client:
        client.create_job({"reference_id": "r"})
    assert str(seen[0].url) == "https://h.example/projectsvc/projects/proj-1/jobs"
    assert seen[0].headers["x-api-key"] == KEY
    assert seen[0].headers["content-type"] == "application/json"


# ----------------------------------------------------------------------- key hygiene


def test_key_never_appears_in_repr_errors_or_logs(fake: FakePlayment, caplog: pytest.LogCaptureFixture,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    fake.script("echo_key", "503", "drop_before_store")
    with make_client(fake.url) as client:
        texts += [repr(client), str(client), repr(Secret(KEY)), str(vars(client))]
        with pytest.raises(RequestRejectedError) as info:
            client.create_job(job(1))
        texts += [str(info.value), repr(info.value), info.value.message]
        assert "***" in info.value.message  # the server echoed the key; the client redacted it
        client.create_job(job(2))  # a 503 and a dropped connection, retried and logged
    bad = PlaymentClient(PROJECT, "wrong", base_url=fake.url)
    with bad, pytest.raises(AuthError) as auth:
        bad.create_job(job(3))
    texts += [str(auth.value), caplog.text, *capsys.readouterr()]
    assert "retry" in caplog.text
    assert all(KEY not in t for t in texts)

"""``prelabel submit`` / submit_payloads against the fake server: exactly once under faults and kills.

Fault-heavy runs go through the library with an injected ``sleep`` (no real backoff); CLI runs go
through ``converters.cli.main`` and use faults that are never retried, so they never sleep either.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fake_playment import FakePlayment, sample_payload

from converters import AuthError, PayloadsInvalidError, PlaymentClient, submit_payloads
from converters.cli import main, submit
from converters.errors import InputError, PrelabelError, UsageError
from converters.playment.client import RetryPolicy

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-live-5e8d1c44-TOPSECRET-9aa0"
PROJECT = "proj-1"
WF = "2aae1234-acac-1234-eeff-12a22a237bbc"


@pytest.fixture
def fake() -> Iterator[FakePlayment]:
    with FakePlayment(api_key=KEY, project_id=PROJECT) as server:
        yield server


def payloads(n: int, start: int = 0, **kw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(start, start + n):
        p = sample_payload(i, **kw)
        p["work_flow_id"] = WF
        out.append(p)
    return out


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in items))
    return path


def ledger_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def job_lines(path: Path) -> list[dict[str, Any]]:
    return [rec for rec in ledger_lines(path) if rec["kind"] == "job"]


def client_for(fake: FakePlayment, sleeps: list[float] | None = None, **kw: Any) -> PlaymentClient:
    record = sleeps if sleeps is not None else []
    kw.setdefault("retry", RetryPolicy(max_attempts=5))
    return PlaymentClient(PROJECT, kw.pop("key", KEY), base_url=fake.url, sleep=record.append,
                          rng=lambda: 0.5, **kw)


SUBMIT_SCRIPT = """
import argparse, sys
from converters.cli import submit
parser = argparse.ArgumentParser(prog="prelabel submit")
submit.add_arguments(parser)
sys.exit(submit.run(parser.parse_args(sys.argv[1:])))
"""


def cli(*args: str) -> int:
    """``prelabel submit ARGS`` through add_arguments/run, mapping errors to exit codes like main()."""
    parser = argparse.ArgumentParser(prog="prelabel submit", exit_on_error=False)
    submit.add_arguments(parser)
    parser.add_argument("--debug", action="store_true")
    try:
        return submit.run(parser.parse_args(list(args)))
    except argparse.ArgumentError as exc:
        sys.stderr.write(f"prelabel submit: error: {exc}\n")
        return 2
    except PrelabelError as exc:
        sys.stderr.write(f"prelabel: error: {exc}\n")
        return exc.exit_code


def assert_exactly_once(fake: FakePlayment, refs: list[str], ledger: Path) -> None:
    """The server holds each ref once, and the ledger lists each ref once with the server's job id."""
    assert sorted(fake.store_log) == sorted(refs)  # stored once each, nothing else
    lines = job_lines(ledger)
    assert sorted(rec["reference_id"] for rec in lines) == sorted(refs)
    for rec in lines:
        if rec["status"] == "created":
            assert rec["job_id"] == fake.jobs[rec["reference_id"]]["job_id"]
        else:
            assert (rec["status"], rec["job_id"]) == ("exists", None)


# ------------------------------------------------------------------------- exactly once


def test_500_jobs_under_random_faults(tmp_path: Path) -> None:
    items = payloads(500)
    src = write_jsonl(tmp_path / "jobs.jsonl", items)
    ledger = tmp_path / "submitted.jsonl"
    sleeps: list[float] = []
    with FakePlayment(api_key=KEY, project_id=PROJECT, fault_rate=0.3, seed=20240501,
                      max_faults_per_ref=3, retry_after="1") as fake:
        with client_for(fake, sleeps) as client:
            summary = submit_payloads([src], client, ledger_path=ledger, concurrency=8)
        stats = fake.stats()
        assert_exactly_once(fake, [p["reference_id"] for p in items], ledger)
    faults = stats["faults"]
    # at most 3 faults per ref and 5 attempts: every job gets through, and each fault cost one retry
    assert summary.ok, summary.summary_lines()
    assert summary.created + summary.already_there == 500
    assert summary.retries == sum(faults.values())
    assert sum(faults.values()) > 150  # the faults really happened, of every kind
    assert set(faults) == {"503", "500", "502_html", "408", "429", "drop_before_store", "drop_after_store",
                           "garbage_after_store", "empty_after_store"}
    assert summary.already_there == sum(1 for rec in job_lines(ledger) if rec["status"] == "exists") > 0
    assert sleeps.count(1.0) == faults["429"]  # every 429 waited exactly its Retry-After
    assert len(sleeps) == sum(faults.values())


class Killed(BaseException):
    """Stands for the process dying: not an Exception, nothing may swallow it."""


class KillAfter(httpx.BaseTransport):
    """Real HTTP, but the process 'dies' right after the server answered request ``n`` (the job is
    stored, the answer never read) and no request goes out after that."""

    def __init__(self, n: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.n = n
        self.sent = 0
        self.dead = False
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            if self.dead:
                raise Killed
            self.sent += 1
            fatal = self.sent == self.n
            self.dead = fatal
        response = self.inner.handle_request(request)
        if fatal:
            response.close()
            raise Killed
        return response

    def close(self) -> None:
        self.inner.close()


def test_killed_halfway_then_rerun(tmp_path: Path, fake: FakePlayment) -> None:
    items = payloads(500)
    src = write_jsonl(tmp_path / "jobs.jsonl", items)
    ledger = tmp_path / "submitted.jsonl"
    killer = KillAfter(250)
    with client_for(fake, transport=killer) as client, pytest.raises(Killed):
        submit_payloads([src], client, ledger_path=ledger, concurrency=8)
    first = job_lines(ledger)
    # requests 1..250 reached the server; the answers of 1..249 were read and written to the ledger
    assert len(fake.store_log) == 250
    assert len(first) == 249
    with ledger.open("ab") as f:  # and the kill tore the ledger's last line
        f.write(b'{"kind":"job","project_id":"proj-1","reference_id":"job-00')
    with client_for(fake) as client:
        summary = submit_payloads([src], client, ledger_path=ledger, concurrency=8)
    assert summary.ok
    # 249 skipped; the killed job (stored, not in the ledger) -> FS_0001; 250 never sent -> created
    assert (summary.in_ledger, summary.already_there, summary.created) == (249, 1, 250)
    assert_exactly_once(fake, [p["reference_id"] for p in items], ledger)


def _wait_for(pred: Any, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.01)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_signal_then_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sig: signal.Signals) -> None:
    total = 1200  # far more than the signal lets through, even on a loaded machine
    items = payloads(total)
    src = write_jsonl(tmp_path / "jobs.jsonl", items)
    ledger = tmp_path / "submitted.jsonl"
    with FakePlayment(api_key=KEY, project_id=PROJECT, latency=0.004) as fake:
        args = [str(src), "--project-id", PROJECT, "--base-url", fake.url, "--concurrency", "4"]
        env = {**os.environ, "PLAYMENT_API_KEY": KEY, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-c", SUBMIT_SCRIPT, *args], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _wait_for(lambda: len(fake.store_log) >= 100 or proc.poll() is not None)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        # the server still answers what the dead process had sent; wait until its sockets are closed
        _wait_for(lambda: fake.open_connections == 0)
        stored, posts = len(fake.store_log), sum(fake.job_posts.values())
        assert 100 <= stored < total
        assert KEY.encode() not in out + err
        complete = ledger.read_bytes().split(b"\n")[:-1]  # lines the kill did not tear
        if sig == signal.SIGKILL:
            assert proc.returncode == -signal.SIGKILL, err
            assert len(complete) <= stored
        else:  # Ctrl-C: the answers in flight are awaited and written; nothing is left unrecorded
            assert proc.returncode == 130, err
            assert b"interrupted: rerun the same command to continue" in err
            assert len(complete) == stored
        monkeypatch.setenv("PLAYMENT_API_KEY", KEY)
        assert cli(*args) == 0
        assert_exactly_once(fake, [p["reference_id"] for p in items], ledger)
    # the rerun asked once for every job not in the ledger; those stored by the killed run -> exists
    assert sum(fake.job_posts.values()) - posts == total - len(complete)
    exists = sum(1 for rec in job_lines(ledger) if rec["status"] == "exists")
    assert exists == stored - len(complete)


# ------------------------------------------------------------------------------ ledger


def test_rerun_skips_what_the_ledger_lists(tmp_path: Path, fake: FakePlayment) -> None:
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(3))
    ledger = tmp_path / "l.jsonl"
    with client_for(fake) as client:
        first = submit_payloads([src], client, ledger_path=ledger)
        second = submit_payloads([src], client, ledger_path=ledger)
    assert (first.created, first.in_ledger) == (3, 0)
    assert (second.created, second.in_ledger, second.already_there) == (0, 3, 0)
    assert fake.stats()["job_posts"] == 3
    lines = ledger_lines(ledger)
    assert sorted(rec["reference_id"] for rec in lines) == ["job-00000", "job-00001", "job-00002"]
    assert set(lines[0]) == {"kind", "project_id", "reference_id", "job_id", "status", "time"}


def test_progress_reports_every_answer(fake: FakePlayment) -> None:
    seen: list[tuple[int, int]] = []
    with client_for(fake) as client:
        submit_payloads(payloads(5), client, ledger_path=None, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_ledger_of_another_project_is_not_used(tmp_path: Path, fake: FakePlayment) -> None:
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(2))
    ledger = tmp_path / "l.jsonl"
    ledger.write_text('{"kind":"job","project_id":"other","reference_id":"job-00000","job_id":"x"}\n')
    with client_for(fake) as client:
        summary = submit_payloads([src], client, ledger_path=ledger)
    assert (summary.created, summary.in_ledger) == (2, 0)


def test_corrupt_ledger_line_in_the_middle_stops(tmp_path: Path, fake: FakePlayment) -> None:
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(1))
    ledger = tmp_path / "l.jsonl"
    ledger.write_text('{"kind":"job","project_id":"proj-1","reference_id":"a","job_id":"1"}\nnot json\n{}\n')
    with client_for(fake) as client, pytest.raises(InputError) as info:
        submit_payloads([src], client, ledger_path=ledger)
    assert info.value.location == f"{ledger}:2"
    assert fake.stats()["job_posts"] == 0


def test_torn_last_line_is_dropped_and_the_job_asked_again(tmp_path: Path, fake: FakePlayment) -> None:
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(2))
    ledger = tmp_path / "l.jsonl"
    with client_for(fake) as client:
        submit_payloads([src], client, ledger_path=ledger, concurrency=1)
        raw = ledger.read_bytes()
        ledger.write_bytes(raw[: raw.index(b"\n") + 1] + raw[raw.index(b"\n") + 1 : -20])  # tear line 2
        summary = submit_payloads([src], client, ledger_path=ledger)
    assert (summary.in_ledger, summary.already_there, summary.created) == (1, 1, 0)
    assert [rec["status"] for rec in ledger_lines(ledger)] == ["created", "exists"]


# ---------------------------------------------------------------------- batch / fill


def test_batch_name_is_created_once_and_reused(tmp_path: Path, fake: FakePlayment) -> None:
    ledger = tmp_path / "l.jsonl"
    with client_for(fake) as client:
        s1 = submit_payloads(payloads(2), client, ledger_path=ledger, batch_name="nightly")
        s2 = submit_payloads(payloads(2, start=2), client, ledger_path=ledger, batch_name="nightly")
    bid = fake.batches["nightly"]["batch_id"]
    assert fake.stats()["requests"]["POST batch"] == 1
    assert (s1.batch_id, s2.batch_id) == (bid, bid)
    assert "reused from the ledger" in s2.batch_status
    assert {job["batch_id"] for job in fake.jobs.values()} == {bid}
    rec = ledger_lines(ledger)[0]
    assert (rec["kind"], rec["name"], rec["batch_id"]) == ("batch", "nightly", bid)


def test_batch_name_taken_on_the_server_is_reused(tmp_path: Path, fake: FakePlayment) -> None:
    with client_for(fake) as client:
        bid = client.create_batch("weekly").batch_id
        summary = submit_payloads(payloads(1), client, ledger_path=tmp_path / "l.jsonl", batch_name="weekly")
    assert summary.batch_id == bid
    assert "existed on the server" in summary.batch_status
    assert len(fake.batches) == 1


def test_fill_batch_and_work_flow(tmp_path: Path, fake: FakePlayment) -> None:
    with client_for(fake) as client:
        bid = client.create_batch("b").batch_id
        own = client.create_batch("own").batch_id
        a, b, c = (sample_payload(i) for i in range(3))
        b["tag"] = "legacy-tag"  # A3: never work_flow_id beside a tag
        c["batch_id"], c["work_flow_id"] = own, "wf-own"
        summary = submit_payloads([a, b, c], client, ledger_path=None, batch_id=bid, work_flow_id=WF)
    assert summary.created == 3
    sent = {ref: job["payload"] for ref, job in fake.jobs.items()}
    assert (sent["job-00000"]["batch_id"], sent["job-00000"]["work_flow_id"]) == (bid, WF)
    assert "work_flow_id" not in sent["job-00001"] and sent["job-00001"]["tag"] == "legacy-tag"
    assert (sent["job-00002"]["batch_id"], sent["job-00002"]["work_flow_id"]) == (own, "wf-own")


def test_rejected_jobs_are_counted_by_code(tmp_path: Path, fake: FakePlayment) -> None:
    items = payloads(3)
    del items[1]["work_flow_id"]  # valid payload, but the server wants a work_flow_id: FS_0005
    ledger = tmp_path / "l.jsonl"
    with client_for(fake) as client:
        summary = submit_payloads(items, client, ledger_path=ledger)
    assert (summary.created, dict(summary.failed)) == (2, {"FS_0005": 1})
    assert summary.failures[0][:2] == ("job-00001", "FS_0005")
    assert not summary.ok
    assert sorted(rec["reference_id"] for rec in ledger_lines(ledger)) == ["job-00000", "job-00002"]


def test_stops_after_consecutive_transient_failures(tmp_path: Path, fake: FakePlayment) -> None:
    fake.script(*["503"] * 50)
    with client_for(fake, retry=RetryPolicy(max_attempts=1)) as client:
        summary = submit_payloads(payloads(20), client, ledger_path=None, concurrency=1,
                                  max_consecutive_failures=3)
    # the 3rd failure stops the run; one more job was already queued (look-ahead 2 x concurrency)
    failed = summary.failed["api_error"]
    assert 3 <= failed <= 4 and len(summary.failed) == 1
    assert summary.not_attempted == 20 - failed
    assert summary.aborted is not None and "jobs in a row failed" in summary.aborted
    assert fake.stats()["job_posts"] == failed


def test_auth_error_stops_the_run_without_retries(tmp_path: Path, fake: FakePlayment) -> None:
    sleeps: list[float] = []
    with client_for(fake, sleeps, key="not-the-key") as client, pytest.raises(AuthError):
        submit_payloads(payloads(50), client, ledger_path=tmp_path / "l.jsonl", concurrency=4)
    assert sleeps == []
    assert sum(fake.job_posts.values()) == 1  # the first job goes alone; nothing after the 401
    assert fake.jobs == {}


# -------------------------------------------------------------------------- validation


def test_invalid_payload_means_nothing_is_sent(tmp_path: Path, fake: FakePlayment) -> None:
    items = payloads(3)
    items[1]["data"]["maker_response"]["video2d"]["data"]["annotations"][0]["frames"]["frame-001"][
        "coordinates"] = [{"x": 0.1, "y": 0.1}]  # a rectangle needs 4 corners
    src = write_jsonl(tmp_path / "jobs.jsonl", items)
    with client_for(fake) as client, pytest.raises(PayloadsInvalidError) as info:
        submit_payloads([src], client, ledger_path=tmp_path / "l.jsonl")
    assert (info.value.invalid, info.value.total) == (1, 3)
    assert all(i.location.startswith(f"{src}:2") for i in info.value.issues)
    assert fake.stats()["requests"] == {}
    assert not (tmp_path / "l.jsonl").exists()


def test_duplicate_reference_ids_and_unreadable_lines(tmp_path: Path, fake: FakePlayment) -> None:
    items = payloads(2)
    items[1]["reference_id"] = items[0]["reference_id"]
    src = write_jsonl(tmp_path / "jobs.jsonl", items)
    with src.open("ab") as f:
        f.write(b"{broken\n[1]\n")
    with client_for(fake) as client, pytest.raises(PayloadsInvalidError) as info:
        submit_payloads([src], client, ledger_path=None)
    codes = [(i.code, i.location) for i in info.value.issues]
    assert ("reference_id_duplicate", f"{src}:2") in codes
    assert ("payload_unreadable", f"{src}:3") in codes
    assert ("payload_unreadable", f"{src}:4") in codes
    assert "also at " + f"{src}:1" in info.value.issues[0].message
    assert fake.stats()["requests"] == {}


def test_directories_are_read_sorted_and_skip_ledgers(tmp_path: Path, fake: FakePlayment) -> None:
    root = tmp_path / "out"
    (root / "b").mkdir(parents=True)
    (root / ".hidden").mkdir()
    items = payloads(4)
    (root / "b" / "z.json").write_bytes(orjson.dumps(items[0]))
    write_jsonl(root / "a.jsonl", [items[1], items[2]])
    (root / "c.json").write_bytes(orjson.dumps(items[3]))
    (root / ".hidden" / "x.json").write_bytes(b"not even json")
    (root / "notes.txt").write_text("ignored")
    (root / "l.jsonl").write_text("")  # the ledger in use, inside the folder: not a payload file
    with client_for(fake) as client:
        first = submit_payloads([root], client, ledger_path=root / "l.jsonl", concurrency=1)
        (root / "submitted.jsonl").write_text('{"kind": "job"}\n')  # the default ledger name: skipped
        second = submit_payloads([root], client, ledger_path=None, concurrency=1)
    # order: a.jsonl:1, a.jsonl:2, b/z.json, c.json -> job-00001, job-00002, job-00000, job-00003
    assert fake.store_log == ["job-00001", "job-00002", "job-00000", "job-00003"]
    assert (first.payloads, first.created) == (4, 4)
    assert (second.payloads, second.already_there) == (4, 4)


def test_library_refuses_contradictions(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        submit_payloads([], None, ledger_path=None)
    with pytest.raises(UsageError):
        submit_payloads([], None, ledger_path=None, dry_run=True, project_id="p", batch_id="a",
                        batch_name="b")
    with pytest.raises(UsageError):
        submit_payloads([tmp_path / "missing.jsonl"], None, ledger_path=None, dry_run=True, project_id="p")


# --------------------------------------------------------------------------------- CLI


def test_cli_submit_and_rerun(tmp_path: Path, fake: FakePlayment, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLAYMENT_API_KEY", KEY)
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(4))
    args = [str(src), "--project-id", PROJECT, "--base-url", fake.url, "--batch-name", "cli"]
    assert cli(*args) == 0
    err = capsys.readouterr().err
    assert "created         4" in err and f"ledger            {tmp_path / 'submitted.jsonl'}" in err
    assert cli(*args) == 0
    assert "in ledger       4 (skipped)" in capsys.readouterr().err
    assert len(fake.jobs) == 4 and len(fake.batches) == 1


def test_cli_dry_run_needs_no_key_and_sends_nothing(tmp_path: Path, fake: FakePlayment,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PLAYMENT_API_KEY", raising=False)
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(3))
    args = [str(src), "--project-id", PROJECT, "--base-url", fake.url, "--dry-run", "--batch-name", "x"]
    assert cli(*args) == 0
    err = capsys.readouterr().err
    assert "would submit    3" in err and "'x' (would be created)" in err
    assert fake.stats()["requests"] == {}
    assert not (tmp_path / "submitted.jsonl").exists()


def test_cli_usage_errors(tmp_path: Path, fake: FakePlayment, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PLAYMENT_API_KEY", raising=False)
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(1))
    base = [str(src), "--project-id", PROJECT, "--base-url", fake.url]
    assert cli(*base) == 2
    assert "PLAYMENT_API_KEY" in capsys.readouterr().err
    (tmp_path / "empty.key").write_text("\n")
    assert cli(*base, "--api-key-file", str(tmp_path / "empty.key")) == 2
    assert cli(*base, "--batch-id", "a", "--batch-name", "b") == 2
    assert cli(*base, "--concurrency", "0", "--dry-run") == 2
    assert cli(str(tmp_path / "nope.jsonl"), "--project-id", PROJECT, "--dry-run") == 2
    assert fake.stats()["requests"] == {}


def test_cli_invalid_payloads_exit_1(tmp_path: Path, fake: FakePlayment, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLAYMENT_API_KEY", KEY)
    items = payloads(2)
    del items[0]["data"]
    src = write_jsonl(tmp_path / "jobs.jsonl", items)
    assert cli(str(src), "--project-id", PROJECT, "--base-url", fake.url) == 1
    err = capsys.readouterr().err
    assert f"{src}:1" in err and "1 of 2 payload(s) invalid; nothing was submitted" in err
    assert fake.stats()["requests"] == {}


def test_cli_wrong_key(tmp_path: Path, fake: FakePlayment, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLAYMENT_API_KEY", "definitely-wrong")
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(5))
    assert cli(str(src), "--project-id", PROJECT, "--base-url", fake.url, "--concurrency", "1") == 2
    err = capsys.readouterr().err
    assert "HTTP 401 auth-failure" in err and "check the API key" in err
    assert fake.stats()["job_posts"] == 1


def test_key_is_absent_from_every_output(tmp_path: Path, fake: FakePlayment, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str],
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.delenv("PLAYMENT_API_KEY", raising=False)
    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n")
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(6))
    ledger = tmp_path / "ledger.jsonl"
    base = [str(src), "--project-id", PROJECT, "--base-url", fake.url, "--ledger", str(ledger),
            "--concurrency", "1", "--debug"]
    fake.script("ok", "echo_key")  # the server repeats the key in an error message
    assert cli(*base, "--api-key-file", str(key_file), "--batch-name", "k") == 1
    assert cli(*base, "--api-key-file", str(key_file)) == 0  # rerun: the failed job goes through
    monkeypatch.setenv("PLAYMENT_API_KEY", "wrong-" + KEY[:8])
    assert cli(*base[:-5], "--ledger", str(tmp_path / "other.jsonl"), "--debug") == 2
    out, err = capsys.readouterr()
    assert "***" in err  # the echoed key was redacted in the failure line
    assert len(fake.jobs) == 6
    for text in (out, err, caplog.text, ledger.read_text()):
        assert KEY not in text


def test_prelabel_main_wires_submit(tmp_path: Path, fake: FakePlayment, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLAYMENT_API_KEY", KEY)
    src = write_jsonl(tmp_path / "jobs.jsonl", payloads(2))
    assert main(["submit", str(src), "--project-id", PROJECT, "--base-url", fake.url, "--quiet"]) == 0
    assert len(fake.jobs) == 2
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("PLAYMENT_API_KEY", "wrong")
    assert main(["submit", str(src), "--project-id", PROJECT, "--base-url", fake.url,
                 "--ledger", str(tmp_path / "other.jsonl")]) == 2
    assert "prelabel: error: HTTP 401 auth-failure" in capsys.readouterr().err

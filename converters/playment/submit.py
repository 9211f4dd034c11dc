"""``prelabel submit``: create job payloads on Playment, resumable and exactly once.

Flow: read every payload (``.json`` = one payload, ``.jsonl`` = one per line,
directories = ``*.json`` / ``*.jsonl`` below them, sorted; hidden entries and ledgers, by name or
by content, skipped) ->
fill ``batch_id`` / ``work_flow_id`` where the payload lacks them (never ``work_flow_id`` beside a
legacy ``tag``, A3) -> validate all of them (:class:`PayloadValidator`, reference_id present and
unique) -> only when all are valid: resolve the batch -> POST the jobs from a thread pool.

Exactly once: Playment refuses a second job with the same reference_id (``FS_0001``). A job whose
answer was lost (dropped connection, timeout, killed process) is simply sent again and its FS_0001
counts as "already there". The ledger (``submitted.jsonl`` beside the payloads or ``--ledger``) gets
one JSON line per job the server holds, written with a single ``write`` and fsynced before the job
counts as done; a rerun skips the reference_ids it lists for the same project. A torn last line (the
process killed mid-write) is dropped on the next run and that job is asked again (FS_0001 -> ledger).
Ledger lines::

    {"kind":"job","project_id":P,"reference_id":R,"job_id":J|null,"status":"created"|"exists","time":T}
    {"kind":"batch","project_id":P,"name":N,"batch_id":B,"time":T}
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TextIO

import orjson

from ..errors import InputError, Issue, SchemaValidationError, UsageError, issue_lines
from ..progress import ProgressBar
from .client import (
    DEFAULT_BASE_URL,
    AuthError,
    DuplicateReferenceError,
    PlaymentApiError,
    PlaymentClient,
    RetryPolicy,
)
from .payload_files import DEFAULT_LEDGER_NAME, iter_payload_files

__all__ = [
    "DEFAULT_LEDGER_NAME",
    "Ledger",
    "PayloadsInvalidError",
    "SubmitSummary",
    "add_arguments",
    "iter_payload_entries",
    "read_api_key",
    "run",
    "submit_payloads",
]

API_KEY_ENV = "PLAYMENT_API_KEY"
MAX_LISTED_ISSUES = 1000
MAX_LISTED_FAILURES = 100


class _Checker(Protocol):
    def check(self, payload: dict[str, Any], location: str) -> list[Issue]: ...


class PayloadsInvalidError(SchemaValidationError):
    """Some payloads are invalid; nothing was sent. ``invalid`` of ``total`` payloads failed."""

    def __init__(self, issues: list[Issue], invalid: int, total: int, not_listed: int = 0) -> None:
        super().__init__(issues)
        self.invalid = invalid
        self.total = total
        self.not_listed = not_listed
        first = self.args[0]
        self.args = (f"{invalid} of {total} payload(s) invalid, nothing was submitted; first: {first}",)


# ----------------------------------------------------------------------------------- summary


@dataclass
class SubmitSummary:
    """What one submit run did. ``ok`` is False if anything failed or was left unsent."""

    project_id: str = ""
    payloads: int = 0
    in_ledger: int = 0
    created: int = 0
    already_there: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    not_attempted: int = 0
    retries: int = 0
    without_batch: int = 0
    batch_id: str | None = None
    batch_status: str = ""
    ledger: str | None = None
    dry_run: bool = False
    interrupted: bool = False
    aborted: str | None = None
    elapsed: float = 0.0

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def ok(self) -> bool:
        unsent = self.not_attempted and not self.dry_run
        return not self.failed and not unsent and not self.interrupted and self.aborted is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "payloads": self.payloads,
            "in_ledger": self.in_ledger,
            "created": self.created,
            "already_there": self.already_there,
            "failed": self.failed_total,
            "failed_by_code": dict(sorted(self.failed.items())),
            "failures": [{"reference_id": r, "code": c, "message": m} for r, c, m in self.failures],
            "not_attempted": self.not_attempted,
            "retries": self.retries,
            "without_batch": self.without_batch,
            "batch_id": self.batch_id,
            "batch_status": self.batch_status,
            "ledger": self.ledger,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "aborted": self.aborted,
            "elapsed_s": round(self.elapsed, 3),
        }

    def summary_lines(self) -> list[str]:
        sent = self.created + self.already_there + self.failed_total
        rate = f" ({sent / self.elapsed:.0f} jobs/s)" if self.elapsed > 0 and sent else ""
        lines = [f"payloads          {self.payloads}",
                 f"  in ledger       {self.in_ledger} (skipped)"]
        if self.dry_run:
            lines.append(f"  would submit    {self.not_attempted}")
        else:
            lines += [f"  created         {self.created}",
                      f"  already there   {self.already_there}",
                      f"  failed          {self.failed_total}"]
            lines += [f"    {code:<22} {n}" for code, n in sorted(self.failed.items())]
            if self.not_attempted:
                lines.append(f"  not attempted   {self.not_attempted} (rerun to continue)")
            lines.append(f"retries           {self.retries}")
        if self.batch_id or self.batch_status:
            lines.append(f"batch             {self.batch_id or '-'} {self.batch_status}".rstrip())
        if self.without_batch:
            lines.append(f"without batch_id  {self.without_batch} (Playment's Default batch)")
        if self.ledger:
            lines.append(f"ledger            {self.ledger}")
        lines.append(f"elapsed           {self.elapsed:.2f} s{rate}")
        if self.aborted:
            lines.append(f"aborted: {self.aborted}")
        if self.interrupted:
            lines.append("interrupted: rerun the same command to continue")
        return lines


# ------------------------------------------------------------------------------------ ledger


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ledger:
    """Append-only JSONL record of the jobs (and batches) Playment holds for a project."""

    def __init__(self, path: Path, project_id: str) -> None:
        self.path = path
        self.project_id = project_id
        self.jobs: dict[str, str | None] = {}
        self.batches: dict[str, str] = {}
        self.other_projects = 0
        self._torn_at: int | None = None
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise UsageError(f"cannot read the ledger {self.path}: {exc.strerror}") from None
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:  # no final newline: the last line was torn by a kill mid-write
            self._torn_at = len(raw) - len(lines[-1])
            lines.pop()
        for lineno, line in enumerate(lines, 1):
            if line.strip():
                self._take(line, lineno)

    def _take(self, line: bytes, lineno: int) -> None:
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise InputError("ledger line is not JSON; fix or remove it", f"{self.path}:{lineno}",
                             "ledger_corrupt") from None
        if not isinstance(rec, dict):
            raise InputError("ledger line is not an object", f"{self.path}:{lineno}", "ledger_corrupt")
        if rec.get("project_id") != self.project_id:
            self.other_projects += 1
            return
        if rec.get("kind") == "batch":
            name, bid = rec.get("name"), rec.get("batch_id")
            if isinstance(name, str) and isinstance(bid, str):
                self.batches[name] = bid
        elif isinstance(rec.get("reference_id"), str):
            job_id = rec.get("job_id")
            self.jobs[rec["reference_id"]] = job_id if isinstance(job_id, str) else None

    def open(self) -> None:
        """Open for appending (dropping a torn last line first)."""
        if self._fd is not None:
            return
        created = not self.path.exists()
        try:
            if self._torn_at is not None:
                os.truncate(self.path, self._torn_at)
                self._torn_at = None
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UsageError(f"cannot write the ledger {self.path}: {exc.strerror}") from None
        if created:
            self._sync_dir()

    def _sync_dir(self) -> None:
        try:
            dfd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:  # pragma: no cover - platforms without directory fds
            return
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def _append(self, record: dict[str, Any]) -> None:
        if self._fd is None:
            self.open()
        assert self._fd is not None
        line = orjson.dumps(record) + b"\n"
        with self._lock:
            os.write(self._fd, line)
        os.fsync(self._fd)  # outside the lock: concurrent answers share one disk flush

    def record_job(self, reference_id: str, job_id: str | None, status: str) -> None:
        self._append({"kind": "job", "project_id": self.project_id, "reference_id": reference_id,
                      "job_id": job_id, "status": status, "time": _now()})
        self.jobs[reference_id] = job_id

    def record_batch(self, name: str, batch_id: str) -> None:
        self._append({"kind": "batch", "project_id": self.project_id, "name": name,
                      "batch_id": batch_id, "time": _now()})
        self.batches[name] = batch_id

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# ---------------------------------------------------------------------------------- payloads


@dataclass(frozen=True, slots=True)
class _Entry:
    location: str
    payload: Any
    error: str | None = None


def iter_payload_entries(
    items: Iterable[str | Path | Mapping[str, Any]], exclude: Iterable[Path] = ()
) -> Iterator[_Entry]:
    """Every payload of ``items`` (paths or payload dicts) in order, with its location."""
    n = 0
    for item in items:
        if isinstance(item, Mapping):
            yield _Entry(f"payload[{n}]", item)
            n += 1
            continue
        for where, payload in iter_payload_files([item], exclude):
            if isinstance(payload, Issue):
                yield _Entry(where, None, payload.message)
            else:
                yield _Entry(where, payload)


def _fill(payload: Mapping[str, Any], batch_id: str | None, work_flow_id: str | None) -> dict[str, Any]:
    """Fill batch_id / work_flow_id where missing or empty; a legacy ``tag`` excludes work_flow_id."""
    out = dict(payload)
    if batch_id and not out.get("batch_id"):
        out["batch_id"] = batch_id
    if work_flow_id and not out.get("work_flow_id") and "tag" not in out:
        out["work_flow_id"] = work_flow_id
    return out


def _video_key(payload: Mapping[str, Any]) -> str:
    data = payload.get("data")
    maker = data.get("maker_response") if isinstance(data, dict) else None
    return "video_2d" if isinstance(maker, dict) and "video_2d" in maker else "video2d"


class _Validation:
    """Pass 1: parse, fill, validate; collects issues and checks reference_id uniqueness."""

    def __init__(self, validators: dict[str, _Checker] | None, label_set: Any) -> None:
        self._validators: dict[str, _Checker] = dict(validators or {})
        self._label_set = label_set
        self.seen: dict[str, str] = {}
        self.issues: list[Issue] = []
        self.not_listed = 0
        self.invalid = 0
        self.total = 0
        self.without_batch = 0

    def _checker(self, key: str) -> _Checker:
        if key not in self._validators:
            from .validate import PayloadValidator

            self._validators[key] = PayloadValidator(label_set=self._label_set, video_key=key)
        return self._validators[key]

    def _add(self, issues: list[Issue]) -> None:
        room = MAX_LISTED_ISSUES - len(self.issues)
        self.issues += issues[:max(room, 0)]
        self.not_listed += max(len(issues) - max(room, 0), 0)

    def check(self, entry: _Entry, batch_id: str | None, work_flow_id: str | None) -> None:
        self.total += 1
        loc = entry.location
        payload = entry.payload
        if entry.error is not None or not isinstance(payload, dict):
            why = entry.error or f"a payload must be a JSON object, got {type(payload).__name__}"
            self.invalid += 1
            self._add([Issue("error", "payload_unreadable", why, loc)])
            return
        issues: list[Issue] = []
        ref = payload.get("reference_id")
        if not isinstance(ref, str) or not ref:
            issues.append(Issue("error", "reference_id_missing", "reference_id must be a non-empty string",
                                loc))
        elif ref in self.seen:
            issues.append(Issue("error", "reference_id_duplicate",
                                f"reference_id {ref!r} also at {self.seen[ref]}", loc))
        else:
            self.seen[ref] = loc
        filled = _fill(payload, batch_id, work_flow_id)
        if not filled.get("batch_id"):
            self.without_batch += 1
        issues += [i for i in self._checker(_video_key(filled)).check(filled, loc) if i.severity == "error"]
        if issues:
            self.invalid += 1
            self._add(issues)


# ------------------------------------------------------------------------------------ submit


@dataclass(frozen=True, slots=True)
class _Outcome:
    reference_id: str
    status: str  # created | exists | failed
    attempts: int
    job_id: str | None = None
    error: PlaymentApiError | None = None


class _Sender:
    """Pass 2 worker: POST one job, write the ledger line before the answer counts."""

    def __init__(self, client: PlaymentClient, ledger: Ledger | None, stop: threading.Event) -> None:
        self.client = client
        self.ledger = ledger
        self.stop = stop

    def __call__(self, ref: str, body: bytes) -> _Outcome | None:
        if self.stop.is_set():
            return None
        try:
            created = self.client.create_job(body)
        except DuplicateReferenceError as exc:
            if self.ledger is not None:
                self.ledger.record_job(ref, None, "exists")
            return _Outcome(ref, "exists", exc.attempts)
        except PlaymentApiError as exc:
            return _Outcome(ref, "failed", exc.attempts, error=exc)
        if self.ledger is not None:
            self.ledger.record_job(ref, created.job_id, "created")
        return _Outcome(ref, "created", created.attempts, created.job_id)


def _resolve_batch(
    client: PlaymentClient | None, ledger: Ledger | None, name: str, description: str,
    summary: SubmitSummary, dry_run: bool,
) -> str | None:
    known = ledger.batches.get(name) if ledger is not None else None
    if known:
        summary.batch_id, summary.batch_status = known, f"'{name}' (reused from the ledger)"
        return known
    if dry_run or client is None:
        summary.batch_status = f"'{name}' (would be created)" if dry_run else f"'{name}' (not needed)"
        return None
    batch = client.ensure_batch(name, description)
    if ledger is not None:
        ledger.record_batch(name, batch.batch_id)
    how = "existed on the server, reused" if batch.existed else "created"
    summary.batch_id, summary.batch_status = batch.batch_id, f"'{name}' ({how})"
    return batch.batch_id


def submit_payloads(
    paths_or_payloads: Iterable[str | Path | Mapping[str, Any]],
    client: PlaymentClient | None,
    *,
    ledger_path: str | Path | None,
    concurrency: int = 4,
    batch_id: str | None = None,
    batch_name: str | None = None,
    batch_description: str = "",
    work_flow_id: str | None = None,
    dry_run: bool = False,
    project_id: str | None = None,
    label_set: Any = None,
    validators: dict[str, _Checker] | None = None,
    max_consecutive_failures: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SubmitSummary:
    """Validate every payload, then create the jobs not yet in the ledger; returns the summary.

    ``paths_or_payloads``: files (.json / .jsonl), directories, or payload dicts. ``client`` may be
    None only with ``dry_run``. Raises :class:`PayloadsInvalidError` (nothing sent) when a payload is
    invalid, :class:`AuthError` when the key is refused (the run stops at once). Jobs that fail for
    other reasons are counted in ``summary.failed`` by error code and the run goes on; after
    ``max_consecutive_failures`` transient failures in a row (default ``max(8, 2*concurrency)``)
    the rest is left for a rerun (``summary.not_attempted``). ``progress(done, total)`` is called
    from the calling thread as answers arrive.
    """
    t0 = time.perf_counter()
    if batch_id and batch_name:
        raise UsageError("give either a batch id or a batch name, not both")
    if concurrency < 1:
        raise UsageError(f"concurrency must be >= 1, got {concurrency}")
    if client is None and not dry_run:
        raise UsageError("a client is needed unless dry_run is set")
    pid = project_id or (client.project_id if client is not None else None)
    if not pid:
        raise UsageError("a project id is needed")
    items = [i if isinstance(i, Mapping) else Path(i) for i in paths_or_payloads]
    ledger = Ledger(Path(ledger_path), pid) if ledger_path is not None else None
    exclude = [ledger.path] if ledger is not None else []
    summary = SubmitSummary(project_id=pid, dry_run=dry_run, ledger=str(ledger.path) if ledger else None)

    check = _Validation(validators, label_set)
    for entry in iter_payload_entries(items, exclude):
        check.check(entry, batch_id, work_flow_id)
    summary.payloads = check.total
    summary.without_batch = 0 if batch_name else check.without_batch
    if check.invalid:
        raise PayloadsInvalidError(check.issues, check.invalid, check.total, check.not_listed)
    todo = [ref for ref in check.seen if ledger is None or ref not in ledger.jobs]
    summary.in_ledger = check.total - len(todo)
    if dry_run or not todo:
        if batch_name:
            _resolve_batch(None, ledger, batch_name, batch_description, summary, dry_run)
        summary.not_attempted = len(todo) if dry_run else 0
        summary.elapsed = time.perf_counter() - t0
        return summary
    assert client is not None
    try:
        if ledger is not None:
            ledger.open()
        if batch_name:
            batch_id = _resolve_batch(client, ledger, batch_name, batch_description, summary, False)
        elif batch_id:
            summary.batch_id = batch_id
        limit = max_consecutive_failures or max(8, 2 * concurrency)
        _send_all(items, exclude, client, ledger, concurrency, batch_id, work_flow_id, summary, limit,
                  progress, len(todo))
    finally:
        summary.not_attempted = len(todo) - summary.created - summary.already_there - summary.failed_total
        if ledger is not None:
            ledger.close()
        summary.elapsed = time.perf_counter() - t0
    return summary


def _send_all(
    items: list[Path | Mapping[str, Any]], exclude: list[Path], client: PlaymentClient,
    ledger: Ledger | None, concurrency: int, batch_id: str | None, work_flow_id: str | None,
    summary: SubmitSummary, limit: int, progress: Callable[[int, int], None] | None, total: int,
) -> None:
    stop = threading.Event()
    sender = _Sender(client, ledger, stop)
    done_refs = set(ledger.jobs) if ledger is not None else set()
    inflight: set[Future[_Outcome | None]] = set()
    streak = [0]
    fatal: list[BaseException] = []

    def settle(futures: set[Future[_Outcome | None]]) -> None:
        for fut in futures:
            try:
                outcome = fut.result()
            except BaseException as exc:  # a bug or a kill in a worker: stop and re-raise below
                stop.set()
                fatal.append(exc)
                continue
            if outcome is None:
                continue
            _tally(outcome, summary, streak)
            if progress is not None:
                progress(summary.created + summary.already_there + summary.failed_total, total)
            if isinstance(outcome.error, AuthError):
                stop.set()
                fatal.append(outcome.error)
            elif streak[0] >= limit and not stop.is_set():
                stop.set()
                summary.aborted = (f"{streak[0]} jobs in a row failed without a usable answer "
                                   f"(last: {outcome.error}); the rest is left for a rerun")

    first = True
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="prelabel-submit")
    try:
        for entry in iter_payload_entries(items, exclude):
            ref = entry.payload["reference_id"]
            if ref in done_refs:
                continue
            if stop.is_set():
                break
            body = orjson.dumps(_fill(entry.payload, batch_id, work_flow_id))
            while len(inflight) >= 2 * concurrency:
                finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                settle(finished)
            inflight.add(pool.submit(sender, ref, body))
            if first:  # the first job goes alone: a wrong key / project / URL costs one request
                first = False
                finished, inflight = wait(inflight)
                settle(finished)
        finished, inflight = wait(inflight)
        settle(finished)
    except KeyboardInterrupt:
        stop.set()
        summary.interrupted = True
        finished, inflight = wait(inflight)
        settle(finished)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if fatal:
        raise fatal[0]


def _tally(outcome: _Outcome, summary: SubmitSummary, streak: list[int]) -> None:
    summary.retries += outcome.attempts - 1
    if outcome.status == "created":
        summary.created += 1
        streak[0] = 0
    elif outcome.status == "exists":
        summary.already_there += 1
        streak[0] = 0
    else:
        err = outcome.error
        assert err is not None
        summary.failed[err.code] += 1
        if len(summary.failures) < MAX_LISTED_FAILURES:
            summary.failures.append((outcome.reference_id, err.code, str(err)))
        streak[0] = streak[0] + 1 if err.retryable else 0


# --------------------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``prelabel submit`` flags."""
    parser.description = ("Create the payloads' jobs on Playment. Every payload is validated first; "
                          "reruns skip what the ledger lists, and Playment holds each job once.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="payload files (.json, .jsonl) or directories from `prelabel convert`")
    parser.add_argument("--project-id", required=True, help="the Playment project id")
    batch = parser.add_mutually_exclusive_group()
    batch.add_argument("--batch-id", help="put jobs that carry no batch_id into this batch")
    batch.add_argument("--batch-name", help="create this batch once (reused on reruns) and use it")
    parser.add_argument("--work-flow-id", help="set work_flow_id on payloads that lack it (and have no tag)")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="requests in flight (default 4)")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate and count what would be sent; send nothing (no key needed)")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL,
                        help=f"API base URL (default {DEFAULT_BASE_URL})")
    parser.add_argument("--ledger", metavar="FILE",
                        help=f"the resumable ledger (default {DEFAULT_LEDGER_NAME} beside the first PATH)")
    parser.add_argument("--api-key-file", metavar="FILE",
                        help=f"read the API key from FILE (default: the {API_KEY_ENV} variable)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help="seconds to wait for each answer (default 30)")
    parser.add_argument("--max-attempts", type=int, default=5, metavar="N",
                        help="tries per request for 408/429/5xx/timeouts/dropped connections (default 5)")


def read_api_key(key_file: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The key from ``key_file`` (whitespace stripped) or ``$PLAYMENT_API_KEY``; UsageError if none."""
    if key_file:
        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the API key file {key_file}: {exc}") from None
        if not key:
            raise UsageError(f"the API key file {key_file} is empty")
        return key
    key = (os.environ if environ is None else environ).get(API_KEY_ENV, "").strip()
    if not key:
        raise UsageError(f"no API key: set {API_KEY_ENV} or pass --api-key-file FILE")
    return key


def default_ledger(paths: list[Path]) -> Path:
    first = paths[0]
    return (first if first.is_dir() else first.parent) / DEFAULT_LEDGER_NAME


def _warn_base_url(url: str, err: TextIO) -> None:
    if url.startswith("http://"):
        host = url[len("http://"):].split("/")[0].rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost", "[::1]"):
            err.write(f"warning: {url} is plain http: the API key would travel unencrypted\n")


def run(args: argparse.Namespace, stderr: TextIO | None = None) -> int:
    """Run ``prelabel submit``; 0 all there, 1 failures or invalid payloads, 2 usage/auth, 130 interrupt.

    Library errors propagate (the CLI's ``main`` prints them and maps ``exit_code``).
    """
    err = stderr or sys.stderr
    quiet = bool(getattr(args, "quiet", False))
    paths = [Path(p) for p in args.paths]
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be >= 1, got {args.concurrency}")
    if args.max_attempts < 1:
        raise UsageError(f"--max-attempts must be >= 1, got {args.max_attempts}")
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p} does not exist")
    ledger = Path(args.ledger) if args.ledger else default_ledger(paths)
    client = None
    if not args.dry_run:
        key = read_api_key(args.api_key_file)
        _warn_base_url(args.base_url, err)
        client = PlaymentClient(
            args.project_id, key, base_url=args.base_url, timeout=args.timeout,
            retry=RetryPolicy(max_attempts=args.max_attempts), max_connections=max(args.concurrency, 1),
        )
    progress = ProgressBar(err) if not quiet and err.isatty() else None
    try:
        summary = submit_payloads(
            paths, client, ledger_path=ledger, concurrency=args.concurrency, batch_id=args.batch_id,
            batch_name=args.batch_name, batch_description="created by prelabel submit",
            work_flow_id=args.work_flow_id, dry_run=args.dry_run, project_id=args.project_id,
            progress=progress,
        )
    except PayloadsInvalidError as exc:
        for line in issue_lines(exc.issues, 50, exc.not_listed):
            err.write(line + "\n")
        err.write(f"{exc.invalid} of {exc.total} payload(s) invalid; nothing was submitted\n")
        return 1
    finally:
        if progress is not None:
            progress.end()
        if client is not None:
            client.close()
    if not quiet or not summary.ok:
        for ref, _code, message in summary.failures[:20]:
            err.write(f"  failed {ref}: {message}\n")
        err.write("\n".join(summary.summary_lines()) + "\n")
    if summary.interrupted:
        return 130
    return 0 if summary.ok else 1

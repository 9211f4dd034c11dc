"""Pass 2 of ``submit``: POST the jobs from a thread pool and tally what each answer means.

Each job is POSTed once by the client (which does the retries); its ledger line is written before
the answer counts. FS_0001 (the reference_id exists) counts as "already there". The first job goes
alone, so a wrong key, project or URL costs one request; then at most ``2 * concurrency`` jobs are
in flight. An :class:`AuthError` stops the run at once; ``limit`` retryable failures in a row stop
it too, leaving the rest for a rerun (``tally.aborted``). Ctrl-C waits for the jobs in flight and
sets ``tally.interrupted``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from ..errors import AuthError, DuplicateReferenceError, PlaymentApiError
from .client import PlaymentClient
from .ledger import Ledger

__all__ = ["MAX_LISTED_FAILURES", "JobSender", "Outcome", "Tally", "record_outcome", "send_jobs"]

#: At most this many failed jobs are listed (with their messages) in the tally.
MAX_LISTED_FAILURES = 100


class Tally(Protocol):
    """The counts :func:`send_jobs` updates (a :class:`~converters.playment.submit.SubmitSummary`)."""

    created: int
    already_there: int
    failed: Counter[str]
    failures: list[tuple[str, str, str]]
    retries: int
    interrupted: bool
    aborted: str | None

    @property
    def failed_total(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one job."""

    reference_id: str
    status: str  # created | exists | failed
    attempts: int
    job_id: str | None = None
    error: PlaymentApiError | None = None


class JobSender:
    """The pool's worker: POST one job, write the ledger line before the answer counts."""

    def __init__(self, client: PlaymentClient, ledger: Ledger | None, stop: threading.Event) -> None:
        self.client = client
        self.ledger = ledger
        self.stop = stop

    def __call__(self, ref: str, body: bytes) -> Outcome | None:
        if self.stop.is_set():
            return None
        try:
            created = self.client.create_job(body)
        except DuplicateReferenceError as exc:
            if self.ledger is not None:
                self.ledger.record_job(ref, None, "exists")
            return Outcome(ref, "exists", exc.attempts)
        except PlaymentApiError as exc:
            return Outcome(ref, "failed", exc.attempts, error=exc)
        if self.ledger is not None:
            self.ledger.record_job(ref, created.job_id, "created")
        return Outcome(ref, "created", created.attempts, created.job_id)


def send_jobs(
    jobs: Iterable[tuple[str, bytes]], client: PlaymentClient, ledger: Ledger | None, *, concurrency: int,
    limit: int, tally: Tally, progress: Callable[[int, int], None] | None, total: int,
) -> None:
    """POST every ``(reference_id, body)`` of ``jobs`` (read lazily, in order), updating ``tally``.

    ``progress(done, total)`` is called from the calling thread as answers arrive. Raises the
    :class:`AuthError` that stopped the run, or whatever a worker raised.
    """
    stop = threading.Event()
    sender = JobSender(client, ledger, stop)
    inflight: set[Future[Outcome | None]] = set()
    streak = [0]
    fatal: list[BaseException] = []

    def settle(futures: set[Future[Outcome | None]]) -> None:
        for fut in futures:
            try:
                outcome = fut.result()
            except BaseException as exc:  # a bug or a kill in a worker: stop and re-raise below
                stop.set()
                fatal.append(exc)
                continue
            if outcome is None:
                continue
            record_outcome(outcome, tally, streak)
            if progress is not None:
                progress(tally.created + tally.already_there + tally.failed_total, total)
            if isinstance(outcome.error, AuthError):
                stop.set()
                fatal.append(outcome.error)
            elif streak[0] >= limit and not stop.is_set():
                stop.set()
                tally.aborted = (f"{streak[0]} jobs in a row failed without a usable answer "
                                 f"(last: {outcome.error}); the rest is left for a rerun")

    first = True
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="prelabel-submit")
    try:
        for ref, body in jobs:
            if stop.is_set():
                break
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
        tally.interrupted = True
        finished, inflight = wait(inflight)
        settle(finished)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if fatal:
        raise fatal[0]


def record_outcome(outcome: Outcome, tally: Tally, streak: list[int]) -> None:
    """Count one outcome; ``streak[0]`` counts retryable failures in a row."""
    tally.retries += outcome.attempts - 1
    if outcome.status == "created":
        tally.created += 1
        streak[0] = 0
    elif outcome.status == "exists":
        tally.already_there += 1
        streak[0] = 0
    else:
        err = outcome.error
        assert err is not None
        tally.failed[err.code] += 1
        if len(tally.failures) < MAX_LISTED_FAILURES:
            tally.failures.append((outcome.reference_id, err.code, str(err)))
        streak[0] = streak[0] + 1 if err.retryable else 0

"""``workers``: the jobs of a run built, validated and serialized by several processes.

The scene is read once; then worker processes, forked from the reader (so they share the scene
without copying it), each take a range of jobs in order and return the JSON of its jobs and their
part of the report; the parent writes the jobs in job order and adds the parts to the report in
that order. For a ``.jsonl`` output a worker writes its range's lines into a spool file beside the
output (``.<out>.prelabel-<parent pid>-part<k>.tmp``), which the parent appends to the output with
an in-kernel copy and deletes: the JSON never passes through a pipe (which cost the parent about
0.8 s of 1M boxes' 1 s); for a folder output the job bytes come back in the result. The output
is the same bytes as with one worker, and the report the same counts and issues in the same order.
A worker's error (a strict skip, a payload that fails validation) is raised in the parent at that
job, as one process would raise it; nothing is left at ``out``, and no spool file anywhere.

Only where ``fork`` exists (Linux, macOS); elsewhere, or for fewer than :data:`MIN_JOBS` jobs, the
run stays in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Report
from .jobs import Job
from .options import ConvertOptions
from .output_paths import file_mode, output_error
from .select import SelectorUsage
from .writer import OutputWriter

#: Fewer jobs than this are built in one process (forking costs more than it saves).
MIN_JOBS = 64
#: Ranges per worker: small enough to balance, large enough that each result is a big message.
RANGES_PER_WORKER = 8
#: Objects in a range at most (unless one job has more): its JSON, held by a worker and then by the
#: parent until written, stays near 10 MB, so memory does not grow with the input.
RANGE_OBJECTS = 20_000

_JOBS: list[Job] = []
_OPTIONS: ConvertOptions | None = None
_STRICT = False
_SPOOL: str | None = None  # the spool file name with "{k}" for the range's index (.jsonl output)
_SPOOL_FOR = ""  # the output the spool files are for


def available_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass
class _Part:
    """What a worker returns for its range of jobs: each job's bytes (folder output), or, with
    ``spool`` (``.jsonl`` output), the file holding the range's lines and ``jobs`` without bytes."""

    jobs: list[tuple[str, bytes]]
    report: Report
    selector: SelectorUsage
    spool: str | None = None


def spool_path(template: str, index: int) -> str:
    """The spool file of range ``index``."""
    return template.replace("{k}", str(index))


def _build_range(task: tuple[int, int, int]) -> _Part:
    index, start, stop = task
    assert _OPTIONS is not None
    report = Report(strict=_STRICT)
    from .pipeline import JobBuilder  # the worker has the parent's modules

    builder = JobBuilder(_OPTIONS, report, for_writer=True)
    jobs = _JOBS[start:stop]
    if _SPOOL is None:
        out = [(job.reference_id, b"".join(builder.json_pieces(job))) for job in jobs]
        spool = None
    else:
        spool = spool_path(_SPOOL, index)
        fd = os.open(spool, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as f:
                for job in jobs:
                    for piece in builder.json_pieces(job):
                        f.write(piece)
                    f.write(b"\n")
        except BaseException as exc:
            os.unlink(spool)
            if isinstance(exc, OSError):  # a full disk, a quota: said of the output, as one process says it
                raise output_error(exc, "cannot write", Path(_SPOOL_FOR)) from None
            raise
        out = [(job.reference_id, b"") for job in jobs]
    return _Part(out, report, builder.selector.usage(), spool)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _worker_signals(mask: set[signal.Signals]) -> None:
    """In a worker: the default action for the stop signals (the parent's handlers raise), and the
    parent's signal mask from before the fork."""
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group: the parent stops us
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def fork_pool(workers: int) -> Any:
    """A pool of ``workers`` processes forked from this one (a context manager: leaving it ends
    them). Signals wait while the workers are forked (a handler that raised inside the fork's own
    hooks would be lost), and the workers take the default action: the parent stops them."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        return multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals, initargs=(blocked,))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def write_jobs_parallel(
    jobs: list[Job], options: ConvertOptions, report: Report, writer: OutputWriter, workers: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Build and write ``jobs`` with ``workers`` processes (see the module docstring)."""
    from .pipeline import JobBuilder

    global _JOBS, _OPTIONS, _STRICT, _SPOOL, _SPOOL_FOR
    n = len(jobs)
    ranges = job_ranges(jobs, max(1, -(-n // (workers * RANGES_PER_WORKER))))
    tasks = [(k, a, b) for k, (a, b) in enumerate(ranges)]
    final = JobBuilder(options, report, for_writer=True)  # its selector says what matched nothing
    _JOBS, _OPTIONS, _STRICT = jobs, options, report.strict
    _SPOOL = writer.spool_template() if writer.jsonl else None
    _SPOOL_FOR = str(writer.out)
    done = 0
    try:
        with fork_pool(workers) as pool:
            for part in pool.imap(_build_range, tasks):
                if part.spool is not None:
                    writer.append_spool(Path(part.spool), len(part.jobs))
                else:
                    for ref, data in part.jobs:
                        writer.write_pieces(ref, [data])
                report.merge(part.report)
                final.selector.add_usage(part.selector)
                done += len(part.jobs)
                if progress is not None:
                    progress(done, n)
    finally:
        if _SPOOL is not None:  # the pool has ended: no worker writes any more
            for k in range(len(tasks)):
                Path(spool_path(_SPOOL, k)).unlink(missing_ok=True)
        _JOBS, _OPTIONS, _SPOOL = [], None, None
    final.finish()


def job_ranges(jobs: list[Job], most_jobs: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges covering ``jobs``: at most ``most_jobs`` jobs and, unless a
    single job has more, :data:`RANGE_OBJECTS` objects each."""
    ranges = []
    start = objects = 0
    for i, job in enumerate(jobs):
        size = _objects(job)
        if i > start and (i - start >= most_jobs or objects + size > RANGE_OBJECTS):
            ranges.append((start, i))
            start, objects = i, 0
        objects += size
    if start < len(jobs):
        ranges.append((start, len(jobs)))
    return ranges


def _objects(job: Job) -> int:
    n = sum(len(f.objects) + (len(f.boxes) if f.boxes is not None else 0) for f in job.frames)
    return n + sum(len(t) for t in job.box_tracks or ())


def use_workers(workers: int | None, jobs: list[Any]) -> int:
    """How many processes to build ``jobs`` with (1: in this process)."""
    if workers is None or workers <= 1 or len(jobs) < MIN_JOBS or not can_fork():
        return 1
    return workers

"""``workers``: the jobs of a run built, validated and serialized by several processes.

The scene is read once; then worker processes, forked from the reader (so they share the scene
without copying it), each take a range of jobs in order and return the JSON bytes of each job and
their part of the report; the parent writes the jobs in job order and adds the parts to the report
in that order. The output is the same bytes as with one worker, and the report the same counts and
issues in the same order. A worker's error (a strict skip, a payload that fails validation) is
raised in the parent at that job, as one process would raise it; nothing is left at ``out``.

Only where ``fork`` exists (Linux, macOS); elsewhere, or for fewer than :data:`MIN_JOBS` jobs, the
run stays in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import Report
from .jobs import Job
from .json_out import dumps
from .options import ConvertOptions
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
    """What a worker returns for its range of jobs."""

    jobs: list[tuple[str, bytes]]
    report: Report
    selector: tuple[set[str], set[str], int, int]


def _build_range(bounds: tuple[int, int]) -> _Part:
    from .pipeline import JobBuilder, StreamedVideo, _checked  # the worker has the parent's modules
    from .playment.validate import VideoStreamCheck
    from .playment.video_stream import StreamCheckFailed, video_pieces

    assert _OPTIONS is not None
    report = Report(strict=_STRICT)
    builder = JobBuilder(_OPTIONS, report, for_writer=True)
    out: list[tuple[str, bytes]] = []
    for job in _JOBS[bounds[0]:bounds[1]]:
        built = builder.build(job)
        if isinstance(built, StreamedVideo):
            try:
                data = b"".join(video_pieces(built.builder, VideoStreamCheck(built.validator), job.reference_id,
                                             job.frames, job.srcs, built.plans))
            except StreamCheckFailed:
                data = dumps(_checked(built.validator, built.builder.video_payload(
                    job.reference_id, job.frames, job.srcs, built.plans), job))
        else:
            data = dumps(built)
        out.append((job.reference_id, data))
    sel = builder.selector
    return _Part(out, report, (sel.labels_mapped, sel.attributes_mapped, sel.scored, sel.unscored))


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _worker_signals(mask: set[signal.Signals]) -> None:
    """In a worker: the default action for the stop signals (the parent's handlers raise), and the
    parent's signal mask from before the fork."""
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group: the parent stops us
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def write_jobs_parallel(
    jobs: list[Job], options: ConvertOptions, report: Report, writer: OutputWriter, workers: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Build and write ``jobs`` with ``workers`` processes (see the module docstring)."""
    from .pipeline import JobBuilder

    global _JOBS, _OPTIONS, _STRICT
    n = len(jobs)
    ranges = job_ranges(jobs, max(1, -(-n // (workers * RANGES_PER_WORKER))))
    final = JobBuilder(options, report, for_writer=True)  # its selector says what matched nothing
    _JOBS, _OPTIONS, _STRICT = jobs, options, report.strict
    done = 0
    try:
        # Signals wait while the workers are forked (a handler that raised inside the fork's own
        # hooks would be lost), and the workers take the default action: the parent stops them.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals,
                                                            initargs=(blocked,))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        with pool:
            for part in pool.imap(_build_range, ranges):
                for ref, data in part.jobs:
                    writer.write_pieces(ref, [data])
                report.merge(part.report)
                labels, attributes, scored, unscored = part.selector
                final.selector.labels_mapped |= labels
                final.selector.attributes_mapped |= attributes
                final.selector.scored += scored
                final.selector.unscored += unscored
                done += len(part.jobs)
                if progress is not None:
                    progress(done, n)
    finally:
        _JOBS, _OPTIONS = [], None
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

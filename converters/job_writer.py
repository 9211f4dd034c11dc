"""Streaming output for pipelines: :class:`JobWriter` writes each job as soon as it is complete.

A pipeline that produces frames one at a time (a detector over a video, ``model.track(...,
stream=True)``) adds them as they come; memory holds one job, not the run::

    with JobWriter("jobs.jsonl", ConvertOptions(frame_url="s3://bucket/{file_name}")) as jobs:
        for i, result in enumerate(model.track(source, stream=True)):
            jobs.add(from_ultralytics(result, frame_index=i), sequence="clip")
    print(jobs.report.summary_lines())

A job is complete when its sequence ends (the next ``add`` names another sequence, or the writer
closes), when ``frames_per_job`` frames are in, or at once for a still image (``sequence=None``)
and for ``job_per="image"``. The bytes are those :func:`~converters.pipeline.write_scene` writes
for the same frames (same sequences, in the same order). One exception keeps that promise: with
``frames_per_job``, still images are chunked together and follow every video, as in
``write_scene``, so they are held until the writer closes.

The output is written atomically (nothing is left at ``out`` if the block raises) under the rules
of :mod:`converters.output_paths` (an existing file or non-empty folder needs ``overwrite``). Every
object added is a record of the :class:`~converters.errors.Report` (read = converted + skipped).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from .errors import Report, UsageError
from .jobs import plan_jobs
from .linking import link_scene
from .model import Frame, Scene, Sequence, still_sequence_name
from .options import ConvertOptions
from .pipeline import JobBuilder, _prepare_columns
from .writer import OutputWriter


class JobWriter:
    """Validated Playment jobs written to ``out`` (``.jsonl`` or a folder) as frames are added."""

    def __init__(
        self, out: str | Path, options: ConvertOptions | None = None, *, report: Report | None = None,
        overwrite: bool = False,
    ) -> None:
        self.options = options or ConvertOptions()
        self.report = report if report is not None else Report(strict=self.options.strict)
        self._writer = OutputWriter(out, overwrite=overwrite)
        self._jobs = JobBuilder(self.options, self.report, for_writer=True)
        self._open: Sequence | None = None  # the video sequence frames are being added to
        self._pending: list[Frame] = []  # its frames not written yet
        self._chunks = 0  # chunks of the open sequence already written
        self._stills: list[Sequence] = []  # frames_per_job: still images, chunked at close
        self._closed_names: set[str] = set()
        self._refs: set[str] = set()
        self._number = 0  # jobs planned so far ({job})
        self._done = False

    # -- adding ----------------------------------------------------------------------------------

    def add(self, frame: Frame, sequence: str | None = None) -> None:
        """Add the next frame: of the video ``sequence`` (frames in display order), or a still image
        of its own (``sequence=None``: named after its file name without extension)."""
        if self._done:
            raise UsageError("the JobWriter is closed")
        n = len(frame.objects) + (len(frame.boxes) if frame.boxes is not None else 0)
        self.report.records_read += n
        self.report.objects_read += n
        o = self.options
        if sequence is None:
            self._end_sequence()
            still = Sequence(still_sequence_name(frame.file_name), [frame])
            if o.frames_per_job is not None:
                self._stills.append(still)
            else:
                self._write(Scene([still]), 0)
            return
        if self._open is not None and self._open.name != sequence:
            self._end_sequence()
        if self._open is None:
            if sequence in self._closed_names:
                raise UsageError(f"sequence {sequence!r} already ended (another sequence came between its frames); "
                                 "add the frames of a sequence together")
            self._open = Sequence(sequence, [], is_video=True)
            self._chunks = 0
        frame.index = self._chunks_start() + len(self._pending)
        self._pending.append(frame)
        per_frame = o.job_per == "image" or o.job_type == "image"
        if per_frame or (o.frames_per_job is not None and len(self._pending) == o.frames_per_job):
            self._flush_open()

    def _chunks_start(self) -> int:
        """Frames of the open sequence already written (frame index of the next pending frame)."""
        o = self.options
        if o.job_per == "image" or o.job_type == "image":
            return self._chunks
        return self._chunks * (o.frames_per_job or 0)

    def _flush_open(self) -> None:
        assert self._open is not None
        if not self._pending:
            return
        seq = Sequence(self._open.name, self._pending, is_video=True)
        self._pending = []
        planned = self._write(Scene([seq]), self._chunks)
        self._chunks += planned

    def _end_sequence(self) -> None:
        if self._open is not None:
            self._flush_open()
            self._closed_names.add(self._open.name)
            self._open = None

    # -- writing ---------------------------------------------------------------------------------

    def _write(self, scene: Scene, first_chunk: int) -> int:
        """Plan, build and write the jobs of ``scene``; returns how many were written."""
        o = self.options
        link_scene(scene, o.link_tracks, self.report, max_gap=o.link_max_gap, min_iou=o.link_min_iou)
        _prepare_columns(scene, self.options)
        jobs = plan_jobs(scene, self.options, first_job=self._number, first_chunk=first_chunk)
        for job in jobs:
            if job.reference_id in self._refs:
                raise UsageError(f"reference id {job.reference_id!r} occurs more than once; Playment rejects "
                                 "duplicates (FS_0001). Make them unique with reference_id, e.g. '{sequence}_{job}'")
            self._refs.add(job.reference_id)
        self._number += len(jobs)
        for job in jobs:
            built = self._jobs.build(job)
            if isinstance(built, dict):
                self._writer.write(built)
            else:
                built.write_to(self._writer)
        return len(jobs)

    def close(self) -> Report:
        """Write what is still open, publish the output atomically, and return the report."""
        if self._done:
            return self.report
        self._end_sequence()
        if self._stills:
            self._write(Scene(self._stills), 0)
            self._stills = []
        self._jobs.finish()
        self._writer.commit()
        self._done = True
        return self.report

    def __enter__(self) -> JobWriter:
        self._writer.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        self._writer.__exit__(exc_type, exc, tb)
        self._done = True


__all__ = ["JobWriter"]

"""The one orchestration path: read -> select -> group -> build -> validate -> write (atomic).

The CLI calls :func:`convert`; pipelines that already hold a :class:`~converters.model.Scene`
call :func:`write_scene` (files) or :func:`iter_payloads` (dicts in memory). Jobs are built,
validated and written one at a time, so memory holds the scene plus one job.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import InputError, Report, SchemaValidationError, SkipWarning, UsageError
from .formats import available, get_reader
from .formats._detect import LOOKS_FOR, detect, hint
from .formats._options import ReaderOptions
from .formats._zip import archive_locations, archive_message, unpacked
from .input_files import is_regular_file, kind_of
from .jobs import Job, plan_jobs
from .json_out import dumps
from .linking import link_scene
from .model import Scene, mask_pixel_limit
from .option_names import opt
from .options import ConvertOptions
from .output_paths import check_output
from .parallel import available_workers, use_workers, write_jobs_parallel
from .playment.builder import PayloadBuilder, Plan
from .playment.validate import PayloadValidator, VideoStreamCheck
from .playment.video_stream import StreamCheckFailed, video_pieces
from .remote import is_url, local_inputs, local_path, relocate, relocate_error, remote_out
from .select import Selector
from .writer import OutputWriter

Progress = Callable[[int, int], None]

#: Readers of folders whose ``.zip`` inputs are unpacked first (the CVAT reader streams its zips itself).
UNPACKED_ZIPS = frozenset({"coco", "yolo", "voc"})
#: A video job with at least this many objects is written piece by piece (``video_stream``).
STREAM_OBJECTS = 20_000


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic GC: the run allocates millions of acyclic containers and repeated full
    collections would cost more than the conversion itself. Reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _input_list(inputs: str | Path | Sequence[str | Path]) -> list[Path]:
    """The input paths: one path (``str`` or ``Path``) or a sequence of them."""
    if isinstance(inputs, (str, Path)):
        return [Path(inputs)]
    return [Path(p) for p in inputs]


def detect_format(paths: list[Path], report: Report) -> str:
    """The format the content of ``paths`` shows (``fmt="auto"``), noted in ``report.input_format``."""
    for p in paths:
        if not p.exists():
            raise UsageError(f"input {p} does not exist")
    found = detect(paths)
    if found is None:
        raise InputError(f"cannot tell the format of {', '.join(map(str, paths))} from its content; name it "
                         f"with {opt('fmt')} ({', '.join(available())})", None, "unknown_format")
    report.input_format = f"{found[0]} ({found[1]})"
    return found[0]


def read_scene(
    inputs: str | Path | Sequence[str | Path], fmt: str, report: Report,
    reader_options: ReaderOptions | Mapping[str, Any] | None = None, *, compact: bool = False,
) -> Scene:
    """Read input files with the reader registered as ``fmt``.

    Every object is in its frame's ``objects``, unless ``compact``: then the plain boxes a reader
    kept as columns (CVAT box tracks in ``Sequence.box_tracks``, VOC boxes in ``Frame.boxes``;
    about 50 instead of 450 bytes per box) stay there for :func:`write_scene`;
    ``Scene.expand_columns()`` makes them objects.
    """
    paths = _input_list(inputs)
    if not paths:
        raise UsageError("no input given")
    for p in paths:
        if not p.exists():
            raise UsageError(f"input {p} does not exist")
        if not p.is_dir() and not is_regular_file(p):
            raise UsageError(f"input {p} is {kind_of(p.stat().st_mode)}, not a file or folder")
    auto = fmt == "auto" or report.input_format is not None
    if fmt == "auto":
        fmt = detect_format(paths, report)
    reader = get_reader(fmt)
    with _no_gc(), ExitStack() as stack:
        records_before = report.records_read
        issues_before = len(report.issues)
        archives: list[tuple[Path, Path]] = []  # (unpacked folder, the zip it came from)
        read_paths = []
        for p in paths:
            if fmt in UNPACKED_ZIPS and p.suffix.lower() == ".zip" and not p.is_dir():
                folder = stack.enter_context(unpacked(p, report))
                archives.append((folder, p))
                p = folder
            read_paths.append(p)
        try:
            opts = reader.options_type.from_mapping(reader_options)
            with mask_pixel_limit(opts.max_mask_pixels):
                scene = reader.read(read_paths, opts, report)
        except InputError as exc:
            for folder, archive in archives:
                exc = archive_message(exc, folder, archive)
            extra = "" if auto else hint(fmt, paths)
            if extra:
                raise exc.with_hint(extra) from None
            raise exc from None
        for folder, archive in archives:
            archive_locations(report, scene, folder, archive, issues_before)
        scene.records_counted = True
        if report.records_read == records_before and not any(seq.frames for seq in scene.sequences):
            raise InputError(f"no {LOOKS_FOR.get(fmt, fmt + ' input')} found in {', '.join(map(str, paths))}"
                             + ("" if auto else hint(fmt, paths)), None, "no_input")
        return scene if compact else scene.expand_columns()


def _checked(validator: PayloadValidator, payload: dict[str, Any], job: Job) -> dict[str, Any]:
    issues = [i for i in validator.check(payload, f"job {job.reference_id!r}") if i.severity == "error"]
    if issues:
        raise SchemaValidationError(issues)
    return payload


def _prepare_columns(scene: Scene, options: ConvertOptions) -> None:
    """Keep column-stored boxes where the builder reads them as they are, expand the rest into
    objects. A frame's boxes (``Frame.boxes``) stay when video jobs are built with nothing to
    select; box tracks (``Sequence.box_tracks``) stay when, on top of that, their track ids are
    distinct and their frames hold no other object (:func:`plan_jobs` then gives them to their
    sequence's job when that job is the whole sequence, and expands them otherwise)."""
    as_is = Selector(options, Report()).plain and options.job_type == "video"
    for seq in scene.sequences:
        if not as_is:
            for frame in seq.frames:
                frame.expand_boxes()
        tracks = seq.box_tracks
        if tracks and not (as_is and len({t.track_id for t in tracks}) == len(tracks)
                           and not any(f.objects for f in seq.frames)):
            seq.expand_tracks()


@dataclass(slots=True)
class StreamedVideo:
    """A video job of at least :data:`STREAM_OBJECTS` objects, planned and not yet built: the
    writer takes it piece by piece (``video_stream``) instead of as one dict tree."""

    job: Job
    plans: list[Plan]
    builder: PayloadBuilder
    validator: PayloadValidator

    def write_to(self, writer: OutputWriter) -> None:
        job, builder, validator = self.job, self.builder, self.validator
        try:
            pieces = video_pieces(builder, VideoStreamCheck(validator), job.reference_id, job.frames, job.srcs,
                                  self.plans)
            writer.write_pieces(job.reference_id, pieces)
        except StreamCheckFailed:  # build it whole: the full check says what and where
            writer.write(_checked(validator, builder.video_payload(job.reference_id, job.frames, job.srcs,
                                                                   self.plans), job))


class JobBuilder:
    """Select, build and validate one job at a time, counting it in the report; one per run (its
    selector says at the end which options matched nothing)."""

    def __init__(self, options: ConvertOptions, report: Report, *, for_writer: bool) -> None:
        self.options = options
        self.report = report
        self.for_writer = for_writer
        self.selector = Selector(options, report)
        self.builder = PayloadBuilder(options, report)
        self.validator = PayloadValidator(label_set=options.label_set, video_key=options.video_key)

    def build(self, job: Job) -> dict[str, Any] | StreamedVideo:
        """The job's payload. ``for_writer``: the payload is only serialized, so objects with the
        same attribute dict share one output dict and a large video job comes as a
        :class:`StreamedVideo`; otherwise each payload is a dict built anew that the caller may keep
        or change."""
        options, builder, validator, items = self.options, self.builder, self.validator, self.selector.items
        ref, frames, srcs = job.reference_id, job.frames, job.srcs
        built: dict[str, Any] | StreamedVideo
        if options.job_type == "image":
            built = _checked(validator, builder.image_job(ref, frames[0], srcs[0], items), job)
        else:
            if job.box_tracks is not None:
                plans, size = builder.plan_box_tracks(frames, job.box_tracks)
            else:
                plans, size = builder.plan_video(frames, items)
            if self.for_writer and size >= STREAM_OBJECTS:
                built = StreamedVideo(job, plans, builder, validator)
            else:
                built = _checked(validator, builder.video_payload(ref, frames, srcs, plans,
                                                                  {} if self.for_writer else None), job)
        self.report.frames += len(frames)
        self.report.jobs += 1
        return built

    def json_pieces(self, job: Job) -> list[bytes]:
        """(``for_writer``) The job's payload as JSON bytes, in pieces: a large video job as
        ``video_stream`` cuts it, or whole when its stream check fails (the full check then says
        what and where)."""
        built = self.build(job)
        if isinstance(built, dict):
            return [dumps(built)]
        try:
            return list(video_pieces(built.builder, VideoStreamCheck(built.validator), job.reference_id,
                                     job.frames, job.srcs, built.plans))
        except StreamCheckFailed:
            return [dumps(_checked(built.validator, built.builder.video_payload(
                job.reference_id, job.frames, job.srcs, built.plans), job))]

    def finish(self) -> None:
        self.selector.finish()


def count_records(scene: Scene, report: Report) -> None:
    """An in-memory scene (not read by a reader): each object is a record, so that read =
    converted + skipped holds in the report."""
    if not scene.records_counted:
        n = scene.object_count
        report.records_read += n
        report.objects_read += n
        scene.records_counted = True


def _built_jobs(
    jobs: list[Job], options: ConvertOptions, report: Report, progress: Progress | None, *, for_writer: bool,
) -> Iterator[dict[str, Any] | StreamedVideo]:
    """The one job loop of :func:`write_scene` and :func:`iter_payloads` (:class:`JobWriter` calls
    the same :class:`JobBuilder` as its sequences end)."""
    job_builder = JobBuilder(options, report, for_writer=for_writer)
    total = len(jobs)
    for n, job in enumerate(jobs, 1):
        yield job_builder.build(job)
        if progress is not None:
            progress(n, total)
    job_builder.finish()


class _WarningReport(Report):
    """A report that also raises a Python warning for each record skipped (``on_skip="warn"``)."""

    def skip(self, code: str, message: str, location: str = "") -> None:
        super().skip(code, message, location)
        warnings.warn(f"{location}: {message} [{code}]" if location else f"{message} [{code}]", SkipWarning,
                      stacklevel=3)


def iter_payloads(
    scene: Scene,
    options: ConvertOptions | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
    *,
    on_skip: Literal["raise", "warn", "ignore"] = "raise",
) -> Iterator[dict[str, Any]]:
    """Validated payload dicts for ``scene``, one job at a time as they are asked for (nothing
    written); each is built anew, so the caller may keep or change it.

    Nothing is dropped silently: with a ``report``, every skipped record is in it (and raises with
    ``options.strict``); without one, the first skipped record raises :class:`InputError` unless
    ``on_skip`` is ``"warn"`` (a :class:`SkipWarning` each) or ``"ignore"``."""
    options = options or ConvertOptions()
    if on_skip not in ("raise", "warn", "ignore"):
        raise UsageError(f"on_skip must be 'raise', 'warn' or 'ignore', got {on_skip!r}")
    if report is None:
        strict = options.strict or on_skip == "raise"
        report = _WarningReport(strict=strict) if on_skip == "warn" else Report(strict=strict)
    count_records(scene, report)
    link_scene(scene, options.link_tracks, report, max_gap=options.link_max_gap, min_iou=options.link_min_iou)
    _prepare_columns(scene, options)
    jobs = plan_jobs(scene, options)
    for payload in _built_jobs(jobs, options, report, progress, for_writer=False):
        assert isinstance(payload, dict)
        yield payload


def write_scene(
    scene: Scene,
    out: str | Path,
    options: ConvertOptions | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
    *,
    overwrite: bool = False,
    workers: int | None = 1,
) -> Report:
    """Build, validate and write every job of ``scene`` to ``out`` (``.jsonl`` or a directory).

    ``workers``: processes that build the jobs (:mod:`converters.parallel`; the same bytes and report
    as one); None means every core this process may use.

    An existing ``out`` file or non-empty folder is refused unless ``overwrite``; then only what an
    earlier conversion wrote is replaced (:mod:`converters.output_paths`).
    Nothing is left at ``out`` when any job fails validation or an error is raised. Column-stored
    boxes (a scene read with ``compact=True``) are built from their columns where that gives the
    same jobs, and expanded into objects otherwise (see ``_prepare_columns``).
    """
    options = options or ConvertOptions()
    report = report if report is not None else Report(strict=options.strict)
    count_records(scene, report)
    link_scene(scene, options.link_tracks, report, max_gap=options.link_max_gap, min_iou=options.link_min_iou)
    _prepare_columns(scene, options)
    jobs = plan_jobs(scene, options)
    n_workers = use_workers(available_workers() if workers is None else workers, jobs)
    with _no_gc(), OutputWriter(out, overwrite=overwrite) as writer:
        if n_workers > 1:
            write_jobs_parallel(jobs, options, report, writer, n_workers, progress)
        else:
            for built in _built_jobs(jobs, options, report, progress, for_writer=True):
                if isinstance(built, dict):
                    writer.write(built)
                else:
                    built.write_to(writer)
        writer.commit()
    return report


def convert(
    inputs: str | Path | Sequence[str | Path],
    fmt: str,
    out: str | Path,
    *,
    options: ConvertOptions | None = None,
    reader_options: ReaderOptions | Mapping[str, Any] | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
    workers: int | None = 1,
) -> Report:
    """Read ``inputs`` as ``fmt`` and write validated Playment payloads to ``out`` (``workers``: see
    :func:`write_scene`).

    ``out`` is checked before any input is read: it must not be an input, and an existing file or
    non-empty folder is refused unless ``overwrite`` (see :mod:`converters.output_paths`).

    Raises :class:`~converters.errors.InputError` for structural problems and
    :class:`~converters.errors.SchemaValidationError` when a built payload is invalid; in both
    cases nothing is written. Record-level problems are in the returned report.
    """
    options = options or ConvertOptions()
    report = report if report is not None else Report(strict=options.strict)
    raw = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    if is_url(out) or any(is_url(p) for p in raw):
        return _convert_remote(raw, fmt, str(out), options, reader_options, report, progress, overwrite, workers)
    check_output(out, overwrite=overwrite, inputs=_input_list(inputs))
    with _no_gc():  # one pause for both stages: re-enabling in between would scan the whole scene once
        scene = read_scene(inputs, fmt, report, reader_options, compact=True)
        return write_scene(scene, out, options, report, progress, overwrite=overwrite, workers=workers)


def _convert_remote(
    inputs: list[str | Path], fmt: str, out: str, options: ConvertOptions,
    reader_options: ReaderOptions | Mapping[str, Any] | None, report: Report, progress: Progress | None,
    overwrite: bool, workers: int | None,
) -> Report:
    """:func:`convert` with fsspec URLs among the inputs or as ``out`` (:mod:`converters.remote`)."""
    if fmt == "auto":
        raise UsageError(f"name the format of remote inputs with {opt('fmt')} ({', '.join(available())})")
    start = len(report.issues)
    with ExitStack() as stack:
        local_in, names = stack.enter_context(local_inputs(inputs))
        local_out: str | Path = stack.enter_context(remote_out(out, overwrite)) if is_url(out) else local_path(out)
        try:
            convert(local_in, fmt, local_out, options=options, reader_options=reader_options, report=report,
                    progress=progress, overwrite=overwrite if not is_url(out) else False, workers=workers)
        except InputError as exc:
            raise relocate_error(exc, names) from None
        finally:
            relocate(report, names, start)
    return report


__all__ = ["InputError", "convert", "iter_payloads", "read_scene", "write_scene"]

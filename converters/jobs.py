"""Group frames into jobs and name them (reference ids, frame URLs).

Grouping:

- ``job_per="sequence"`` (default): one job per sequence; a still image is its own sequence.
- ``job_per="image"``: one job per frame (always so for ``job_type="image"``).
- ``frames_per_job=N``: chunks of N frames; a video sequence is chunked on its own, consecutive
  still images are chunked together (one video job showing N images).

Templates use ``str.format`` placeholders: ``{sequence}``, ``{stem}``, ``{file_name}``,
``{frame_index}``, ``{frame_id}`` (of the job's first frame for reference ids), ``{chunk}`` (chunk
number within its sequence, from 0) and ``{job}`` (job number in the run, from 0). Defaults:
reference id ``{sequence}`` (one job per sequence or per still image), ``{sequence}_{frame_id}``
(per frame of a video), ``{sequence}_{chunk:04d}`` (chunks); frame URL ``{file_name}``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import InputError, UsageError
from .model import BoxTrack, Frame, Scene
from .option_names import opt
from .options import ConvertOptions


@dataclass(slots=True)
class Job:
    """One Playment job: its reference id, frames and their URLs. ``box_tracks`` holds the
    column-stored box tracks of a job that is a whole sequence (``Sequence.box_tracks``, whose boxes
    are in none of ``frames``' object lists); None when every object is in its frame."""

    reference_id: str
    frames: list[Frame]
    srcs: list[str]
    box_tracks: list[BoxTrack] | None = None


def _fill(template: str, values: dict[str, Any], what: str) -> str:
    try:
        return template.format(**values)
    except KeyError as exc:
        raise UsageError(
            f"{what} template {template!r}: unknown placeholder {exc}; use sequence, stem, file_name, "
            "frame_index, frame_id, chunk, job"
        ) from None
    except (ValueError, IndexError) as exc:
        raise UsageError(f"{what} template {template!r}: {exc}") from None


def _frame_values(frame: Frame, sequence: str) -> dict[str, Any]:
    return {"sequence": sequence, "stem": frame.stem, "file_name": frame.file_name,
            "frame_index": frame.index, "frame_id": frame.id}


_Group = tuple[str, list[Frame], int, str, "list[BoxTrack] | None"]


def _groups(scene: Scene, options: ConvertOptions, first_chunk: int = 0) -> Iterator[_Group]:
    """(sequence name, frames, chunk number, default template, box tracks) per job, in scene order.
    Column-stored box tracks stay with a job that is their whole sequence; a sequence cut into
    several jobs has them moved into its frames first."""
    n = options.frames_per_job
    whole = n is None and options.job_per == "sequence" and options.job_type == "video"
    if not whole:
        for seq in scene.sequences:
            if seq.box_tracks:
                seq.expand_tracks()
    if n is not None:
        stills: list[Frame] = []
        for seq in scene.sequences:
            if seq.is_video:
                for c in range(0, len(seq.frames), n):
                    yield seq.name, seq.frames[c:c + n], first_chunk + c // n, "{sequence}_{chunk:04d}", None
            else:
                stills.extend(seq.frames)
        for c in range(0, len(stills), n):
            yield scene.name, stills[c:c + n], c // n, "{sequence}_{chunk:04d}", None
        return
    for seq in scene.sequences:
        if options.job_per == "image" or options.job_type == "image":
            template = "{sequence}_{frame_id}" if seq.is_video else "{sequence}"
            for i, frame in enumerate(seq.frames):
                yield seq.name, [frame], first_chunk + i, template, None
        elif seq.frames:
            yield seq.name, seq.frames, 0, "{sequence}", seq.box_tracks or None


def _check_utf8(reference_id: str, frames: list[Frame], srcs: list[str]) -> None:
    """Names JSON can carry: a file name that is not UTF-8 reaches Python with lone surrogates
    (``os.fsdecode``), which no JSON text can hold."""
    try:
        reference_id.encode()
    except UnicodeEncodeError:
        raise InputError(f"the reference id {reference_id!r} is not valid UTF-8 (a file or folder name in "
                         f"another encoding?); JSON cannot carry it: rename the file or set {opt('reference_id')}",
                         None, "not_utf8") from None
    for frame, src in zip(frames, srcs):
        try:
            frame.id.encode()
            src.encode()
        except UnicodeEncodeError:
            raise InputError(f"the frame name {frame.file_name!r} is not valid UTF-8 (a file name in another "
                             "encoding?); JSON cannot carry it: rename the file", frame.source or None,
                             "not_utf8") from None


def plan_jobs(scene: Scene, options: ConvertOptions, *, first_job: int = 0, first_chunk: int = 0) -> list[Job]:
    """All jobs of the scene, named; duplicate reference ids are a usage error before any output.
    ``first_job`` / ``first_chunk``: where ``{job}`` and ``{chunk}`` start (a streaming writer plans
    a run piece by piece)."""
    jobs: list[Job] = []
    frame_template = options.frame_url
    groups = _groups(scene, options, first_chunk)
    for number, (sequence, frames, chunk, default, box_tracks) in enumerate(groups, first_job):
        template = options.reference_id or default
        if template == "{sequence}":  # the defaults need no formatting
            ref = sequence
        else:
            values = _frame_values(frames[0], sequence)
            values.update(chunk=chunk, job=number)
            ref = _fill(template, values, opt("reference_id"))
        if not ref:
            raise UsageError(f"{opt('reference_id')} produced an empty reference id for sequence {sequence!r}")
        if frame_template == "{file_name}":
            srcs = [f.file_name for f in frames]
        else:
            srcs = [_fill(frame_template, _frame_values(f, sequence), opt("frame_url")) for f in frames]
        _check_utf8(ref, frames, srcs)
        jobs.append(Job(ref, frames, srcs, box_tracks))
    counts = Counter(j.reference_id for j in jobs)
    dupes = [r for r, c in counts.items() if c > 1]
    if dupes:
        shown = ", ".join(repr(d) for d in dupes[:5])
        raise UsageError(
            f"{len(dupes)} reference id(s) occur more than once ({shown}); Playment rejects duplicates "
            f"(FS_0001). Make them unique with {opt('reference_id')}, e.g. '{{sequence}}_{{job}}' or '{{file_name}}'"
        )
    if options.job_type == "image":
        multi = next((j for j in jobs if len(j.frames) != 1), None)
        if multi is not None:
            raise UsageError(
                f"{opt('job_type', 'image')} needs one frame per job, but job {multi.reference_id!r} has "
                f"{len(multi.frames)}; add {opt('job_per', 'image')}"
            )
    return jobs

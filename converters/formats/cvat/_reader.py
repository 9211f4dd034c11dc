"""CVAT XML 1.1 reader: "CVAT for images 1.1" and "CVAT for video 1.1" (task, job, project exports).

Coordinates: CVAT writes pixel-edge floats (``xtl ytl xbr ybr``, ``points="x,y;x,y"``, 2 decimals);
they are used as they are. Mask ``left``/``top`` are 0-based pixel indices of the tight box, so the
traced outline is offset by exactly (left, top).

Variants (the flavour is known from the body, never from ``<meta><task><mode>``):

- "for images": each ``<image id name width height>`` is a still image, one Sequence each named
  ``still_sequence_name(name)``; Frame.id = the image ``id``. Project exports (images carrying
  ``subset``/``task_id``, whose names and ids repeat across subsets) prefix the sequence name with
  the subset (and the task name when several tasks share that subset): ``Train/img0``.
- "for video": one video Sequence per task (named after the task; a job export ``job_<id>``; else the
  file stem; project exports: one per ``<task>``, tracks matched by ``task_id``) with a Frame for
  EVERY frame in ``range(start_frame, stop_frame + 1, step)`` (``frame_filter`` ``step=N``), also
  frames without objects. Frame.id = str(absolute frame number); file names from ``--frame-name``
  (default ``frame_{frame:06d}``, CVAT's own naming; URLs come from the core ``--frame-url``); size
  from ``<original_size>``. Each ``<track>`` is one Playment tracker (track_id = the track's
  ``id``). Rows with ``outside="1"`` mark the object absent: no object, and not a record.
  Interpolated rows (``keyframe="0"``) are the positions CVAT shows on those frames (what an
  annotator saw) and are kept as objects rather than re-interpolated. A row on a frame outside the
  task's range or off its step grid is skipped (``frame_out_of_range``). Without
  start/stop_frame the video holds the frames the tracks name (warning ``frame_range_unknown``).
- An export with no ``<image>``/``<track>`` but an ``<original_size>`` is read as a video with
  empty frames (a "for video" export of a task without annotations).
- Input: an ``.xml`` file, a ``.zip`` holding ``annotations.xml`` (CVAT's download), or a folder
  (every ``*.xml`` in it, sorted).

Shapes: box -> Box; box with rotation -> Polygon of the turned corners; polygon -> Polygon (invalid
ones repaired, warned); polyline -> Polyline; points -> Keypoints (all points, visibility 2, or 1
when ``occluded="1"``); cuboid -> Cuboid (see ``cvat_shapes.CUBOID_ORDER``); ellipse -> Polygon
of ``ELLIPSE_VERTICES`` (32) points; mask -> Polygon/MultiPolygon traced from the RLE; skeleton ->
Keypoints in the meta's sub-label order with names (outside/absent 0, occluded 1, else 2).
``<tag>`` (image-level class, no geometry; in ``<image>``, or at the top level of a video export) is
not a record: the tags of a file are counted in one ``tag_ignored`` warning.

Labels: when ``<meta>`` lists labels, shapes with another label are skipped (``unknown_label``);
shapes with an empty label (Datumaro writes ``label=""``) are skipped (``missing_label``).

Attributes: ``<attribute name>`` children, plus ``occluded`` ("Yes"/"No") when the element has it;
checkbox values become "Yes"/"No" (so do the literal true/false of attributes the meta does not
type); other values stay CVAT's text. ``z_order``, ``source`` and ``keyframe`` are not attributes
(they order, attribute and time annotations inside CVAT only); attributes of skeleton points are
dropped with a warning. ``--attribute-map`` (core) renames or drops attributes afterwards.
Shapes sharing a ``group_id`` stay separate objects; the number is reported (``group_not_kept``).
CVAT writes no confidence: SceneObject.confidence stays None.

Records: every image shape, every image tag and every non-outside track row (a skeleton row
counts once). Parsing is incremental and elements are dropped once converted, so memory holds the
scene model, not the XML tree; plain box rows of tracks are read from the bytes without building
elements, with the same result (:class:`._row_cut.Feeder`). Shapes with equal attributes share one
attribute dict (objects never mutate them). XML is parsed with the protections of :mod:`converters.formats._xml`;
see :mod:`.cvat_xml`.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...errors import InputError, Report, UsageError
from ...input_files import is_special_file
from ...model import Scene
from ...option_names import opt
from .._options import ReaderOptions
from ._parse import FileReader

DEFAULT_FRAME_NAME = "frame_{frame:06d}"


@dataclass(frozen=True)
class CvatOptions(ReaderOptions):
    """Options of the CVAT reader (CLI flags of the same names with dashes)."""

    reader: ClassVar[str] = "cvat"
    #: file name of video frames from the absolute frame number ({frame}, format specs allowed)
    frame_name: str = DEFAULT_FRAME_NAME

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "frame_name", _check_template(str(self.frame_name)))


class CvatReader:
    name = "cvat"
    summary = "CVAT XML 1.1: 'CVAT for images 1.1' and 'CVAT for video 1.1' (task, job or project export)"
    variants = (
        "CVAT for images 1.1 (task/job export): <image> elements -> one still image each",
        "CVAT for images 1.1 (project export): images keyed by subset/task -> sequences 'subset/name'",
        "CVAT for video 1.1: <track> elements -> one video per task, every frame start..stop by step",
        "shapes: box (rotated -> polygon), polygon, polyline, points, cuboid, ellipse, mask, skeleton",
        "input: .xml file, .zip holding annotations.xml, or a folder of .xml files",
    )

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument(
            "--frame-name",
            metavar="TEMPLATE",
            default=DEFAULT_FRAME_NAME,
            help="file name of video frames, from the absolute frame number: placeholders {frame} "
            "and format specs such as {frame:06d} (default: %(default)s, CVAT's own naming)",
        )

    options_type = CvatOptions

    def read(self, inputs: list[Path], options: CvatOptions | Mapping[str, Any] | None, report: Report) -> Scene:
        template = CvatOptions.from_mapping(options).frame_name
        scene = Scene(name="cvat")
        labels: dict[str, None] = {}
        with _collector_paused():
            for path in _expand(inputs, report):
                reader = FileReader(path, str(path), template, report)
                scene.sequences.extend(reader.run())
                if reader.meta is not None:
                    labels.update(dict.fromkeys(reader.meta.labels))
                labels.update(reader.seen_labels)
        scene.labels = list(labels)
        return scene


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading (restoring its previous state).

    The reader builds no reference cycles (elements are freed by reference counting as soon as
    they are removed from the tree), but the scene it builds grows by ~2 tracked objects per shape,
    and every full collection walks all of them: at 200k shapes that doubled the read time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_template(template: str) -> str:
    try:
        template.format(frame=0)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        raise UsageError(
            f"{opt('frame_name')} {template!r}: use the placeholder {{frame}} (optionally with a format spec "
            f"such as {{frame:06d}}): {exc}"
        ) from None
    return template


def _expand(inputs: list[Path], report: Report) -> list[Path]:
    """The XML files to read: named files, and the ``*.xml`` of named folders (a FIFO, socket or
    device among them is skipped with a ``not_regular_file`` warning)."""
    out: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found = []
            for q in sorted(p.glob("*.xml")):
                if is_special_file(q):
                    report.warn("not_regular_file", "not a regular file (a FIFO, socket or device): skipped", str(q))
                else:
                    found.append(q)
            if not found:
                raise InputError(f"no CVAT XML files found in {p}", None, "no_input")
            out.extend(found)
        elif not p.exists():
            raise UsageError(f"{p}: no such file")
        else:
            out.append(p)
    return out


READER = CvatReader()

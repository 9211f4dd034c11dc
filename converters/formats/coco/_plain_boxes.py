"""COCO's plain box records read without a dict each (a fast path, see :mod:`converters.fast_paths`).

A chunk of raw annotation records is decoded by msgspec straight into :class:`PlainBox` structs,
which only a plain box record fits: integer ``image_id`` and ``category_id``, a ``bbox`` of 4
numbers, an optional ``score``, ``iscrowd`` 0 or absent, ``segmentation`` absent, null or ``[]``,
and no ``keypoints``, ``attributes``, ``track_id`` or ``instance_id`` key at all (those make the
record an object of another kind). Unknown keys (``id``, ``area``) are skipped unbuilt.

Two steps, so that the first can run in worker processes (:func:`decode_in_workers`):

- :func:`decode_plain` keeps the leading records that also pass the reader's own tests (known image
  and category, width and height > 0, finite, score within [0, 1]) as columns
  (:class:`PlainColumns`); it needs only the image and category ids.
- :func:`apply_plain` adds them to their frames' column-stored boxes, a run of records of one image
  at a time, exactly as the dict path (``_reader._read_chunk``) would store them, and stops before a
  frame that already holds objects or another file's boxes.

The caller reads whatever was not applied with the dict path, which reads or reports it as always;
a chunk that does not decode (any record of another shape) goes there whole.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from ... import parallel
from ...model import Frame, FrameBoxes

if TYPE_CHECKING:
    from ._json import RawRecords
    from ._reader import _Context

_NO_SCORE = float("nan")
#: Records a file needs before its chunks are decoded in worker processes.
PARALLEL_FROM = 100_000


class PlainBox(msgspec.Struct, gc=False):
    """The fields of a plain box record (see the module docstring)."""

    image_id: int
    category_id: int
    bbox: tuple[float, float, float, float]
    score: float | None = None
    iscrowd: int | None = None
    segmentation: Annotated[list[Any], msgspec.Meta(max_length=0)] | None = None
    keypoints: msgspec.UnsetType = msgspec.UNSET
    attributes: msgspec.UnsetType = msgspec.UNSET
    track_id: msgspec.UnsetType = msgspec.UNSET
    instance_id: msgspec.UnsetType = msgspec.UNSET


_DECODER = msgspec.json.Decoder(list[PlainBox])


@dataclass(slots=True)
class PlainColumns:
    """The first ``count`` records of a chunk, all plain boxes: image and category ids, pixel-edge
    x1, y1, x2, y2 (4 a record) and scores (NaN for none; None when no record has one). Rows past
    ``count`` may be present (a record that failed half-way) and are ignored."""

    count: int
    image_ids: array[int]
    category_ids: array[int]
    coords: array[float]
    scores: array[float] | None


def decode_plain(text: bytes, frames: Mapping[Any, Any], labels: Mapping[Any, Any]) -> PlainColumns:
    """The leading plain box records of ``text`` (a JSON array) whose image is in ``frames`` and
    category in ``labels``, as columns."""
    ids: array[int] = array("q")
    cats: array[int] = array("q")
    coords: array[float] = array("d")
    scores: array[float] | None = None
    try:
        records = _DECODER.decode(text)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return PlainColumns(0, ids, cats, coords, scores)
    isfinite = math.isfinite
    k = 0
    try:
        for k, r in enumerate(records):
            iid = r.image_id
            cid = r.category_id
            x, y, w, h = r.bbox
            score = r.score
            if (
                iid not in frames
                or cid not in labels
                or r.iscrowd
                or not (w > 0 and h > 0 and isfinite(x + y + w + h))
                or (score is not None and not 0 <= score <= 1)
            ):
                return PlainColumns(k, ids, cats, coords, scores)
            ids.append(iid)
            cats.append(cid)
            coords.extend((x, y, x + w, y + h))
            if score is not None:
                if scores is None:
                    scores = array("d", [_NO_SCORE]) * k
                scores.append(score)
            elif scores is not None:
                scores.append(_NO_SCORE)
    except OverflowError:  # an id beyond 64 bits: the dict path reads it
        return PlainColumns(k, ids, cats, coords, scores)
    return PlainColumns(len(records), ids, cats, coords, scores)


def apply_plain(cols: PlainColumns, start: int, ctx: _Context, col_prefix: str) -> int:
    """Add the ``cols`` of the records ``start``, ``start + 1``, ... to their frames' column-stored
    boxes (sources ``{col_prefix}{index}]``); returns how many it added (all of ``cols.count``
    unless a frame must be read by the dict path)."""
    frames, labels = ctx.frames, ctx.cats.labels
    ids, cats, coords, scores = cols.image_ids, cols.category_ids, cols.coords, cols.scores
    n = cols.count
    i = 0
    while i < n:
        iid = ids[i]
        j = i + 1
        while j < n and ids[j] == iid:
            j += 1
        boxes = _frame_boxes(frames[iid], col_prefix)
        if boxes is None:
            break
        before = len(boxes)
        boxes.labels.extend([labels[c] for c in cats[i:j]])
        boxes.coords.extend(coords[4 * i:4 * j])
        boxes.attributes.extend([None] * (j - i))
        boxes.numbers.extend(range(start + i, start + j))  # type: ignore[union-attr]
        if boxes.scores is not None:
            boxes.scores.extend(scores[i:j] if scores is not None else array("d", [_NO_SCORE]) * (j - i))
        elif scores is not None and any(s == s for s in scores[i:j]):  # the frame's first score
            boxes.scores = array("d", [_NO_SCORE]) * before + scores[i:j]
        i = j
    ctx.report.objects_read += i
    return i


def _frame_boxes(frame: Frame, col_prefix: str) -> FrameBoxes | None:
    """The frame's column-stored boxes of this file, new when it has none; None when its records
    must go to the dict path: objects read before (the dict path keeps them first), or another
    file's boxes (results on shared --images frames)."""
    boxes = frame.boxes
    if boxes is None:
        if frame.objects:
            return None
        boxes = frame.boxes = FrameBoxes(col_prefix, "]", numbered=True)
    elif boxes.source_prefix is not col_prefix:
        return None
    return boxes


# -- decoding in worker processes -------------------------------------------------------------

_IDS: tuple[Mapping[Any, Any], Mapping[Any, Any]] | None = None  # (frames, labels) in the workers


def _decode_task(text: bytes) -> PlainColumns:
    assert _IDS is not None
    return decode_plain(text, *_IDS)


def decoded_chunks(records: RawRecords, ctx: _Context) -> Iterator[tuple[int, list[Any], PlainColumns]]:
    """(start, raw records, their :func:`decode_plain` columns) of each chunk, in order: decoded in
    ``parallel.read_workers()`` forked processes for a file of at least :data:`PARALLEL_FROM`
    records, here otherwise. At most 2 chunks a worker wait in flight, so memory stays flat."""
    frames, labels = ctx.frames, ctx.cats.labels
    workers = parallel.read_workers()
    if workers <= 1 or len(records) < PARALLEL_FROM:
        for start, part in records.raw_chunks():
            yield start, part, decode_plain(records.text(part), frames, labels)
        return
    global _IDS
    _IDS = (frames, labels)
    try:
        with parallel.fork_pool(workers) as pool:
            pending: deque[tuple[int, list[Any], Any]] = deque()
            for start, part in records.raw_chunks():
                if len(pending) >= 2 * workers:
                    first, raw, result = pending.popleft()
                    yield first, raw, result.get()
                pending.append((start, part, pool.apply_async(_decode_task, (records.text(part),))))
            while pending:
                first, raw, result = pending.popleft()
                yield first, raw, result.get()
    finally:
        _IDS = None

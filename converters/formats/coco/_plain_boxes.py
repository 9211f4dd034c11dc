"""COCO's plain box records read without a dict each (a fast path, see :mod:`converters.fast_paths`).

A chunk of raw annotation records is decoded by msgspec straight into :class:`PlainBox` structs,
which only a plain box record fits: integer ``image_id`` and ``category_id``, a ``bbox`` of 4
numbers, an optional ``score``, ``iscrowd`` 0 or absent, ``segmentation`` absent, null or ``[]``,
and no ``keypoints``, ``attributes``, ``track_id`` or ``instance_id`` key at all (those make the
record an object of another kind). Unknown keys (``id``, ``area``) are skipped unbuilt.

Two steps:

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

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
import numpy as np

from ...model import Frame, FrameBoxes
from ._json import RawRecords

if TYPE_CHECKING:
    from ._reader import _Context

_NO_SCORE = float("nan")


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
    x1, y1, x2, y2 (4 a record) and scores (NaN for none; None when no record has one)."""

    count: int
    image_ids: array[int]
    category_ids: array[int]
    coords: array[float]
    scores: array[float] | None


def decode_plain(text: bytes, frames: Mapping[Any, Any], labels: Mapping[Any, Any]) -> PlainColumns:
    """The leading plain box records of ``text`` (a JSON array) whose image is in ``frames`` and
    category in ``labels``, as columns. The tests run on whole columns (numpy), in the same
    floating-point steps as the dict path: ``isfinite(x + y + w + h)``, ``x2 = x + w``."""
    try:
        records = _DECODER.decode(text)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _NONE
    n = len(records)
    if n == 0:
        return _NONE
    ids = [r.image_id for r in records]
    cats = [r.category_id for r in records]
    bbox = np.array([r.bbox for r in records], dtype=np.float64).reshape(n, 4)
    x, y, w, h = bbox.T
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 + 1e308 is inf: a skip, not a warning
        ok = (w > 0) & (h > 0) & np.isfinite(x + y + w + h)
    crowd = [r.iscrowd for r in records]
    if any(crowd):
        ok &= np.logical_not(np.array(crowd, dtype=bool))
    score_list = [r.score for r in records]
    scores = None
    if score_list.count(None) != n:
        scores = np.array(score_list, dtype=np.float64)  # None -> NaN
        ok &= np.isnan(scores) | ((scores >= 0) & (scores <= 1))
    if not set(ids) <= frames.keys():
        ok &= np.array([i in frames for i in ids])
    if not set(cats) <= labels.keys():
        ok &= np.array([c in labels for c in cats])
    k = n if ok.all() else int(np.argmin(ok))
    try:
        id_col, cat_col = array("q", ids[:k]), array("q", cats[:k])
    except OverflowError:  # an id beyond 64 bits: the dict path reads the chunk
        return _NONE
    coords = bbox[:k].copy()
    coords[:, 2:] += coords[:, :2]
    return PlainColumns(k, id_col, cat_col, array("d", coords.tobytes()),
                        array("d", scores[:k].tobytes()) if scores is not None else None)


_NONE = PlainColumns(0, array("q"), array("q"), array("d"), None)


def apply_plain(cols: PlainColumns, start: int, ctx: _Context, col_prefix: str) -> int:
    """Add the ``cols`` of the records ``start``, ``start + 1``, ... to their frames' column-stored
    boxes (sources ``{col_prefix}{index}]``); returns how many it added (all of ``cols.count``
    unless a frame must be read by the dict path)."""
    frames, labels = ctx.frames, ctx.cats.labels
    ids, cats, coords, scores = cols.image_ids, cols.category_ids, cols.coords, cols.scores
    n = cols.count
    i = 0
    for j in _run_ends(ids, n):
        boxes = frame_boxes(frames[ids[i]], col_prefix)
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


def _run_ends(ids: array[int], n: int) -> list[int]:
    """The ends of the runs of equal ids among ``ids[:n]`` (each run is one image's records)."""
    if n == 0:
        return []
    col = np.frombuffer(ids, dtype=np.int64, count=n)
    return [*(np.flatnonzero(col[1:] != col[:-1]) + 1).tolist(), n]


def frame_boxes(frame: Frame, col_prefix: str) -> FrameBoxes | None:
    """The frame's column-stored boxes of this file, new when it has none; None when its boxes must
    be objects: it holds objects read before (they stay first, in the order read), or another
    file's boxes (results on shared --images frames, whose sources name another file)."""
    boxes = frame.boxes
    if boxes is None:
        if frame.objects:
            return None
        boxes = frame.boxes = FrameBoxes(col_prefix, "]", numbered=True)
    elif boxes.source_prefix is not col_prefix:
        return None
    return boxes


def decoded_chunks(records: RawRecords, ctx: _Context) -> Iterator[tuple[int, list[Any], PlainColumns]]:
    """(start, raw records, their :func:`decode_plain` columns) of each chunk, in order."""
    frames, labels = ctx.frames, ctx.cats.labels
    for start, part in records.raw_chunks():
        yield start, part, decode_plain(records.text(part), frames, labels)

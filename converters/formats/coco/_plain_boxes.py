"""COCO's plain box records read without a dict each (a fast path, see :mod:`converters.fast_paths`).

A chunk of raw annotation records is decoded by msgspec straight into :class:`PlainBox` structs,
which only a plain box record fits: integer ``image_id`` and ``category_id``, a ``bbox`` of 4
numbers, an optional ``score``, ``iscrowd`` 0 or absent, ``segmentation`` absent, null or ``[]``,
and no ``keypoints``, ``attributes``, ``track_id`` or ``instance_id`` key at all (those make the
record an object of another kind). Unknown keys (``id``, ``area``) are skipped unbuilt. Each record
that also passes the reader's own tests (known image and category, width and height > 0, finite,
score within [0, 1]) becomes a row of its frame's column-stored boxes, exactly as the dict path
(``_reader._read_chunk``) would store it. At the first record that does not, the rest of the chunk
goes to the dict path, which reads or reports it as always; a chunk that does not decode (any record
of another shape) goes there whole.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from ...model import FrameBoxes

if TYPE_CHECKING:
    from ._reader import _Context


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


def read_plain_boxes(text: bytes, start: int, ctx: _Context, col_prefix: str) -> int:
    """Store the leading plain box records of ``text`` (a JSON array of the records ``start``,
    ``start + 1``, ... ) as column rows (sources ``{col_prefix}{index}]``); returns how many it
    stored, so the caller reads the rest with the dict path."""
    try:
        records = _DECODER.decode(text)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return 0
    frames_get, labels_get = ctx.frames.get, ctx.cats.labels.get
    isfinite = math.isfinite
    for k, r in enumerate(records):
        frame = frames_get(r.image_id)
        label = labels_get(r.category_id)
        x, y, w, h = r.bbox
        score = r.score
        if (
            frame is None
            or label is None
            or r.iscrowd
            or not (w > 0 and h > 0 and isfinite(x + y + w + h))
            or (score is not None and not 0 <= score <= 1)
        ):
            return _counted(ctx, k)
        boxes = frame.boxes
        if boxes is None:
            if frame.objects:  # objects read before: the dict path keeps them first
                return _counted(ctx, k)
            boxes = frame.boxes = FrameBoxes(col_prefix, "]", numbered=True)
        elif boxes.source_prefix is not col_prefix:  # another file's boxes (results on --images frames)
            return _counted(ctx, k)
        boxes.labels.append(label)
        boxes.coords.extend((x, y, x + w, y + h))
        boxes.attributes.append(None)
        boxes.numbers.append(start + k)  # type: ignore[union-attr]
        if score is not None or boxes.scores is not None:
            boxes.add_score(score)
    return _counted(ctx, len(records))


def _counted(ctx: _Context, n: int) -> int:
    ctx.report.objects_read += n
    return n

"""Serialize one big video job piece by piece, never holding its payload whole (pass 2, streamed).

A video job is a single JSON object whose trackers hold every object of the sequence, so a long
video (a CVAT task of 200k shapes) would otherwise be a dict tree of several hundred MB built,
checked and dumped at once. Here the trackers are built, checked (:class:`VideoStreamCheck`) and
dumped in batches of about :data:`CHUNK` objects; a longer tracker goes out in parts of
:data:`CHUNK` frames. The pieces joined are exactly ``orjson.dumps`` of the whole payload: orjson
writes compact JSON in key order, so the line is the dumped envelope with the trackers spliced
into its empty ``"annotations":[]`` (the last key of the last key of the payload).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import StreamCheckFailed as StreamCheckFailed
from ..json_out import dumps
from ..model import Frame
from .builder import BoxesPlan, PayloadBuilder, Plan, plan_size
from .ids import JobIds
from .validate import VideoStreamCheck

#: Objects per batch of trackers (and frames per part of a longer tracker).
CHUNK = 2048
_TAIL = b'"annotations":[]}}}}}'
_CLOSE = b"]}}}}}"


def video_pieces(
    builder: PayloadBuilder, check: VideoStreamCheck, reference_id: str, frames: list[Frame], srcs: list[str],
    plans: list[Plan],
) -> Iterator[bytes]:
    """The JSON bytes of the planned video job, in pieces (no newline); raises
    :class:`StreamCheckFailed` before yielding the piece that failed (or the closing one)."""
    envelope = builder.video_envelope(reference_id, frames, srcs)
    if not check.envelope_ok(envelope):
        raise StreamCheckFailed
    head = dumps(envelope)
    if not head.endswith(_TAIL):  # pragma: no cover - the envelope puts data, and annotations, last
        raise AssertionError("the payload envelope does not end with its annotations")
    yield head[: -len(_CLOSE)]
    ids = JobIds(reference_id, builder.o.random_ids)
    batch: list[dict[str, Any]] = []
    size = 0
    sep = b""
    for plan in plans:
        n = plan_size(plan)
        if n > CHUNK and not isinstance(plan, BoxesPlan):  # a long tracker: its own pieces
            if batch:
                yield sep + _dump_checked(check, batch)
                sep = b","
                batch = []
                size = 0
            for start in range(0, n, CHUNK):
                part = builder.tracker(plan, ids, {}, start, start + CHUNK)
                if not check.trackers_ok([part], continued=start > 0):
                    raise StreamCheckFailed
                objects = dumps(part["frames"])[1:-1]
                if start == 0:  # the tracker's keys up to its open "frames" object, then the objects
                    part["frames"] = {}
                    yield sep + dumps(part)[:-2] + objects
                else:
                    yield b"," + objects
            yield b"}}"
            sep = b","
            continue
        if isinstance(plan, BoxesPlan):  # a frame's boxes: one-frame trackers, in one batch
            batch += builder.box_trackers(plan, ids, {})
        else:
            batch.append(builder.tracker(plan, ids, {}))
        size += n
        if size >= CHUNK:
            yield sep + _dump_checked(check, batch)
            sep = b","
            batch = []
            size = 0
    if batch:
        yield sep + _dump_checked(check, batch)
    if not check.finish():
        raise StreamCheckFailed
    yield _CLOSE


def _dump_checked(check: VideoStreamCheck, trackers: list[dict[str, Any]]) -> bytes:
    """The trackers as JSON list items (no brackets), once they pass the check."""
    if not check.trackers_ok(trackers):
        raise StreamCheckFailed
    return dumps(trackers)[1:-1]

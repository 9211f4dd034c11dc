"""The ``trackers`` library's online trackers (ByteTrack, SORT, OC-SORT; an optional extra: ``pip
install "playment-prelabel[trackers]"``), fed the same boxes frame by frame, per label."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import UsageError
from ._iou import Box4

_CLASSES = {"bytetrack": "ByteTrackTracker", "sort": "SORTTracker", "ocsort": "OCSORTTracker"}


def _load(method: str) -> tuple[Any, Any]:
    try:
        with warnings.catch_warnings():  # supervision warns at import when OpenCV is absent
            warnings.simplefilter("ignore")
            import supervision as sv
            import trackers
    except ImportError:
        raise UsageError(f"link_tracks={method!r} needs the trackers library: pip install "
                         "'playment-prelabel[trackers]'") from None
    return sv, getattr(trackers, _CLASSES[method])


def link_online(method: str, frames: list[list[tuple[int, Box4, float]]]) -> dict[int, int]:
    """Detection key -> track id from the library's tracker (detections it leaves unconfirmed are
    left out: they stay untracked)."""
    sv, cls = _load(method)
    tracker = cls()
    out: dict[int, int] = {}
    for dets in frames:
        if not dets:
            boxes = np.zeros((0, 4), dtype=np.float32)
            conf = np.zeros((0,), dtype=np.float32)
        else:
            boxes = np.asarray([d[1] for d in dets], dtype=np.float32)
            conf = np.asarray([d[2] for d in dets], dtype=np.float32)
        detections = sv.Detections(xyxy=boxes, confidence=conf, class_id=np.zeros(len(boxes), dtype=int))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = tracker.update(detections)
        ids = result.tracker_id if result.tracker_id is not None else np.full(len(result), -1)
        # the result holds the detections it kept; match them back by their boxes
        for box, tid in zip(np.asarray(result.xyxy).tolist(), np.asarray(ids).tolist()):
            if tid < 0:
                continue
            for key, b, _ in dets:
                if key not in out and all(abs(x - y) < 1e-3 for x, y in zip(b, box)):
                    out[key] = int(tid)
                    break
    return out

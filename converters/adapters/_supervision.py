"""supervision ``Detections`` (and ``KeyPoints``) -> :class:`~converters.model.Frame`.

Read from ``sv.Detections``: ``xyxy`` (N, 4), ``confidence``, ``class_id``, ``tracker_id`` (each
(N,) or None), ``mask`` (N, H, W) bool (traced exactly along the pixel edges), ``data`` with
``"class_name"`` (names per detection) and ``"xyxyxyxy"`` (N, 4, 2) oriented box corners. From
``sv.KeyPoints``: ``xy`` (N, K, 2), ``keypoint_confidence`` (N, K) (``confidence`` before
supervision 0.29) and ``visible`` (N, K): a point is kept when it is visible and its confidence
>= ``keypoint_threshold``; every point when neither is given. supervision carries no image
size, so ``width`` and ``height`` are given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from ..model import Frame, frame_from_arrays
from ._arrays import names_list, to_numpy


def from_supervision(
    detections: Any,
    *,
    width: float,
    height: float,
    frame_index: int = 0,
    file_name: str | None = None,
    class_names: Sequence[str] | Mapping[int, str] | None = None,
    keypoints: Any = None,
    keypoint_threshold: float = 0.5,
) -> Frame:
    """One frame's detections (and optionally keypoints, one row per detection) as a frame."""
    xyxy = to_numpy(getattr(detections, "xyxy", None))
    if xyxy is None:
        raise UsageError("from_supervision: expected an sv.Detections (with xyxy)")
    n = len(xyxy)
    data = getattr(detections, "data", None) or {}
    labels = None
    if "class_name" in data and class_names is None:
        labels = [str(x) for x in np.asarray(data["class_name"]).tolist()]
    class_id = to_numpy(getattr(detections, "class_id", None))
    tracker = getattr(detections, "tracker_id", None)
    kwargs: dict[str, Any] = {"boxes": xyxy}
    if "xyxyxyxy" in data:
        kwargs["obb"] = to_numpy(data["xyxyxyxy"])
    mask = getattr(detections, "mask", None)
    if mask is not None:
        kwargs["masks"] = to_numpy(mask)
    if keypoints is not None:
        xy = to_numpy(keypoints.xy)
        assert xy is not None
        if len(xy) != n:
            raise UsageError(f"from_supervision: {len(xy)} keypoint rows for {n} detections")
        # supervision >= 0.29 names it keypoint_confidence (reading the old name there warns)
        name = "keypoint_confidence" if hasattr(keypoints, "keypoint_confidence") else "confidence"
        conf = to_numpy(getattr(keypoints, name, None))
        visible = to_numpy(getattr(keypoints, "visible", None))
        if conf is None and visible is None:
            kwargs["keypoints"] = xy
        else:
            score = conf.astype(np.float64) if conf is not None else np.ones(xy.shape[:2])
            if visible is not None:
                score = np.where(visible.astype(bool), score, -1.0)
            kwargs["keypoints"] = np.concatenate([xy, score[..., None]], axis=2)
            kwargs["keypoint_format"] = "confidence"
            kwargs["keypoint_threshold"] = keypoint_threshold
    return frame_from_arrays(
        frame_index, width, height, file_name=file_name, index=frame_index,
        scores=to_numpy(getattr(detections, "confidence", None)),
        labels=labels,
        class_ids=class_id.astype(np.int64) if class_id is not None and labels is None else None,
        class_names=names_list(class_names) if not isinstance(class_names, Mapping) else class_names,
        track_ids=to_numpy(tracker) if tracker is not None else None,
        **kwargs,
    )

"""torchvision detection output and Hugging Face post-processing output -> :class:`~converters.model.Frame`.

torchvision (``fasterrcnn_*``, ``maskrcnn_*``, ``keypointrcnn_*``, ``retinanet_*``, ...): a dict with
``boxes`` (N, 4) xyxy pixels, ``labels`` (N,) class ids, ``scores`` (N,), and optionally ``masks``
(N, 1, H, W) soft masks (foreground where >= ``mask_threshold``) and ``keypoints`` (N, K, 3) x, y,
visibility.

Hugging Face ``post_process_object_detection``: a dict with ``scores``, ``labels``, ``boxes`` (xyxy
pixels, given ``target_sizes``); ``post_process_instance_segmentation``: a dict with
``segmentation`` (H, W) segment ids and ``segments_info`` [{``id``, ``label_id``, ``score``}], each
segment becoming one mask (its box is the mask's bounds). Names come from ``class_names`` (the
model's ``config.id2label``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from ..model import Frame, frame_from_arrays
from ._arrays import names_list, to_numpy


def from_torchvision(
    prediction: Mapping[str, Any],
    *,
    width: float,
    height: float,
    class_names: Sequence[str] | Mapping[int, str],
    frame_index: int = 0,
    file_name: str | None = None,
    mask_threshold: float = 0.5,
    score_threshold: float | None = None,
) -> Frame:
    """One image's prediction dict as a frame. ``score_threshold`` keeps the detections scoring at
    least that much (torchvision returns every detection above the model's own box threshold)."""
    names = class_names if isinstance(class_names, Mapping) else names_list(class_names)
    if "segments_info" in prediction:
        return _hf_segments(prediction, width, height, names, frame_index, file_name, score_threshold)
    boxes = to_numpy(prediction.get("boxes"))
    if boxes is None:
        raise UsageError("from_torchvision: the prediction has no 'boxes' (nor 'segments_info')")
    labels = to_numpy(prediction.get("labels"))
    scores = to_numpy(prediction.get("scores"))
    keep = np.ones(len(boxes), dtype=bool)
    if score_threshold is not None and scores is not None:
        keep = scores >= score_threshold
    kwargs: dict[str, Any] = {}
    masks = to_numpy(prediction.get("masks"))
    if masks is not None:
        if masks.ndim == 4:
            masks = masks[:, 0]
        kwargs["masks"] = (masks >= mask_threshold)[keep]
    keypoints = to_numpy(prediction.get("keypoints"))
    if keypoints is not None:
        kwargs["keypoints"] = keypoints[keep]
    return frame_from_arrays(
        frame_index, width, height, file_name=file_name, index=frame_index,
        boxes=boxes[keep], scores=scores[keep] if scores is not None else None,
        class_ids=labels[keep].astype(np.int64) if labels is not None else None, class_names=names,
        **kwargs,
    )


def _hf_segments(
    prediction: Mapping[str, Any], width: float, height: float, names: Mapping[int, str] | None,
    frame_index: int, file_name: str | None, score_threshold: float | None,
) -> Frame:
    seg = to_numpy(prediction.get("segmentation"))
    if seg is None:
        raise UsageError("from_torchvision: 'segments_info' without 'segmentation'")
    infos = [s for s in prediction["segments_info"]
             if score_threshold is None or float(s.get("score", 1.0)) >= score_threshold]
    masks = np.stack([seg == s["id"] for s in infos]) if infos else np.zeros((0, *seg.shape), dtype=bool)
    boxes = []
    for m in masks:
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        boxes.append([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1] if len(rows) else [0, 0, 0, 0])
    return frame_from_arrays(
        frame_index, width, height, file_name=file_name, index=frame_index,
        boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, 4), masks=masks,
        scores=np.asarray([float(s.get("score", 1.0)) for s in infos]),
        class_ids=np.asarray([int(s["label_id"]) for s in infos], dtype=np.int64), class_names=names,
    )

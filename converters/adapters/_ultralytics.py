"""Ultralytics ``Results`` (detect, segment, pose, obb; tracking ids) -> :class:`~converters.model.Frame`.

Read from a ``Results``: ``orig_shape`` (height, width) gives the frame size; ``names`` the class
names; ``path`` the file name (made relative to ``root`` when given); ``boxes.xyxy`` / ``conf`` /
``cls`` / ``id`` (``id`` is None unless the model tracked); ``masks.data`` (N, h, w) binary masks;
``keypoints.data`` (N, K, 3) x, y, confidence; ``obb.xyxyxyxy`` (N, 4, 2) corners with
``obb.conf`` / ``cls`` / ``id``.

Masks are traced exactly from ``masks.data``, never from ``masks.xy`` (those contours run through
pixel centres: a box from x 10 to 110 gets a polygon from 10 to 109). ``masks.data`` is at the
network's input size (letterboxed) unless ``retina_masks=True``; its pixel edges are mapped to the
original image with the letterbox Ultralytics applied (``scale_image``: gain = min(h / H, w / W),
padding split evenly), so nothing is resampled.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..errors import UsageError
from ..model import Frame, Geometry, Polygon, Scene, frame_from_arrays, scene_from_frames
from ._arrays import names_list, to_numpy


def _file_name(path: Any, root: str | os.PathLike[str] | None, fallback: str) -> str:
    if not path:
        return fallback
    text = os.fspath(path)
    if root is not None:
        try:
            rel = os.path.relpath(text, os.fspath(root))
        except ValueError:
            rel = text
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return os.path.basename(text) or fallback


def _letterbox_map(poly: Polygon, mask_hw: tuple[int, int], orig_hw: tuple[int, int]) -> Polygon:
    """A polygon traced on a letterboxed mask, in the original image's pixel-edge coordinates."""
    h, w = mask_hw
    oh, ow = orig_hw
    gain = min(h / oh, w / ow)
    pad_x = (w - ow * gain) / 2
    pad_y = (h - oh * gain) / 2
    return Polygon([((x - pad_x) / gain, (y - pad_y) / gain) for x, y in poly.exterior])


def _mask_geometry(mask: np.ndarray, orig_hw: tuple[int, int]) -> Geometry:
    from ..geometry import mask_to_polygons, polygons_to_geometry

    parts = mask_to_polygons(mask >= 0.5 if mask.dtype.kind == "f" else mask.astype(bool))
    if mask.shape != orig_hw:
        parts = [_letterbox_map(p, (mask.shape[0], mask.shape[1]), orig_hw) for p in parts]
    geom = polygons_to_geometry(parts)
    return geom if geom is not None else Polygon([])


def from_ultralytics(
    result: Any,
    *,
    frame_index: int | None = None,
    file_name: str | None = None,
    root: str | os.PathLike[str] | None = None,
    keypoint_threshold: float = 0.5,
) -> Frame:
    """One Ultralytics ``Results`` as a frame (``Frame.id``: ``frame_index`` when given, else the
    file name's stem). A keypoint is kept when its confidence >= ``keypoint_threshold``."""
    orig = getattr(result, "orig_shape", None)
    if orig is None or len(orig) < 2:
        raise UsageError("from_ultralytics: the result has no orig_shape (height, width)")
    height, width = int(orig[0]), int(orig[1])
    names = names_list(getattr(result, "names", None))
    fallback = f"frame_{frame_index}" if frame_index is not None else "image"
    name = file_name if file_name is not None else _file_name(getattr(result, "path", None), root, fallback)
    fid: str | int = frame_index if frame_index is not None else os.path.splitext(os.path.basename(name))[0]
    obb = getattr(result, "obb", None)
    boxes = obb if obb is not None and getattr(result, "boxes", None) is None else getattr(result, "boxes", None)
    if boxes is None:
        return frame_from_arrays(fid, width, height, file_name=name, index=frame_index or 0)
    conf = to_numpy(getattr(boxes, "conf", None))
    cls = to_numpy(getattr(boxes, "cls", None))
    ids = to_numpy(getattr(boxes, "id", None))
    kwargs: dict[str, Any] = {}
    if obb is not None and boxes is obb:
        kwargs["obb"] = to_numpy(obb.xyxyxyxy)
    else:
        kwargs["boxes"] = to_numpy(boxes.xyxy)
    masks = getattr(result, "masks", None)
    keypoints = getattr(result, "keypoints", None)
    frame = frame_from_arrays(
        fid, width, height, file_name=name, index=frame_index or 0,
        scores=conf, class_ids=cls.astype(np.int64) if cls is not None else None,
        class_names=names, track_ids=ids.astype(np.int64) if ids is not None else None,
        keypoints=to_numpy(keypoints.data) if keypoints is not None else None,
        keypoint_format="confidence", keypoint_threshold=keypoint_threshold,
        **kwargs,
    )
    if masks is not None:
        data = to_numpy(masks.data)
        assert data is not None
        if data.shape[0] != len(frame.objects):
            raise UsageError(f"from_ultralytics: {data.shape[0]} masks for {len(frame.objects)} boxes")
        for obj, mask in zip(frame.objects, data):
            shape = _mask_geometry(mask, (height, width))
            box = obj.geometry
            obj.geometry = shape
            obj.alternates = (box, *obj.alternates)
    return frame


def scene_from_ultralytics(
    results: Iterable[Any],
    *,
    sequence: str | None = None,
    root: str | os.PathLike[str] | None = None,
    keypoint_threshold: float = 0.5,
) -> Scene:
    """A list or a stream (``model.track(source, stream=True)``) of ``Results`` as a scene: one
    video sequence ``sequence`` (frames numbered from 0 in order), or still images."""
    return scene_from_frames(iter_ultralytics(results, sequence=sequence, root=root,
                                              keypoint_threshold=keypoint_threshold), sequence=sequence)


def iter_ultralytics(
    results: Iterable[Any], *, sequence: str | None = None, root: str | os.PathLike[str] | None = None,
    keypoint_threshold: float = 0.5,
) -> Iterator[Frame]:
    """Frames one by one (for :class:`~converters.JobWriter`); video frames numbered from 0."""
    for i, result in enumerate(results):
        yield from_ultralytics(result, frame_index=i if sequence is not None else None, root=root,
                               keypoint_threshold=keypoint_threshold)


__all__ = ["from_ultralytics", "iter_ultralytics", "scene_from_ultralytics"]

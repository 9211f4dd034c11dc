"""The objects of a Playment payload, frame by frame, as plain shapes to draw (normalized points).

Video payloads: ``data.video_data.frames`` and the trackers of ``maker_response.<video key>``;
image payloads: ``data.image_url`` and ``maker_response.{rectangles,polygons,lines,landmarks,
cuboids}.data``. Points keep Playment's order: rectangle corners TL, TR, BR, BL; ``p1..pN`` for
the others (landmark points carry their ``label`` number); cuboid ``p1..p8`` = front BL, BR, TR,
TL, back BL, BR, TR, TL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

IMAGE_KEYS = {"rectangles": "rectangle", "polygons": "polygon", "lines": "line", "landmarks": "landmark",
              "cuboids": "cuboid"}


@dataclass(frozen=True)
class Shape:
    """One object on one frame."""

    kind: str  # rectangle, polygon, line, landmark, cuboid
    label: str
    tracker: str  # the tracker's _id (video), or the item's _id (image)
    attributes: dict[str, str]
    points: tuple[tuple[float, float], ...]
    point_labels: tuple[int, ...] = ()  # landmarks


@dataclass(frozen=True)
class FrameShapes:
    frame_id: str
    src: str
    shapes: tuple[Shape, ...]


def _attrs(obj: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name, value in (obj.get("attributes") or {}).items():
        v = value.get("value") if isinstance(value, dict) else value
        out[str(name)] = ", ".join(map(str, v)) if isinstance(v, list) else str(v)
    return out


def _shape(kind: str, label: str, tracker: str, obj: dict[str, Any]) -> Shape:
    if kind == "rectangle":
        pts = tuple((float(c["x"]), float(c["y"])) for c in obj.get("coordinates", []))
        return Shape(kind, label, tracker, _attrs(obj), pts)
    points = obj.get("points") or {}
    names = sorted(points, key=lambda n: (len(n), n))  # p1, p2, ..., p10
    pts = tuple((float(points[n]["x"]), float(points[n]["y"])) for n in names)
    labels = tuple(int(points[n].get("label", i + 1)) for i, n in enumerate(names)) if kind == "landmark" else ()
    return Shape(kind, label, tracker, _attrs(obj), pts, labels)


def is_video(payload: dict[str, Any]) -> bool:
    return "video_data" in payload.get("data", {})


def frames_of(payload: dict[str, Any], video_key: str = "video2d") -> list[FrameShapes]:
    """Every frame of the payload with its shapes, in the payload's frame order."""
    data = payload.get("data", {})
    maker = data.get("maker_response") or {}
    if "video_data" in data:
        frames = data["video_data"].get("frames", [])
        per: dict[str, list[Shape]] = {str(f["frame_id"]): [] for f in frames}
        block: dict[str, Any] = maker.get(video_key) or next(iter(maker.values()), {})
        for tracker in (block.get("data") or {}).get("annotations", []):
            for fid, obj in tracker.get("frames", {}).items():
                if fid in per:
                    per[fid].append(_shape(tracker["type"], tracker["label"], str(tracker.get("_id", "")), obj))
        return [FrameShapes(str(f["frame_id"]), str(f.get("src", "")), tuple(per[str(f["frame_id"])]))
                for f in frames]
    shapes = [_shape(kind, item.get("label", ""), str(item.get("_id", "")), item)
              for key, kind in IMAGE_KEYS.items() for item in (maker.get(key) or {}).get("data", [])]
    return [FrameShapes(str(payload.get("reference_id", "image")), str(data.get("image_url", "")), tuple(shapes))]

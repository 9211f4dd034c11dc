"""One COCO annotation record -> one :class:`~converters.model.SceneObject` (the general path).

The reader's hot loop handles plain ``bbox`` records itself; everything else (segmentation,
keypoints, attributes, crowd, tracks) comes here. Problems raise :class:`RecordSkip` with a reason
code; the caller turns it into ``report.skip``.

Geometry rules (coordinates are COCO's pixel-edge floats, used as they are):

- ``bbox`` [x, y, w, h] -> ``Box(x, y, x + w, y + h)``; w and h must be > 0.
- ``segmentation`` as polygons [[x1, y1, ...], ...] -> Polygon (one ring) or MultiPolygon (several);
  a flat [x1, y1, ...] list is read as one ring. Each ring needs an even count of >= 6 numbers.
  Self-intersecting rings are repaired (shapely ``make_valid``), warned as ``polygon_repaired``.
- ``segmentation`` as RLE (either kind) -> decoded, traced along pixel edges, holes bridged into
  the ring (:mod:`.mask_trace`), simplified within 0.5 px; several regions -> MultiPolygon.
- ``keypoints`` [x, y, v, ...] -> Keypoints in the category's ``keypoints`` order (names kept when
  the category lists them). Ground truth ``v`` must be 0, 1 or 2; in results lists ``v`` is
  unused or a score: 0/1/2 are kept, any other positive value becomes 2 (visible).
- ``geometry`` = segmentation, else keypoints, else bbox; ``alternates`` = the others (box first).
- CVAT's ``attributes.rotation`` (degrees, clockwise about the box centre) turns a bbox-only
  record into the rotated rectangle as a Polygon (its axis-aligned bounds as the alternate Box).
"""

from __future__ import annotations

import math
from array import array
from typing import Any

from ...errors import RecordSkip, Report
from ...geometry import polygon_problem, repair_polygon
from ...model import AttributeValue, Box, Frame, Geometry, Keypoints, MultiPolygon, PointArray, Polygon, SceneObject
from ._rle import RleError, is_rle, rle_size, rle_to_polygons


def is_json_number(v: object) -> bool:
    """An int or float that is finite (bool is not a number here)."""
    t = type(v)
    return (t is int or t is float) and math.isfinite(v)  # type: ignore[arg-type]


def describe(v: object) -> str:
    """Short description of a bad value for messages."""
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_bbox(bb: object) -> Box:
    """COCO [x, y, w, h] -> Box, or RecordSkip with the reason."""
    if type(bb) is not list or len(bb) != 4:
        raise RecordSkip("bbox_invalid", f"bbox must be a list [x, y, width, height], got {describe(bb)}")
    for v in bb:
        if type(v) is not int and type(v) is not float:
            raise RecordSkip("bbox_invalid", f"bbox values must be numbers, got {describe(v)} in {describe(bb)}")
        if not math.isfinite(v):
            raise RecordSkip("bbox_not_finite", f"bbox has a NaN or infinite value: {describe(bb)}")
    x, y, w, h = bb
    if w <= 0 or h <= 0:
        raise RecordSkip("bbox_non_positive", f"bbox width and height must be > 0, got {describe(bb)}")
    if not math.isfinite(x + w) or not math.isfinite(y + h):
        raise RecordSkip("bbox_not_finite", f"bbox corner overflows: {describe(bb)}")
    return Box(x, y, x + w, y + h)


def parse_score(score: object) -> float:
    if type(score) is not int and type(score) is not float:
        raise RecordSkip("score_invalid", f"score must be a number, got {describe(score)}")
    if not 0 <= score <= 1:  # NaN fails too
        raise RecordSkip("score_out_of_range", f"score must be within [0, 1], got {score!r}")
    return float(score)


def _ring(values: object, where: str) -> Polygon:
    if type(values) is not list:
        raise RecordSkip("polygon_invalid", f"{where} must be a list of numbers, got {describe(values)}")
    if len(values) % 2:
        raise RecordSkip("polygon_odd_count", f"{where} has an odd count of numbers ({len(values)})")
    for v in values:  # is_json_number inline: this loop sees every coordinate of every polygon
        t = type(v)
        if (t is not float and t is not int) or v - v != 0:  # v - v is NaN for NaN and infinity
            raise RecordSkip("polygon_invalid", f"{where} holds {describe(v)} where a finite number belongs")
    try:
        xy = array("d", values)  # a flat array: 16 bytes a point (model.PointArray)
    except OverflowError:  # an integer too large for a float
        raise RecordSkip("polygon_invalid", f"{where} holds a number too large for a coordinate") from None
    if len(xy) >= 4 and xy[0] == xy[-2] and xy[1] == xy[-1]:  # the closing point repeats the first
        del xy[-2:]
    pts = PointArray(xy)
    if len(pts) < 3:
        raise RecordSkip("polygon_too_few_points", f"{where} has {len(pts)} points; a polygon needs >= 3")
    return Polygon(pts)


def parse_polygons(seg: list[Any], loc: str, report: Report) -> list[Polygon]:
    """COCO polygon segmentation -> valid polygons (repaired ones warned)."""
    rings = [seg] if all(type(v) is not list for v in seg) else seg
    parts: list[Polygon] = []
    for k, values in enumerate(rings):
        where = "segmentation" if rings is not seg else f"segmentation[{k}]"
        poly = _ring(values, where)
        problem = polygon_problem(poly)
        if problem is None:
            parts.append(poly)
            continue
        fixed = repair_polygon(poly)
        if not fixed:
            raise RecordSkip("polygon_degenerate", f"{where} encloses no area ({problem})")
        report.warn("polygon_repaired", f"{where}: {problem}; repaired into {len(fixed)} valid polygon(s)", loc)
        parts.extend(fixed)
    return parts


def parse_rle(seg: dict[str, Any], frame: Frame) -> list[Polygon]:
    """RLE segmentation -> traced polygons; its size must match the image."""
    try:
        h, w = rle_size(seg)
        if h != frame.height or w != frame.width:
            raise RecordSkip(
                "rle_size_mismatch",
                f"RLE size [h={h}, w={w}] disagrees with image {frame.file_name!r} "
                f"({frame.width:g}x{frame.height:g} w x h)",
            )
        polys = rle_to_polygons(seg)
    except RleError as exc:
        raise RecordSkip(exc.code, exc.message) from None
    if not polys:
        raise RecordSkip("mask_empty", "RLE mask has no foreground pixels")
    return polys


def parse_keypoints(kp: object, names: tuple[str, ...] | None, results: bool) -> Keypoints | None:
    """COCO keypoints -> Keypoints, or None when no point is labelled (all v = 0)."""
    if type(kp) is not list or len(kp) % 3:
        n = len(kp) if type(kp) is list else describe(kp)
        raise RecordSkip("keypoints_not_triplets", f"keypoints must be a list of x, y, v triplets, got {n} values")
    n = len(kp) // 3
    if names and n != len(names):
        raise RecordSkip(
            "keypoints_count_mismatch",
            f"{n} keypoints but the category defines {len(names)} ({', '.join(names)})",
        )
    pts: list[tuple[float, float]] = []
    vis: list[int] = []
    for j in range(0, len(kp), 3):
        x, y, v = kp[j], kp[j + 1], kp[j + 2]
        if not (is_json_number(x) and is_json_number(y) and is_json_number(v)):
            raise RecordSkip(
                "keypoints_invalid",
                f"keypoint {j // 3 + 1} is not three finite numbers: {describe(kp[j : j + 3])}",
            )
        if v in (0, 1, 2):
            vi = int(v)
        elif results:
            vi = 2 if v > 0 else 0
        else:
            raise RecordSkip("keypoints_invalid", f"keypoint {j // 3 + 1} visibility must be 0, 1 or 2, got {v!r}")
        pts.append((float(x), float(y)))
        vis.append(vi)
    if not any(vis):
        return None
    return Keypoints(pts, vis, names or None)


def convert_attributes(raw: object, loc: str, report: Report) -> tuple[dict[str, AttributeValue], Any, float]:
    """CVAT / Datumaro ``attributes`` dict -> (Playment attributes per C10, track id, rotation)."""
    if type(raw) is not dict:
        report.warn("attributes_invalid", f"'attributes' must be an object, got {describe(raw)}; ignored", loc)
        return {}, None, 0.0
    attrs: dict[str, AttributeValue] = {}
    track: Any = None
    rotation = 0.0
    for name, v in raw.items():
        if name == "track_id":
            track = v
        elif name == "rotation" and is_json_number(v):
            rotation = float(v)
        else:
            value = attribute_value(v)
            if value is None:
                report.warn("attribute_dropped", f"attribute {name!r}: cannot carry {describe(v)}", loc)
            else:
                attrs[str(name)] = value
    return attrs, track, rotation


def attribute_value(v: object) -> AttributeValue | None:
    """bool -> "Yes"/"No", number -> str(v), str unchanged, list -> list of str; else None."""
    if type(v) is bool:
        return "Yes" if v else "No"
    if type(v) is str:
        return v
    if is_json_number(v):
        return str(v)
    if type(v) is list:
        items = [attribute_value(x) for x in v]
        if all(type(x) is str for x in items):
            return items  # type: ignore[return-value]
    return None


def rotated_box(box: Box, degrees: float) -> Polygon:
    """The box rotated clockwise (image coordinates, y down) about its centre."""
    cx, cy = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    corners = [(box.x1, box.y1), (box.x2, box.y1), (box.x2, box.y2), (box.x1, box.y2)]
    return Polygon([(cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in corners])


def valid_track(t: object) -> bool:
    return (type(t) is int or type(t) is str) and t != ""


def build_object(
    a: dict[str, Any],
    label: str,
    frame: Frame,
    kp_names: tuple[str, ...] | None,
    loc: str,
    report: Report,
    results: bool,
) -> SceneObject:
    """The general path: any COCO annotation (or YouTube-VIS per-frame entry) -> SceneObject."""
    bb = a.get("bbox")
    box = parse_bbox(bb) if bb is not None else None
    seg = a.get("segmentation")
    shape: Geometry | None = None
    if seg:
        if type(seg) is list:
            parts = parse_polygons(seg, loc, report)
        elif is_rle(seg):
            parts = parse_rle(seg, frame)
        else:
            raise RecordSkip("segmentation_invalid", f"segmentation must be polygons or an RLE, got {describe(seg)}")
        shape = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    kp = a.get("keypoints")
    points = parse_keypoints(kp, kp_names, results) if kp is not None else None
    score = a.get("score")
    confidence = parse_score(score) if score is not None else None

    attrs: dict[str, AttributeValue] = {}
    track = a.get("track_id", a.get("instance_id"))
    rotation = 0.0
    raw = a.get("attributes")
    if raw is not None:
        attrs, cvat_track, rotation = convert_attributes(raw, loc, report)
        if track is None:
            track = cvat_track
    if track is not None and not valid_track(track):
        report.warn(
            "track_id_invalid",
            f"track id must be an integer or a string, got {describe(track)}; ignored",
            loc,
        )
        track = None
    if a.get("iscrowd") in (1, True):
        attrs["iscrowd"] = "Yes"
    if shape is None and box is not None and rotation:
        shape = rotated_box(box, rotation)
        box = Box(*shape.bounds())

    geometry: Geometry | None = shape or points or box
    if geometry is None:
        raise RecordSkip("no_geometry", "annotation has no bbox, segmentation or labelled keypoints")
    alternates = tuple(g for g in (box, points) if g is not None and g is not geometry)
    return SceneObject(label, geometry, confidence, attrs or None, track, loc, alternates)

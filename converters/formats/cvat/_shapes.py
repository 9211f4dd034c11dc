"""CVAT XML shape elements -> scene-model geometry, and shape attributes -> object attributes.

Every builder takes the element, its attribute dict, the skeleton sub-label order (skeletons only)
and a list to which it appends ``(code, message)`` warnings; it returns a geometry or raises
:class:`ShapeError` (the record is then skipped with that code). Coordinates are pixel-edge floats
as CVAT writes them (see :mod:`converters.formats.cvat._reader`).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable

import numpy as np
import shapely
import shapely.errors

from ... import geometry as g
from ...errors import RecordSkip
from ...model import Box, Cuboid, Geometry, Keypoints, Point, Polygon, Polyline, max_mask_pixels

#: Vertices of the polygon that approximates an ellipse (evenly spaced in the parametric angle).
ELLIPSE_VERTICES = 32

#: CVAT cuboid attributes in canvas order (index k = points 2k, 2k+1 of CVAT's flat list).
#: 0/1 front-left edge top/bottom, 2/3 front-right edge top/bottom, 4/5 back edge behind the
#: front-right edge top/bottom, 6/7 back edge behind the front-left edge top/bottom.
CUBOID_KEYS = (
    ("xtl1", "ytl1"),
    ("xbl1", "ybl1"),
    ("xtr1", "ytr1"),
    ("xbr1", "ybr1"),
    ("xtl2", "ytl2"),
    ("xbl2", "ybl2"),
    ("xtr2", "ytr2"),
    ("xbr2", "ybr2"),
)
#: Canvas index of each model cuboid point: front BL, BR, TR, TL, back BL, BR, TR, TL.
#: The back face's l/r letters in CVAT are mirrored (``xtl2`` sits behind the front-RIGHT edge),
#: so back BL is canvas 7 (xbr2), back BR canvas 5 (xbl2), back TR 4 (xtl2), back TL 6 (xtr2).
CUBOID_ORDER = (1, 3, 2, 0, 7, 5, 4, 6)

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})
_FLAGS = {"0": False, "1": True, "false": False, "true": True, "False": False, "True": True}

Notes = list[tuple[str, str]]
Attributes = dict[str, "str | list[str]"]
Builder = Callable[[ET.Element, dict[str, str], "tuple[str, ...] | None", Notes], Geometry]


#: A shape cannot be converted; ``code`` is the report's reason code (the library-wide type).
ShapeError = RecordSkip


def flag(a: dict[str, str], key: str) -> bool:
    """A 0/1 attribute such as ``occluded``; absent = False; anything else is a bad value."""
    value = a.get(key)
    if value is None:
        return False
    try:
        return _FLAGS[value.strip()]
    except KeyError:
        raise ShapeError("bad_value", f"{key}={value!r} is not 0 or 1") from None


def _nonfinite(*values: float) -> bool:
    s = math.fsum(values)
    return s - s != 0.0  # NaN or +-inf anywhere (or an overflowing sum) makes this NaN


def _numbers(a: dict[str, str], keys: tuple[str, ...]) -> list[float]:
    try:
        values = [float(a[k]) for k in keys]
    except KeyError as exc:
        raise ShapeError("missing_coordinates", f"missing attribute {exc.args[0]!r}") from None
    except ValueError:
        shown = ", ".join(f"{k}={a.get(k)!r}" for k in keys)
        raise ShapeError("bad_value", f"non-numeric coordinate in {shown}") from None
    if _nonfinite(*values):
        shown = ", ".join(f"{k}={a.get(k)!r}" for k in keys)
        raise ShapeError("bad_value", f"coordinate is not a finite number: {shown}")
    return values


def parse_points(a: dict[str, str]) -> list[Point]:
    """``points="x0,y0;x1,y1;..."`` -> [(x0, y0), ...]."""
    text = a.get("points")
    if text is None:
        raise ShapeError("missing_coordinates", "missing attribute 'points'")
    pts: list[Point] = []
    try:
        for pair in text.split(";"):
            sx, sy = pair.split(",")
            pts.append((float(sx), float(sy)))
    except ValueError:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ShapeError("malformed_points", f"points must be 'x,y;x,y;...' numbers, got {shown!r}") from None
    for x, y in pts:
        if _nonfinite(x, y):
            raise ShapeError("bad_value", f"point ({x}, {y}) is not finite")
    return pts


def rotate_corners(x1: float, y1: float, x2: float, y2: float, degrees: float) -> list[Point]:
    """Corners (x1,y1), (x2,y1), (x2,y2), (x1,y2) turned by ``degrees`` about the box centre.

    x' = cx + cos(t)*dx - sin(t)*dy, y' = cy + sin(t)*dx + cos(t)*dy (CVAT's formula); with y down
    a positive angle turns clockwise on screen.
    """
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    t = math.radians(degrees)
    c, s = math.cos(t), math.sin(t)
    out = []
    for x, y in ((x1, y1), (x2, y1), (x2, y2), (x1, y2)):
        dx, dy = x - cx, y - cy
        out.append((cx + c * dx - s * dy, cy + s * dx + c * dy))
    return out


def box(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    try:
        x1, y1, x2, y2 = float(a["xtl"]), float(a["ytl"]), float(a["xbr"]), float(a["ybr"])
    except (KeyError, ValueError):
        x1, y1, x2, y2 = _numbers(a, ("xtl", "ytl", "xbr", "ybr"))
    s = x1 + y1 + x2 + y2
    if s - s != 0.0:  # NaN or infinity somewhere
        _numbers(a, ("xtl", "ytl", "xbr", "ybr"))
    if not (x2 > x1 and y2 > y1):
        raise ShapeError("bbox_non_positive", f"box has no area: xtl={x1} ytl={y1} xbr={x2} ybr={y2}")
    rot = a.get("rotation")
    if rot is not None:
        (angle,) = _numbers(a, ("rotation",))
        if angle % 360.0 != 0.0:
            return Polygon(rotate_corners(x1, y1, x2, y2, angle))
    return Box(x1, y1, x2, y2)


def polygon(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    """A ``<polygon>``; its validity is checked afterwards, many at once (:func:`invalid_polygons`)."""
    ring = g.drop_closing_point(parse_points(a))
    if len(ring) < 3:
        raise ShapeError("polygon_too_few_points", f"a polygon needs at least 3 points, got {len(ring)}")
    return Polygon(ring)


def invalid_polygons(polys: list[Polygon]) -> list[int]:
    """Indices of the polygons that are not valid with a positive area.

    One vectorized shapely call for the whole list: about 3 us per polygon instead of 20 us for
    building shapely objects one by one.
    """
    if not polys:
        return []
    try:
        lens = [len(p.exterior) for p in polys]
        coords = np.array([pt for p in polys for pt in p.exterior], dtype=np.float64)
        rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(polys)), lens))
        geoms = shapely.polygons(rings)
        ok = shapely.is_valid(geoms) & (shapely.area(geoms) > 0)
    except (shapely.errors.GEOSException, ValueError):
        return [i for i, p in enumerate(polys) if g.polygon_problem(p) is not None]
    return [int(i) for i in np.flatnonzero(~ok)]


def repair(poly: Polygon, notes: Notes) -> Geometry:
    """An invalid polygon made valid (shapely ``make_valid``), with a note; ShapeError if nothing is left."""
    problem = g.polygon_problem(poly)
    if problem is None:
        return poly
    fixed = g.polygons_to_geometry(g.repair_polygon(poly))
    if fixed is None:
        raise ShapeError("polygon_degenerate", f"invalid polygon with nothing left after repair: {problem}")
    notes.append(("polygon_repaired", f"invalid polygon repaired ({problem})"))
    return fixed


def polyline(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    pts = parse_points(a)
    if len(pts) < 2:
        raise ShapeError("polyline_too_few_points", f"a polyline needs at least 2 points, got {len(pts)}")
    return Polyline(pts)


def points(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    pts = parse_points(a)
    v = 1 if flag(a, "occluded") else 2
    return Keypoints(pts, [v] * len(pts))


def cuboid(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    flat = _numbers(a, tuple(k for pair in CUBOID_KEYS for k in pair))
    canvas = list(zip(flat[0::2], flat[1::2], strict=True))
    return Cuboid([canvas[i] for i in CUBOID_ORDER])


def ellipse(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    cx, cy, rx, ry = _numbers(a, ("cx", "cy", "rx", "ry"))
    if not (rx > 0 and ry > 0):
        raise ShapeError("ellipse_non_positive", f"ellipse radii must be positive, got rx={rx} ry={ry}")
    angle = _numbers(a, ("rotation",))[0] if "rotation" in a else 0.0
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    ring = []
    for k in range(ELLIPSE_VERTICES):
        u = 2 * math.pi * k / ELLIPSE_VERTICES
        dx, dy = rx * math.cos(u), ry * math.sin(u)
        ring.append((cx + c * dx - s * dy, cy + s * dx + c * dy))
    return Polygon(ring)


def decode_mask(a: dict[str, str]) -> tuple[np.ndarray, int, int]:
    """The tight mask (height x width, row-major runs starting with background) and its left/top."""
    try:
        left, top, width, height = (int(a[k]) for k in ("left", "top", "width", "height"))
    except KeyError as exc:
        raise ShapeError("missing_coordinates", f"missing attribute {exc.args[0]!r}") from None
    except ValueError:
        shown = ", ".join(f"{k}={a.get(k)!r}" for k in ("left", "top", "width", "height"))
        raise ShapeError("bad_value", f"mask box is not integer: {shown}") from None
    if width <= 0 or height <= 0:
        raise ShapeError("mask_empty", f"mask box has no area: width={width} height={height}")
    limit = max_mask_pixels()
    if width * height > limit:
        raise ShapeError("mask_too_large", f"mask box {width} x {height} px has more than {limit} px")
    text = a.get("rle")
    if text is None:
        raise ShapeError("missing_coordinates", "missing attribute 'rle'")
    try:
        runs = np.array([int(v) for v in text.split(",")], dtype=np.int64)
    except ValueError:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ShapeError("bad_value", f"rle must be comma-separated integers, got {shown!r}") from None
    if (runs < 0).any() or int(runs.sum()) != width * height:
        raise ShapeError(
            "mask_rle_mismatch",
            f"rle run lengths add up to {int(runs.sum())}, expected width*height = {width * height}",
        )
    values = np.arange(len(runs), dtype=np.int64) % 2 == 1
    mask = np.repeat(values, runs).reshape(height, width)
    return mask, left, top


def mask(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    bits, left, top = decode_mask(a)
    geom = g.polygons_to_geometry(g.mask_to_polygons(bits, offset=(float(left), float(top))))
    if geom is None:
        raise ShapeError("mask_empty", "mask has no foreground pixels")
    return geom


def skeleton(el: ET.Element, a: dict[str, str], sub: tuple[str, ...] | None, notes: Notes) -> Geometry:
    """Nested ``<points label=...>`` -> keypoints in the meta's sub-label order.

    outside or absent points get visibility 0, occluded ones 1, the others 2. Without sub-labels in
    the meta, the order of the elements is used.
    """
    found: dict[str, tuple[Point, int]] = {}
    order: list[str] = []
    dropped_attrs = 0
    for child in el:
        if child.tag == "attribute":
            continue
        ca = child.attrib
        name = ca.get("label", "")
        if child.tag != "points" or (sub is not None and name not in sub) or name in found:
            why = "duplicate" if name in found else "not a sub-label of this skeleton"
            notes.append(("skeleton_element_dropped", f"<{child.tag} label={name!r}> dropped: {why}"))
            continue
        if len(child):
            dropped_attrs += sum(1 for c in child if c.tag == "attribute")
        if flag(ca, "outside"):
            found[name] = ((0.0, 0.0), 0)
        else:
            pts = parse_points(ca)
            if len(pts) != 1:
                raise ShapeError("malformed_points", f"skeleton point {name!r} must hold 1 point, got {len(pts)}")
            found[name] = (pts[0], 1 if flag(ca, "occluded") else 2)
        order.append(name)
    if dropped_attrs:
        notes.append(("skeleton_point_attribute_dropped", f"{dropped_attrs} attributes of skeleton points dropped"))
    names = sub if sub is not None else tuple(order)
    missing = ((0.0, 0.0), 0)
    entries = [found.get(n, missing) for n in names]
    return Keypoints([p for p, _ in entries], [v for _, v in entries], names)


BUILDERS: dict[str, Builder] = {
    "box": box,
    "polygon": polygon,
    "polyline": polyline,
    "points": points,
    "cuboid": cuboid,
    "ellipse": ellipse,
    "mask": mask,
    "skeleton": skeleton,
}


def attributes(el: ET.Element, types: dict[str, str], occluded: str | None, strings: dict[str, str]) -> Attributes:
    """``<attribute name>`` children -> attribute dict (C10).

    ``occluded`` (when the element has it) becomes ``"occluded": "Yes"/"No"``; checkbox values and,
    for attributes the meta does not type, the literal values true/false become "Yes"/"No"; all
    other values stay the text CVAT wrote (numbers are already strings). ``strings`` shares equal
    names and values between objects (they repeat on every row of a track).
    """
    out: Attributes = {}
    if occluded is not None:
        out["occluded"] = "Yes" if occluded == "1" else "No"
    for child in el:
        if child.tag != "attribute":
            continue
        name = child.get("name")
        if name is None:
            continue
        name = strings.setdefault(name, name)
        value = child.text or ""
        value = strings.setdefault(value, value) if len(value) < 64 else value
        kind = types.get(name)
        if kind == "checkbox" or (kind is None and value in ("true", "false")):
            low = value.strip().lower()
            if low in _TRUE:
                value = "Yes"
            elif low in _FALSE:
                value = "No"
        out[name] = value
    return out


def attribute_dict(
    pairs: Iterable[tuple[str, str]], types: dict[str, str], occluded: str | None, strings: dict[str, str]
) -> Attributes:
    """:func:`attributes` of a shape whose ``<attribute>`` children are ``(name, text)`` pairs."""
    el = ET.Element("shape")
    for name, text in pairs:
        ET.SubElement(el, "attribute", {"name": name}).text = text
    return attributes(el, types, occluded, strings)

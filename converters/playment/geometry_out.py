"""Model geometry -> Playment geometry keys, normalized to 0..1 (the one place that divides).

x_norm = x / width, y_norm = y / height in IEEE double, no rounding (the JSON writer prints the
shortest repr that round-trips). A coordinate outside [0, 1] is clamped to the nearest bound and
counted (``Report.clamped_points``, one per clamped point of an emitted object). Rules from the
docs/playment-conventions.md:

- rectangle (C5): ``coordinates`` = TL, TR, BR, BL.
- polygon (C6): ``points`` p1..pN in ring order (closing duplicate and repeated consecutive points
  dropped), ``edges`` e1..eN closing the ring. Holes are dropped and counted
  (``polygon_holes_dropped``): a Playment polygon is a single ring. A polygon that is invalid
  after normalization and clamping (self-intersecting, collapsed onto the frame border) is
  repaired with shapely ``make_valid`` keeping the largest part (``polygon_repaired``), or
  skipped when no area is left; an invalid polygon is never emitted.
- line (C7): ``points`` p1..pN and ``edges`` as an open chain e1..e(N-1).
- landmark (C8): ``points`` p1..pM for the keypoints with visibility > 0; ``label`` = the
  keypoint's 1-based index in the skeleton (so omitted points leave gaps in labels, not in names).
- cuboid (C9): p1..p8 = front BL, BR, TR, TL, back BL, BR, TR, TL; ``front`` [p1,p2,p3,p4],
  ``back`` [p5,p6,p7,p8], ``side`` [p2,p6,p7,p3] (face names configurable).

Each function returns the geometry dict, or a string saying why nothing can be emitted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import Report
from ..geometry import polygon_problem, repair_polygon
from ..model import Box, Cuboid, Keypoints, Point, Polygon, Polyline

GeometryOut = dict[str, Any]

_P = [f"p{i}" for i in range(1, 257)]
_E = [f"e{i}" for i in range(1, 257)]
CUBOID_FACES = {"front": ["p1", "p2", "p3", "p4"], "side": ["p2", "p6", "p7", "p3"], "back": ["p5", "p6", "p7", "p8"]}


def _pname(i: int) -> str:
    return _P[i] if i < 256 else f"p{i + 1}"


def _ename(i: int) -> str:
    return _E[i] if i < 256 else f"e{i + 1}"


def _norm_points(points: Iterable[Point], w: float, h: float) -> tuple[list[Point], int]:
    """The points normalized and clamped to [0, 1], and how many were clamped (the caller counts
    them in the report only when the object is emitted)."""
    out = []
    clamped = 0
    for x, y in points:
        nx = x / w
        ny = y / h
        if nx < 0.0 or nx > 1.0 or ny < 0.0 or ny > 1.0:
            clamped += 1
            nx = 0.0 if nx < 0.0 else (1.0 if nx > 1.0 else nx)
            ny = 0.0 if ny < 0.0 else (1.0 if ny > 1.0 else ny)
        out.append((nx, ny))
    return out, clamped


def rectangle(b: Box, w: float, h: float, report: Report) -> GeometryOut | str:
    x1 = b.x1 / w
    y1 = b.y1 / h
    x2 = b.x2 / w
    y2 = b.y2 / h
    clamped = 0
    if x1 < 0.0 or y1 < 0.0 or x2 > 1.0 or y2 > 1.0 or x1 > 1.0 or y1 > 1.0 or x2 < 0.0 or y2 < 0.0:
        ox1 = not 0.0 <= x1 <= 1.0
        ox2 = not 0.0 <= x2 <= 1.0
        oy1 = not 0.0 <= y1 <= 1.0
        oy2 = not 0.0 <= y2 <= 1.0
        # corners TL, TR, BR, BL: a corner is clamped when either of its coordinates is
        clamped = (ox1 or oy1) + (ox2 or oy1) + (ox2 or oy2) + (ox1 or oy2)
        x1 = min(max(x1, 0.0), 1.0)
        y1 = min(max(y1, 0.0), 1.0)
        x2 = min(max(x2, 0.0), 1.0)
        y2 = min(max(y2, 0.0), 1.0)
    if not (x2 > x1 and y2 > y1):
        return "the box has no area inside the frame"
    report.clamped_points += clamped
    return {
        "coordinates": [{"x": x1, "y": y1}, {"x": x2, "y": y1}, {"x": x2, "y": y2}, {"x": x1, "y": y2}]
    }


def _dedupe(points: Iterable[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def polygon(p: Polygon, w: float, h: float, report: Report, source: str = "") -> GeometryOut | str:
    if p.holes:
        report.warn(
            "polygon_holes_dropped",
            f"dropped {len(p.holes)} hole(s): a Playment polygon is a single ring",
            source,
            len(p.holes),
        )
    normalized, clamped = _norm_points(p.exterior, w, h)
    pts = _dedupe(normalized)
    if len(pts) >= 3:
        problem = polygon_problem(Polygon(pts))
        if problem is not None:
            parts = repair_polygon(Polygon(pts))
            if not parts:
                return f"the polygon has no area inside the frame ({problem})"
            dropped = f"; {len(parts) - 1} smaller part(s) dropped" if len(parts) > 1 else ""
            report.warn("polygon_repaired", f"invalid polygon ({problem}) repaired{dropped}", source)
            pts = _dedupe(parts[0].exterior)
    if len(pts) < 3:
        return f"a polygon needs at least 3 distinct points inside the frame, got {len(pts)}"
    report.clamped_points += clamped
    n = len(pts)
    names = _P[:n] if n <= len(_P) else [_pname(i) for i in range(n)]
    return {
        "points": {name: {"x": x, "y": y} for name, (x, y) in zip(names, pts)},
        "edges": {_ename(i): [names[i], names[(i + 1) % n]] for i in range(n)},
    }


def line(pl: Polyline, w: float, h: float, report: Report) -> GeometryOut | str:
    pts: list[Point] = []
    normalized, clamped = _norm_points(pl.points, w, h)
    for q in normalized:
        if not pts or q != pts[-1]:
            pts.append(q)
    if len(pts) < 2:
        return f"a line needs at least 2 distinct points, got {len(pts)}"
    report.clamped_points += clamped
    return {
        "points": {_pname(i): {"x": x, "y": y} for i, (x, y) in enumerate(pts)},
        "edges": {_ename(i): [_pname(i), _pname(i + 1)] for i in range(len(pts) - 1)},
    }


def landmark(k: Keypoints, w: float, h: float, report: Report) -> GeometryOut | str:
    kept = [(i + 1, pt) for i, (pt, v) in enumerate(zip(k.points, k.visibility)) if v > 0]
    if not kept:
        return "no labelled keypoints (every visibility is 0)"
    norm, clamped = _norm_points([pt for _, pt in kept], w, h)
    report.clamped_points += clamped
    return {
        "points": {
            _pname(j): {"x": x, "y": y, "label": label} for j, ((label, _), (x, y)) in enumerate(zip(kept, norm))
        }
    }


def cuboid(c: Cuboid, w: float, h: float, report: Report, faces: dict[str, list[str]] | None = None) -> GeometryOut:
    norm, clamped = _norm_points(c.points, w, h)
    report.clamped_points += clamped
    out: GeometryOut = {"points": {_pname(i): {"x": x, "y": y} for i, (x, y) in enumerate(norm)}}
    for face, names in (faces or CUBOID_FACES).items():
        out[face] = {"coordinates": list(names)}
    return out

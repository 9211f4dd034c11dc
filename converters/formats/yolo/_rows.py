"""YOLO row parsers: label file bytes -> :class:`SceneObject` lists, one :class:`LineParser` per run.

The parsers work on the raw bytes (``bytes.split`` and ``float(bytes)``: no decoding, no regex)
because the hot path is a million rows; the detect parser unpacks the five tokens directly.
Record-level problems are ``report.skip`` calls naming file:line; a row whose value count does not
fit the layout is an :class:`InputError` (the files do not hold what was declared or inferred).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping

from ... import fast_paths
from ...errors import InputError, Report
from ...geometry import polygon_problem, polygons_to_geometry, repair_polygon
from ...model import (
    AttributeValue,
    Box,
    Frame,
    FrameBoxes,
    Geometry,
    Keypoints,
    Point,
    PointArray,
    Polygon,
    SceneObject,
)
from .._numbers import parses_as_float
from ._row_layout import Layout, is_dota_header, show, split_lines

#: A row whose largest coordinate exceeds this is "pixel-like"; a file made only of such rows is
#: reported as pixel coordinates (normalized values that far outside [0, 1] are not plausible).
PIXEL_HINT = 1.5
#: Prediction keypoints carry a confidence (not a COCO visibility) in their third value: points at
#: or above this become visible (2), points below it are "not labelled" (0) and are not emitted.
#: 0.25 is the threshold Ultralytics' own plotting uses to draw a keypoint.
KPT_CONF_VISIBLE = 0.25


class LineParser:
    """Parses label files of one :class:`Layout` into :class:`SceneObject` lists.

    One instance per run: it caches the class-token -> label lookup and counts into ``report``.
    """

    def __init__(
        self,
        layout: Layout,
        report: Report,
        *,
        names: Mapping[int, str] | None,
        names_where: str = "",
        layout_where: str = "",
        kpt_names: Mapping[int, tuple[str, ...]] | tuple[str, ...] | None = None,
        kpt_is_visibility: bool = True,
        obb_as_rectangle: bool = False,
    ) -> None:
        self.layout = layout
        self.report = report
        self.names = names
        self.names_where = names_where
        self.layout_where = layout_where
        self.kpt_names = kpt_names
        self.kpt_is_visibility = kpt_is_visibility
        self.obb_as_rectangle = obb_as_rectangle
        self.labels: dict[bytes, str] = {}
        self.class_ids: set[int] = set()
        self.dota_labels: dict[str, None] = {}
        if names is not None:
            self.labels = {str(k).encode(): v for k, v in names.items()}

    # -- shared helpers ----------------------------------------------------------------------

    def _class_slow(self, tok: bytes, loc: str, ln: int, raw: bytes) -> str | None:
        """Label of a class token not in the cache ("1.0", unknown ids); None when skipped."""
        where = f"{loc}:{ln}"
        try:
            value = float(tok)
        except ValueError:
            self.report.skip("non_numeric", f"class {show(tok)!r} is not a number in {show(raw)!r}", where)
            return None
        if not (math.isfinite(value) and value.is_integer() and value >= 0):
            self.report.skip("bad_class", f"class {show(tok)!r} is not a class index >= 0", where)
            return None
        cid = int(value)
        if self.names is None:
            label = str(cid)
            self.class_ids.add(cid)
        elif cid in self.names:
            label = self.names[cid]
        else:
            self.report.skip(
                "unknown_class",
                f"class {cid} is not in the {len(self.names)} names from {self.names_where}",
                where,
            )
            return None
        self.labels[tok] = label
        return label

    def _bad_count(self, loc: str, ln: int, raw: bytes, n: int) -> InputError:
        lay = self.layout
        origin = f" (inferred from {self.layout_where})" if self.layout_where else ""
        return InputError(
            f"{show(raw)!r} has {n} values; {lay.describe()}{origin} needs {lay.expected()}. "
            "Declare what the files hold with --yolo-task {detect,segment,pose,obb} and "
            "--yolo-columns {none,conf,track,conf+track}",
            f"{loc}:{ln}",
            "bad_columns",
        )

    def _non_numeric(self, tokens: list[bytes], loc: str, ln: int, raw: bytes) -> None:
        bad = next((t for t in tokens if not parses_as_float(t)), b"?")
        self.report.skip("non_numeric", f"{show(bad)!r} is not a number in {show(raw)!r}", f"{loc}:{ln}")

    def _not_finite(self, loc: str, ln: int, raw: bytes) -> None:
        self.report.skip("not_finite", f"NaN or infinite value in {show(raw)!r}", f"{loc}:{ln}")

    def _trailing(
        self, tokens: list[bytes], loc: str, ln: int, raw: bytes
    ) -> tuple[bool, float | None, int | None]:
        """(ok, confidence, track id) from the trailing columns."""
        lay = self.layout
        n = len(tokens)
        conf: float | None = None
        track: int | None = None
        if lay.conf:
            conf = float(tokens[n - 1 - int(lay.track)])
            if not 0.0 <= conf <= 1.0:  # NaN fails too
                self.report.skip("bad_confidence", f"confidence {conf} is not within [0, 1]", f"{loc}:{ln}")
                return False, None, None
        if lay.track:
            value = float(tokens[n - 1])
            if not (math.isfinite(value) and value.is_integer()):
                self.report.skip("bad_track_id", f"track id {show(tokens[n - 1])!r} is not an integer",
                                 f"{loc}:{ln}")
                return False, None, None
            track = int(value)
        return True, conf, track

    def _pixels(self, loc: str, n_pixel: int, n_rows: int, example: str) -> None:
        if n_rows and n_pixel == n_rows:
            raise InputError(
                f"looks like pixel coordinates: every row has values above {PIXEL_HINT} "
                f"(e.g. {example!r}); YOLO coordinates are normalized to 0..1 by the image size",
                loc,
                "pixel_coordinates",
            )

    # -- entry point -------------------------------------------------------------------------

    def parse(self, data: bytes, loc: str, width: float, height: float, frame: Frame) -> None:
        """Parse one label file's bytes into ``frame`` (an empty one); counts go to the report.

        Detect rows without a track id become the frame's column-stored boxes (``Frame.boxes``,
        sources ``{loc}:{line}``) unless the fast paths are off (``fast_paths.reference_only``)."""
        lines = split_lines(data, loc)
        task = self.layout.task
        out = frame.objects
        if task == "detect":
            boxes = FrameBoxes(f"{loc}:", "", numbered=True) if fast_paths.enabled() else None
            self._detect(lines, loc, width, height, out, boxes)
            if boxes is not None and len(boxes):
                frame.boxes = boxes
        elif task == "segment":
            self._points_rows(lines, loc, width, height, out, obb=False)
        elif task == "obb":
            self._points_rows(lines, loc, width, height, out, obb=True)
        else:
            self._pose(lines, loc, width, height, out)

    # -- detect (hot path) -------------------------------------------------------------------
    # _detect and _detect_extra repeat the same row checks on purpose: the plain 5-value row is the
    # most common input, and a shared helper (or a branch per row for the trailing columns) would add
    # a call or a test to every one of its rows. A change to one loop goes into the other.

    def _detect(
        self, lines: list[bytes], loc: str, W: float, H: float, out: list[SceneObject], boxes: FrameBoxes | None
    ) -> None:
        """``cls xc yc w h`` rows (the hot path: unpacking, no per-row helper calls). With ``boxes``
        (the fast paths on) the boxes go there as columns instead of to ``out`` as objects."""
        if self.layout.extra:
            self._detect_extra(lines, loc, W, H, out, boxes if not self.layout.track else None)
            return
        labels = self.labels
        append = out.append
        if boxes is not None:
            add_label, add_coords, add_number = boxes.labels.append, boxes.coords.extend, boxes.numbers.append  # type: ignore[union-attr]
        records = objects = n_pixel = 0
        example = ""
        ln = 0
        for raw in lines:
            ln += 1
            t = raw.split()
            if not t:
                continue
            records += 1
            try:
                c, a, b, cw, ch = t
            except ValueError:
                raise self._bad_count(loc, ln, raw, len(t)) from None
            label = labels.get(c)
            if label is None:
                label = self._class_slow(c, loc, ln, raw)
                if label is None:
                    continue
            try:
                xc = float(a)
                yc = float(b)
                w = float(cw)
                h = float(ch)
            except ValueError:
                self._non_numeric(t, loc, ln, raw)
                continue
            s = xc + yc + w + h
            if s - s != 0.0 or w <= 0.0 or h <= 0.0:
                self._bad_box(s, loc, ln, raw)
                continue
            if xc > PIXEL_HINT or yc > PIXEL_HINT or w > PIXEL_HINT or h > PIXEL_HINT:
                n_pixel += 1
                example = example or show(raw)
            w *= 0.5
            h *= 0.5
            if boxes is not None:
                add_label(label)
                add_coords(((xc - w) * W, (yc - h) * H, (xc + w) * W, (yc + h) * H))
                add_number(ln)
            else:
                append(SceneObject(label, Box((xc - w) * W, (yc - h) * H, (xc + w) * W, (yc + h) * H),
                                   None, None, None, f"{loc}:{ln}"))
            objects += 1
        if boxes is not None:
            boxes.attributes.extend([None] * objects)
        self.report.records_read += records
        self.report.objects_read += objects
        self._pixels(loc, n_pixel, objects, example)

    def _detect_extra(
        self, lines: list[bytes], loc: str, W: float, H: float, out: list[SceneObject], boxes: FrameBoxes | None
    ) -> None:
        """``cls xc yc w h`` + conf and/or track id; ``boxes``: as :meth:`_detect` (rows without a
        track id only)."""
        expected = 5 + self.layout.extra
        labels = self.labels
        append = out.append
        records = objects = n_pixel = 0
        example = ""
        ln = 0
        for raw in lines:
            ln += 1
            t = raw.split()
            if not t:
                continue
            records += 1
            if len(t) != expected:
                raise self._bad_count(loc, ln, raw, len(t))
            label = labels.get(t[0])
            if label is None:
                label = self._class_slow(t[0], loc, ln, raw)
                if label is None:
                    continue
            try:
                xc = float(t[1])
                yc = float(t[2])
                w = float(t[3])
                h = float(t[4])
                ok, conf, track = self._trailing(t, loc, ln, raw)
            except ValueError:
                self._non_numeric(t, loc, ln, raw)
                continue
            if not ok:
                continue
            s = xc + yc + w + h
            if s - s != 0.0 or w <= 0.0 or h <= 0.0:
                self._bad_box(s, loc, ln, raw)
                continue
            if xc > PIXEL_HINT or yc > PIXEL_HINT or w > PIXEL_HINT or h > PIXEL_HINT:
                n_pixel += 1
                example = example or show(raw)
            w *= 0.5
            h *= 0.5
            if boxes is not None:
                boxes.add(label, (xc - w) * W, (yc - h) * H, (xc + w) * W, (yc + h) * H, ln, conf)
            else:
                append(SceneObject(label, Box((xc - w) * W, (yc - h) * H, (xc + w) * W, (yc + h) * H),
                                   conf, None, track, f"{loc}:{ln}"))
            objects += 1
        self.report.records_read += records
        self.report.objects_read += objects
        self._pixels(loc, n_pixel, objects, example)

    def _bad_box(self, s: float, loc: str, ln: int, raw: bytes) -> None:
        if s - s != 0.0:
            self._not_finite(loc, ln, raw)
        else:
            self.report.skip("bbox_non_positive", f"box width and height must be > 0 in {show(raw)!r}",
                             f"{loc}:{ln}")

    # -- segment and obb ---------------------------------------------------------------------

    def _numbers(
        self, t: list[bytes], stop: int, loc: str, ln: int, raw: bytes
    ) -> tuple[list[float], float | None, int | None] | None:
        """Coordinates t[1:stop] and the trailing columns; None when the row was skipped."""
        try:
            values = [float(v) for v in t[1:stop]]
            ok, conf, track = self._trailing(t, loc, ln, raw)
        except ValueError:
            self._non_numeric(t, loc, ln, raw)
            return None
        if not ok:
            return None
        s = sum(values)
        if s - s != 0.0:
            self._not_finite(loc, ln, raw)
            return None
        return values, conf, track

    def _points_rows(
        self, lines: list[bytes], loc: str, W: float, H: float, out: list[SceneObject], obb: bool
    ) -> None:
        lay = self.layout
        extra = lay.extra
        records = objects = n_pixel = 0
        example = ""
        for ln, raw in enumerate(lines, 1):
            t = raw.split()
            if not t:
                continue
            records += 1
            n = len(t)
            if not lay.fits(n):
                if obb or (n - 1 - extra) % 2 or n - 1 - extra < 0:
                    self.report.records_read += records
                    raise self._bad_count(loc, ln, raw, n)
                self.report.skip("polygon_too_few_points",
                                 f"a polygon needs at least 3 points, got {(n - 1 - extra) // 2}",
                                 f"{loc}:{ln}")
                continue
            label = self.labels.get(t[0]) or self._class_slow(t[0], loc, ln, raw)
            if label is None:
                continue
            parsed = self._numbers(t, n - extra, loc, ln, raw)
            if parsed is None:
                continue
            values, conf, track = parsed
            if max(values) > PIXEL_HINT:
                n_pixel += 1
                example = example or show(raw)
            xs = [v * W for v in values[0::2]]
            ys = [v * H for v in values[1::2]]
            where = f"{loc}:{ln}"
            if obb:
                geom = self._obb_geometry(list(zip(xs, ys, strict=True)), where)
            else:  # a flat array: 16 bytes a point (model.PointArray)
                geom = self._polygon(PointArray(array("d", [c for xy in zip(xs, ys, strict=True) for c in xy])), where)
            if geom is None:
                continue
            out.append(SceneObject(label, geom, conf, None, track, where))
            objects += 1
        self.report.records_read += records
        self.report.objects_read += objects
        self._pixels(loc, n_pixel, objects, example)

    def _polygon(self, ring: PointArray, where: str) -> Geometry | None:
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = PointArray(ring.xy[:-2])
        if len(ring) < 3:
            self.report.skip("polygon_too_few_points",
                             f"a polygon needs at least 3 distinct points, got {len(ring)}", where)
            return None
        poly = Polygon(ring)
        problem = polygon_problem(poly)
        if problem is None:
            return poly
        geom = polygons_to_geometry(repair_polygon(poly))
        if geom is None:
            self.report.skip("polygon_degenerate", f"the polygon has no area ({problem})", where)
            return None
        parts = len(getattr(geom, "parts", [geom]))
        self.report.warn("polygon_repaired", f"invalid polygon ({problem}) repaired into {parts} part(s)",
                         where)
        return geom

    def _obb_geometry(self, ring: list[Point], where: str) -> Geometry | None:
        if self.obb_as_rectangle:
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            box = Box(min(xs), min(ys), max(xs), max(ys))
            if box.x2 <= box.x1 or box.y2 <= box.y1:
                self.report.skip("bbox_non_positive", "the oriented box has zero width or height", where)
                return None
            return box
        fixed = convex_order(ring)
        if fixed is None:
            self.report.skip("polygon_degenerate", "the oriented box has no area (collinear corners)", where)
            return None
        if fixed != ring:
            self.report.warn("obb_reordered",
                             "the 4 corners were not in ring order; reordered around their centre", where)
        return Polygon(fixed)

    # -- pose ----------------------------------------------------------------------------------

    def _kpt_names(self, label: str, cid_tok: bytes) -> tuple[str, ...] | None:
        kn = self.kpt_names
        if kn is None or isinstance(kn, tuple):
            return kn
        try:
            return kn.get(int(float(cid_tok)))
        except ValueError:
            return None

    def _pose(self, lines: list[bytes], loc: str, W: float, H: float, out: list[SceneObject]) -> None:
        lay = self.layout
        k, d = lay.kpt or (0, 0)
        records = objects = n_pixel = 0
        example = ""
        for ln, raw in enumerate(lines, 1):
            t = raw.split()
            if not t:
                continue
            records += 1
            if not lay.fits(len(t)):
                self.report.records_read += records
                raise self._bad_count(loc, ln, raw, len(t))
            label = self.labels.get(t[0]) or self._class_slow(t[0], loc, ln, raw)
            if label is None:
                continue
            parsed = self._numbers(t, 5 + k * d, loc, ln, raw)
            if parsed is None:
                continue
            values, conf, track = parsed
            xc, yc, w, h = values[:4]
            coords = values[4:]
            xs = coords[0::d]
            ys = coords[1::d]
            if max(xc, yc, w, h, *xs, *ys) > PIXEL_HINT:
                n_pixel += 1
                example = example or show(raw)
            where = f"{loc}:{ln}"
            points = [(x * W, y * H) for x, y in zip(xs, ys, strict=True)]
            vis = self._visibility(coords, k, d)
            box = Box((xc - w / 2) * W, (yc - h / 2) * H, (xc + w / 2) * W, (yc + h / 2) * H)
            box_ok = w > 0 and h > 0
            if any(vis):
                kp = Keypoints(points, vis, self._kpt_names(label, t[0]))
                obj = SceneObject(label, kp, conf, None, track, where, (box,) if box_ok else ())
            elif box_ok:
                self.report.warn("keypoints_none_visible",
                                 "no keypoint is visible; the object keeps only its box", where)
                obj = SceneObject(label, box, conf, None, track, where)
            else:
                self.report.skip("keypoints_none_visible", "no visible keypoint and no valid box", where)
                continue
            out.append(obj)
            objects += 1
        self.report.records_read += records
        self.report.objects_read += objects
        self._pixels(loc, n_pixel, objects, example)

    def _visibility(self, coords: list[float], k: int, d: int) -> list[int]:
        if d == 2:
            return [0 if coords[i] < 0 or coords[i + 1] < 0 else 2 for i in range(0, 2 * k, 2)]
        third = coords[2::3]
        if self.kpt_is_visibility:
            return [0 if v <= 0 else (1 if v < 1.5 else 2) for v in third]
        return [2 if v >= KPT_CONF_VISIBLE else 0 for v in third]

    # -- DOTA labelTxt -------------------------------------------------------------------------

    def parse_dota(self, data: bytes, loc: str, out: list[SceneObject]) -> None:
        """``x1 y1 x2 y2 x3 y3 x4 y4 class_name [difficult]`` in absolute pixels."""
        records = objects = 0
        for ln, raw in enumerate(split_lines(data, loc), 1):
            t = raw.split()
            if not t or (ln <= 2 and is_dota_header(t)):
                continue
            records += 1
            where = f"{loc}:{ln}"
            if len(t) not in (9, 10):
                self.report.records_read += records
                raise InputError(
                    f"{show(raw)!r} has {len(t)} values; a DOTA labelTxt row is "
                    "'x1 y1 x2 y2 x3 y3 x4 y4 class_name [difficult]'",
                    where,
                    "bad_columns",
                )
            try:
                values = [float(v) for v in t[:8]]
            except ValueError:
                self._non_numeric(t[:8], loc, ln, raw)
                continue
            s = sum(values)
            if s - s != 0.0:
                self._not_finite(loc, ln, raw)
                continue
            label = t[8].decode("utf-8", "replace")
            attrs: dict[str, AttributeValue] | None = None
            if len(t) == 10:
                flag = t[9]
                if flag not in (b"0", b"1"):
                    self.report.skip("bad_difficult", f"difficult must be 0 or 1, got {show(flag)!r}", where)
                    continue
                attrs = {"difficult": "Yes" if flag == b"1" else "No"}
            ring = list(zip(values[0::2], values[1::2], strict=True))
            geom = self._obb_geometry(ring, where)
            if geom is None:
                continue
            self.dota_labels.setdefault(label, None)
            out.append(SceneObject(label, geom, None, attrs, None, where))
            objects += 1
        self.report.records_read += records
        self.report.objects_read += objects


def convex_order(ring: list[Point]) -> list[Point] | None:
    """The ring itself when it is a simple convex polygon, else its points sorted by angle around
    their centre (the order any 4 corners of a rectangle have); None when it has no area."""
    n = len(ring)
    signs = set()
    for i in range(n):
        (x1, y1), (x2, y2), (x3, y3) = ring[i], ring[(i + 1) % n], ring[(i + 2) % n]
        cross = (x2 - x1) * (y3 - y2) - (y2 - y1) * (x3 - x2)
        signs.add(cross > 0 if cross else None)
    if None not in signs and len(signs) == 1:
        return ring
    cx = sum(p[0] for p in ring) / n
    cy = sum(p[1] for p in ring) / n
    ordered = sorted(ring, key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
    area = 0.0
    for i in range(n):
        (x1, y1), (x2, y2) = ordered[i], ordered[(i + 1) % n]
        area += x1 * y2 - x2 * y1
    return ordered if abs(area) > 1e-12 else None

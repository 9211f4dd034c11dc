"""Build Playment job payloads from selected items (docs/playment-conventions.md).

Video job (default)::

    {"reference_id", "work_flow_id" | "tag", "batch_id"?, "priority_weight"?,
     "data": {"video_data": {"frames": [{"frame_id", "src"}, ...]},
              "maker_response": {"video2d": {"data": {"annotations": [TRACKER, ...]}}}}}

A tracker groups one track's per-frame objects under ``frames`` keyed by ``frame_id``; an object
without a track id is a one-frame tracker. Trackers are keyed by (track, Playment type, label) and
listed in order of first appearance. Per-frame objects carry ``_id``, ``type``, ``label``,
``attributes`` (each ``{"value", "state": "editable"}``) and the geometry keys.

A video job is built in two passes. Pass 1 (:meth:`PayloadBuilder.plan_video`, or
:meth:`PayloadBuilder.plan_box_tracks` for column-stored box tracks) walks the frames in order,
reports skips and clamps and groups objects into planned trackers, keeping little more than
references. Pass 2 (:meth:`PayloadBuilder.tracker`) builds tracker dicts, whole or in parts of a
frame range, so that a long video can be written piece by piece (``video_stream``).

Image job (C2): ``data.image_url`` and ``maker_response.{rectangles,polygons,lines,landmarks,
cuboids}.data[]`` whose items carry ``_id``, ``label``, ``attributes``, ``state`` and the geometry
(no ``type``). All five keys are emitted (empty lists allowed) unless ``drop_empty``.

``_id`` (C11): ``uuid5`` of ``reference_id/track_key/type/label`` for trackers (plus ``/frame_id``
for per-frame objects), or ``uuid4`` with ``random_ids``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from operator import itemgetter, lt
from typing import Any, TypeAlias, cast

from ..errors import Report
from ..model import AttributeValue, Box, BoxTrack, Cuboid, Frame, FrameBoxes, Geometry, Keypoints, Polygon, Polyline
from ..options import ConvertOptions
from ..select import Item, Key, Tracked, Untracked, untracked_prefix
from . import geometry_out as go
from .ids import JobIds

IMAGE_KEYS = {"rectangle": "rectangles", "polygon": "polygons", "line": "lines",
              "landmark": "landmarks", "cuboid": "cuboids"}


def attributes_out(attrs: dict[str, AttributeValue] | None, state: str | None) -> dict[str, Any]:
    """C10: ``{name: {"value": str | [str]}}`` plus ``"state"`` on video objects."""
    out: dict[str, Any] = {}
    if not attrs:
        return out
    if state is None:
        for k, v in attrs.items():
            out[k] = {"value": v}
    else:  # a plain loop: no comprehension frame (this runs once per object)
        for k, v in attrs.items():
            out[k] = {"value": v, "state": state}
    return out


class TrackPlan:
    """One tracker of a video job after pass 1: its id name (``<track key>/<type>/<label>``), type,
    label and, per frame in order, the frame, the geometry (a :class:`Box` inside the frame, or the
    output geometry keys) and the attribute dict."""

    __slots__ = ("attrs", "bodies", "frames", "label", "name", "ptype")

    def __init__(
        self, name: str, ptype: str, label: str, frame: Frame, body: Box | go.GeometryOut,
        attrs: dict[str, AttributeValue] | None,
    ) -> None:
        self.name = name
        self.ptype = ptype
        self.label = label
        self.frames = [frame]
        self.bodies = [body]
        self.attrs = [attrs]


class ColumnPlan:
    """A column-stored box track (:class:`~converters.model.BoxTrack`) after pass 1: the rows to
    emit, in frame order, and the output geometry of the rows that needed clamping."""

    __slots__ = ("clamped", "label", "name", "ptype", "rows", "track")

    def __init__(
        self, name: str, track: BoxTrack, rows: range | array[int], clamped: dict[int, go.GeometryOut]
    ) -> None:
        self.name = name
        self.ptype = "rectangle"
        self.label = track.label
        self.track = track
        self.rows = rows
        self.clamped = clamped


class BoxesPlan:
    """A frame's column-stored boxes (:class:`~converters.model.FrameBoxes`) after pass 1: the rows
    to emit (each a one-frame tracker, keyed by ``first + row`` as the frame's objects are by their
    index), and the output geometry of the rows that needed clamping."""

    __slots__ = ("boxes", "clamped", "first", "frame", "rows")

    def __init__(
        self, frame: Frame, boxes: FrameBoxes, rows: range | array[int], clamped: dict[int, go.GeometryOut], first: int
    ) -> None:
        self.frame = frame
        self.boxes = boxes
        self.rows = rows
        self.clamped = clamped
        self.first = first


#: An object without a track id after pass 1: (id name, type, label, frame, geometry, attributes).
SinglePlan: TypeAlias = "tuple[str, str, str, Frame, Box | go.GeometryOut, dict[str, AttributeValue] | None]"
Plan: TypeAlias = "TrackPlan | ColumnPlan | BoxesPlan | SinglePlan"


def plan_size(plan: Plan) -> int:
    """Objects in a planned tracker."""
    if isinstance(plan, TrackPlan):
        return len(plan.frames)
    return 1 if isinstance(plan, tuple) else len(plan.rows)


def _kept_rows(order: list[int] | None, n: int, skipped: set[int]) -> range | array[int]:
    """The rows to emit: ``order`` (None: 0..n-1) without ``skipped``; a range when that is all of them."""
    if order is None and not skipped:
        return range(n)
    return array("l", [r for r in (range(n) if order is None else order) if r not in skipped])


def _frame_object(
    object_id: str, ptype: str, label: str, frame: Frame, body: Box | go.GeometryOut,
    attrs: dict[str, AttributeValue] | None, shared: dict[int, dict[str, Any]] | None,
) -> dict[str, Any]:
    """One per-frame video object; a :class:`Box` body is normalized by the frame's size here."""
    attributes: dict[str, Any]
    if not attrs:
        attributes = {}
    elif shared is None:
        attributes = attributes_out(attrs, "editable")
    else:
        attributes = shared.get(id(attrs))  # type: ignore[assignment]
        if attributes is None:
            attributes = shared[id(attrs)] = attributes_out(attrs, "editable")
    if type(body) is Box:
        w = frame.width
        h = frame.height
        x1 = body.x1 / w
        y1 = body.y1 / h
        x2 = body.x2 / w
        y2 = body.y2 / h
        return {"_id": object_id, "type": ptype, "label": label, "attributes": attributes, "coordinates": [
            {"x": x1, "y": y1}, {"x": x2, "y": y1}, {"x": x2, "y": y2}, {"x": x1, "y": y2}]}
    return {"_id": object_id, "type": ptype, "label": label, "attributes": attributes,
            **cast("go.GeometryOut", body)}


class PayloadBuilder:
    """Turns one job's frames and their selected items into a payload dict."""

    def __init__(self, options: ConvertOptions, report: Report) -> None:
        self.o = options
        self.report = report

    def _geometry(
        self, geom: Geometry, w: float, h: float, label: str, source: str
    ) -> tuple[str, go.GeometryOut] | None:
        """(Playment type, geometry keys), or None when nothing can be emitted (skip reported)."""
        report = self.report
        result: go.GeometryOut | str
        if isinstance(geom, Box):
            ptype, result = "rectangle", go.rectangle(geom, w, h, report)
        elif isinstance(geom, Polygon):
            ptype, result = "polygon", go.polygon(geom, w, h, report, source)
        elif isinstance(geom, Polyline):
            ptype, result = "line", go.line(geom, w, h, report)
        elif isinstance(geom, Keypoints):
            ptype, result = "landmark", go.landmark(geom, w, h, report)
        elif isinstance(geom, Cuboid):
            ptype, result = "cuboid", go.cuboid(geom, w, h, report)
        else:  # pragma: no cover - the select stage splits multi-polygons into parts
            raise TypeError(f"cannot emit a {type(geom).__name__}")
        if isinstance(result, str):
            report.skip(f"{ptype}_degenerate", f"{label} {ptype}: {result}", source)
            return None
        return ptype, result

    def _count(self, counts: dict[str, int]) -> int:
        """Add one job's objects by Playment type to the report; their number."""
        emitted = self.report.emitted_by_kind
        total = 0
        for ptype, n in counts.items():
            if n:
                emitted[ptype] += n
                total += n
        self.report.objects_emitted += total
        return total

    def _envelope(self, reference_id: str, data: dict[str, Any]) -> dict[str, Any]:
        o = self.o
        payload: dict[str, Any] = {"reference_id": reference_id}
        if o.tag:
            payload["tag"] = o.tag
        elif o.work_flow_id:
            payload["work_flow_id"] = o.work_flow_id
        if o.batch_id:
            payload["batch_id"] = o.batch_id
        if o.priority_weight is not None:
            payload["priority_weight"] = o.priority_weight
        payload["data"] = data
        return payload

    def plan_video(
        self, frames: list[Frame], items: Callable[[Frame], Iterable[Item]]
    ) -> tuple[list[Plan], int]:
        """Pass 1 of a video job, in frame order: select, place and group every object into its
        tracker (in order of first appearance); skips and clamps are reported and counted here.
        Returns the planned trackers and their number of objects.

        A box inside its frame keeps its model :class:`Box` (normalized in pass 2); every other
        geometry is converted now. Nothing per object is built beyond three list slots.
        """
        report = self.report
        plans: list[Plan] = []
        tracked: dict[tuple[Key, str, str], TrackPlan] = {}
        counts: dict[str, int] = dict.fromkeys(IMAGE_KEYS, 0)
        geometry = self._geometry
        repeated_ids = len(frames) > 1 and len({f.id for f in frames}) != len(frames)  # invalid: compare ids
        for frame in frames:
            fid = frame.id
            w = frame.width
            h = frame.height
            for label, geom, attrs, key, source in items(frame):
                body: Box | go.GeometryOut
                if type(geom) is Box and 0.0 <= geom.x1 < geom.x2 <= w and 0.0 <= geom.y1 < geom.y2 <= h:
                    ptype = "rectangle"  # a box inside the frame: nothing to clamp or skip
                    body = geom
                else:
                    built = geometry(geom, w, h, label, source)
                    if built is None:
                        continue
                    ptype, body = built
                if type(key) is Untracked:  # an object without a track id: a one-frame tracker
                    plans.append((f"{key.name(fid)}/{ptype}/{label}", ptype, label, frame, body, attrs))
                    counts[ptype] += 1
                    continue
                tkey = (key, ptype, label)
                plan = tracked.get(tkey)
                if plan is None:
                    name = f"{key.name(fid)}/{ptype}/{label}"
                    plan = tracked[tkey] = TrackPlan(name, ptype, label, frame, body, attrs)
                    plans.append(plan)
                else:
                    seen = plan.frames
                    # frames come in order, so a second object of the track on this frame follows the first
                    if seen[-1] is frame or (repeated_ids and any(f.id == fid for f in seen)):
                        report.skip(
                            "duplicate_track_frame",
                            f"track {key[0]} already has a {ptype} on frame {fid}; the second one is skipped",
                            source,
                        )
                        continue
                    seen.append(frame)
                    plan.bodies.append(body)
                    plan.attrs.append(attrs)
                counts[ptype] += 1
            if frame.boxes is not None:
                boxes_plan = self._plan_boxes(frame, frame.boxes, len(frame.objects))
                if boxes_plan is not None:
                    plans.append(boxes_plan)
                    counts["rectangle"] += len(boxes_plan.rows)
        return plans, self._count(counts)

    def _plan_boxes(self, frame: Frame, boxes: FrameBoxes, first: int) -> BoxesPlan | None:
        """Pass 1 for a frame's column-stored boxes (emitted as they are: the caller expands them
        when anything is to be selected): boxes outside the frame are clamped or skipped."""
        w = frame.width
        h = frame.height
        c = boxes.coords
        clamped: dict[int, go.GeometryOut] = {}
        skipped: set[int] = set()
        for r, (x1, y1, x2, y2) in enumerate(zip(c[0::4], c[1::4], c[2::4], c[3::4])):
            if not (0.0 <= x1 < x2 <= w and 0.0 <= y1 < y2 <= h):
                built = self._geometry(Box(x1, y1, x2, y2), w, h, boxes.labels[r], boxes.source(r))
                if built is None:
                    skipped.add(r)
                else:
                    clamped[r] = built[1]
        rows = _kept_rows(None, len(boxes), skipped)
        return BoxesPlan(frame, boxes, rows, clamped, first) if rows else None

    def box_trackers(
        self, plan: BoxesPlan, ids: JobIds, shared: dict[int, dict[str, Any]] | None
    ) -> list[dict[str, Any]]:
        """Pass 2 for a frame's column-stored boxes: one one-frame tracker per row, in row order."""
        frame = plan.frame
        fid = frame.id
        tail = f"/{fid}"
        untracked = untracked_prefix(fid)
        labels, attrs, c = plan.boxes.labels, plan.boxes.attributes, plan.boxes.coords
        clamped = plan.clamped
        first = plan.first
        pair = ids.pair
        out = []
        for r in plan.rows:
            label = labels[r]
            tracker_id, object_id = pair(f"{untracked}{first + r}/rectangle/{label}", tail)
            body = clamped.get(r) if clamped else None
            if body is None:
                i = 4 * r
                geom: Box | go.GeometryOut = Box(c[i], c[i + 1], c[i + 2], c[i + 3])
            else:
                geom = body
            out.append({"_id": tracker_id, "type": "rectangle", "label": label,
                        "frames": {fid: _frame_object(object_id, "rectangle", label, frame, geom, attrs[r], shared)}})
        return out

    def tracker(
        self, plan: Plan, ids: JobIds, shared: dict[int, dict[str, Any]] | None, start: int = 0,
        stop: int | None = None,
    ) -> dict[str, Any]:
        """Pass 2: the tracker of ``plan``, or the part of it holding its frames ``start:stop``.

        ``shared`` (an attribute cache) lets objects with the same attribute dict share one output
        dict: only for payloads nobody else sees (serialized and dropped); None builds each anew.
        """
        if type(plan) is tuple:
            name, ptype, label, frame, body, attrs = plan
            fid = frame.id
            tracker_id, object_id = ids.pair(name, f"/{fid}")
            return {"_id": tracker_id, "type": ptype, "label": label,
                    "frames": {fid: _frame_object(object_id, ptype, label, frame, body, attrs, shared)}}
        if isinstance(plan, ColumnPlan):
            return self._column_tracker(plan, ids, shared, start, stop)
        assert isinstance(plan, TrackPlan), "a BoxesPlan makes several trackers: box_trackers()"
        ptype = plan.ptype
        label = plan.label
        tracker_id, state = ids.tracker(plan.name)
        frame_id = ids.frame
        objects: dict[str, dict[str, Any]] = {}
        for frame, body, attrs in zip(plan.frames[start:stop], plan.bodies[start:stop], plan.attrs[start:stop]):
            fid = frame.id
            objects[fid] = _frame_object(frame_id(state, f"/{fid}"), ptype, label, frame, body, attrs, shared)
        return {"_id": tracker_id, "type": ptype, "label": label, "frames": objects}

    def _column_tracker(
        self, plan: ColumnPlan, ids: JobIds, shared: dict[int, dict[str, Any]] | None, start: int,
        stop: int | None,
    ) -> dict[str, Any]:
        """:meth:`tracker` for a column-stored box track."""
        track = plan.track
        label = plan.label
        clamped = plan.clamped
        frames, x1, y1, x2, y2, attrs = track.frames, track.x1, track.y1, track.x2, track.y2, track.attributes
        tracker_id, state = ids.tracker(plan.name)
        frame_id = ids.frame
        objects: dict[str, dict[str, Any]] = {}
        for r in plan.rows[start:stop]:
            frame = frames[r]
            fid = frame.id
            body = clamped.get(r) if clamped else None
            objects[fid] = _frame_object(frame_id(state, f"/{fid}"), "rectangle", label, frame,
                                         Box(x1[r], y1[r], x2[r], y2[r]) if body is None else body, attrs[r], shared)
        return {"_id": tracker_id, "type": "rectangle", "label": label, "frames": objects}

    def plan_box_tracks(self, frames: list[Frame], tracks: list[BoxTrack]) -> tuple[list[Plan], int]:
        """Pass 1 for a job of exactly the frames of a sequence whose objects are all in
        column-stored box tracks (:class:`~converters.model.BoxTrack`, distinct track ids, read in
        the order of ``tracks``), with nothing to select: the same trackers, skips and clamps as
        :meth:`plan_video` makes of the expanded sequence, in the same order, without an object
        per box. Boxes inside their frame (nearly all) are only checked; the others are clamped or
        skipped in frame order, as :meth:`plan_video` meets them.
        """
        position = {id(f): i for i, f in enumerate(frames)}
        orders: list[list[int] | None] = []
        outside: list[tuple[int, int, int]] = []  # (frame position, track number, row)
        for c, track in enumerate(tracks):
            where = [position[id(f)] for f in track.frames]
            in_order = all(map(lt, where, where[1:]))
            order = None if in_order else sorted(range(len(where)), key=where.__getitem__)
            orders.append(order)
            for r, (f, x1, y1, x2, y2) in enumerate(zip(track.frames, track.x1, track.y1, track.x2, track.y2)):
                if not (0.0 <= x1 < x2 <= f.width and 0.0 <= y1 < y2 <= f.height):
                    outside.append((where[r], c, r))
        clamped: dict[int, dict[int, go.GeometryOut]] = {}  # track number -> row -> output geometry
        skipped: dict[int, set[int]] = {}  # track number -> rows
        for _, c, r in sorted(outside):
            track = tracks[c]
            f = track.frames[r]
            built = self._geometry(Box(track.x1[r], track.y1[r], track.x2[r], track.y2[r]), f.width, f.height,
                                   track.label, track.source(r))
            if built is None:
                skipped.setdefault(c, set()).add(r)
            else:
                clamped.setdefault(c, {})[r] = built[1]
        firsts: list[tuple[int, int, ColumnPlan]] = []
        total = 0
        for c, (track, order) in enumerate(zip(tracks, orders)):
            rows = _kept_rows(order, len(track), skipped.get(c, set()))
            if not rows:
                continue
            name = f"{Tracked(str(track.track_id)).name()}/rectangle/{track.label}"
            firsts.append((position[id(track.frames[rows[0]])], c, ColumnPlan(name, track, rows, clamped.get(c, {}))))
            total += len(rows)
        firsts.sort(key=itemgetter(0, 1))
        self._count({"rectangle": total})
        return [plan for _, _, plan in firsts], total

    def video_envelope(self, reference_id: str, frames: list[Frame], srcs: list[str]) -> dict[str, Any]:
        """The video payload with an empty ``annotations`` list (the streaming writer fills it in)."""
        data = {
            "video_data": {"frames": [{"frame_id": f.id, "src": s} for f, s in zip(frames, srcs)]},
            "maker_response": {self.o.video_key: {"data": {"annotations": []}}},
        }
        return self._envelope(reference_id, data)

    def video_payload(
        self, reference_id: str, frames: list[Frame], srcs: list[str], plans: list[Plan],
        shared: dict[int, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Pass 2 all at once: the whole payload dict of a planned video job."""
        ids = JobIds(reference_id, self.o.random_ids)
        tracker = self.tracker
        trackers: list[dict[str, Any]] = []
        for plan in plans:
            if type(plan) is BoxesPlan:
                trackers += self.box_trackers(plan, ids, shared)
            else:
                trackers.append(tracker(plan, ids, shared))
        payload = self.video_envelope(reference_id, frames, srcs)
        payload["data"]["maker_response"][self.o.video_key]["data"]["annotations"] = trackers
        return payload

    def video_job(
        self,
        reference_id: str,
        frames: list[Frame],
        srcs: list[str],
        items: Callable[[Frame], Iterable[Item]],
    ) -> dict[str, Any]:
        """The payload dict of one video job (both passes)."""
        return self.video_payload(reference_id, frames, srcs, self.plan_video(frames, items)[0])

    def image_job(
        self,
        reference_id: str,
        frame: Frame,
        src: str,
        items: Callable[[Frame], Iterable[Item]],
    ) -> dict[str, Any]:
        make_id = JobIds(reference_id, self.o.random_ids).make
        lists: dict[str, list[dict[str, Any]]] = {k: [] for k in IMAGE_KEYS.values()}
        counts: dict[str, int] = dict.fromkeys(IMAGE_KEYS, 0)
        w = frame.width
        h = frame.height
        fid = frame.id
        for n, (label, geom, attrs, key, source) in enumerate(items(frame)):
            built = self._geometry(geom, w, h, label, source)
            if built is None:
                continue
            ptype, body = built
            lists[IMAGE_KEYS[ptype]].append({
                "_id": make_id(f"{key.name(fid)}/{ptype}/{label}/{n}"), "label": label,
                "attributes": attributes_out(attrs, None), "state": "editable", **body,
            })
            counts[ptype] += 1
        self._count(counts)
        maker = {k: {"data": v} for k, v in lists.items() if v or not self.o.drop_empty}
        return self._envelope(reference_id, {"image_url": src, "maker_response": maker})

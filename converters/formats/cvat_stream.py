"""Streaming conversion of one CVAT XML 1.1 file into sequences (see :mod:`.cvat` for the rules).

The file arrives as a growing tree (:func:`.cvat_xml.tree_batches`); every complete child of the
root (``<meta>``, ``<image>``, ``<track>``) and every complete row of the open one is converted and
removed, so memory holds the scene, not the XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import InputError, Report
from ..model import Frame, Keypoints, Polygon, SceneObject, Sequence, still_sequence_name
from . import cvat_shapes as shapes
from .cvat_meta import LabelInfo, Meta, TaskInfo, parse_meta, task_label
from .cvat_xml import tree_batches


class _Video:
    """Frames of one task's video sequence, addressed by absolute frame number."""

    __slots__ = ("by_number", "frames", "seq", "start", "step", "task", "track_ids")

    def __init__(self, seq: Sequence, task: TaskInfo, template: str) -> None:
        self.seq = seq
        self.task = task
        self.track_ids: set[str] = set()
        self.by_number: dict[int, Frame] | None = None
        self.start = task.start if task.start is not None else 0
        self.step = task.step
        if task.start is None or task.stop is None:
            self.by_number = {}  # range unknown: frames appear as rows name them
            self.frames: list[Frame] = []
            return
        w, h = task.width or 0.0, task.height or 0.0
        self.frames = [
            Frame(str(n), template.format(frame=n), w, h, i)
            for i, n in enumerate(range(task.start, task.stop + 1, task.step))
        ]
        seq.frames = self.frames

    def frame(self, number: int, template: str) -> Frame | None:
        if self.by_number is not None:
            f = self.by_number.get(number)
            if f is None:
                f = Frame(
                    str(number),
                    template.format(frame=number),
                    self.task.width or 0.0,
                    self.task.height or 0.0,
                )
                self.by_number[number] = f
            return f
        i, r = divmod(number - self.start, self.step)
        if r or i < 0 or i >= len(self.frames):
            return None
        return self.frames[i]

    def finish(self) -> None:
        if self.by_number is not None:
            self.seq.frames = [self.by_number[n] for n in sorted(self.by_number)]
            for i, f in enumerate(self.seq.frames):
                f.index = i


class _Track:
    """The open ``<track>``: its label, tracker id and where its rows go."""

    __slots__ = ("grouped", "head", "prefix", "seen", "skip", "sub", "tag", "track_id", "types", "video")

    def __init__(self, video: _Video, head: str) -> None:
        self.video = video
        self.head = head
        self.types: dict[str, str] = {}
        self.sub: tuple[str, ...] | None = None
        self.track_id = ""
        self.skip: tuple[str, str] | None = None
        self.grouped = False
        self.seen: set[int] = set()
        self.tag = ""
        self.prefix = ""


class _Image:
    """The open ``<image>``: its frame and how many of its children were read."""

    __slots__ = ("count", "frame", "head")

    def __init__(self, frame: Frame, head: str) -> None:
        self.frame = frame
        self.head = head
        self.count = 0


def _all_outside(el: ET.Element) -> bool:
    """A skeleton row whose every point is outside: the skeleton is absent on that frame."""
    pts = [c for c in el if c.tag != "attribute"]
    return bool(pts) and all(c.get("outside") == "1" for c in pts)


def _occluded(a: dict[str, str]) -> str | None:
    """The ``occluded`` flag as "0"/"1" (None when absent); ShapeError for other values."""
    occ = a.get("occluded")
    if occ is None or occ == "0" or occ == "1":
        return occ
    return "1" if shapes.flag(a, "occluded") else "0"


class FileReader:
    """Streams one CVAT XML file into sequences."""

    def __init__(self, path: Path, where: str, template: str, report: Report) -> None:
        self.path = path
        self.where = where
        self.template = template
        self.report = report
        self.meta: Meta | None = None
        self.flavour = ""
        self.stills: list[Sequence] = []
        self.videos: dict[int, _Video] = {}
        self.records = 0
        self.objects = 0
        self.grouped = 0
        self.notes: shapes.Notes = []
        self.seen_labels: dict[str, None] = {}
        self.strings: dict[str, str] = {}
        self.polygons: list[tuple[Frame, SceneObject]] = []  # <polygon>s whose validity is unchecked
        self.open_elem: ET.Element | None = None
        self.open_ctx: _Track | _Image | None = None

    # -- helpers ------------------------------------------------------------------------------

    def _flush_notes(self, location: str) -> None:
        for code, message in self.notes:
            self.report.warn(code, message, location)
        self.notes.clear()

    def _label(self, label: str | None) -> tuple[LabelInfo | None, tuple[str, str] | None]:
        """Label info, or the (code, message) for which the shapes of this label are skipped."""
        if not label:
            return None, ("missing_label", "the shape has no label (label is empty)")
        meta = self.meta
        if meta is not None and meta.has_labels:
            info = meta.labels.get(label)
            if info is None:
                known = ", ".join(list(meta.labels)[:20])
                return None, ("unknown_label", f"label {label!r} is not in the <meta> labels ({known})")
            return info, None
        self.seen_labels.setdefault(label, None)
        return None, None

    def _flavour(self, kind: str, location: str) -> Meta:
        if self.flavour and self.flavour != kind:
            raise InputError(
                "the file mixes <image> and <track> elements; a CVAT export holds one or the other",
                location,
                "mixed_flavour",
            )
        self.flavour = kind
        if self.meta is None:
            self.meta = Meta()
        return self.meta

    # -- video --------------------------------------------------------------------------------

    def _video_name(self, task: TaskInfo) -> str:
        meta = self.meta
        assert meta is not None
        if meta.scope == "project":
            return task_label(task, meta.tasks)
        if task.name:
            return task.name
        if meta.scope == "job" and task.id:
            return f"job_{task.id}"
        return self.path.stem

    def _video(self, task: TaskInfo, location: str) -> _Video:
        video = self.videos.get(id(task))
        if video is not None:
            return video
        if task.width is None or task.height is None:
            raise InputError(
                "frame size unknown: <meta> has no <original_size> for this video task "
                f"({task.name or task.id or 'unnamed'}); CVAT writes it for video data - for image "
                "tasks use the 'CVAT for images 1.1' export",
                location,
                "missing_size",
            )
        video = _Video(Sequence(self._video_name(task), [], is_video=True), task, self.template)
        if video.by_number is not None:
            self.report.warn(
                "frame_range_unknown",
                "<meta> has no start_frame/stop_frame: the video holds only the frames that tracks name",
                location,
            )
        self.videos[id(task)] = video
        return video

    def _start_track(self, el: ET.Element) -> _Track:
        a = el.attrib
        tid = a.get("id", "")
        head = f'{self.where}: <track id="{tid}">'
        meta = self._flavour("video", head)
        task_id = a.get("task_id")
        task = meta.task(task_id)
        if task is None:
            if task_id is not None:
                raise InputError(f"<track> names task_id={task_id!r}, which is not in <meta>", head, "unknown_task")
            raise InputError("<track> has no task_id and <meta> lists several tasks", head, "unknown_task")
        video = self._video(task, head)
        t = _Track(video, head)
        info, t.skip = self._label(a.get("label"))
        if info is not None:
            t.types = info.attr_types
            t.sub = info.sublabels or None
        track_id = tid or f"track{len(video.track_ids)}"
        if track_id in video.track_ids:
            n = 2
            while f"{track_id}_{n}" in video.track_ids:
                n += 1
            self.report.warn("duplicate_track_id", f"track id {track_id!r} repeats; renamed {track_id}_{n}", head)
            track_id = f"{track_id}_{n}"
        video.track_ids.add(track_id)
        t.track_id = track_id
        t.grouped = a.get("group_id", "0") not in ("0", "")
        return t

    def _track_rows(self, t: _Track, label: str, rows: list[ET.Element]) -> None:
        """Convert complete rows of a track (the hot path: one call per batch, not per row)."""
        report, notes, builders, attributes = self.report, self.notes, shapes.BUILDERS, shapes.attributes
        strings = self.strings
        video, sub, types, seen, track_id = t.video, t.sub, t.types, t.seen, t.track_id
        frames, start, step, dynamic = video.frames, video.start, video.step, video.by_number is not None
        nframes = len(frames)
        records = objects = 0
        for el in rows:
            a = el.attrib
            outside = a.get("outside")
            if outside == "1":
                continue  # the object is absent on this frame: a marker, not a record
            tag = el.tag
            if tag == "skeleton" and _all_outside(el):
                continue
            records += 1
            fs = a.get("frame", "")
            if tag != t.tag:
                t.tag, t.prefix = tag, f'{t.head} <{tag} frame="'
            if t.skip is not None:
                report.skip(t.skip[0], t.skip[1], f'{t.prefix}{fs}">')
                continue
            builder = builders.get(tag)
            if builder is None:
                report.skip("unsupported_shape", f"<{tag}> is not a CVAT shape this reader knows", f'{t.prefix}{fs}">')
                continue
            try:
                number = int(fs)
            except ValueError:
                report.skip("bad_frame", f"track row has no integer frame number (frame={fs!r})", t.prefix + fs)
                continue
            if dynamic:
                frame: Frame | None = video.frame(number, self.template)
            else:
                i, r = divmod(number - start, step)
                frame = frames[i] if (r == 0 and 0 <= i < nframes) else None
            if frame is None:
                task = video.task
                report.skip(
                    "frame_out_of_range",
                    f"frame {number} is not a frame of the task (start_frame={task.start}, "
                    f"stop_frame={task.stop}, step={task.step})",
                    f'{t.prefix}{fs}">',
                )
                continue
            if number in seen:
                report.skip(
                    "duplicate_track_frame",
                    f"track already has a shape on frame {number}",
                    f'{t.prefix}{fs}">',
                )
                continue
            try:
                if outside is not None and outside != "0":
                    shapes.flag(a, "outside")
                occ = a.get("occluded")
                if occ is not None and occ != "0" and occ != "1":
                    occ = _occluded(a)
                geom = builder(el, a, sub, notes)
            except shapes.ShapeError as exc:
                notes.clear()
                report.skip(exc.code, exc.message, f'{t.prefix}{fs}">')
                continue
            src = f'{t.prefix}{fs}">'
            if notes:
                self._flush_notes(src)
            seen.add(number)
            attrs = attributes(el, types, occ, strings) if (occ is not None or len(el)) else None
            obj = SceneObject(label, geom, None, attrs or None, track_id, src)
            frame.objects.append(obj)
            objects += 1
            if tag == "polygon":
                self.polygons.append((frame, obj))
        self.records += records
        self.objects += objects
        if t.grouped:
            self.grouped += objects

    # -- images -------------------------------------------------------------------------------

    def _start_image(self, el: ET.Element) -> _Image:
        a = el.attrib
        iid, name, subset = a.get("id", ""), a.get("name"), a.get("subset")
        desc = f'<image id="{iid}" name="{name}"' + (f' subset="{subset}"' if subset else "") + ">"
        head = f"{self.where}: {desc}"
        meta = self._flavour("images", head)
        try:
            width, height = float(a["width"]), float(a["height"])
        except KeyError as exc:
            raise InputError(f"{desc} has no {exc.args[0]}", head, "missing_size") from None
        except ValueError:
            raise InputError(
                f"{desc} width/height are not numbers: {a.get('width')!r} x {a.get('height')!r}",
                head,
                "bad_size",
            ) from None
        if not (0 < width < float("inf") and 0 < height < float("inf")):
            raise InputError(f"{desc} width/height must be positive, got {width} x {height}", head, "bad_size")
        if not name:
            try:
                name = self.template.format(frame=int(iid))
            except ValueError:
                raise InputError(f"{desc} has neither a name nor an integer id", head, "bad_image") from None
        prefix = meta.image_prefix(subset, a.get("task_id")) if (subset or "task_id" in a) else ""
        stem = still_sequence_name(name)
        frame = Frame(iid or "0", name, width, height, 0)
        self.stills.append(Sequence(f"{prefix}/{stem}" if prefix else stem, [frame], is_video=False))
        return _Image(frame, head)

    def _image_shape(self, im: _Image, el: ET.Element) -> None:
        tag = el.tag
        im.count += 1
        a = el.attrib
        loc = f"{im.head} shape {im.count} <{tag}>"
        self.records += 1
        report = self.report
        if tag == "tag":
            report.skip(
                "tag_not_supported",
                f"image-level tag {a.get('label')!r} has no geometry, so it cannot go on a Playment frame",
                loc,
            )
            return
        builder = shapes.BUILDERS.get(tag)
        if builder is None:
            report.skip("unsupported_shape", f"<{tag}> is not a CVAT shape this reader knows", loc)
            return
        label = a.get("label") or ""
        info, bad = self._label(label)
        if bad is not None:
            report.skip(bad[0], bad[1], loc)
            return
        sub = (info.sublabels or None) if info is not None else None
        try:
            occ = _occluded(a)
            geom = builder(el, a, sub, self.notes)
        except shapes.ShapeError as exc:
            report.skip(exc.code, exc.message, loc)
            self.notes.clear()
            return
        if isinstance(geom, Keypoints) and not any(geom.visibility):
            report.skip("skeleton_no_visible_points", "every point of the skeleton is outside or absent", loc)
            self.notes.clear()
            return
        if self.notes:
            self._flush_notes(loc)
        types = info.attr_types if info is not None else {}
        attrs = shapes.attributes(el, types, occ, self.strings) if (occ is not None or len(el)) else None
        obj = SceneObject(label, geom, None, attrs or None, None, loc)
        im.frame.objects.append(obj)
        self.objects += 1
        if tag == "polygon":
            self.polygons.append((im.frame, obj))
        if a.get("group_id", "0") not in ("0", ""):
            self.grouped += 1

    # -- driver -------------------------------------------------------------------------------

    def _top(self, el: ET.Element, complete: bool) -> None:
        """Convert what is complete of one child of the root; ``complete``: the element is closed."""
        tag = el.tag
        if tag == "track" or tag == "image":
            ctx = self.open_ctx if self.open_elem is el else None
            if ctx is None:
                ctx = self._start_track(el) if tag == "track" else self._start_image(el)
                self.open_elem, self.open_ctx = el, ctx
            rows = el[:]
            n = len(rows) if complete else len(rows) - 1
            if n > 0:
                if isinstance(ctx, _Track):
                    self._track_rows(ctx, el.get("label", ""), rows[:n] if n < len(rows) else rows)
                else:
                    for row in rows[:n]:
                        self._image_shape(ctx, row)
                del el[:n]
            if complete:
                self.open_elem = self.open_ctx = None
        elif tag == "meta" and complete:
            if self.meta is not None:
                raise InputError("<meta> must come once, before any <image> or <track>", self.where, "bad_structure")
            self.meta = parse_meta(el, self.where)

    def _drain(self, root: ET.Element, final: bool) -> None:
        kids = root[:]
        done = len(kids) if final else len(kids) - 1
        for i in range(done):
            self._top(kids[i], True)
        if done > 0:
            del root[:done]
        if not final and kids:
            self._top(kids[-1], False)
        if self.polygons:
            self._check_polygons()

    def _check_polygons(self) -> None:
        """Validate the batch's polygons at once; repair (warning) or drop (skip) the invalid ones."""
        pending, self.polygons = self.polygons, []
        for i in shapes.invalid_polygons([obj.geometry for _, obj in pending]):  # type: ignore[misc]
            frame, obj = pending[i]
            assert isinstance(obj.geometry, Polygon)
            try:
                obj.geometry = shapes.repair(obj.geometry, self.notes)
            except shapes.ShapeError as exc:
                frame.objects[:] = [o for o in frame.objects if o is not obj]
                self.objects -= 1
                self.report.skip(exc.code, exc.message, obj.source)
                continue
            self._flush_notes(obj.source)

    def _parse(self) -> None:
        root: ET.Element | None = None
        for root in tree_batches(self.path, self.where):
            if root.tag != "annotations":
                raise InputError(
                    f"not a CVAT XML file: the root element is <{root.tag}>, expected <annotations>",
                    self.where,
                    "not_cvat",
                )
            self._drain(root, False)
        if root is not None:
            self._drain(root, True)

    def run(self) -> list[Sequence]:
        try:
            self._parse()
        finally:
            self.report.records_read += self.records
            self.report.objects_read += self.objects
            self.records = self.objects = 0
        if self.grouped:
            self.report.warn(
                "group_not_kept",
                f"{self.grouped} converted shapes carry a CVAT group_id; groups are not kept (each shape "
                "stays its own object / tracker)",
                self.where,
                count=self.grouped,
            )
        if not self.flavour and self.meta is not None:
            for task in self.meta.tasks:
                if task.width is not None and task.start is not None and task.stop is not None:
                    self._video(task, self.where)
        for video in self.videos.values():
            video.finish()
        return self.stills + [v.seq for v in self.videos.values()]

"""Streaming conversion of one CVAT XML 1.1 file into sequences (see :mod:`.cvat` for the rules).

The file arrives as a growing tree (:func:`.cvat_xml.tree_batches`); every complete child of the
root (``<meta>``, ``<image>``, ``<track>``) and every complete row of the open one is converted and
removed, so memory holds the scene, not the XML. Plain box rows of tracks mostly arrive as text
columns cut from the bytes instead (:class:`._row_cut.RowRun`), converted between the track's
children in document order; rows that are plain (the common case) are converted a batch at a
time by C-level ``map`` calls, all others row by row as elements (which owns every skip and
warning), so the result is the same either way. Unrotated boxes of a track go into the track's
columns (:class:`~converters.model.BoxTrack`, about 48 bytes per box) rather than objects; the
columns read so far are expanded into their frames before any other object joins them, so the
objects of a frame keep the order they were read in.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Hashable
from collections.abc import Sequence as Seq
from itertools import compress, repeat
from operator import attrgetter, contains, itemgetter, lt
from pathlib import Path

from ... import fast_paths
from ...errors import InputError, Report
from ...model import (
    MAX_IMAGE_SIDE,
    Box,
    BoxTrack,
    Frame,
    Keypoints,
    Polygon,
    SceneObject,
    Sequence,
    still_sequence_name,
)
from . import _shapes as shapes
from ._meta import LabelInfo, Meta, TaskInfo, parse_meta, task_label
from ._row_cut import OCCLUDED, OUTSIDE, RowRun, row_children, row_element
from ._xml_stream import tree_batches

#: Batches of at least this many rows try the column-wise plain-box conversion first.
FAST_MIN_ROWS = 4
#: Attribute dicts kept per label for sharing between rows (see ``FileReader._shared_attributes``).
ATTR_CACHE_SIZE = 4096

_TAG = attrgetter("tag")
_TEXT = attrgetter("text")
_ATTRIB = attrgetter("attrib")
_GET = ET.Element.get
_BOX_COLUMNS = itemgetter("frame", "outside", "occluded", "xtl", "ytl", "xbr", "ybr")


class _Video:
    """Frames of one task's video sequence, addressed by absolute frame number.

    ``by_id`` maps the canonical frame number text (``str(number)``, also the Frame.id) to the
    frame, so a row whose ``frame`` attribute is written canonically finds its frame in one lookup.
    """

    __slots__ = ("by_id", "by_number", "frames", "seq", "start", "step", "task", "track_ids")

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
            self.by_id: dict[str, Frame] = {}
            return
        w, h = task.width or 0.0, task.height or 0.0
        self.frames = [
            Frame(str(n), template.format(frame=n), w, h, i)
            for i, n in enumerate(range(task.start, task.stop + 1, task.step))
        ]
        self.by_id = {f.id: f for f in self.frames}
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
                self.by_id[f.id] = f
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

    __slots__ = ("box_prefix", "box_track", "grouped", "head", "prefix", "seen", "skip", "sub", "tag", "track_id",
                 "types", "video")

    def __init__(self, video: _Video, head: str) -> None:
        self.video = video
        self.head = head
        self.box_prefix = f'{head} <box frame="'
        self.types: dict[str, str] = {}
        self.sub: tuple[str, ...] | None = None
        self.track_id = ""
        self.skip: tuple[str, str] | None = None
        self.grouped = False
        self.seen: set[str] = set()  # ids (str(number)) of the frames the track has a shape on
        self.box_track: BoxTrack | None = None  # where its plain boxes go (see FileReader._commit)
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


_NO_RUNS: list[RowRun] = []  # read only
_OUTSIDE_FLAGS = frozenset(blob for blob, value in OUTSIDE.items() if value != "0")


def _plain_coordinates(
    t: _Track, fss: tuple[str, ...], sx1: Seq[str | bytes], sy1: Seq[str | bytes], sx2: Seq[str | bytes],
    sy2: Seq[str | bytes],
) -> tuple[list[float], list[float], list[float], list[float]] | None:
    """The four coordinate columns as floats when every row is a plain, valid box; else None."""
    try:
        x1, y1 = list(map(float, sx1)), list(map(float, sy1))
        x2, y2 = list(map(float, sx2)), list(map(float, sy2))
    except ValueError:
        return None
    return (x1, y1, x2, y2) if _plain_geometry(t, fss, x1, y1, x2, y2) else None


def _plain_geometry(
    t: _Track, fss: tuple[str, ...], x1: list[float], y1: list[float], x2: list[float], y2: list[float]
) -> bool:
    """Finite coordinates with a positive area, and frames new to the track and to the batch."""
    total = sum(x1) + sum(y1) + sum(x2) + sum(y2)
    if total - total != 0.0:
        return False  # a NaN or an infinity somewhere (or an overflowing sum: then row by row)
    if not (all(map(lt, x1, x2)) and all(map(lt, y1, y2))):
        return False
    ids = set(fss)
    return len(ids) == len(fss) and ids.isdisjoint(t.seen)


class FileReader:
    """Streams one CVAT XML file into sequences."""

    def __init__(self, path: Path, where: str, template: str, report: Report) -> None:
        self.path = path
        self.where = where
        self.template = template
        self.report = report
        self.fast = fast_paths.enabled()  # plain box rows as columns (fast_paths)
        self.meta: Meta | None = None
        self.flavour = ""
        self.stills: list[Sequence] = []
        self.videos: dict[int, _Video] = {}
        self.records = 0
        self.objects = 0
        self.grouped = 0
        self.tags = 0  # image-level <tag>s: Playment has no place for them (one warning with the count)
        self.first_tag = ""
        self.notes: shapes.Notes = []
        self.seen_labels: dict[str, None] = {}
        self.strings: dict[str, str] = {}
        self.attr_cache: dict[Hashable, dict[Hashable, shapes.Attributes | None]] = {}  # per label
        self.polygons: list[tuple[Frame, SceneObject]] = []  # <polygon>s whose validity is unchecked
        self.open_elem: ET.Element | None = None
        self.open_ctx: _Track | _Image | None = None
        self.carry: RowRun | None = None  # a cut row held back for the next batch (see _hold_back)

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
        if self.fast and len(rows) >= FAST_MIN_ROWS and t.skip is None and self._plain_boxes(t, label, rows):
            return
        self._rows_one_by_one(t, label, rows)

    def _run_rows(self, t: _Track, label: str, rows: list[tuple[bytes, ...]]) -> None:
        """Convert rows cut from the bytes (:class:`._row_cut.RowRun`); as elements when not plain."""
        if t.skip is None and self._plain_run(t, label, rows):
            return
        self._track_rows(t, label, [row_element(row) for row in rows])

    # Plain rows: a <box> with outside="0", occluded 0 or 1, no rotation, a frame written as a frame
    # id of the video that is new to the track and to the batch, finite coordinates with a positive
    # area. Such a row converts exactly as _rows_one_by_one would (no skip, no warning), so a batch
    # of them is converted column-wise by C-level map calls instead of a Python loop per row. Any
    # other batch goes through _rows_one_by_one, which owns every skip and warning.

    def _plain_boxes(self, t: _Track, label: str, rows: list[ET.Element]) -> bool:
        """Convert a batch of plain box elements (also: the same number of children each); False
        (nothing done) when any row is not plain."""
        n = len(rows)
        if list(map(_TAG, rows)).count("box") != n:
            return False
        attribs = list(map(_ATTRIB, rows))
        try:
            fss, outs, occs, sx1, sy1, sx2, sy2 = zip(*map(_BOX_COLUMNS, attribs))
        except KeyError:
            return False
        if outs.count("0") != n or occs.count("0") + occs.count("1") != n:
            return False
        if any(map(contains, attribs, repeat("rotation"))):
            return False
        plain = self._plain_columns(t, fss, sx1, sy1, sx2, sy2)
        if plain is None:
            return False
        frames, (x1, y1, x2, y2) = plain
        attrs = self._element_attributes(t, label, rows, occs)
        if attrs is None:
            return False
        self._commit(t, label, fss, frames, (x1, y1, x2, y2), attrs)
        return True

    def _plain_columns(
        self, t: _Track, fss: tuple[str, ...], sx1: Seq[str | bytes], sy1: Seq[str | bytes],
        sx2: Seq[str | bytes], sy2: Seq[str | bytes],
    ) -> tuple[list[Frame], tuple[list[float], list[float], list[float], list[float]]] | None:
        """(frames, coordinate columns) of a run of plain boxes, or None when any row is not plain."""
        frames = self._frames(t.video, fss)
        if frames is None:
            return None
        coords = _plain_coordinates(t, fss, sx1, sy1, sx2, sy2)
        return None if coords is None else (frames, coords)

    def _plain_run(self, t: _Track, label: str, rows: list[tuple[bytes, ...]]) -> bool:
        """Convert cut rows that are all plain (rows with outside="1" are no records and drop out);
        False (nothing done) otherwise."""
        _, fcol, flags, sx1, sy1, sx2, sy2, kids = zip(*rows)
        kinds = set(flags)
        if not kinds.isdisjoint(_OUTSIDE_FLAGS):
            keep = list(map("0".__eq__, map(OUTSIDE.__getitem__, flags)))
            fcol, flags, sx1, sy1, sx2, sy2, kids = (
                tuple(compress(col, keep)) for col in (fcol, flags, sx1, sy1, sx2, sy2, kids)
            )
            if not fcol:
                return True
            kinds = set(flags)
        fss = tuple(map(bytes.decode, fcol))
        plain = self._plain_columns(t, fss, sx1, sy1, sx2, sy2)
        if plain is None:
            return False
        frames, (x1, y1, x2, y2) = plain
        types, strings = t.types, self.strings
        if len(kinds) == 1:  # one occluded value for all rows: the children text alone is the key
            occ = OCCLUDED[flags[0]]

            def build_one(i: int) -> shapes.Attributes | None:
                return shapes.attribute_dict(row_children(kids[i]), types, occ, strings) or None

            attrs = self._shared_attributes((label, occ), kids, build_one)
        else:
            occs = tuple(map(OCCLUDED.__getitem__, flags))

            def build(i: int) -> shapes.Attributes | None:
                return shapes.attribute_dict(row_children(kids[i]), types, occs[i], strings) or None

            attrs = self._shared_attributes(label, list(zip(occs, kids)), build)
        self._commit(t, label, fss, frames, (x1, y1, x2, y2), attrs)
        return True

    def _element_attributes(
        self, t: _Track, label: str, rows: list[ET.Element], occs: tuple[str, ...]
    ) -> list[shapes.Attributes | None] | None:
        """Attribute dicts of box elements (see :meth:`_shared_attributes`); the key of a row is its
        ``occluded`` and, for each child in order, its tag, ``name`` and text. None when the rows
        do not all have the same number of children."""
        counts = list(map(len, rows))
        m = counts[0]
        if counts.count(m) != len(rows):
            return None
        keys: list[Hashable]
        if m == 0:
            keys = list(occs)
        else:
            columns: list[list[str | None]] = [list(occs)]
            for k in range(m):
                kids = list(map(itemgetter(k), rows))
                columns += [list(map(_TAG, kids)), list(map(_GET, kids, repeat("name"))), list(map(_TEXT, kids))]
            keys = list(zip(*columns))
        types, strings = t.types, self.strings

        def build(i: int) -> shapes.Attributes | None:
            return shapes.attributes(rows[i], types, occs[i], strings) or None

        return self._shared_attributes(label, keys, build)

    def _shared_attributes(
        self, scope: Hashable, keys: Seq[Hashable], build: Callable[[int], shapes.Attributes | None]
    ) -> list[shapes.Attributes | None]:
        """The attribute dict of each row, one dict for all rows of a label with the same key.

        A key holds everything the dict of a row depends on within ``scope`` (the label, so its
        attribute types; maybe more); ``build(i)`` makes the dict of row ``i``. Objects never mutate
        their attributes, so rows that repeat their values (every row of a track, mostly) share a
        dict: less memory, fewer objects to create, free and collect. At most
        :data:`ATTR_CACHE_SIZE` keys are kept per scope.
        """
        cache = self.attr_cache.get(scope)
        if cache is None:
            cache = self.attr_cache[scope] = {}
        unique = set(keys)
        missing = unique.difference(cache)
        if missing:
            if len(cache) + len(missing) > ATTR_CACHE_SIZE:
                cache.clear()  # values that do not repeat (free text, numbers): keep the memory bounded
                missing = unique
            for i, key in enumerate(keys):
                if key in missing:
                    missing.discard(key)
                    cache[key] = build(i)
                    if not missing:
                        break
        return list(map(cache.__getitem__, keys))

    def _commit(
        self,
        t: _Track,
        label: str,
        fss: tuple[str, ...],
        frames: list[Frame],
        coords: tuple[list[float], list[float], list[float], list[float]],
        attrs: list[shapes.Attributes | None],
    ) -> None:
        """Add the boxes of plain rows (checked by the caller) to the track's columns."""
        t.seen.update(fss)
        self._box_track(t, label).extend(frames, *coords, attrs)
        n = len(fss)
        self.records += n
        self.objects += n
        if t.grouped:
            self.grouped += n

    def _box_track(self, t: _Track, label: str) -> BoxTrack:
        """Where the track's next boxes go: its column-stored track (:class:`~converters.model.BoxTrack`),
        the last of its sequence's pending ones (a new one if needed). Boxes keep the order they are
        read in, because pending tracks are expanded before any other object joins their frames
        (see :meth:`_rows_one_by_one`) and a track has at most one box per frame."""
        pending = t.video.seq.box_tracks
        track = t.box_track
        if track is None or not pending or pending[-1] is not track or track.label != label:
            track = t.box_track = BoxTrack(label, t.track_id, t.box_prefix)
            pending.append(track)
        return track

    def _frames(self, video: _Video, fss: tuple[str, ...]) -> list[Frame] | None:
        """The frames the rows name, or None when a frame text is not the id of a frame of the
        video. A video whose range is unknown gets the frames the rows name (as row by row)."""
        by_id = video.by_id
        try:
            return list(map(by_id.__getitem__, fss))
        except KeyError:
            if video.by_number is None:
                return None
        for fs in set(fss).difference(by_id):
            try:
                number = int(fs)
            except ValueError:
                return None
            if str(number) != fs:
                return None
            video.frame(number, self.template)
        return list(map(by_id.__getitem__, fss))

    def _rows_one_by_one(self, t: _Track, label: str, rows: list[ET.Element]) -> None:
        """Convert track rows one at a time: any shape, every skip and warning."""
        report, notes, builders, attributes = self.report, self.notes, shapes.BUILDERS, shapes.attributes
        strings = self.strings
        video, sub, types, seen, track_id = t.video, t.sub, t.types, t.seen, t.track_id
        frames, start, step, dynamic = video.frames, video.start, video.step, video.by_number is not None
        nframes = len(frames)
        grouped = t.grouped
        for el in rows:  # counted as they go: a --strict skip may end the loop
            a = el.attrib
            outside = a.get("outside")
            if outside == "1":
                continue  # the object is absent on this frame: a marker, not a record
            tag = el.tag
            if tag == "skeleton" and _all_outside(el):
                continue
            self.records += 1
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
            if frame.id in seen:
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
            seen.add(frame.id)
            attrs = attributes(el, types, occ, strings) if (occ is not None or len(el)) else None
            self.objects += 1
            if grouped:
                self.grouped += 1
            if type(geom) is Box and tag == "box" and fs == frame.id:  # the columns rebuild its source
                self._box_track(t, label).extend((frame,), (geom.x1,), (geom.y1,), (geom.x2,), (geom.y2,),
                                                 (attrs or None,))
                continue
            if video.seq.box_tracks:  # an object after column-stored boxes: keep the order read
                video.seq.expand_tracks()
            obj = SceneObject(label, geom, None, attrs or None, track_id, src)
            frame.objects.append(obj)
            if tag == "polygon":
                self.polygons.append((frame, obj))

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
        if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
            raise InputError(f"{desc} width/height must be positive and at most {MAX_IMAGE_SIDE} px, got "
                             f"{width} x {height}", head, "bad_size")
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
        if tag == "tag":
            self._tag(loc)
            return
        self.records += 1
        report = self.report
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

    def _top(self, el: ET.Element, complete: bool, runs: list[RowRun]) -> None:
        """Convert what is complete of one child of the root; ``complete``: the element is closed.

        ``runs``: rows cut from the bytes among the children of ``el``, in document order.
        """
        tag = el.tag
        if tag == "track" and self._is_skeleton_track(el):
            if complete:  # read whole: its points may come as nested tracks, one per sub-label
                track = self._start_track(el)
                self._track_rows(track, el.get("label", ""), skeleton_rows(el, self.notes))
                self._flush_notes(track.head)
                el.clear()
            return
        if tag == "track" or tag == "image":
            ctx = self.open_ctx if self.open_elem is el else None
            if ctx is None:
                ctx = self._start_track(el) if tag == "track" else self._start_image(el)
                self.open_elem, self.open_ctx = el, ctx
            rows = el[:]
            n = len(rows) if complete else len(rows) - 1
            if isinstance(ctx, _Track):
                carry = self.carry
                if runs or carry is not None:
                    n = self._track_with_runs(ctx, el, rows, n, complete, runs)
                elif n > 0:
                    self._track_rows(ctx, el.get("label", ""), rows[:n] if n < len(rows) else rows)
            elif n > 0:
                for row in rows[:n]:
                    self._image_shape(ctx, row)
            if n > 0:
                del el[:n]
            if complete:
                self.open_elem = self.open_ctx = None
        elif tag == "tag" and complete:  # "for video" exports write a frame's tags at the top level
            self._tag(f'{self.where} <tag frame="{el.get("frame", "")}" label="{el.get("label", "")}">')
            el.clear()
        elif tag == "meta" and complete:
            if self.meta is not None:
                raise InputError("<meta> must come once, before any <image> or <track>", self.where, "bad_structure")
            self.meta = parse_meta(el, self.where)

    def _is_skeleton_track(self, el: ET.Element) -> bool:
        """A track of a skeleton label (sub-labels in <meta>), or one holding nested tracks."""
        meta = self.meta
        info = meta.labels.get(el.get("label", "")) if meta is not None else None
        return (info is not None and bool(info.sublabels)) or (len(el) > 0 and el[0].tag == "track")

    def _track_with_runs(
        self, t: _Track, el: ET.Element, rows: list[ET.Element], n: int, complete: bool, runs: list[RowRun]
    ) -> int:
        """Convert the first ``n`` children of a track and the rows cut among them (plus a row held
        back from the last batch); returns how many children were converted."""
        mine = runs.copy()
        carry = self.carry
        if carry is not None and carry.track is el:
            mine.insert(0, carry)
            self.carry = None
        if mine and mine[-1].index == len(rows):  # rows were cut after the last child
            n = len(rows)
            if not complete:
                mine[-1:] = self._hold_back(mine[-1])
        if mine:
            self._track_children(t, el.get("label", ""), rows, n, mine)
        elif n > 0:
            self._track_rows(t, el.get("label", ""), rows[:n] if n < len(rows) else rows)
        return n

    def _hold_back(self, run: RowRun) -> list[RowRun]:
        """Keep the last row of ``run`` for the next batch: the last row of the open track always
        waits (as the last child element does), so a failed read has converted the same rows."""
        self.carry = RowRun(run.track, 0, run.rows[-1:])
        return [RowRun(run.track, run.index, run.rows[:-1])] if len(run.rows) > 1 else []

    def _track_children(self, t: _Track, label: str, rows: list[ET.Element], n: int, runs: list[RowRun]) -> None:
        """Convert the first ``n`` children of a track and the runs cut among them, in document order."""
        done = 0
        for run in runs:
            if run.index > done:
                self._track_rows(t, label, rows[done : run.index])
                done = run.index
            self._run_rows(t, label, run.rows)
        if n > done:
            self._track_rows(t, label, rows[done:n] if done or n < len(rows) else rows)

    def _drain(self, root: ET.Element, final: bool, runs: list[RowRun]) -> None:
        kids = root[:]
        done = len(kids) if final else len(kids) - 1
        by_track: dict[int, list[RowRun]] = {}
        for run in runs:
            by_track.setdefault(id(run.track), []).append(run)
        for i in range(done):
            self._top(kids[i], True, by_track.get(id(kids[i]), _NO_RUNS) if runs else _NO_RUNS)
        if done > 0:
            del root[:done]
        if not final and kids:
            self._top(kids[-1], False, by_track.get(id(kids[-1]), _NO_RUNS) if runs else _NO_RUNS)
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
        for root, runs in tree_batches(self.path, self.where):
            if root.tag != "annotations":
                raise InputError(
                    f"not a CVAT XML file: the root element is <{root.tag}>, expected <annotations>",
                    self.where,
                    "not_cvat",
                )
            self._drain(root, False, runs)
        if root is not None:
            self._drain(root, True, [])

    def _tag(self, location: str) -> None:
        """An image-level tag (a class for the whole frame, no geometry): not a record, counted."""
        self.tags += 1
        self.first_tag = self.first_tag or location

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
        if self.tags:
            self.report.warn("tag_ignored", f"{self.tags} image-level <tag>(s) ignored: a tag has no geometry and "
                             "Playment has no image-level tag", self.first_tag, count=self.tags)
        if not self.flavour and self.meta is not None:
            for task in self.meta.tasks:
                if task.width is not None and task.start is not None and task.stop is not None:
                    self._video(task, self.where)
        for video in self.videos.values():
            video.finish()
        return self.stills + [v.seq for v in self.videos.values()]


def skeleton_rows(track: ET.Element, notes: shapes.Notes) -> list[ET.Element]:
    """The rows of a skeleton track with each frame's points inside its ``<skeleton>`` row.

    CVAT writes a skeleton track in one of two ways: each ``<skeleton>`` row holds its
    ``<points label=...>`` elements, or the rows are empty and the track holds one nested
    ``<track label=sub-label>`` per point, whose ``<points frame=...>`` rows carry their own
    ``outside``, ``occluded`` and ``keyframe``. The second is turned into the first, frame by frame;
    a point with no row on a frame is absent there (as an outside one). Points on frames without a
    skeleton row are dropped (``skeleton_element_dropped``).
    """
    rows = [c for c in track if c.tag != "track"]
    nested = [c for c in track if c.tag == "track"]
    if not nested:
        return rows
    by_frame: dict[str, list[ET.Element]] = {}
    for sub in nested:
        label = sub.get("label", "")
        for row in sub:
            if row.tag != "points":
                notes.append(("skeleton_element_dropped",
                              f"<{row.tag}> in the nested track of {label!r} dropped: a skeleton point is <points>"))
                continue
            point = ET.Element("points", {**row.attrib, "label": label})
            point.extend(row)
            by_frame.setdefault(row.get("frame", ""), []).append(point)
    out = []
    for row in rows:
        frame = row.get("frame", "")
        if row.tag == "skeleton" and all(c.tag == "attribute" for c in row):
            merged = ET.Element("skeleton", row.attrib)
            merged.extend(row)
            merged.extend(by_frame.pop(frame, []))
            out.append(merged)
        else:
            out.append(row)
    left = sum(len(points) for points in by_frame.values())
    if left:
        notes.append(("skeleton_element_dropped",
                      f"{left} point(s) of nested tracks on frames without a <skeleton> row dropped"))
    return out

"""The in-memory scene model every reader produces and the Playment builder consumes.

A :class:`Scene` holds sequences of frames; a still image is a one-frame sequence with
``is_video=False``. Each :class:`Frame` knows its id (the Playment ``frame_id``), file name and
pixel size, and holds its :class:`SceneObject` list.

Coordinates are absolute **pixel-edge** floats: (0, 0) is the top-left corner of the top-left
pixel, x grows right, y grows down, a W x H image spans [0, W] x [0, H]. Each reader converts its
format's convention into this one; normalizing to 0..1 happens only in the Playment builder.

Geometry kinds (``kind`` class attribute -> Playment type):

=============  ============  ===========================================================
model          Playment      notes
=============  ============  ===========================================================
Box            rectangle     x1 <= x2, y1 <= y2
Polygon        polygon       exterior ring + holes (holes cannot be carried by Playment)
MultiPolygon   polygon       several parts; ``multipart`` policy splits or keeps largest
Polyline       line          open chain, >= 2 points
Keypoints      landmark      ordered, optional names, visibility 0/1/2 (0 = not labelled)
Cuboid         cuboid        8 points: front BL, BR, TR, TL, back BL, BR, TR, TL
=============  ============  ===========================================================

The classes are plain slotted classes so that a million boxes stay cheap; the numpy
constructors at the bottom build frames straight from detector output.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Sequence as Seq
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar, TypeAlias, overload

import numpy as np
from numpy.typing import ArrayLike

from .errors import UsageError

#: Image width and height above this are refused as input errors (no camera or scanner makes them;
#: a bigger value is a corrupt or hostile header, and later per-pixel work would explode).
MAX_IMAGE_SIDE = 1_000_000
#: Masks are decoded only within their foreground's bounding box; a box with more pixels than this
#: is skipped (``mask_too_large``): tracing costs about 5 bytes and 30 ns per pixel of that box.
#: 2**28 px is a 16384 x 16384 box.
MAX_MASK_PIXELS = 1 << 28
_MASK_LIMIT: ContextVar[int] = ContextVar("prelabel_max_mask_pixels", default=MAX_MASK_PIXELS)


def max_mask_pixels() -> int:
    """The mask area limit in force (``max_mask_pixels`` of the reader's options; default
    :data:`MAX_MASK_PIXELS`)."""
    return _MASK_LIMIT.get()


@contextmanager
def mask_pixel_limit(pixels: int) -> Iterator[None]:
    """Masks decoded inside take ``pixels`` as their area limit."""
    token = _MASK_LIMIT.set(pixels)
    try:
        yield
    finally:
        _MASK_LIMIT.reset(token)

Point: TypeAlias = tuple[float, float]


class PointArray(Seq[Point]):
    """Read-only points kept as one flat array of floats (x0, y0, x1, y1, ...): 16 bytes a point
    instead of about 112 for a list of tuples, for the polygons of large files. It reads like a
    list of (x, y) tuples and compares equal to any list or tuple of the same points."""

    __slots__ = ("xy",)

    def __init__(self, xy: array[float]) -> None:
        if len(xy) % 2:
            raise ValueError("a flat point array needs an even count of numbers")
        self.xy = xy

    def __len__(self) -> int:
        return len(self.xy) // 2

    @overload
    def __getitem__(self, i: int) -> Point: ...
    @overload
    def __getitem__(self, i: slice) -> list[Point]: ...
    def __getitem__(self, i: int | slice) -> Point | list[Point]:
        if isinstance(i, slice):
            return list(self)[i]
        n = len(self)
        k = i + n if i < 0 else i
        if not 0 <= k < n:
            raise IndexError("point index out of range")
        return (self.xy[2 * k], self.xy[2 * k + 1])

    def __iter__(self) -> Iterator[Point]:
        xy = self.xy
        return zip(xy[0::2], xy[1::2])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PointArray):
            return self.xy == other.xy
        if isinstance(other, (list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PointArray({list(self)!r})"

    def __reduce__(self) -> tuple[type[PointArray], tuple[array[float]]]:
        return (PointArray, (self.xy,))

    def coords(self) -> np.ndarray:
        """The points as an (N, 2) float array (a view, no copy)."""
        return np.frombuffer(self.xy, dtype=np.float64).reshape(-1, 2)


Ring: TypeAlias = "list[Point] | PointArray"
AttributeValue: TypeAlias = "str | list[str]"
TrackId: TypeAlias = "str | int"

PLAYMENT_TYPE = {
    "box": "rectangle",
    "polygon": "polygon",
    "multipolygon": "polygon",
    "polyline": "line",
    "keypoints": "landmark",
    "cuboid": "cuboid",
}


@dataclass(slots=True)
class Box:
    """Axis-aligned box in pixel-edge coordinates."""

    x1: float
    y1: float
    x2: float
    y2: float
    kind: ClassVar[str] = "box"

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float) -> Box:
        return cls(x, y, x + w, y + h)

    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(slots=True)
class Polygon:
    """One polygon: an exterior ring (not repeating its first point) and optional holes."""

    exterior: Ring
    holes: list[Ring] = field(default_factory=list)
    kind: ClassVar[str] = "polygon"

    def bounds(self) -> tuple[float, float, float, float]:
        return _bounds(self.exterior)


@dataclass(slots=True)
class MultiPolygon:
    """Several polygons that form one object (occluded parts, a split mask)."""

    parts: list[Polygon]
    kind: ClassVar[str] = "multipolygon"

    def bounds(self) -> tuple[float, float, float, float]:
        return _bounds([p for part in self.parts for p in part.exterior])


@dataclass(slots=True)
class Polyline:
    """An open chain of at least two points."""

    points: list[Point]
    kind: ClassVar[str] = "polyline"

    def bounds(self) -> tuple[float, float, float, float]:
        return _bounds(self.points)


@dataclass(slots=True)
class Keypoints:
    """Ordered keypoints; ``visibility`` follows COCO (0 = not labelled, 1 = hidden, 2 = visible).

    Point i becomes the Playment landmark point with ``label`` i + 1; points with visibility 0
    are not emitted. ``names`` (optional) are the skeleton's point names in the same order.
    """

    points: list[Point]
    visibility: list[int]
    names: tuple[str, ...] | None = None
    kind: ClassVar[str] = "keypoints"

    def bounds(self) -> tuple[float, float, float, float]:
        return _bounds([p for p, v in zip(self.points, self.visibility) if v > 0] or self.points)


@dataclass(slots=True)
class Cuboid:
    """A 2D cuboid: 8 points, front face BL, BR, TR, TL then back face BL, BR, TR, TL."""

    points: list[Point]
    kind: ClassVar[str] = "cuboid"

    def bounds(self) -> tuple[float, float, float, float]:
        return _bounds(self.points)


Geometry: TypeAlias = "Box | Polygon | MultiPolygon | Polyline | Keypoints | Cuboid"


def _bounds(points: Iterable[Point]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points)
    return (min(xs), min(ys), max(xs), max(ys))


@dataclass(slots=True)
class SceneObject:
    """One predicted or annotated object on one frame.

    ``attributes`` are read-only once built: readers share one dict among objects with equal
    attributes (a million boxes with the same flags), so later stages copy before changing them.
    ``geometry`` is the richest geometry the record carries; ``alternates`` holds the other
    geometries of the same record (a COCO annotation's box beside its polygon), which the
    ``emit`` option can ask for. ``source`` points back to the input record (file and line, JSON
    path or XML element) so every later message can say where the object came from.
    """

    label: str
    geometry: Geometry
    confidence: float | None = None
    attributes: dict[str, AttributeValue] | None = None
    track_id: TrackId | None = None
    source: str = ""
    alternates: tuple[Geometry, ...] = ()

    def geometries(self) -> Iterator[Geometry]:
        yield self.geometry
        yield from self.alternates


@dataclass(slots=True)
class Frame:
    """One image or video frame. ``id`` is the Playment ``frame_id`` (unique in its sequence)."""

    id: str
    file_name: str
    width: float
    height: float
    index: int = 0
    objects: list[SceneObject] = field(default_factory=list)
    source: str = ""
    boxes: FrameBoxes | None = None

    def expand_boxes(self) -> None:
        """Move the column-stored ``boxes`` (if any) into ``objects``."""
        if self.boxes is not None:
            self.objects.extend(self.boxes.objects())
            self.boxes = None

    @property
    def stem(self) -> str:
        """The file name without folders and without its last extension (``a/b.tar.gz`` -> ``b.tar``)."""
        name = self.file_name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        dot = name.rfind(".")
        return name[:dot] if 0 < dot < len(name) - 1 else name


class FrameBoxes:
    """The plain boxes of one frame, without track ids, kept as columns instead of objects (about
    50 bytes per box instead of about 450), for still images with many boxes.

    Row ``i`` is the box ``coords[4 * i:4 * i + 4]`` (x1, y1, x2, y2: pixel-edge, finite) labelled
    ``labels[i]`` with ``attributes[i]`` (shared, read-only dicts), confidence ``scores[i]`` (NaN
    for none; ``scores`` is None while no row has one) and no track id. Its source is
    ``f"{source_prefix}{n}{source_suffix}"`` with ``n`` = ``numbers[i]`` (the record's own number,
    when the reader keeps them) or ``i + 1``. A frame holding them holds no other object;
    :meth:`Frame.expand_boxes` makes them objects, in row order.
    """

    __slots__ = ("attributes", "coords", "labels", "numbers", "scores", "source_prefix", "source_suffix")

    def __init__(self, source_prefix: str, source_suffix: str, *, numbered: bool = False) -> None:
        self.source_prefix = source_prefix
        self.source_suffix = source_suffix
        self.labels: list[str] = []
        self.coords = array("d")
        self.attributes: list[dict[str, AttributeValue] | None] = []
        self.scores: array[float] | None = None
        self.numbers: array[int] | None = array("q") if numbered else None

    def __len__(self) -> int:
        return len(self.labels)

    def add(self, label: str, x1: float, y1: float, x2: float, y2: float, number: int, score: float | None) -> None:
        """One row (``number`` only when the boxes keep record numbers)."""
        self.labels.append(label)
        self.coords.extend((x1, y1, x2, y2))
        self.attributes.append(None)
        if self.numbers is not None:
            self.numbers.append(number)
        if score is not None or self.scores is not None:
            self.add_score(score)

    def add_score(self, score: float | None) -> None:
        """The confidence of the row just added (call once per row once any row may have one)."""
        scores = self.scores
        if scores is None:
            if score is None:
                return
            scores = self.scores = array("d", [_NO_SCORE]) * (len(self.labels) - 1)
        scores.append(_NO_SCORE if score is None else score)

    def source(self, i: int) -> str:
        n = self.numbers[i] if self.numbers is not None else i + 1
        return f"{self.source_prefix}{n}{self.source_suffix}"

    def box(self, i: int) -> Box:
        c = self.coords
        return Box(c[4 * i], c[4 * i + 1], c[4 * i + 2], c[4 * i + 3])

    def confidence(self, i: int) -> float | None:
        if self.scores is None:
            return None
        score = self.scores[i]
        return None if score != score else score

    def objects(self) -> Iterator[SceneObject]:
        for i, (label, attrs) in enumerate(zip(self.labels, self.attributes)):
            yield SceneObject(label, self.box(i), self.confidence(i), attrs, None, self.source(i))


_NO_SCORE = float("nan")


class BoxTrack:
    """The plain boxes of one track kept as columns instead of objects (memory: about 48 bytes per
    box instead of about 450), for the long box tracks of video exports.

    Row ``i`` is the box ``(x1[i], y1[i], x2[i], y2[i])`` (pixel-edge) on
    ``frames[i]`` with ``attributes[i]`` (shared, read-only dicts), no confidence, track id
    ``track_id`` and source ``f'{source_prefix}{frames[i].id}">'``; a track has at most one row per
    frame. :meth:`objects` gives the rows as scene objects.
    """

    __slots__ = ("attributes", "frames", "label", "source_prefix", "track_id", "x1", "x2", "y1", "y2")

    def __init__(self, label: str, track_id: TrackId, source_prefix: str) -> None:
        self.label = label
        self.track_id = track_id
        self.source_prefix = source_prefix
        self.frames: list[Frame] = []
        self.x1 = array("d")
        self.y1 = array("d")
        self.x2 = array("d")
        self.y2 = array("d")
        self.attributes: list[dict[str, AttributeValue] | None] = []

    def __len__(self) -> int:
        return len(self.frames)

    def extend(
        self, frames: Iterable[Frame], x1: Iterable[float], y1: Iterable[float], x2: Iterable[float],
        y2: Iterable[float], attributes: Iterable[dict[str, AttributeValue] | None],
    ) -> None:
        self.frames.extend(frames)
        self.x1.extend(x1)
        self.y1.extend(y1)
        self.x2.extend(x2)
        self.y2.extend(y2)
        self.attributes.extend(attributes)

    def source(self, i: int) -> str:
        return f'{self.source_prefix}{self.frames[i].id}">'

    def objects(self) -> Iterator[tuple[Frame, SceneObject]]:
        """Each row as (frame, object), in row order."""
        rows = zip(self.frames, self.x1, self.y1, self.x2, self.y2, self.attributes)
        for i, (frame, x1, y1, x2, y2, attrs) in enumerate(rows):
            yield frame, SceneObject(self.label, Box(x1, y1, x2, y2), None, attrs, self.track_id, self.source(i))


@dataclass(slots=True)
class Sequence:
    """Frames in display order. A still image is a one-frame sequence with ``is_video=False``.

    ``box_tracks``: box tracks a reader kept as columns (:class:`BoxTrack`); their boxes are not in
    ``Frame.objects`` until :meth:`expand_tracks` puts them there. A reader expands the pending
    tracks before it adds any other object to these frames, so every object already in a frame was
    read before the tracks' boxes, and expanding (appending) keeps the order read.
    :func:`converters.pipeline.read_scene` returns expanded scenes.
    """

    name: str
    frames: list[Frame] = field(default_factory=list)
    is_video: bool = False
    box_tracks: list[BoxTrack] = field(default_factory=list)

    def expand_tracks(self) -> None:
        """Move the boxes of ``box_tracks`` into their frames' object lists."""
        tracks, self.box_tracks = self.box_tracks, []
        for track in tracks:
            for frame, obj in track.objects():
                frame.objects.append(obj)


@dataclass(slots=True)
class Scene:
    """Everything read from the input: sequences in input order and the known label set.

    Readers may keep plain boxes as columns (``Sequence.box_tracks``, ``Frame.boxes``) to save
    memory; :meth:`expand_columns` turns them into objects (``read_scene`` does unless asked not to).
    """

    sequences: list[Sequence] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    name: str = "scene"
    #: True when a reader counted the scene's records into a report; an in-memory scene's objects
    #: are counted as records when it is first built into jobs (read = converted + skipped).
    records_counted: bool = False

    def frames(self) -> Iterator[Frame]:
        for seq in self.sequences:
            yield from seq.frames

    def expand_columns(self) -> Scene:
        """Every column-stored box (``Sequence.box_tracks``, ``Frame.boxes``) moved into its
        frame's ``objects``; returns self."""
        for seq in self.sequences:
            if seq.box_tracks:
                seq.expand_tracks()
            for frame in seq.frames:
                if frame.boxes is not None:
                    frame.expand_boxes()
        return self

    def objects(self) -> Iterator[SceneObject]:
        """Every object: frame by frame, then the boxes of column-stored tracks (if any)."""
        for frame in self.frames():
            yield from frame.objects
            if frame.boxes is not None:
                yield from frame.boxes.objects()
        for seq in self.sequences:
            for track in seq.box_tracks:
                for _, obj in track.objects():
                    yield obj

    @property
    def object_count(self) -> int:
        return sum(len(f.objects) + (len(f.boxes) if f.boxes is not None else 0) for f in self.frames()) + sum(
            len(t) for seq in self.sequences for t in seq.box_tracks)


# ---------------------------------------------------------------------------------------------
# Public constructors from numpy arrays (detector output without writing a file)
# ---------------------------------------------------------------------------------------------


def _as_array(name: str, value: ArrayLike, ndim: int, n: int | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != ndim:
        raise UsageError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise UsageError(f"{name}: expected {n} rows (one per object), got {arr.shape[0]}")
    return arr


def frame_from_arrays(
    frame_id: str | int,
    width: float,
    height: float,
    *,
    file_name: str | None = None,
    index: int = 0,
    boxes: ArrayLike | None = None,
    box_format: str = "xyxy",
    scores: ArrayLike | None = None,
    class_ids: ArrayLike | None = None,
    class_names: Seq[str] | Mapping[int, str] | None = None,
    labels: Seq[str] | None = None,
    track_ids: ArrayLike | Seq[str | int | None] | None = None,
    polygons: Seq[ArrayLike] | None = None,
    masks: ArrayLike | None = None,
    obb: ArrayLike | None = None,
    obb_angle: str = "radians",
    keypoints: ArrayLike | None = None,
    keypoint_names: Seq[str] | None = None,
    keypoint_format: str = "visibility",
    keypoint_threshold: float = 0.5,
    attributes: Seq[Mapping[str, AttributeValue] | None] | None = None,
) -> Frame:
    """Build a :class:`Frame` from per-object arrays, all in pixels (pixel-edge: a W x H image
    spans [0, W] x [0, H]).

    - ``boxes``: (N, 4) in ``box_format`` ``"xyxy"`` (x1, y1, x2, y2) or ``"xywh"`` (x, y, w, h).
    - ``scores``: (N,) confidences; ``class_ids`` (N,) ints indexing ``class_names`` (a list or
      an id -> name mapping), or ``labels`` (N,) strings directly.
    - ``track_ids``: (N,) optional track ids (None / NaN / negative = no track).
    - ``polygons``: N arrays of shape (M, 2); each becomes the object's geometry (its box, if
      given, is kept as an alternate geometry for ``emit=rectangle``).
    - ``masks``: (N, height, width) binary masks (bool, 0/1, or floats: >= 0.5 is foreground),
      traced exactly along the pixel edges (a mask covering columns 100..199 gives x 100..200);
      several regions give a multi-part polygon; an empty mask gives an empty polygon, which the
      builder skips and reports (``polygon_degenerate``).
    - ``obb``: oriented boxes, (N, 5) centre x, centre y, width, height, angle (``obb_angle``
      ``"radians"`` as Ultralytics' ``xywhr``, or ``"degrees"``), or (N, 4, 2) corners; each
      becomes a 4-point polygon.
    - ``keypoints``: (N, K, 3) x, y and a third column read as ``keypoint_format``:
      ``"visibility"`` (COCO: 0 not labelled, 1 occluded, 2 visible) or ``"confidence"``
      (Ultralytics, supervision: a point is kept, as visible, when its confidence >=
      ``keypoint_threshold``); (N, K, 2) means every point visible.

    The number of objects N is taken from whichever per-object input is given; all must agree.
    """
    if width <= 0 or height <= 0:
        raise UsageError(f"frame {frame_id}: width and height must be positive, got {width}x{height}")
    counts = {
        name: len(v)  # type: ignore[arg-type]
        for name, v in (
            ("boxes", boxes),
            ("polygons", polygons),
            ("masks", masks),
            ("obb", obb),
            ("keypoints", keypoints),
            ("scores", scores),
            ("class_ids", class_ids),
            ("labels", labels),
            ("track_ids", track_ids),
            ("attributes", attributes),
        )
        if v is not None
    }
    sizes = set(counts.values())
    if len(sizes) > 1:
        raise UsageError(f"frame {frame_id}: per-object inputs disagree on the object count: {counts}")
    n = sizes.pop() if sizes else 0

    box_arr = None
    if boxes is not None:
        box_arr = _as_array("boxes", boxes, 2, n)
        if box_arr.shape[1:] != (4,):
            raise UsageError(f"boxes: expected shape (N, 4), got {box_arr.shape}")
        if box_format == "xywh":
            box_arr = np.concatenate([box_arr[:, :2], box_arr[:, :2] + box_arr[:, 2:]], axis=1)
        elif box_format != "xyxy":
            raise UsageError(f"box_format must be 'xyxy' or 'xywh', got {box_format!r}")
    kp_arr = None
    if keypoints is not None:
        kp_arr = _as_array("keypoints", keypoints, 3, n)
        if kp_arr.shape[2] not in (2, 3):
            raise UsageError(f"keypoints: expected shape (N, K, 2|3), got {kp_arr.shape}")
    if keypoint_format not in ("visibility", "confidence"):
        raise UsageError(f"keypoint_format must be 'visibility' or 'confidence', got {keypoint_format!r}")
    mask_geoms = _mask_geometries(masks, n, width, height) if masks is not None else None
    obb_geoms = _obb_polygons(obb, n, obb_angle) if obb is not None else None
    score_arr = _as_array("scores", scores, 1, n) if scores is not None else None

    if labels is not None:
        label_list = [str(x) for x in labels]
    elif class_ids is not None:
        ids = np.asarray(class_ids).astype(np.int64)
        names = class_names if class_names is not None else {}
        label_list = []
        for cid in ids.tolist():
            try:
                label_list.append(str(names[cid]))
            except (KeyError, IndexError):
                if class_names is None:
                    label_list.append(str(cid))
                else:
                    raise UsageError(f"class id {cid} is not in class_names") from None
    else:
        label_list = ["object"] * n

    tracks: list[TrackId | None] = [None] * n
    if track_ids is not None:
        raw_tracks: list[object] = list(np.asarray(track_ids, dtype=object).tolist())
        for i, t in enumerate(raw_tracks):
            if t is None:
                continue
            if isinstance(t, str):
                tracks[i] = t
                continue
            if not isinstance(t, (int, float)):
                raise UsageError(f"track_ids[{i}]: expected an int, a string or None, got {t!r}")
            f = float(t)
            if f == f and f >= 0:
                tracks[i] = int(f)

    kp_names = tuple(keypoint_names) if keypoint_names is not None else None
    objects: list[SceneObject] = []
    for i in range(n):
        geoms: list[Geometry] = []
        if polygons is not None:
            pts = _as_array(f"polygons[{i}]", polygons[i], 2)
            geoms.append(Polygon([(float(x), float(y)) for x, y in pts.tolist()]))
        if mask_geoms is not None:
            geoms.append(mask_geoms[i])
        if obb_geoms is not None:
            geoms.append(obb_geoms[i])
        if kp_arr is not None:
            k = kp_arr[i]
            if k.shape[1] == 2:
                vis = [2] * k.shape[0]
            elif keypoint_format == "confidence":
                vis = [2 if c >= keypoint_threshold else 0 for c in k[:, 2].tolist()]
            else:
                vis = [int(v) for v in k[:, 2].tolist()]
            geoms.append(Keypoints([(float(x), float(y)) for x, y in k[:, :2].tolist()], vis, kp_names))
        if box_arr is not None:
            x1, y1, x2, y2 = box_arr[i].tolist()
            geoms.append(Box(x1, y1, x2, y2))
        if not geoms:
            raise UsageError(f"frame {frame_id}: object {i} has no geometry (boxes, polygons, masks, obb or keypoints)")
        given = attributes[i] if attributes is not None else None
        attrs = dict(given) if given else None
        objects.append(
            SceneObject(
                label=label_list[i],
                geometry=geoms[0],
                confidence=float(score_arr[i]) if score_arr is not None else None,
                attributes=attrs,
                track_id=tracks[i],
                source=f"frame {frame_id} object {i}",
                alternates=tuple(geoms[1:]),
            )
        )
    fid = str(frame_id)
    return Frame(fid, file_name if file_name is not None else fid, width, height, index, objects)


def _mask_geometries(masks: ArrayLike, n: int, width: float, height: float) -> list[Geometry]:
    """Each (H, W) mask traced along its pixel edges (``mask_trace``): Polygon, MultiPolygon, or an
    empty Polygon for an empty mask (reported by the builder, never dropped silently)."""
    from .geometry import mask_to_polygons, polygons_to_geometry  # geometry imports this module

    arr = np.asarray(masks)
    if arr.ndim != 3 or arr.shape[0] != n:
        raise UsageError(f"masks: expected shape (N, height, width) with N = {n}, got {arr.shape}")
    if (arr.shape[1], arr.shape[2]) != (int(height), int(width)):
        raise UsageError(f"masks: {arr.shape[2]} x {arr.shape[1]} px, but the frame is {width} x {height}; "
                         "masks must be at the frame's size")
    if arr.dtype.kind == "f":
        arr = arr >= 0.5
    out: list[Geometry] = []
    for m in arr:
        geom = polygons_to_geometry(mask_to_polygons(m))
        out.append(geom if geom is not None else Polygon([]))
    return out


def _obb_polygons(obb: ArrayLike, n: int, angle_unit: str) -> list[Geometry]:
    """Oriented boxes as 4-corner polygons. From (cx, cy, w, h, angle): the corners
    centre +- (w/2) (cos a, sin a) +- (h/2) (-sin a, cos a), in the order Ultralytics' xywhr2xyxyxyxy
    gives them."""
    arr = np.asarray(obb, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[1:] == (4, 2) and arr.shape[0] == n:
        corners = arr
    elif arr.ndim == 2 and arr.shape == (n, 5):
        if angle_unit not in ("radians", "degrees"):
            raise UsageError(f"obb_angle must be 'radians' or 'degrees', got {angle_unit!r}")
        cx, cy, w, h, a = arr.T
        if angle_unit == "degrees":
            a = np.radians(a)
        cos, sin = np.cos(a), np.sin(a)
        v1 = np.stack([w / 2 * cos, w / 2 * sin], axis=1)
        v2 = np.stack([-h / 2 * sin, h / 2 * cos], axis=1)
        ctr = np.stack([cx, cy], axis=1)
        corners = np.stack([ctr + v1 + v2, ctr + v1 - v2, ctr - v1 - v2, ctr - v1 + v2], axis=1)
    else:
        raise UsageError(f"obb: expected shape (N, 5) cx cy w h angle or (N, 4, 2) corners with N = {n}, "
                         f"got {arr.shape}")
    return [Polygon([(float(x), float(y)) for x, y in c.tolist()]) for c in corners]


def scene_from_frames(
    frames: Iterable[Frame],
    *,
    sequence: str | None = None,
    labels: Seq[str] = (),
) -> Scene:
    """Wrap frames into a scene: one video sequence named ``sequence``, or (when ``sequence`` is
    None) one still-image sequence per frame, named after the frame's file name without extension."""
    frame_list = list(frames)
    if sequence is not None:
        for i, f in enumerate(frame_list):
            f.index = i
        seqs = [Sequence(sequence, frame_list, is_video=True)]
    else:
        seqs = [Sequence(still_sequence_name(f.file_name), [f]) for f in frame_list]
    return Scene(seqs, list(labels))


def still_sequence_name(file_name: str) -> str:
    """Sequence name of a still image: its file name without the last extension."""
    p = PurePosixPath(file_name.replace("\\", "/"))
    return str(p.with_suffix("")) if p.suffix else str(p)

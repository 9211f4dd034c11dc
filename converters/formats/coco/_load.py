"""COCO files: JSON loading with located errors, telling the variants apart, categories, images.

Helpers of :mod:`.coco`; see there for the conventions.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import msgspec
import orjson

from ...errors import InputError, Report
from ...errors import NoObjects as NoObjects
from ...input_files import read_regular
from ...model import MAX_IMAGE_SIDE, Frame
from ._records import describe
from ._video import ImageMeta

_GEOMETRY_KEYS = ("bbox", "segmentation", "keypoints")


def load_json(path: Path) -> Any:
    """Parse a JSON file with orjson; errors become InputError with line and column.

    Files orjson refuses but Python's json accepts (NaN / Infinity literals) are read with json;
    integers beyond 64 bits are also re-read with json so that large ids stay exact.
    """
    try:
        raw = read_regular(path, "a COCO file")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", str(path)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise InputError("the file is empty; expected COCO JSON", str(path))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = f"{path}:{exc.lineno}:{exc.colno}"
        if "depth" in exc.msg or "recursion" in exc.msg:
            raise InputError("the JSON is nested more than 1024 levels deep; not a COCO file", where) from None
        if "memory" in exc.msg:
            raise MemoryError(f"not enough memory to parse {path}") from None
        try:  # NaN / Infinity literals, which orjson refuses and json reads
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("the file is not UTF-8 text", str(path)) from None
        except (json.JSONDecodeError, RecursionError):
            raise InputError(f"malformed JSON: {exc.msg}", where) from None
    return data


class _GroundTruthParts(msgspec.Struct):
    """The parts of a dataset JSON that ``--images`` needs; msgspec skips the rest unbuilt."""

    images: list[Any] | None = None
    categories: list[Any] | None = None
    videos: list[Any] | None = None


def load_ground_truth(path: Path) -> Any:
    """``images``, ``categories`` and ``videos`` of a dataset JSON, without building its (unused)
    annotations: 1M annotations cost 0.15 s instead of 0.8 s and no memory.

    Anything unusual (malformed JSON, a top level that is not an object, a field of the wrong
    type, NaN literals, integers beyond 64 bits) falls back to :func:`load_json` on the whole file,
    so the messages are the same as for any other input.
    """
    try:
        raw = read_regular(path, "a COCO file")
        parts = msgspec.json.decode(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw, type=_GroundTruthParts)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return big_int_reload(path, load_json(path))
    data = {k: v for k in ("images", "categories", "videos") if (v := getattr(parts, k)) is not None}
    return big_int_reload(path, data)


def big_int_reload(path: Path, data: Any) -> Any:
    """orjson turns integers beyond 64 bits into floats; re-read such files with json.

    Checked on the first 1000 image ids (dataset) or result image ids (results list).
    """
    if type(data) is dict:
        records, key = data.get("images"), "id"
    else:
        records, key = data, "image_id"
    if type(records) is list and any(type(r) is dict and type(r.get(key)) is float for r in records[:1000]):
        return json.loads(read_regular(path).decode("utf-8-sig"))
    return data


def list_field(data: dict[str, Any], key: str, path: Path, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if type(value) is not list:
        what = "missing" if value is None else f"a {type(value).__name__}, not a list"
        raise InputError(f"'{key}' is {what}", f"{path}:$.{key}")
    return value


def file_kind(data: Any, path: Path) -> str:
    """'results', 'ytvis', 'ytvis_results' or 'dataset'; InputError for anything else."""
    if type(data) is list:
        first = next((a for a in data if type(a) is dict), None)
        if first is not None and "video_id" in first and "segmentations" in first:
            return "ytvis_results"
        return "results"
    if type(data) is not dict:
        raise InputError(
            f"top level is a {type(data).__name__}; expected a COCO object (images, annotations, "
            "categories) or a results list",
            f"{path}:$",
        )
    anns = data.get("annotations")
    if (
        "videos" in data
        and type(anns) is list
        and any(type(a) is dict and ("segmentations" in a or "bboxes" in a) for a in anns[:1])
    ):
        return "ytvis"
    if "videos" in data and "images" not in data and not anns:
        raise NoObjects(
            "YouTube-VIS file without annotations: it carries no objects to convert", f"{path}:$.annotations"
        )
    if anns is None and "images" not in data:
        raise InputError("not a COCO file: no 'images' and no 'annotations'", f"{path}:$")
    if (
        type(anns) is list
        and any(type(a) is dict for a in anns[:1000])
        and not any(type(a) is dict and _has_geometry(a) for a in anns)
    ):
        _no_objects(anns, path)
    if anns is None and type(data.get("images")) is list:
        raise NoObjects(
            f"COCO image_info file: it lists {len(data['images'])} image(s) and has no 'annotations', "
            "so it carries no objects to convert",
            f"{path}:$",
        )
    return "dataset"  # "annotations": [] too: a dataset whose images hold no object (empty frames)


def _has_geometry(a: dict[str, Any]) -> bool:
    return any(a.get(k) is not None for k in _GEOMETRY_KEYS)


def _no_objects(anns: list[Any], path: Path) -> None:
    first = next((a for a in anns if type(a) is dict), {})
    if "caption" in first:
        what = "COCO captions file (annotations are image captions)"
    elif "segments_info" in first:
        what = "COCO panoptic file (segments live in PNG masks, not in the JSON)"
    else:
        what = "COCO image-level labels file (annotations have only a category_id)"
    raise NoObjects(
        f"{what}: no annotation has a bbox, segmentation or keypoints, so it carries no objects to convert",
        f"{path}:$.annotations",
    )


class Categories:
    """id -> label and keypoint names; ``names`` in id order."""

    def __init__(self, data: dict[str, Any], path: Path, report: Report) -> None:
        self.labels: dict[Any, str] = {}
        self.keypoints: dict[Any, tuple[str, ...]] = {}
        self.names: list[str] = []
        if "categories" not in data:
            self.labels = IdLabels()
            report.warn("categories_missing", "no 'categories': labels are the category ids", str(path))
            return
        for j, c in enumerate(list_field(data, "categories", path)):
            loc = f"{path}:$.categories[{j}]"
            if type(c) is not dict:
                raise InputError(f"a category must be an object, got {describe(c)}", loc)
            cid, name = c.get("id"), c.get("name")
            if type(cid) not in (int, str):
                raise InputError(f"category id must be an integer or a string, got {describe(cid)}", f"{loc}.id")
            if cid in self.labels:
                raise InputError(f"duplicate category id {cid!r}", f"{loc}.id")
            if isinstance(name, (int, float)) and not isinstance(name, bool) and math.isfinite(name):
                name = format(name, "g") if isinstance(name, float) else str(name)  # a number as name: 0 -> "0"
            if type(name) is not str or not name:
                raise InputError(f"category name must be a non-empty string, got {describe(name)}", f"{loc}.name")
            self.labels[cid] = name
            kp = c.get("keypoints")
            if type(kp) is list and kp and all(type(k) is str for k in kp):
                self.keypoints[cid] = tuple(kp)
        self.names = list(dict.fromkeys(self.labels[k] for k in id_order(self.labels)))

    @classmethod
    def from_ids(cls, ids: set[Any]) -> Categories:
        """No categories known: every id is its own label."""
        self = cls.__new__(cls)
        self.labels = IdLabels()
        self.keypoints = {}
        self.names = [str(k) for k in id_order(ids)]
        return self


def id_order(ids: Any) -> list[Any]:
    """Ids sorted: integers numerically first, then strings."""
    return sorted(ids, key=lambda k: (type(k) is str, k if type(k) is str else 0, k if type(k) is int else 0))


class IdLabels(dict[Any, str]):
    """Label lookup when a file has no categories: the id itself, as a string."""

    def get(self, key: Any, default: Any = None) -> Any:
        return str(key) if type(key) in (int, str) else default


def _positive(v: Any) -> bool:
    return (type(v) is int or type(v) is float) and v > 0 and math.isfinite(v)


def _number_text(v: Any) -> Any:
    """A size written as text (``"3264"``, as some converters write it) as its number; else ``v``."""
    if type(v) is str:
        try:
            n = float(v)
        except ValueError:
            return v
        return int(n) if n.is_integer() else n
    return v


def read_images(
    data: dict[str, Any], path: Path, report: Report
) -> tuple[dict[Any, Frame], list[ImageMeta], dict[Any, Any]]:
    """``images`` -> (id -> Frame, per-image metadata in order, video id -> ``videos`` entry).
    A width or height written as a numeric string is read as the number (warned ``size_as_text``,
    once per file with the count)."""
    as_text = 0
    first_text = ""
    videos = {v.get("id"): v for v in list_field(data, "videos", path, required=False) if type(v) is dict}
    frames: dict[Any, Frame] = {}
    metas: list[ImageMeta] = []
    for j, im in enumerate(list_field(data, "images", path)):
        loc = f"{path}:$.images[{j}]"
        if type(im) is not dict:
            raise InputError(f"an image must be an object, got {describe(im)}", loc)
        iid, name = im.get("id"), im.get("file_name")
        if type(iid) not in (int, str):
            raise InputError(f"image id must be an integer or a string, got {describe(iid)}", f"{loc}.id")
        if iid in frames:
            raise InputError(f"duplicate image id {iid!r} (first at {frames[iid].source})", f"{loc}.id")
        if type(name) is not str or not name:
            raise InputError(f"file_name must be a non-empty string, got {describe(name)}", f"{loc}.file_name")
        vid = im.get("video_id")
        w: Any = im.get("width")
        h: Any = im.get("height")
        if vid is not None and (w is None or h is None) and vid in videos:
            w, h = videos[vid].get("width"), videos[vid].get("height")
        if type(w) is str or type(h) is str:
            w, h = _number_text(w), _number_text(h)
            if _positive(w) and _positive(h):
                as_text += 1
                first_text = first_text or loc
        if not (_positive(w) and _positive(h)):
            raise InputError(f"image width and height must be positive numbers, got {w!r} x {h!r}", loc)
        if w > MAX_IMAGE_SIDE or h > MAX_IMAGE_SIDE:
            raise InputError(f"image width and height must be at most {MAX_IMAGE_SIDE} px, got {w!r} x {h!r}", loc)
        frame = Frame(str(iid), name, w, h, 0, [], loc)
        frames[iid] = frame
        metas.append((frame, vid, im.get("frame_index", im.get("frame_id"))))
    if as_text:
        report.warn("size_as_text", f"{as_text} image(s) give width/height as text (e.g. \"3264\"); read as numbers",
                    first_text, as_text)
    return frames, metas, videos

"""COCO ``images``: id -> Frame with a checked size (a numeric string is read as its number,
warned ``size_as_text``), per-image metadata for video grouping, and the ``videos`` entries."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...errors import InputError, Report
from ...model import MAX_IMAGE_SIDE, Frame
from ._kind import list_field
from ._records import describe
from ._video import ImageMeta


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

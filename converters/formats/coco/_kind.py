"""What a COCO JSON file is: a dataset, a results list, a YouTube-VIS file (or its results), or a
file of a task without objects (captions, panoptic, image-level labels, image info), refused with
what it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InputError, NoObjects
from ._json import RawRecords

_GEOMETRY_KEYS = ("bbox", "segmentation", "keypoints")


def list_field(data: dict[str, Any], key: str, path: Path, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if type(value) is not list:
        what = "missing" if value is None else f"a {type(value).__name__}, not a list"
        raise InputError(f"'{key}' is {what}", f"{path}:$.{key}")
    return value


def annotation_list(data: dict[str, Any], path: Path) -> list[Any] | RawRecords:
    """``data["annotations"]``: a list, or :class:`RawRecords` read a chunk at a time."""
    value = data.get("annotations")
    return value if type(value) is RawRecords else list_field(data, "annotations", path)


def file_kind(data: Any, path: Path) -> str:
    """'results', 'ytvis', 'ytvis_results' or 'dataset'; InputError for anything else."""
    if type(data) is list or type(data) is RawRecords:
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
        and isinstance(anns, (list, RawRecords))
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
        isinstance(anns, (list, RawRecords))
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


def _no_objects(anns: list[Any] | RawRecords, path: Path) -> None:
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

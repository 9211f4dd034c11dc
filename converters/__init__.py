"""playment-prelabel: turn COCO, YOLO, CVAT and Pascal VOC predictions into Playment jobs.

The public API is what this module exports (``__all__``); every other module and name is internal.

- convert files: :func:`convert` (files -> payload files), :func:`read_scene` + :func:`write_scene`,
  :func:`iter_payloads`, with :class:`ConvertOptions` and the label / attribute map loaders;
- in-memory predictions: the scene model (:class:`Scene`, :class:`Frame`, :class:`Box`, ...,
  :func:`frame_from_arrays`, :func:`scene_from_frames`), the adapters of :mod:`converters.adapters`
  (:func:`from_ultralytics`, :func:`from_supervision`, :func:`from_torchvision`) and the streaming
  :class:`JobWriter`;
- check payloads: :class:`PayloadValidator`, :func:`validate_payload`, :func:`validate_paths`;
  look at them: :mod:`converters.preview` (``render_frame``, ``write_preview``);
- trackers from untracked detections: ``ConvertOptions(link_tracks="iou")`` (:mod:`converters.linking`);
  several processes: ``workers=`` of :func:`convert` / :func:`write_scene` (:mod:`converters.parallel`);
- send them: :class:`PlaymentClient`, :func:`submit_payloads` -> :class:`SubmitSummary`;
- errors (all defined in :mod:`converters.errors`): :class:`PrelabelError` and its children, the
  API errors under :class:`PlaymentApiError`; :class:`Report` and :class:`Issue` records.

>>> from converters import convert, ConvertOptions
>>> report = convert(["instances.json"], "coco", "jobs.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .adapters import from_supervision, from_torchvision, from_ultralytics, iter_ultralytics, scene_from_ultralytics
from .errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthError,
    DuplicateBatchError,
    DuplicateReferenceError,
    InputError,
    Issue,
    MalformedResponseError,
    OutputError,
    PayloadsInvalidError,
    PlaymentApiError,
    PrelabelError,
    RateLimitError,
    Report,
    RequestRejectedError,
    SchemaValidationError,
    ServerError,
    SkipWarning,
    UnknownFormatError,
    UsageError,
)
from .job_writer import JobWriter
from .model import (
    Box,
    Cuboid,
    Frame,
    Keypoints,
    MultiPolygon,
    Polygon,
    Polyline,
    Scene,
    SceneObject,
    Sequence,
    frame_from_arrays,
    scene_from_frames,
)
from .options import ConvertOptions, load_attribute_map, load_label_map, load_label_set
from .pipeline import convert, iter_payloads, read_scene, write_scene
from .playment.validate import PayloadValidator, validate_paths, validate_payload
from .shards import ShardResult, convert_shard, merge_shards

if TYPE_CHECKING:
    from .playment.client import PlaymentClient
    from .playment.submit import SubmitSummary, submit_payloads

    __version__: str

#: Names imported when first used: the API client needs httpx (about 0.1 s to import), which a
#: conversion never uses.
_LAZY = {
    "PlaymentClient": ".playment.client",
    "SubmitSummary": ".playment.submit",
    "submit_payloads": ".playment.submit",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("playment-prelabel")
        except PackageNotFoundError:  # a source tree that is not installed
            value = "0+unknown"
    elif name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AuthError",
    "Box",
    "ConvertOptions",
    "Cuboid",
    "DuplicateBatchError",
    "DuplicateReferenceError",
    "Frame",
    "InputError",
    "Issue",
    "JobWriter",
    "Keypoints",
    "MalformedResponseError",
    "MultiPolygon",
    "OutputError",
    "PayloadValidator",
    "PayloadsInvalidError",
    "PlaymentApiError",
    "PlaymentClient",
    "Polygon",
    "Polyline",
    "PrelabelError",
    "RateLimitError",
    "Report",
    "RequestRejectedError",
    "Scene",
    "SceneObject",
    "SchemaValidationError",
    "Sequence",
    "ServerError",
    "ShardResult",
    "SkipWarning",
    "SubmitSummary",
    "UnknownFormatError",
    "UsageError",
    "__version__",
    "convert",
    "convert_shard",
    "frame_from_arrays",
    "from_supervision",
    "from_torchvision",
    "from_ultralytics",
    "iter_payloads",
    "iter_ultralytics",
    "load_attribute_map",
    "load_label_map",
    "load_label_set",
    "merge_shards",
    "read_scene",
    "scene_from_frames",
    "scene_from_ultralytics",
    "submit_payloads",
    "validate_paths",
    "validate_payload",
    "write_scene",
]

"""playment-prelabel: turn COCO, YOLO, CVAT and Pascal VOC predictions into Playment jobs.

The public API is what this module exports; everything else is internal.

>>> from converters import convert, ConvertOptions
>>> report = convert(["instances.json"], "coco", "jobs.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
    ApiError,
    InputError,
    Issue,
    PrelabelError,
    Report,
    SchemaValidationError,
    UnknownFormatError,
    UsageError,
)
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
from .playment.validate import validate_paths, validate_payload

__all__ = [
    "ApiError",
    "Box",
    "ConvertOptions",
    "Cuboid",
    "Frame",
    "InputError",
    "Issue",
    "Keypoints",
    "MultiPolygon",
    "Polygon",
    "Polyline",
    "PrelabelError",
    "Report",
    "Scene",
    "SceneObject",
    "SchemaValidationError",
    "Sequence",
    "UnknownFormatError",
    "UsageError",
    "__version__",
    "convert",
    "frame_from_arrays",
    "iter_payloads",
    "load_attribute_map",
    "load_label_map",
    "load_label_set",
    "read_scene",
    "scene_from_frames",
    "validate_paths",
    "validate_payload",
    "write_scene",
]

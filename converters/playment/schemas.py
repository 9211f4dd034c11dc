"""The JSON Schemas of the Playment payloads: find them, load them once, build the registries.

The schema files (draft 2020-12) live in ``schemas/`` at the top of a source checkout and in the
package ``converters.schemas`` of an installed wheel. Each has a versioned ``$id`` under
:data:`BASE_URI` and refers to the others by relative ``$ref`` (``common.json#/$defs/point``),
resolved through a :class:`referencing.Registry` (for ``jsonschema``) or a
:class:`jsonschema_rs.Registry` (for the compiled fast path); nothing is ever fetched.

Files: ``common.json`` (coordinates in [0, 1], points, point/edge names, ids, labels, state),
``attributes.json``, one file per annotation object type (``rectangle``, ``polygon``, ``line``,
``cuboid``, ``landmark``: the root is the per-frame video object, ``$defs/image_item`` the image
maker_response item), ``tracker.json``, ``maker_response_video.json`` (key ``video2d``),
``maker_response_image.json`` and ``payload.json`` (the job creation request).
"""

from __future__ import annotations

import copy
import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from referencing import Registry

    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

#: Version prefix of every schema ``$id``.
BASE_URI = "https://schemas.playment-prelabel.dev/v1/"
#: The schema of a whole job payload.
PAYLOAD_ID = BASE_URI + "payload.json"
#: The schema whose single property is the video maker_response key.
MAKER_RESPONSE_VIDEO_ID = BASE_URI + "maker_response_video.json"
#: The key the schema files use for the video maker_response (C1).
DEFAULT_VIDEO_KEY = "video2d"
#: Every schema file shipped (a missing one is a broken installation).
SCHEMA_FILES = (
    "common.json",
    "attributes.json",
    "rectangle.json",
    "polygon.json",
    "line.json",
    "cuboid.json",
    "landmark.json",
    "tracker.json",
    "maker_response_video.json",
    "maker_response_image.json",
    "payload.json",
)


def _candidate_dirs() -> list[Traversable]:
    found: list[Traversable] = []
    for package, sub in (("converters", "schemas"), ("converters.schemas", "")):
        try:
            root = resources.files(package)
        except (ModuleNotFoundError, TypeError, ValueError):
            continue
        found.append(root / sub if sub else root)
    found.append(Path(__file__).resolve().parents[2] / "schemas")
    return found


def schema_dir() -> Traversable:
    """The folder holding the schema files: the installed package data, else the checkout's ``schemas/``."""
    for cand in _candidate_dirs():
        if cand.is_dir() and (cand / "payload.json").is_file():
            return cand
    raise UsageError("the Playment JSON Schemas were not found (broken installation: no payload.json "
                     "in converters/schemas/ nor in the checkout's schemas/)")


@cache
def load_schemas() -> dict[str, dict[str, Any]]:
    """Every schema keyed by its ``$id`` (read once per process)."""
    folder = schema_dir()
    out: dict[str, dict[str, Any]] = {}
    for name in SCHEMA_FILES:
        schema = json.loads((folder / name).read_text(encoding="utf-8"))
        sid = schema.get("$id")
        if sid != BASE_URI + name:
            raise UsageError(f"schema {name} has $id {sid!r}, expected {BASE_URI + name!r}")
        out[sid] = schema
    return out


def schema(name: str) -> dict[str, Any]:
    """One schema by file name (``"payload.json"``) or full ``$id``."""
    sid = name if name.startswith(BASE_URI) else BASE_URI + name
    return load_schemas()[sid]


def schemas_for_video_key(video_key: str = DEFAULT_VIDEO_KEY) -> dict[str, dict[str, Any]]:
    """The schemas with the video maker_response key ``video2d`` replaced by ``video_key``."""
    schemas = load_schemas()
    if video_key == DEFAULT_VIDEO_KEY:
        return schemas
    if not video_key:
        raise UsageError("the video maker_response key must not be empty")
    video = copy.deepcopy(schemas[MAKER_RESPONSE_VIDEO_ID])
    video["properties"] = {video_key: video["properties"].pop(DEFAULT_VIDEO_KEY)}
    video["required"] = [video_key]
    return {**schemas, MAKER_RESPONSE_VIDEO_ID: video}


@cache
def registry(video_key: str = DEFAULT_VIDEO_KEY) -> Registry[Any]:
    """A ``referencing`` registry of every schema (for ``jsonschema``), built once per key
    (``referencing`` is imported here: only an invalid payload's explanation needs it)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources_ = [
        (sid, Resource.from_contents(s, default_specification=DRAFT202012))
        for sid, s in schemas_for_video_key(video_key).items()
    ]
    return Registry().with_resources(resources_).crawl()

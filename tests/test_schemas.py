"""The schema files: well-formed draft 2020-12, versioned ids, every $ref resolvable, found when installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest

from converters.playment import schemas

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "fixtures" / "playment-examples"
KINDS = ("rectangle", "polygon", "line", "cuboid", "landmark")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _example_object(kind: str) -> dict[str, Any]:
    job = json.loads((EXAMPLES / f"{kind}.json").read_text())
    tracker = job["data"]["maker_response"]["video2d"]["data"]["annotations"][0]
    obj: dict[str, Any] = tracker["frames"]["frame001"]
    return obj


def test_every_shipped_file_is_loaded_and_the_folder_holds_nothing_else() -> None:
    on_disk = sorted(p.name for p in (ROOT / "schemas").glob("*.json"))
    assert on_disk == sorted(schemas.SCHEMA_FILES)
    assert sorted(schemas.load_schemas()) == sorted(schemas.BASE_URI + n for n in schemas.SCHEMA_FILES)


@pytest.mark.parametrize("name", schemas.SCHEMA_FILES)
def test_schema_is_draft_2020_12_with_a_versioned_id(name: str) -> None:
    doc = schemas.schema(name)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"https://schemas.playment-prelabel.dev/v1/{name}"
    jsonschema.Draft202012Validator.check_schema(doc)
    assert jsonschema_rs.meta.is_valid(doc)


@pytest.mark.parametrize("name", schemas.SCHEMA_FILES)
def test_every_ref_resolves_through_the_registry(name: str) -> None:
    doc = schemas.schema(name)
    resolver = schemas.registry().resolver(base_uri=doc["$id"])
    refs = _refs(doc)
    for ref in refs:
        resolved = resolver.lookup(ref)
        assert isinstance(resolved.contents, dict), ref
    if name != "common.json":  # every other file refers to at least one other definition
        assert refs


def test_schema_dir_is_the_checkout_folder_here() -> None:
    assert Path(str(schemas.schema_dir())).resolve() == (ROOT / "schemas").resolve()


@pytest.mark.parametrize("kind", KINDS)
def test_each_shape_schema_accepts_its_create_a_job_example(kind: str) -> None:
    reg = schemas.registry()
    obj = _example_object(kind)
    video = jsonschema.Draft202012Validator(schemas.schema(f"{kind}.json"), registry=reg)
    assert list(video.iter_errors(obj)) == []
    image = jsonschema.Draft202012Validator(
        {"$ref": f"{schemas.BASE_URI}{kind}.json#/$defs/image_item"}, registry=reg
    )
    item = dict(obj, label=obj["label"] or "Cat", state="non_editable")
    assert list(image.iter_errors(item)) == []
    # an image item carries no type (A2); a per-frame video object carries no state (A12)
    assert [e.validator for e in image.iter_errors(dict(item, type=kind))] == ["additionalProperties"]
    assert [e.validator for e in video.iter_errors(dict(obj, state="editable"))] == ["additionalProperties"]


def test_video_key_variant_swaps_only_the_maker_response_key() -> None:
    default = schemas.schemas_for_video_key("video2d")
    assert default is schemas.load_schemas()
    other = schemas.schemas_for_video_key("video_2d")
    video = other[schemas.MAKER_RESPONSE_VIDEO_ID]
    assert video["required"] == ["video_2d"]
    assert list(video["properties"]) == ["video_2d"]
    # the shared copy is untouched
    assert schemas.schema("maker_response_video.json")["required"] == ["video2d"]
    assert {k for k in other if other[k] is not default[k]} == {schemas.MAKER_RESPONSE_VIDEO_ID}


def test_schemas_are_found_as_package_data_of_an_installed_layout(tmp_path: Path) -> None:
    # The wheel maps schemas/ to the package converters.schemas: copy the package, put the schema
    # files at converters/schemas/ and nowhere else, and load them from a fresh interpreter.
    site = tmp_path / "site"
    shutil.copytree(ROOT / "converters", site / "converters", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schemas", site / "converters" / "schemas")
    code = (
        "from converters.playment import schemas, validate\n"
        "print(schemas.schema_dir())\n"
        "print(len(schemas.load_schemas()))\n"
        "print(validate.validate_payload({'reference_id': 'a', 'data': {'image_url': 'u'}}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder, count, issues = done.stdout.splitlines()
    assert Path(folder) == site / "converters" / "schemas"
    assert int(count) == len(schemas.SCHEMA_FILES)
    assert issues == "[]"

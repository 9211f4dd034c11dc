"""PayloadValidator / validate_payload / validate_paths: hand-made payloads with hand-written paths.

Every expected JSON path below is written out by hand from the payload's structure; the
fast path (jsonschema_rs) is cross-checked against jsonschema on every case.
"""

from __future__ import annotations

import copy
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters.errors import Issue, UsageError
from converters.playment import schemas
from converters.playment.validate import (
    PayloadValidator,
    iter_payload_files,
    json_path,
    validate_paths,
    validate_payload,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "fixtures" / "playment-examples"
KINDS = ("rectangle", "polygon", "line", "cuboid", "landmark")
V = ("data", "maker_response", "video2d", "data", "annotations")
I = ("data", "maker_response")  # noqa: E741
P = "$.data.maker_response.video2d.data.annotations"
M = "$.data.maker_response"
IMAGE_KEYS = {
    "rectangle": "rectangles",
    "polygon": "polygons",
    "line": "lines",
    "cuboid": "cuboids",
    "landmark": "landmarks",
}

Mutation = Callable[[dict[str, Any]], None]


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


# --------------------------------------------------------------------------- hand-made payloads

RECT = [{"x": 0.1, "y": 0.2}, {"x": 0.4, "y": 0.2}, {"x": 0.4, "y": 0.6}, {"x": 0.1, "y": 0.6}]
SQUARE_POINTS = {
    "p1": {"x": 0.5, "y": 0.5},
    "p2": {"x": 0.7, "y": 0.5},
    "p3": {"x": 0.7, "y": 0.7},
    "p4": {"x": 0.5, "y": 0.7},
}
SQUARE_EDGES = {"e1": ["p1", "p2"], "e2": ["p2", "p3"], "e3": ["p3", "p4"], "e4": ["p4", "p1"]}
LINE_POINTS = {"p1": {"x": 0.0, "y": 1.0}, "p2": {"x": 0.2, "y": 0.8}, "p3": {"x": 0.4, "y": 0.7}}
LINE_EDGES = {"e1": ["p1", "p2"], "e2": ["p2", "p3"]}
CUBOID_POINTS = {
    "p1": {"x": 0.17, "y": 0.58},
    "p2": {"x": 0.26, "y": 0.58},
    "p3": {"x": 0.26, "y": 0.49},
    "p4": {"x": 0.17, "y": 0.49},
    "p5": {"x": 0.24, "y": 0.51},
    "p6": {"x": 0.35, "y": 0.52},
    "p7": {"x": 0.35, "y": 0.36},
    "p8": {"x": 0.25, "y": 0.37},
}
CUBOID_FACES = {
    "front": {"coordinates": ["p1", "p2", "p3", "p4"]},
    "side": {"coordinates": ["p2", "p6", "p7", "p3"]},
    "back": {"coordinates": ["p5", "p6", "p7", "p8"]},
}
LANDMARK_POINTS = {
    "p1": {"x": 0.3, "y": 0.3, "label": 1},
    "p2": {"x": 0.35, "y": 0.3, "label": 2},
    "p3": {"x": 0.32, "y": 0.35, "label": 3},
}
GEOMETRY: dict[str, dict[str, Any]] = {
    "rectangle": {"coordinates": RECT},
    "polygon": {"points": SQUARE_POINTS, "edges": SQUARE_EDGES},
    "line": {"points": LINE_POINTS, "edges": LINE_EDGES},
    "cuboid": {"points": CUBOID_POINTS, **CUBOID_FACES},
    "landmark": {"points": LANDMARK_POINTS},
}
LABELS = {"rectangle": "car", "polygon": "person", "line": "lane", "cuboid": "truck", "landmark": "face"}


def video_job() -> dict[str, Any]:
    """Trackers: [0] rectangle car on f1 and f2, [1] polygon person on f1, [2] line lane on f2,
    [3] cuboid truck on f1, [4] landmark face on f1."""

    def obj(kind: str, n: int, **extra: Any) -> dict[str, Any]:
        return {"_id": uid(n), "type": kind, "label": LABELS[kind], **extra, **copy.deepcopy(GEOMETRY[kind])}

    attrs = {"occluded": {"value": "No", "state": "editable"}, "parts": {"value": ["wheel", "door"]}}
    trackers = [
        {
            "_id": uid(1),
            "type": "rectangle",
            "label": "car",
            "frames": {
                "f1": obj("rectangle", 11, attributes=attrs),
                "f2": obj("rectangle", 12, attributes={}),
            },
        },
        {"_id": uid(2), "type": "polygon", "label": "person", "frames": {"f1": obj("polygon", 21)}},
        {"_id": uid(3), "type": "line", "label": "lane", "frames": {"f2": obj("line", 31)}},
        {"_id": uid(4), "type": "cuboid", "label": "truck", "frames": {"f1": obj("cuboid", 41)}},
        {"_id": uid(5), "type": "landmark", "label": "face", "frames": {"f1": obj("landmark", 51)}},
    ]
    return {
        "reference_id": "job-1",
        "work_flow_id": "2aae1234-acac-1234-eeff-12a22a237bbc",
        "batch_id": "",
        "priority_weight": 5,
        "data": {
            "video_data": {
                "frames": [
                    {"frame_id": "f1", "src": "https://x/1.jpg"},
                    {"frame_id": "f2", "src": "https://x/2.jpg"},
                ]
            },
            "maker_response": {"video2d": {"data": {"annotations": trackers}}},
        },
    }


def image_job() -> dict[str, Any]:
    """One item per list; rectangle _id uid(101), polygon uid(102), line uid(103), ..."""
    maker = {
        IMAGE_KEYS[kind]: {
            "data": [
                {
                    "_id": uid(101 + n),
                    "label": LABELS[kind],
                    "attributes": {},
                    "state": "editable",
                    **copy.deepcopy(GEOMETRY[kind]),
                }
            ]
        }
        for n, kind in enumerate(KINDS)
    }
    return {
        "reference_id": "img-1",
        "tag": "legacy-project",
        "data": {"image_url": "https://x/1.jpg", "maker_response": maker},
    }


def at(payload: Any, parts: tuple[Any, ...]) -> Any:
    for p in parts:
        payload = payload[p]
    return payload


def setp(parts: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        at(payload, parts[:-1])[parts[-1]] = value

    return mutate


def delp(parts: tuple[Any, ...]) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        del at(payload, parts[:-1])[parts[-1]]

    return mutate


def rename(parts: tuple[Any, ...], new: str) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        parent = at(payload, parts[:-1])
        parent[new] = parent.pop(parts[-1])

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        for m in mutations:
            m(payload)

    return mutate


def bowtie(points: tuple[Any, ...]) -> Mutation:
    """Swap p3 and p4 of the square: ring (0.5,0.5) (0.7,0.5) (0.5,0.7) (0.7,0.7) crosses at (0.6, 0.6)."""
    return both(setp((*points, "p3"), {"x": 0.5, "y": 0.7}), setp((*points, "p4"), {"x": 0.7, "y": 0.7}))


F1 = (*V, 0, "frames", "f1")  # the rectangle on f1
POLY = (*V, 1, "frames", "f1")
LINE = (*V, 2, "frames", "f2")
CUB = (*V, 3, "frames", "f1")
LMK = (*V, 4, "frames", "f1")

# (case id, base, mutation, every expected (JSON path, code))
CASES: list[tuple[str, Callable[[], dict[str, Any]], Mutation, list[tuple[str, str]]]] = [
    ("no_reference_id", video_job, delp(("reference_id",)), [("$", "missing_field")]),
    ("empty_reference_id", video_job, setp(("reference_id",), ""), [("$.reference_id", "empty_string")]),
    ("numeric_reference_id", video_job, setp(("reference_id",), 7), [("$.reference_id", "wrong_type")]),
    (
        "top_level_image_url",
        video_job,
        setp(("image_url",), "https://x"),
        [("$.image_url", "unexpected_field")],
    ),
    ("work_flow_id_and_tag", video_job, setp(("tag",), "legacy"), [("$", "conflicting_fields")]),
    ("priority_10", video_job, setp(("priority_weight",), 10), [("$.priority_weight", "out_of_range")]),
    ("priority_0", video_job, setp(("priority_weight",), 0), [("$.priority_weight", "out_of_range")]),
    ("priority_string", video_job, setp(("priority_weight",), "5"), [("$.priority_weight", "wrong_type")]),
    ("priority_fraction", video_job, setp(("priority_weight",), 5.5), [("$.priority_weight", "wrong_type")]),
    ("batch_id_number", video_job, setp(("batch_id",), 3), [("$.batch_id", "wrong_type")]),
    ("empty_work_flow_id", video_job, setp(("work_flow_id",), ""), [("$.work_flow_id", "empty_string")]),
    (
        "video_and_image_url",
        video_job,
        setp(("data", "image_url"), "https://x"),
        [("$.data", "conflicting_fields")],
    ),
    # without video_data the job reads as an image job: image_url missing, video2d not an image list
    (
        "no_video_data",
        video_job,
        delp(("data", "video_data")),
        [("$.data", "missing_field"), (f"{M}.video2d", "unexpected_field")],
    ),
    (
        "no_frames",
        video_job,
        setp(("data", "video_data", "frames"), []),
        [("$.data.video_data.frames", "wrong_count")],
    ),
    (
        "numeric_frame_id",
        video_job,
        setp(("data", "video_data", "frames", 0, "frame_id"), 1),
        [("$.data.video_data.frames[0].frame_id", "wrong_type")],
    ),
    (
        "frame_without_src",
        video_job,
        delp(("data", "video_data", "frames", 1, "src")),
        [("$.data.video_data.frames[1]", "missing_field")],
    ),
    (
        "frame_extra_key",
        video_job,
        setp(("data", "video_data", "frames", 0, "fps"), 25),
        [("$.data.video_data.frames[0].fps", "unexpected_field")],
    ),
    # f2 disappears from the frames, so both trackers on f2 point at an unknown frame
    (
        "duplicate_frame_id",
        video_job,
        setp(("data", "video_data", "frames", 1, "frame_id"), "f1"),
        [
            ("$.data.video_data.frames[1].frame_id", "duplicate_frame_id"),
            (f"{P}[0].frames.f2", "unknown_frame"),
            (f"{P}[2].frames.f2", "unknown_frame"),
        ],
    ),
    (
        "video_2d_key",
        video_job,
        rename(("data", "maker_response", "video2d"), "video_2d"),
        [(M, "missing_field"), (f"{M}.video_2d", "unexpected_field")],
    ),
    ("tracker_type_box", video_job, setp((*V, 0, "type"), "box"), [(f"{P}[0].type", "bad_value")]),
    ("tracker_without_id", video_job, delp((*V, 0, "_id")), [(f"{P}[0]", "missing_field")]),
    ("tracker_id_not_uuid", video_job, setp((*V, 0, "_id"), "42"), [(f"{P}[0]._id", "bad_format")]),
    ("tracker_without_frames", video_job, setp((*V, 0, "frames"), {}), [(f"{P}[0].frames", "wrong_count")]),
    ("tracker_unknown_frame", video_job, rename(POLY, "f9"), [(f"{P}[1].frames.f9", "unknown_frame")]),
    ("tracker_empty_label", video_job, setp((*V, 0, "label"), ""), [(f"{P}[0].label", "empty_string")]),
    ("tracker_color", video_job, setp((*V, 0, "color"), "red"), [(f"{P}[0].color", "unexpected_field")]),
    (
        "object_type_mismatch",
        video_job,
        setp((*F1, "type"), "polygon"),
        [(f"{P}[0].frames.f1.type", "type_mismatch")],
    ),
    (
        "rectangle_3_corners",
        video_job,
        lambda p: at(p, (*F1, "coordinates")).pop(),
        [(f"{P}[0].frames.f1.coordinates", "wrong_count")],
    ),
    (
        "x_above_1",
        video_job,
        setp((*F1, "coordinates", 2, "x"), 1.5),
        [(f"{P}[0].frames.f1.coordinates[2].x", "out_of_range")],
    ),
    (
        "y_below_0",
        video_job,
        setp((*V, 0, "frames", "f2", "coordinates", 0, "y"), -0.1),
        [(f"{P}[0].frames.f2.coordinates[0].y", "out_of_range")],
    ),
    (
        "x_string",
        video_job,
        setp((*F1, "coordinates", 1, "x"), "0.4"),
        [(f"{P}[0].frames.f1.coordinates[1].x", "wrong_type")],
    ),
    (
        "point_z",
        video_job,
        setp((*F1, "coordinates", 0, "z"), 0),
        [(f"{P}[0].frames.f1.coordinates[0].z", "unexpected_field")],
    ),
    (
        "object_confidence",
        video_job,
        setp((*F1, "confidence"), 0.9),
        [(f"{P}[0].frames.f1.confidence", "unexpected_field")],
    ),
    (
        "video_object_state",
        video_job,
        setp((*F1, "state"), "editable"),
        [(f"{P}[0].frames.f1.state", "unexpected_field")],
    ),
    (
        "attribute_number",
        video_job,
        setp((*F1, "attributes", "occluded", "value"), 3),
        [(f"{P}[0].frames.f1.attributes.occluded.value", "wrong_type")],
    ),
    (
        "attribute_list_with_number",
        video_job,
        setp((*F1, "attributes", "parts", "value"), ["wheel", 1]),
        [(f"{P}[0].frames.f1.attributes.parts.value[1]", "wrong_type")],
    ),
    (
        "attribute_without_value",
        video_job,
        delp((*F1, "attributes", "occluded", "value")),
        [(f"{P}[0].frames.f1.attributes.occluded", "missing_field")],
    ),
    (
        "attribute_state_locked",
        video_job,
        setp((*F1, "attributes", "occluded", "state"), "locked"),
        [(f"{P}[0].frames.f1.attributes.occluded.state", "bad_value")],
    ),
    (
        "attribute_empty_name",
        video_job,
        setp((*F1, "attributes", ""), {"value": "x"}),
        [(f"{P}[0].frames.f1.attributes['']", "empty_string")],
    ),
    (
        "polygon_point_q1",
        video_job,
        rename((*POLY, "points", "p1"), "q1"),
        [(f"{P}[1].frames.f1.points.q1", "bad_format")],
    ),
    (
        "polygon_2_points",
        video_job,
        both(delp((*POLY, "points", "p3")), delp((*POLY, "points", "p4"))),
        [(f"{P}[1].frames.f1.points", "wrong_count")],
    ),
    (
        "polygon_edge_unknown_point",
        video_job,
        setp((*POLY, "edges", "e2"), ["p2", "p9"]),
        [(f"{P}[1].frames.f1.edges.e2", "unknown_point")],
    ),
    (
        "polygon_degenerate_edge",
        video_job,
        setp((*POLY, "edges", "e2"), ["p2", "p2"]),
        [(f"{P}[1].frames.f1.edges.e2", "degenerate_edge")],
    ),
    (
        "polygon_edges_not_ring",
        video_job,
        setp((*POLY, "edges", "e2"), ["p1", "p3"]),
        [(f"{P}[1].frames.f1.edges", "edges_not_ring")],
    ),
    (
        "polygon_ring_not_closed",
        video_job,
        delp((*POLY, "edges", "e4")),
        [(f"{P}[1].frames.f1.edges", "edges_not_ring")],
    ),
    (
        "polygon_bowtie",
        video_job,
        bowtie((*POLY, "points")),
        [(f"{P}[1].frames.f1.points", "invalid_polygon")],
    ),
    ("polygon_without_edges", video_job, delp((*POLY, "edges")), [(f"{P}[1].frames.f1", "missing_field")]),
    (
        "polygon_edge_one_end",
        video_job,
        setp((*POLY, "edges", "e1"), ["p1"]),
        [(f"{P}[1].frames.f1.edges.e1", "wrong_count")],
    ),
    (
        "polygon_edge_name",
        video_job,
        rename((*POLY, "edges", "e1"), "edge1"),
        [(f"{P}[1].frames.f1.edges.edge1", "bad_format")],
    ),
    (
        "line_1_point",
        video_job,
        both(delp((*LINE, "points", "p2")), delp((*LINE, "points", "p3"))),
        [(f"{P}[2].frames.f2.points", "wrong_count")],
    ),
    (
        "line_not_chain",
        video_job,
        setp((*LINE, "edges", "e2"), ["p1", "p3"]),
        [(f"{P}[2].frames.f2.edges", "edges_not_chain")],
    ),
    (
        "line_unknown_point",
        video_job,
        setp((*LINE, "edges", "e2"), ["p2", "p5"]),
        [(f"{P}[2].frames.f2.edges.e2", "unknown_point")],
    ),
    (
        "cuboid_no_p8",
        video_job,
        delp((*CUB, "points", "p8")),
        [(f"{P}[3].frames.f1.points", "missing_field")],
    ),
    (
        "cuboid_p9",
        video_job,
        setp((*CUB, "points", "p9"), {"x": 0.1, "y": 0.1}),
        [(f"{P}[3].frames.f1.points.p9", "unexpected_field")],
    ),
    (
        "cuboid_face_p9",
        video_job,
        setp((*CUB, "front", "coordinates", 3), "p9"),
        [(f"{P}[3].frames.f1.front.coordinates[3]", "bad_value")],
    ),
    (
        "cuboid_face_repeat",
        video_job,
        setp((*CUB, "side", "coordinates"), ["p2", "p6", "p6", "p3"]),
        [(f"{P}[3].frames.f1.side.coordinates", "duplicate_item")],
    ),
    ("cuboid_no_side", video_job, delp((*CUB, "side")), [(f"{P}[3].frames.f1", "missing_field")]),
    (
        "cuboid_face_3_points",
        video_job,
        setp((*CUB, "back", "coordinates"), ["p5", "p6", "p7"]),
        [(f"{P}[3].frames.f1.back.coordinates", "wrong_count")],
    ),
    (
        "landmark_label_0",
        video_job,
        setp((*LMK, "points", "p1", "label"), 0),
        [(f"{P}[4].frames.f1.points.p1.label", "out_of_range")],
    ),
    (
        "landmark_label_fraction",
        video_job,
        setp((*LMK, "points", "p2", "label"), 1.5),
        [(f"{P}[4].frames.f1.points.p2.label", "wrong_type")],
    ),
    (
        "landmark_no_label",
        video_job,
        delp((*LMK, "points", "p3", "label")),
        [(f"{P}[4].frames.f1.points.p3", "missing_field")],
    ),
    (
        "landmark_edges",
        video_job,
        setp((*LMK, "edges"), {"e1": ["p1", "p2"]}),
        [(f"{P}[4].frames.f1.edges", "unexpected_field")],
    ),
    (
        "object_reuses_tracker_id",
        video_job,
        setp((*V, 0, "frames", "f2", "_id"), uid(1)),
        [(f"{P}[0].frames.f2._id", "duplicate_id")],
    ),
    (
        "objects_share_id",
        video_job,
        setp((*LMK, "_id"), uid(21)),
        [(f"{P}[4].frames.f1._id", "duplicate_id")],
    ),
    # image jobs
    (
        "image_item_type",
        image_job,
        setp((*I, "rectangles", "data", 0, "type"), "rectangle"),
        [(f"{M}.rectangles.data[0].type", "unexpected_field")],
    ),
    ("image_list_boxes", image_job, setp((*I, "boxes"), {"data": []}), [(f"{M}.boxes", "unexpected_field")]),
    (
        "image_state_locked",
        image_job,
        setp((*I, "rectangles", "data", 0, "state"), "locked"),
        [(f"{M}.rectangles.data[0].state", "bad_value")],
    ),
    (
        "image_list_without_data",
        image_job,
        delp((*I, "polygons", "data")),
        [(f"{M}.polygons", "missing_field")],
    ),
    (
        "image_list_not_array",
        image_job,
        setp((*I, "rectangles", "data"), {}),
        [(f"{M}.rectangles.data", "wrong_type")],
    ),
    (
        "image_degenerate_edge",
        image_job,
        setp((*I, "polygons", "data", 0, "edges", "e1"), ["p1", "p1"]),
        [(f"{M}.polygons.data[0].edges.e1", "degenerate_edge")],
    ),
    (
        "image_empty_label",
        image_job,
        setp((*I, "rectangles", "data", 0, "label"), ""),
        [(f"{M}.rectangles.data[0].label", "empty_string")],
    ),
    ("image_empty_url", image_job, setp(("data", "image_url"), ""), [("$.data.image_url", "empty_string")]),
    (
        "image_with_video2d",
        image_job,
        setp((*I, "video2d"), {"data": {"annotations": []}}),
        [(f"{M}.video2d", "unexpected_field")],
    ),
    (
        "image_duplicate_id",
        image_job,
        setp((*I, "lines", "data", 0, "_id"), uid(101)),
        [(f"{M}.lines.data[0]._id", "duplicate_id")],
    ),
    (
        "image_bowtie",
        image_job,
        bowtie((*I, "polygons", "data", 0, "points")),
        [(f"{M}.polygons.data[0].points", "invalid_polygon")],
    ),
    (
        "image_line_not_chain",
        image_job,
        setp((*I, "lines", "data", 0, "edges", "e1"), ["p1", "p3"]),
        [(f"{M}.lines.data[0].edges", "edges_not_chain")],
    ),
    (
        "image_face_color",
        image_job,
        setp((*I, "cuboids", "data", 0, "front", "color"), "red"),
        [(f"{M}.cuboids.data[0].front.color", "unexpected_field")],
    ),
    (
        "image_tag_and_work_flow_id",
        image_job,
        setp(("work_flow_id",), "2aae1234-acac-1234-eeff-12a22a237bbc"),
        [("$", "conflicting_fields")],
    ),
]
SEMANTIC = {
    "duplicate_frame_id",
    "unknown_frame",
    "unknown_point",
    "degenerate_edge",
    "edges_not_ring",
    "edges_not_chain",
    "invalid_polygon",
    "duplicate_id",
    "unknown_label",
}


def _mutated(base: Callable[[], dict[str, Any]], mutation: Mutation) -> dict[str, Any]:
    payload = base()
    mutation(payload)
    return payload


def _jsonschema_valid(payload: Any, video_key: str = "video2d") -> bool:
    """An independent jsonschema validator built straight from the schema files."""
    validator = jsonschema.Draft202012Validator(
        schemas.schema("payload.json"), registry=schemas.registry(video_key)
    )
    return not list(validator.iter_errors(payload))


def _paths_codes(issues: list[Issue]) -> list[tuple[str, str]]:
    return sorted((i.location, i.code) for i in issues)


# --------------------------------------------------------------------------- the doc's examples


@pytest.mark.parametrize("kind", KINDS)
def test_create_a_job_examples_in_a_video_job(kind: str) -> None:
    payload = json.loads((EXAMPLES / f"{kind}.json").read_text())
    issues = PayloadValidator().check(payload, f"{kind}.json")
    if kind == "polygon":
        # the page's typo "e4": ["p4", "p4"]
        assert [(i.code, i.location) for i in issues] == [
            (
                "degenerate_edge",
                "polygon.json $.data.maker_response.video2d.data.annotations[0].frames.frame001.edges.e4",
            )
        ]
        assert issues[0].severity == "error"
        assert "p4" in issues[0].message
    elif kind == "rectangle":  # the page's rectangle object has "label": "": a warning only
        assert [(i.severity, i.code) for i in issues] == [("warning", "empty_label")]
    else:
        assert issues == []


def _example_objects() -> dict[str, dict[str, Any]]:
    out = {}
    for kind in KINDS:
        job = json.loads((EXAMPLES / f"{kind}.json").read_text())
        out[kind] = job["data"]["maker_response"]["video2d"]["data"]["annotations"][0]["frames"]["frame001"]
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_create_a_job_examples_as_image_items(kind: str) -> None:
    obj = _example_objects()[kind]
    # an image item has no tracker to carry the class: the rectangle's empty label gets the
    # tracker label of the same page ("Cat")
    item = dict(obj, label=obj["label"] or "Cat", state="editable")
    payload = {
        "reference_id": f"image-{kind}",
        "work_flow_id": "2aae1234-acac-1234-eeff-12a22a237bbc",
        "data": {"image_url": "https://x/1.jpg", "maker_response": {IMAGE_KEYS[kind]: {"data": [item]}}},
    }
    issues = validate_payload(payload)
    if kind == "polygon":
        assert _paths_codes(issues) == [(f"{M}.polygons.data[0].edges.e4", "degenerate_edge")]
    else:
        assert issues == []


def test_all_five_examples_in_one_image_job() -> None:
    objects = _example_objects()
    maker = {IMAGE_KEYS[k]: {"data": [dict(o, label=o["label"] or "Cat")]} for k, o in objects.items()}
    payload = {"reference_id": "all", "data": {"image_url": "https://x/1.jpg", "maker_response": maker}}
    # polygon, line and cuboid share the _id 8f8897ad-... on the page; lists are checked in the
    # order rectangles, polygons, lines, landmarks, cuboids, so the polygon's is the first use
    assert _paths_codes(validate_payload(payload)) == sorted(
        [
            (f"{M}.polygons.data[0].edges.e4", "degenerate_edge"),
            (f"{M}.lines.data[0]._id", "duplicate_id"),
            (f"{M}.cuboids.data[0]._id", "duplicate_id"),
        ]
    )


def test_the_rectangle_example_label_is_rejected_as_an_image_item() -> None:
    obj = _example_objects()["rectangle"]
    payload = {
        "reference_id": "r",
        "data": {"image_url": "u", "maker_response": {"rectangles": {"data": [obj]}}},
    }
    assert _paths_codes(validate_payload(payload)) == [(f"{M}.rectangles.data[0].label", "empty_string")]


# --------------------------------------------------------------------------- the invalid table


def test_the_bases_are_valid() -> None:
    validator = PayloadValidator(label_set=set(LABELS.values()))
    assert validator.check(video_job()) == []
    assert validator.check(image_job()) == []


def test_there_are_at_least_30_invalid_cases_with_distinct_ids() -> None:
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("base", "mutation", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_payload(
    base: Callable[[], dict[str, Any]], mutation: Mutation, expected: list[tuple[str, str]]
) -> None:
    payload = _mutated(base, mutation)
    issues = PayloadValidator().check(payload)
    assert _paths_codes(issues) == sorted(expected)
    assert all(i.severity == "error" and i.message for i in issues)


@pytest.mark.parametrize(("base", "mutation", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fast_path_and_jsonschema_agree(
    base: Callable[[], dict[str, Any]], mutation: Mutation, expected: list[tuple[str, str]]
) -> None:
    payload = _mutated(base, mutation)
    fast = PayloadValidator().is_schema_valid(payload)
    assert fast == _jsonschema_valid(payload)
    # schema problems make both say invalid; semantic ones pass the schema
    assert fast == all(code in SEMANTIC for _, code in expected)


@pytest.mark.parametrize("base", [video_job, image_job])
def test_fast_path_and_jsonschema_agree_on_the_valid_bases(base: Callable[[], dict[str, Any]]) -> None:
    assert PayloadValidator().is_schema_valid(base()) is True
    assert _jsonschema_valid(base()) is True


def test_location_prefix_and_message() -> None:
    payload = _mutated(video_job, setp((*F1, "coordinates", 2, "x"), 1.5))
    (issue,) = PayloadValidator().check(payload, "jobs.jsonl:3 reference_id=job-1")
    assert issue.location == f"jobs.jsonl:3 reference_id=job-1 {P}[0].frames.f1.coordinates[2].x"
    assert "1.5" in issue.message and "[0, 1]" in issue.message


def test_many_schema_errors_are_capped() -> None:
    payload = video_job()
    frames = at(payload, (*V, 0, "frames"))
    for k in range(200):
        frames[f"x{k}"] = {"bad": k}
    issues = PayloadValidator().check(payload)
    assert len(issues) > 100
    assert issues[-1].code == "schema" and "more than 100" in issues[-1].message


# --------------------------------------------------------------------------- semantic details


def test_polygon_edges_may_run_either_way() -> None:
    # e1 written p2 -> p1 is the same side of the ring
    payload = _mutated(video_job, setp((*POLY, "edges", "e1"), ["p2", "p1"]))
    assert validate_payload(payload) == []


def test_points_are_ordered_by_natural_name_order() -> None:
    # p1 p2 p3 p10: natural order is p1, p2, p3, p10 (GT Studio's exporter); a string sort would
    # give p1, p10, p2, p3. The square's corners are laid out in the natural order.
    points = {
        "p1": {"x": 0.5, "y": 0.5},
        "p10": {"x": 0.5, "y": 0.7},
        "p2": {"x": 0.7, "y": 0.5},
        "p3": {"x": 0.7, "y": 0.7},
    }
    natural = {"e1": ["p1", "p2"], "e2": ["p2", "p3"], "e3": ["p3", "p10"], "e4": ["p10", "p1"]}
    payload = _mutated(video_job, both(setp((*POLY, "points"), points), setp((*POLY, "edges"), natural)))
    assert validate_payload(payload) == []
    lexicographic = {"e1": ["p1", "p10"], "e2": ["p10", "p2"], "e3": ["p2", "p3"], "e4": ["p3", "p1"]}
    payload = _mutated(
        video_job, both(setp((*POLY, "points"), points), setp((*POLY, "edges"), lexicographic))
    )
    # the edges are checked before the geometry; the points themselves (natural order) are a valid square
    assert _paths_codes(validate_payload(payload)) == [(f"{P}[1].frames.f1.edges", "edges_not_ring")]


def test_line_without_edges_is_valid() -> None:
    assert validate_payload(_mutated(video_job, delp((*LINE, "edges")))) == []


def test_bowtie_message_explains_the_self_intersection() -> None:
    (issue,) = validate_payload(_mutated(video_job, bowtie((*POLY, "points"))))
    # edges p2-p3 (0.7,0.5)-(0.5,0.7) and p4-p1 (0.7,0.7)-(0.5,0.5) cross at (0.6, 0.6)
    assert "Self-intersection" in issue.message and "0.6 0.6" in issue.message


def test_collinear_polygon_is_invalid() -> None:
    points = {"p1": {"x": 0.1, "y": 0.1}, "p2": {"x": 0.2, "y": 0.2}, "p3": {"x": 0.3, "y": 0.3}}
    edges = {"e1": ["p1", "p2"], "e2": ["p2", "p3"], "e3": ["p3", "p1"]}
    payload = _mutated(video_job, both(setp((*POLY, "points"), points), setp((*POLY, "edges"), edges)))
    assert _paths_codes(validate_payload(payload)) == [(f"{P}[1].frames.f1.points", "invalid_polygon")]


def test_polygon_whose_first_and_last_point_coincide() -> None:
    # p4 repeats p1: the ring has 3 distinct corners, still a valid triangle for shapely; a ring of 3
    # points where the last repeats the first cannot be built at all
    tri = {"p1": {"x": 0.1, "y": 0.1}, "p2": {"x": 0.5, "y": 0.1}, "p3": {"x": 0.1, "y": 0.1}}
    edges = {"e1": ["p1", "p2"], "e2": ["p2", "p3"], "e3": ["p3", "p1"]}
    payload = _mutated(video_job, both(setp((*POLY, "points"), tri), setp((*POLY, "edges"), edges)))
    assert _paths_codes(validate_payload(payload)) == [(f"{P}[1].frames.f1.points", "invalid_polygon")]


def test_unknown_labels_with_a_label_set() -> None:
    labels = {"car", "person", "lane", "face"}  # no "truck"
    issues = PayloadValidator(label_set=labels).check(video_job())
    assert _paths_codes(issues) == [
        (f"{P}[3].frames.f1.label", "unknown_label"),
        (f"{P}[3].label", "unknown_label"),
    ]
    typo = PayloadValidator(label_set={"Car", "person", "lane", "truck", "face"}).check(video_job())
    # "car" is the tracker label and the label of both its frames
    assert _paths_codes(typo) == [
        (f"{P}[0].frames.f1.label", "unknown_label"),
        (f"{P}[0].frames.f2.label", "unknown_label"),
        (f"{P}[0].label", "unknown_label"),
    ]
    assert "did you mean 'Car'?" in typo[0].message


def test_empty_per_frame_label_is_not_checked_against_the_label_set() -> None:
    payload = _mutated(video_job, setp((*F1, "label"), ""))
    issues = PayloadValidator(label_set=set(LABELS.values())).check(payload)
    assert [(i.severity, i.code) for i in issues] == [("warning", "empty_label")]  # never unknown_label


def test_image_labels_with_a_label_set() -> None:
    issues = validate_payload(image_job(), label_set={"car", "person", "lane", "truck"})
    assert _paths_codes(issues) == [(f"{M}.landmarks.data[0].label", "unknown_label")]


def test_other_video_key() -> None:
    payload = _mutated(video_job, rename(("data", "maker_response", "video2d"), "video_2d"))
    assert validate_payload(payload, video_key="video_2d") == []
    assert _jsonschema_valid(payload, "video_2d")
    assert _paths_codes(validate_payload(video_job(), video_key="video_2d")) == [
        (M, "missing_field"),
        (f"{M}.video2d", "unexpected_field"),
    ]
    bad = copy.deepcopy(payload)
    setp(("data", "maker_response", "video_2d", "data", "annotations", 0, "frames", "f1", "_id"), uid(2))(bad)
    # semantic paths follow the configured key; ids are visited tracker, its frames, next tracker...,
    # so the rectangle's f1 object comes first and tracker [1] (the polygon, uid(2)) is the repeat
    assert _paths_codes(validate_payload(bad, video_key="video_2d")) == [
        ("$.data.maker_response.video_2d.data.annotations[1]._id", "duplicate_id")
    ]


def test_job_without_maker_response_and_the_page_s_plain_job() -> None:
    page_job = {
        "reference_id": "001",
        "data": {
            "video_data": {
                "frames": [
                    {
                        "frame_id": "frame001",
                        "src": "https://dummyimage.com/600x400/000/fff.jpg&text=Dummy+Image+1",
                    }
                ]
            }
        },
        "work_flow_id": "2aae1234-acac-1234-eeff-12a22a237bbc",
    }
    assert validate_payload(page_job) == []
    # the code sample's job_data with its empty placeholders: '' work_flow_id is rejected
    sample = {
        "reference_id": "job1",
        "work_flow_id": "",
        "batch_id": "",
        "data": {
            "video_data": {"frames": [{"src": "https://example.com/image_url_1", "frame_id": "frame1"}]}
        },
    }
    assert _paths_codes(validate_payload(sample)) == [("$.work_flow_id", "empty_string")]
    assert validate_payload({"reference_id": "i", "data": {"image_url": "u"}}) == []


def test_non_json_values() -> None:
    nan = _mutated(video_job, setp((*F1, "coordinates", 0, "x"), math.nan))
    # jsonschema lets NaN through (NaN < 0 and NaN > 1 are both false); the compiled validator does not
    assert _paths_codes(validate_payload(nan)) == [(f"{P}[0].frames.f1.coordinates[0].x", "not_json")]

    class Weird:
        pass

    odd = _mutated(video_job, setp((*F1, "coordinates", 0, "x"), Weird()))
    assert _paths_codes(validate_payload(odd)) == [(f"{P}[0].frames.f1.coordinates[0].x", "wrong_type")]
    # a numpy scalar is a float to jsonschema but not to the compiled validator
    numpy_scalar = _mutated(video_job, setp((*F1, "coordinates", 0, "x"), np.float64(0.5)))
    assert _paths_codes(validate_payload(numpy_scalar)) == [
        (f"{P}[0].frames.f1.coordinates[0].x", "not_json")
    ]
    int_key = _mutated(video_job, setp((*F1, "attributes", 1), {"value": "x"}))
    assert _paths_codes(validate_payload(int_key)) == [(f"{P}[0].frames.f1.attributes", "not_json")]
    assert [i.code for i in validate_payload([video_job()])] == ["wrong_type"]
    assert _paths_codes(validate_payload(None)) == [("$", "wrong_type")]


def test_json_path_quoting() -> None:
    assert json_path(()) == "$"
    assert json_path(("data", "frames", 0, "frame-01", "_id")) == "$.data.frames[0]['frame-01']._id"
    assert json_path(("it's",)) == "$['it\\'s']"


# --------------------------------------------------------------------------- property test

coordinate = st.floats(min_value=0.0, max_value=1.0)
names = st.text(min_size=1, max_size=8)


@st.composite
def rectangle_geometry(draw: st.DrawFn) -> dict[str, Any]:
    x1, x2 = sorted((draw(coordinate), draw(coordinate)))
    y1, y2 = sorted((draw(coordinate), draw(coordinate)))
    return {"coordinates": [{"x": x1, "y": y1}, {"x": x2, "y": y1}, {"x": x2, "y": y2}, {"x": x1, "y": y2}]}


@st.composite
def polygon_geometry(draw: st.DrawFn) -> dict[str, Any]:
    """A star-shaped ring around a centre: angles increase and no gap reaches pi, so it is simple."""
    n = draw(st.integers(3, 12))
    cx, cy = draw(st.floats(0.2, 0.8)), draw(st.floats(0.2, 0.8))
    radius = draw(st.floats(0.01, 0.2))
    points = {}
    for k in range(n):
        angle = 2 * math.pi * (k + draw(st.floats(0.0, 0.45))) / n
        r = radius * draw(st.floats(0.5, 1.0))
        points[f"p{k + 1}"] = {"x": cx + r * math.cos(angle), "y": cy + r * math.sin(angle)}
    edges = {}
    for k in range(n):
        a, b = f"p{k + 1}", f"p{(k + 1) % n + 1}"
        edges[f"e{k + 1}"] = [b, a] if draw(st.booleans()) else [a, b]
    return {"points": points, "edges": edges}


attributes = st.dictionaries(
    names, st.one_of(st.text(), st.lists(st.text(), max_size=3)).map(lambda v: {"value": v}), max_size=3
)


@st.composite
def valid_payloads(draw: st.DrawFn) -> dict[str, Any]:
    ids = (f"{n:08x}-0000-4000-8000-000000000000" for n in range(1, 10_000))
    kinds = st.sampled_from(["rectangle", "polygon"])
    geometry = {"rectangle": rectangle_geometry(), "polygon": polygon_geometry()}
    envelope: dict[str, Any] = {"reference_id": draw(names)}
    if draw(st.booleans()):
        envelope["work_flow_id" if draw(st.booleans()) else "tag"] = draw(names)
    if draw(st.booleans()):
        envelope["priority_weight"] = draw(st.integers(1, 9))
    if draw(st.booleans()):  # image job
        lists: dict[str, Any] = {"rectangles": {"data": []}, "polygons": {"data": []}}
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(kinds)
            item = {
                "_id": next(ids),
                "label": draw(names),
                "attributes": draw(attributes),
                "state": draw(st.sampled_from(["editable", "non_editable"])),
                **draw(geometry[kind]),
            }
            lists[kind + "s"]["data"].append(item)
        return {**envelope, "data": {"image_url": "https://x/i.jpg", "maker_response": lists}}
    frame_ids = [f"frame-{k}" for k in range(draw(st.integers(1, 4)))]
    trackers = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(kinds)
        label = draw(names)
        used = draw(st.lists(st.sampled_from(frame_ids), min_size=1, unique=True))
        per_frame = {
            fid: {
                "_id": next(ids),
                "type": kind,
                "label": label,
                "attributes": draw(attributes),
                **draw(geometry[kind]),
            }
            for fid in used
        }
        trackers.append({"_id": next(ids), "type": kind, "label": label, "frames": per_frame})
    frames = [{"frame_id": fid, "src": f"https://x/{fid}.jpg"} for fid in frame_ids]
    return {
        **envelope,
        "data": {
            "video_data": {"frames": frames},
            "maker_response": {"video2d": {"data": {"annotations": trackers}}},
        },
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_payloads())
def test_generated_rectangle_and_polygon_payloads_are_valid(payload: dict[str, Any]) -> None:
    assert PayloadValidator().check(payload) == []
    assert _jsonschema_valid(payload)


# --------------------------------------------------------------------------- files


def _write_jsonl(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_validate_paths_over_a_directory_and_a_jsonl(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    (jobs / "sub").mkdir(parents=True)
    (jobs / "a.json").write_text(json.dumps(dict(video_job(), reference_id="a")), encoding="utf-8")
    bad_image = _mutated(image_job, setp((*I, "rectangles", "data", 0, "coordinates", 0, "x"), 2))
    (jobs / "sub" / "b.json").write_text(json.dumps(dict(bad_image, reference_id="b")), encoding="utf-8")
    (jobs / "notes.txt").write_text("not a payload", encoding="utf-8")
    _write_jsonl(
        jobs / "c.jsonl",
        [
            json.dumps(dict(image_job(), reference_id="c1")),
            "",
            '{"reference_id": "x", "data": }',  # column 31 is the "}"
            json.dumps(dict(video_job(), reference_id="a")),
        ],
    )
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{\n  "reference_id": "z",\n  "data": {,\n}\n', encoding="utf-8"
    )  # line 3 col 12 is ","

    count, issues = validate_paths([jobs, str(broken)])
    assert count == 6  # a.json, c.jsonl x 3 non-blank lines, sub/b.json, broken.json
    assert [(i.code, i.location) for i in issues] == [
        ("invalid_json", f"{jobs}/c.jsonl:3:31"),
        ("duplicate_reference_id", f"{jobs}/c.jsonl:4 reference_id=a $.reference_id"),
        ("out_of_range", f"{jobs}/sub/b.json reference_id=b {M}.rectangles.data[0].coordinates[0].x"),
        ("invalid_json", f"{broken}:3:12"),
    ]
    assert f"{jobs}/a.json" in issues[1].message
    assert issues[0].message.startswith("invalid JSON: ")


def test_validate_paths_single_jsonl_with_one_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    _write_jsonl(path, [json.dumps(dict(video_job(), reference_id=f"j{n}")) for n in range(3)])
    with path.open("ab") as handle:
        # line 4: '{' 1, '"reference_id"' 2-15, ':' 16, ' ' 17, '"' 18, 'j' 19, then 0xff at column 20
        handle.write(b'{"reference_id": "j\xff"}\n')
    count, issues = validate_paths([path])
    assert count == 4
    assert [(i.code, i.location) for i in issues] == [("invalid_json", f"{path}:4:20")]
    assert "UTF-8" in issues[0].message


def test_reference_id_needing_quotes_in_the_location(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    payload = _mutated(video_job, both(setp(("reference_id",), "job 1"), setp(("priority_weight",), 0)))
    path.write_text(json.dumps(payload), encoding="utf-8")
    assert [i.location for i in validate_paths([path])[1]] == [
        f'{path} reference_id="job 1" $.priority_weight'
    ]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        validate_paths([tmp_path / "nope.jsonl"])


def test_iter_payload_files_yields_payloads_and_issues(tmp_path: Path) -> None:
    (tmp_path / "1.json").write_text('{"reference_id": "r"}', encoding="utf-8")
    (tmp_path / "2.json").write_text("[", encoding="utf-8")
    got = list(iter_payload_files([tmp_path]))
    assert got[0] == (str(tmp_path / "1.json"), {"reference_id": "r"})
    where, issue = got[1]
    assert where == str(tmp_path / "2.json")
    assert isinstance(issue, Issue) and issue.code == "invalid_json"
    assert issue.location == f"{tmp_path / '2.json'}:1:2"


def test_validate_paths_with_label_set_and_video_key(tmp_path: Path) -> None:
    payload = _mutated(video_job, rename(("data", "maker_response", "video2d"), "video_2d"))
    (tmp_path / "v.json").write_text(json.dumps(payload), encoding="utf-8")
    count, issues = validate_paths(
        [tmp_path], label_set={"car", "person", "lane", "truck"}, video_key="video_2d"
    )
    assert count == 1
    where = f"{tmp_path / 'v.json'} reference_id=job-1 $.data.maker_response.video_2d.data.annotations[4]"
    assert [i.location for i in issues] == [f"{where}.label", f"{where}.frames.f1.label"]


def test_an_empty_per_frame_label_is_a_warning_as_in_the_create_a_job_example(tmp_path: Path) -> None:
    """The create-a-job page's annotation object has ``"label": ""``: ``empty_label``, a warning;
    ``validate`` exits 0 and names where it is. A tracker without a label stays an error."""
    from converters.cli import main

    payload = video_job()
    trackers = payload["data"]["maker_response"]["video2d"]["data"]["annotations"]
    trackers[0]["frames"]["f1"]["label"] = ""
    issues = PayloadValidator().check(payload)
    assert [(i.severity, i.code, i.path) for i in issues] == [
        ("warning", "empty_label", ("data", "maker_response", "video2d", "data", "annotations", 0, "frames", "f1",
                                    "label"))]
    src = tmp_path / "job.json"
    src.write_bytes(orjson.dumps(payload))
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(src)], stdout=out, stderr=err) == 0
    assert "warning [empty_label]" in out.getvalue() and "0 problem(s), 1 warning(s)" in err.getvalue()
    trackers[0]["label"] = ""
    assert [i.code for i in PayloadValidator().check(payload) if i.severity == "error"] == ["empty_string"]

"""COCO bad input: structural problems stop with a located InputError, record problems are skipped
with a reason code and the record's JSON path; nothing else ever escapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters.errors import InputError, PrelabelError, Report
from converters.formats.coco import READER

CATS = [
    {"id": 1, "name": "person", "keypoints": ["nose", "eye"]},
    {"id": 2, "name": "car"},
]
IMG = {"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}


def run(tmp_path: Path, data: Any, raw: bytes | None = None, **options: Any) -> Report:
    path = tmp_path / "in.json"
    path.write_bytes(raw if raw is not None else json.dumps(data).encode())
    report = Report(strict=bool(options.pop("strict", False)))
    READER.read([path], options, report)
    return report


def structural(tmp_path: Path, data: Any = None, raw: bytes | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        run(tmp_path, data, raw)
    return info.value


def one_skip(tmp_path: Path, ann: dict[str, Any], images: list[Any] | None = None) -> tuple[str, str, str]:
    report = run(tmp_path, {"images": images or [IMG], "annotations": [ann], "categories": CATS})
    assert report.records_read == 1 and report.records_skipped == 1 and report.objects_read == 0
    [issue] = report.issues
    assert issue.location == f"{tmp_path / 'in.json'}:$.annotations[0]"
    return issue.code, issue.message, issue.location


# --- structural -------------------------------------------------------------------------------------


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    # line 3 is '    {"id": 1,}': the trailing comma is column 13 (4 spaces, then {"id": 1,)
    err = structural(tmp_path, raw=b'{\n  "images": [\n    {"id": 1,}\n  ]\n}')
    assert err.location == f"{tmp_path / 'in.json'}:3:13"
    assert "malformed JSON" in err.message


def test_truncated_json_reports_end(tmp_path: Path) -> None:
    err = structural(tmp_path, raw=b'{"images": [')  # 12 characters: the end is column 13
    assert err.location == f"{tmp_path / 'in.json'}:1:13"
    assert "end of data" in err.message


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in structural(tmp_path, raw=b"  \n").message


def test_not_utf8(tmp_path: Path) -> None:
    assert "UTF-8" in structural(tmp_path, raw=b'{"a": "\xff\xfe"}').message


def test_bom_is_accepted(tmp_path: Path) -> None:
    data = {
        "images": [IMG],
        "annotations": [{"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]}],
        "categories": CATS,
    }
    report = run(tmp_path, None, raw=b"\xef\xbb\xbf" + json.dumps(data).encode())
    assert report.objects_read == 1


@pytest.mark.parametrize("top", [42, "text", None, True])
def test_wrong_top_level_type(tmp_path: Path, top: Any) -> None:
    err = structural(tmp_path, top)
    assert err.location == f"{tmp_path / 'in.json'}:$" and "top level" in err.message


def test_object_without_coco_keys(tmp_path: Path) -> None:
    assert "not a COCO file" in structural(tmp_path, {"foo": 1}).message


@pytest.mark.parametrize("key", ["images", "annotations", "categories"])
def test_section_of_the_wrong_type(tmp_path: Path, key: str) -> None:
    data: dict[str, Any] = {
        "images": [IMG],
        "annotations": [{"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]}],
        "categories": CATS,
    }
    data[key] = {"not": "a list"}
    err = structural(tmp_path, data)
    assert err.location == f"{tmp_path / 'in.json'}:$.{key}"


def test_duplicate_image_ids(tmp_path: Path) -> None:
    images = [IMG, {"id": 1, "file_name": "b.jpg", "width": 10, "height": 8}]
    err = structural(
        tmp_path,
        {"images": images, "annotations": [{"image_id": 1, "bbox": [0, 0, 1, 1]}], "categories": CATS},
    )
    assert err.location == f"{tmp_path / 'in.json'}:$.images[1].id" and "duplicate image id 1" in err.message


@pytest.mark.parametrize(
    "image",
    [
        {"id": 1, "file_name": "a.jpg", "height": 8},
        {"id": 1, "file_name": "a.jpg", "width": 0, "height": 8},
        {"id": 1, "file_name": "a.jpg", "width": 10, "height": -3},
        {"id": 1, "file_name": "a.jpg", "width": "ten", "height": 8},
        {"id": 1, "file_name": "a.jpg", "width": "0", "height": 8},  # a numeric string must still be > 0
    ],
)
def test_missing_or_zero_image_size(tmp_path: Path, image: dict[str, Any]) -> None:
    err = structural(
        tmp_path,
        {"images": [image], "annotations": [{"image_id": 1, "bbox": [0, 0, 1, 1]}], "categories": CATS},
    )
    assert err.location == f"{tmp_path / 'in.json'}:$.images[0]" and "width and height" in err.message


def test_image_without_file_name(tmp_path: Path) -> None:
    err = structural(
        tmp_path,
        {
            "images": [{"id": 1, "width": 3, "height": 3}],
            "annotations": [{"image_id": 1, "bbox": [0, 0, 1, 1]}],
        },
    )
    assert err.location.endswith("$.images[0].file_name")


def test_duplicate_category_id(tmp_path: Path) -> None:
    cats = [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]
    err = structural(
        tmp_path,
        {
            "images": [IMG],
            "annotations": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}],
            "categories": cats,
        },
    )
    assert err.location.endswith("$.categories[1].id")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        ({"images": [IMG], "annotations": [{"id": 1, "image_id": 1, "caption": "a dog"}]}, "captions"),
        (
            {"images": [IMG], "annotations": [{"image_id": 1, "file_name": "a.png", "segments_info": []}]},
            "panoptic",
        ),
        ({"images": [IMG], "categories": []}, "image_info"),  # no 'annotations' key at all
        (
            {
                "images": [IMG],
                "annotations": [{"id": 1, "image_id": 1, "category_id": 2}],
                "categories": CATS,
            },
            "labels",
        ),
    ],
)
def test_files_without_objects_say_what_they_are(tmp_path: Path, data: dict[str, Any], what: str) -> None:
    err = structural(tmp_path, data)
    assert what in err.message and "no objects to convert" in err.message


# --- record level -----------------------------------------------------------------------------------


def test_unknown_image(tmp_path: Path) -> None:
    code, message, _ = one_skip(tmp_path, {"image_id": 7, "category_id": 2, "bbox": [0, 0, 1, 1]})
    assert code == "unknown_image" and "7" in message


def test_unhashable_image_id(tmp_path: Path) -> None:
    assert one_skip(tmp_path, {"image_id": [1], "category_id": 2, "bbox": [0, 0, 1, 1]})[0] == "unknown_image"


def test_unknown_category(tmp_path: Path) -> None:
    code, message, _ = one_skip(tmp_path, {"image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]})
    assert code == "unknown_category" and "3" in message


def test_annotation_not_an_object(tmp_path: Path) -> None:
    report = run(tmp_path, {"images": [IMG], "annotations": [[1, 2]], "categories": CATS})
    assert report.skipped["annotation_invalid"] == 1


@pytest.mark.parametrize(
    ("bbox", "code"),
    [
        ([0, 0, 0, 5], "bbox_non_positive"),
        ([0, 0, 5, -1], "bbox_non_positive"),
        (["0", 0, 5, 5], "bbox_invalid"),
        ([0, 0, 5], "bbox_invalid"),
        ({"x": 0}, "bbox_invalid"),
        ([0, True, 5, 5], "bbox_invalid"),
        ([1e308, 0, 1e308, 5], "bbox_not_finite"),  # x + w overflows to inf
        ([0, 0, 1e308, 1e308], None),  # huge but finite corners: converted (the sum overflows)
    ],
)
def test_bad_bbox(tmp_path: Path, bbox: Any, code: str | None) -> None:
    ann = {"image_id": 1, "category_id": 2, "bbox": bbox}
    if code is None:
        report = run(tmp_path, {"images": [IMG], "annotations": [ann], "categories": CATS})
        assert (report.objects_read, report.records_skipped) == (1, 0)
        return
    assert one_skip(tmp_path, ann)[0] == code


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_literals(tmp_path: Path, literal: bytes) -> None:
    # not JSON, but Python's json writes them; the file is read and the record skipped
    raw = (
        b'{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}], "categories": '
        b'[{"id": 2, "name": "car"}], "annotations": [{"image_id": 1, "category_id": 2, "bbox": [0, '
        + literal
        + b", 3, 3]}]}"
    )
    report = run(tmp_path, None, raw=raw)
    assert report.skipped["bbox_not_finite"] == 1


def test_no_geometry(tmp_path: Path) -> None:
    report = run(
        tmp_path,
        {
            "images": [IMG],
            "annotations": [
                {"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]},
                {"image_id": 1, "category_id": 2},
            ],
            "categories": CATS,
        },
    )
    assert report.skipped["no_geometry"] == 1 and report.objects_read == 1


@pytest.mark.parametrize(
    ("seg", "code"),
    [
        ([[0, 0, 4, 0, 4]], "polygon_odd_count"),
        ([[0, 0, 4, 4]], "polygon_too_few_points"),
        ([[0, 0, 4, 0, 0, 0]], "polygon_too_few_points"),  # closing point dropped -> 2 points
        ([[0, 0, "4", 0, 4, 4]], "polygon_invalid"),
        ([[0, 0, 1, 1, 2, 2]], "polygon_degenerate"),  # collinear: no area
        ("abc", "segmentation_invalid"),
        ({"size": [8, 10], "counts": [1, 2]}, "rle_invalid"),  # 3 pixels, not 80
        ({"size": [8, 10], "counts": "~~"}, "rle_invalid"),
        ({"size": [8], "counts": [80]}, "rle_invalid"),
        ({"size": [4, 10], "counts": [40]}, "rle_size_mismatch"),  # image is 10 x 8 (w x h)
        ({"size": [8, 10], "counts": [80]}, "mask_empty"),
    ],
)
def test_bad_segmentation(tmp_path: Path, seg: Any, code: str) -> None:
    assert one_skip(tmp_path, {"image_id": 1, "category_id": 2, "segmentation": seg})[0] == code


@pytest.mark.parametrize(
    ("kp", "code"),
    [
        ([1, 2, 2, 3], "keypoints_not_triplets"),
        ([1, 2, 2], "keypoints_count_mismatch"),  # category "person" defines 2 keypoints
        ([1, 2, 2, 3, "4", 2], "keypoints_invalid"),
        ([1, 2, 3, 3, 4, 2], "keypoints_invalid"),  # v = 3 in ground truth
    ],
)
def test_bad_keypoints(tmp_path: Path, kp: Any, code: str) -> None:
    assert one_skip(tmp_path, {"image_id": 1, "category_id": 1, "keypoints": kp})[0] == code


@pytest.mark.parametrize(
    ("score", "code"), [(1.5, "score_out_of_range"), (-0.1, "score_out_of_range"), ("0.9", "score_invalid")]
)
def test_bad_score(tmp_path: Path, score: Any, code: str) -> None:
    assert one_skip(tmp_path, {"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1], "score": score})[0] == code


def test_bad_score_on_general_path(tmp_path: Path) -> None:
    ann = {"image_id": 1, "category_id": 2, "segmentation": [[0, 0, 4, 0, 4, 4]], "score": 2}
    assert one_skip(tmp_path, ann)[0] == "score_out_of_range"


def test_strict_turns_a_skip_into_an_error(tmp_path: Path) -> None:
    data = {
        "images": [IMG],
        "annotations": [{"image_id": 1, "category_id": 2, "bbox": [0, 0, 0, 1]}],
        "categories": CATS,
    }
    with pytest.raises(InputError, match="bbox_non_positive") as info:
        run(tmp_path, data, strict=True)
    assert info.value.location == f"{tmp_path / 'in.json'}:$.annotations[0]"


def test_conservation_over_mixed_records(tmp_path: Path) -> None:
    anns = [
        {"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]},
        {"image_id": 1, "category_id": 2, "bbox": [0, 0, 0, 1]},
        {"image_id": 9, "category_id": 2, "bbox": [0, 0, 1, 1]},
        {"image_id": 1, "category_id": 2, "segmentation": [[0, 0, 4, 0, 4, 4]]},
        {"image_id": 1, "category_id": 2, "segmentation": [[0, 0, 4]]},
        {"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1], "iscrowd": 1},
    ]
    report = run(tmp_path, {"images": [IMG], "annotations": anns, "categories": CATS}, skip_crowd=True)
    assert report.records_read == 6
    assert report.records_skipped == 3
    assert report.objects_read == 3  # two converted + one crowd region read then filtered
    assert report.filtered_by["crowd_skipped"] == 1


JSONish = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(["id", "bbox", "x"]), inner, max_size=3)
    ),
    max_leaves=12,
)
ANN_KEYS = [
    "image_id",
    "category_id",
    "bbox",
    "segmentation",
    "keypoints",
    "score",
    "iscrowd",
    "attributes",
    "track_id",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(anns=st.lists(st.dictionaries(st.sampled_from(ANN_KEYS), JSONish, max_size=6), max_size=4), top=JSONish)
def test_garbage_raises_only_library_errors(tmp_path: Path, anns: list[dict[str, Any]], top: Any) -> None:
    for data in ({"images": [IMG], "annotations": anns, "categories": CATS}, top, anns):
        try:
            report = run(tmp_path, data)
        except PrelabelError:
            continue
        assert report.records_read == report.records_converted + report.records_skipped


def test_youtube_vis_without_annotations(tmp_path: Path) -> None:
    data = {
        "videos": [{"id": 1, "width": 4, "height": 4, "file_names": ["a.jpg"]}],
        "annotations": [],
        "categories": CATS,
    }
    assert "no objects to convert" in structural(tmp_path, data).message


def test_youtube_vis_bad_instance_lists(tmp_path: Path) -> None:
    data = {
        "videos": [{"id": 1, "width": 4, "height": 4, "file_names": ["a.jpg", "b.jpg"]}],
        "annotations": [
            {"id": 1, "video_id": 1, "category_id": 2, "segmentations": [None]},  # 1 entry for 2 frames
            {"id": 2, "video_id": 5, "category_id": 2, "bboxes": [None, [0, 0, 1, 1]]},
            {"id": 3, "video_id": 1, "category_id": 2, "bboxes": [[0, 0, 0, 1], [0, 0, 1, 1]]},
        ],
        "categories": CATS,
    }
    report = run(tmp_path, data)
    assert dict(report.skipped) == {"frames_mismatch": 1, "unknown_video": 1, "bbox_non_positive": 1}
    assert report.objects_read == 1
    assert report.records_read == report.records_converted + report.records_skipped == 4
    locations = [i.location.split(":$")[1] for i in report.issues]
    assert locations == [".annotations[0]", ".annotations[1]", ".annotations[2].bboxes[0]"]

"""Every Pascal VOC case of the shared real-world set converts; counts and values checked by hand.

Expected values were read off the XML files (listed in ../shared/real-world/INDEX.md) and worked
with the devkit rule (edges xmin-1, ymin-1, xmax, ymax).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import REAL_WORLD
from helpers import read_as

from converters.errors import Report
from converters.model import Box, Polygon, Scene
from converters.options import ConvertOptions
from converters.pipeline import convert

if not REAL_WORLD.is_dir():
    pytest.skip(f"real-world set not found at {REAL_WORLD}", allow_module_level=True)

DATUMARO = REAL_WORLD / "datumaro" / "voc"
LABELFORMAT = REAL_WORLD / "labelformat" / "voc"
CASES = sorted(
    [p for p in DATUMARO.iterdir() if p.is_dir()] + [p for p in LABELFORMAT.iterdir() if p.is_dir()]
)

# case -> (records, objects emitted by the reader, skipped, frames)
EXPECTED = {
    "voc_dataset1": (3, 3, 0, 1),  # cat, person + head part
    "voc_dataset2": (4, 0, 4, 0),  # a, b, c, d: one object each, no <size>, no images; @.xml empty
    "voc_dataset3": (1, 1, 0, 1),
    "roboflow_voc": (4, 4, 0, 3),  # train_001: 1, train_002: 1, val_001: 2
    "kaggle_relaxed_voc1": (2, 2, 0, 1),
    "kaggle_relaxed_voc2": (2, 2, 0, 1),
    "object_detection": (16, 16, 0, 2),  # 8 objects in each of the two files
}


def read(path: Path, options: dict[str, object] | None = None) -> tuple[Scene, Report]:
    return read_as("voc", path, Report(), **(options or {}))


def test_every_voc_case_is_known() -> None:
    assert sorted(c.name for c in CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_converts_end_to_end(case: Path, tmp_path: Path) -> None:
    records, objects, skipped, frames = EXPECTED[case.name]
    scene, report = read(case)
    assert (report.records_read, report.objects_read, report.records_skipped) == (records, objects, skipped)
    assert len(list(scene.frames())) == frames
    out = tmp_path / "out.jsonl"
    full = convert([case], "voc", out, options=ConvertOptions())
    assert (full.records_read, full.objects_emitted, full.jobs) == (records, objects, frames)
    assert len(out.read_bytes().splitlines()) == frames


def test_voc_dataset1_parts_actions_masks() -> None:
    scene, report = read(DATUMARO / "voc_dataset1")
    (frame,) = scene.frames()
    assert (frame.id, frame.file_name, frame.width, frame.height) == (
        "2007_000001",
        "2007_000001.jpg",
        20,
        10,
    )
    cat, person, head = frame.objects
    # cat 1,2,3,4 -> (0, 1, 3, 4); pose Unspecified omitted; truncated 1, difficult 0
    assert cat.attributes == {"truncated": "Yes", "difficult": "No"}
    # SegmentationObject is an RGB PNG, every pixel (128, 0, 0) = VOC index 1 -> instance 1 = the cat,
    # traced as the whole 20 x 10 image; the XML box moves to the alternates
    assert isinstance(cat.geometry, Polygon) and set(cat.geometry.exterior) == {
        (0, 0),
        (20, 0),
        (20, 10),
        (0, 10),
    }
    assert cat.alternates == (Box(0, 1, 3, 4),)
    # person 4,5,6,7 -> (3, 4, 6, 7); no pose/truncated/difficult; 11 actions, 6 of them 1
    assert person.geometry == Box(3, 4, 6, 7)
    assert person.attributes is not None and len(person.attributes) == 11
    assert Counter(person.attributes.values()) == {"Yes": 6, "No": 5}
    assert person.attributes["ridinghorse"] == "Yes" and person.attributes["jumping"] == "No"
    # head part 5.5,6,7.5,8 -> (4.5, 5, 7.5, 8), parent = the 2nd object
    assert (head.label, head.geometry, head.attributes) == (
        "head",
        Box(4.5, 5, 7.5, 8),
        {"parent": "person #2"},
    )
    assert scene.labels == ["cat", "person", "head"] and report.ok and not report.warnings


def test_voc_dataset1_image_sets() -> None:
    scene, _ = read(DATUMARO / "voc_dataset1", {"image_set": "train"})
    assert [s.name for s in scene.sequences] == ["2007_000001"]
    # test.txt lists 2007_000002, which has no XML
    scene, report = read(DATUMARO / "voc_dataset1", {"image_set": "test"})
    assert scene.sequences == [] and report.warnings == {"missing_annotation": 1}


def test_voc_dataset2_without_sizes_is_reported_file_by_file() -> None:
    scene, report = read(DATUMARO / "voc_dataset2")
    assert scene.sequences == []
    assert sorted(i.location.split("/")[-1] for i in report.issues) == [
        "@.xml",
        "a.xml:10:2 <object 1>",
        "b.xml:10:2 <object 1>",
        "c.xml:10:2 <object 1>",
        "d.xml:10:2 <object 1>",
    ]
    assert report.skipped == {"image_size_unknown": 4} and report.warnings == {"image_size_unknown": 1}


def test_voc_dataset3_commented_image_set() -> None:
    scene, _ = read(DATUMARO / "voc_dataset3", {"image_set": "train"})
    (obj,) = scene.objects()
    assert (obj.label, obj.geometry, obj.attributes) == (
        "cat",
        Box(0, 1, 3, 4),
        {"truncated": "Yes", "difficult": "No"},
    )


def test_roboflow_box_order_and_zero_values() -> None:
    scene, report = read(DATUMARO / "roboflow_voc")
    assert [s.name for s in scene.sequences] == ["train/train_001", "train/train_002", "val/val_001"]
    # children ordered xmin, xmax, ymin, ymax: (2,5,1,2) -> (1,0,5,2); (0,2,0,4) -> (-1,-1,2,4); ...
    assert [o.geometry for o in scene.objects()] == [
        Box(1, 0, 5, 2),
        Box(-1, -1, 2, 4),
        Box(-1, -1, 1, 2),
        Box(-1, -1, 9, 1),
    ]
    assert report.warnings == {"voc_coordinate_below_one": 3}  # three boxes start at 0: 0-based writer?
    zero, quiet = read(DATUMARO / "roboflow_voc", {"voc_zero_based": True})
    assert [o.geometry for o in zero.objects()] == [
        Box(2, 1, 5, 2),
        Box(0, 0, 2, 4),
        Box(0, 0, 1, 2),
        Box(0, 0, 9, 1),
    ]
    assert not quiet.warnings
    first = next(zero.objects())
    assert first.attributes is None  # train_001 has no flags
    assert list(zero.objects())[1].attributes == {"truncated": "No", "difficult": "No", "occluded": "No"}


@pytest.mark.parametrize("case", ["kaggle_relaxed_voc1", "kaggle_relaxed_voc2"])
def test_kaggle_layouts(case: str) -> None:
    scene, _ = read(DATUMARO / case)
    assert [(o.label, o.geometry, o.attributes) for o in scene.objects()] == [
        ("cat", Box(0, 1, 3, 4), None),
        ("person", Box(3, 4, 6, 7), None),
    ]


def test_labelformat_minimal_single_line_files() -> None:
    scene, _ = read(LABELFORMAT / "object_detection")
    a, b = (s.frames[0] for s in scene.sequences)
    assert [s.name for s in scene.sequences] == [
        "a-weird Filename.asdf",
        "aNother-weird__ filename.with.many.characters",
    ]
    assert (a.file_name, a.width, a.height) == ("a-weird Filename.asdf.jpg", 640, 416)
    assert (b.file_name, b.width, b.height) == ("aNother-weird__ filename.with.many.characters.jpg", 640, 428)
    assert Counter(o.label for o in a.objects) == {"person": 4, "bench": 2, "dog": 1, "bicycle with space": 1}
    assert Counter(o.label for o in b.objects) == {"snowboard": 6, "person": 1, "bicycle with space": 1}
    # dog 540.0, 295.0, 563.0, 313.0 -> (539, 294, 563, 313)
    assert a.objects[0].geometry == Box(539, 294, 563, 313)


def test_voc_dataset2_converts_with_image_sizes(tmp_path: Path) -> None:
    """image_sizes (as YOLO's): files without <size> and without their image take the listed size.
    a.xml: box 1.0, 2.0, 4.0, 6.0 under the devkit rule -> edges 0, 1, 4, 6."""
    sizes = tmp_path / "sizes.json"
    sizes.write_text('{"a.jpg": [10, 8], "b.jpg": [10, 8], "c.jpg": [10, 8], "d.jpg": [10, 8]}')
    scene, report = read(DATUMARO / "voc_dataset2", {"image_sizes": str(sizes)})
    frames = {f.file_name: f for f in scene.frames()}
    assert (frames["a.jpg"].width, frames["a.jpg"].height) == (10, 8)
    assert frames["a.jpg"].objects[0].geometry == Box(0, 1, 4, 6)
    assert report.skipped == {} and report.records_read == 4

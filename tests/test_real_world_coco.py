"""Every COCO case of the shared real-world set: converted with counts checked by hand against the
files, or (captions, panoptic, image_info, labels) stopped with a message saying what the file is."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from conftest import REAL_WORLD
from helpers import read_as
from shapely.geometry import Polygon as ShapelyPolygon

from converters.errors import InputError, Report
from converters.formats.coco._rle import rle_to_mask
from converters.model import Box, Keypoints, MultiPolygon, Polygon, Scene

pytestmark = pytest.mark.skipif(not REAL_WORLD.is_dir(), reason=f"real-world set not found at {REAL_WORLD}")
DM = REAL_WORLD / "datumaro" / "coco"
LF = REAL_WORLD / "labelformat" / "coco"


def read(*paths: Path) -> tuple[Scene, Report]:
    scene, report = read_as("coco", paths)
    assert report.records_read == report.records_converted + report.records_skipped
    return scene, report


def by_frame(scene: Scene) -> dict[str, list[tuple[str, object]]]:
    return {f.file_name: [(o.label, o.geometry) for o in f.objects] for f in scene.frames()}


def test_coco_instances() -> None:
    scene, report = read(DM / "coco_instances")
    # train: a.jpg (10x5) one box [2,2,3,1]; val: b.jpg (5x10) polygon + crowd RLE
    assert (report.records_read, report.objects_read, report.records_skipped) == (3, 3, 0)
    assert scene.labels == ["a", "b", "c"]  # category ids 1, 2, 4
    frames = {f.file_name: f for f in scene.frames()}
    assert (frames["a.jpg"].id, frames["a.jpg"].width, frames["a.jpg"].height) == ("5", 10, 5)
    assert frames["a.jpg"].objects[0].geometry == Box(2, 2, 5, 3)
    poly, crowd = frames["b.jpg"].objects
    assert poly.geometry == Polygon([(0, 0), (1, 0), (1, 2), (0, 2)])
    assert poly.attributes == {"x": "1", "y": "hello"}
    # counts [0, 20, 30] over size [10, 5]: the first 20 pixels column-major = columns 0 and 1
    assert set(crowd.geometry.exterior) == {(0, 0), (2, 0), (2, 10), (0, 10)}
    assert crowd.attributes == {"iscrowd": "Yes"}


@pytest.mark.parametrize("case", ["coco_roboflow_layout", "mmdet_coco_layout"])
def test_same_content_other_layouts(case: str) -> None:
    scene, report = read(DM / case)
    assert (report.objects_read, report.records_skipped) == (3, 0)
    assert by_frame(scene)["a.jpg"] == [("b", Box(2, 2, 5, 3))]


def test_coco_person_keypoints() -> None:
    scene, report = read(DM / "coco_person_keypoints")
    assert (report.objects_read, report.records_skipped) == (3, 0)
    frames = {f.file_name: f for f in scene.frames()}
    [kp] = frames["a.jpg"].objects
    # keypoints [0,0,0, 0,2,1, 4,1,2]; the category's keypoint names are [] -> no names
    assert kp.geometry == Keypoints([(0, 0), (0, 2), (4, 1)], [0, 1, 2], None)
    assert kp.alternates == (Box(2, 2, 5, 3),)
    poly, crowd = frames["b.jpg"].objects
    assert poly.alternates == (Box(0, 0, 1, 2), Keypoints([(1, 2), (3, 4), (2, 3)], [2, 2, 2], None))
    assert isinstance(crowd.geometry, Polygon) and crowd.attributes == {"iscrowd": "Yes"}


def test_coco_stuff() -> None:
    scene, report = read(DM / "coco_stuff")
    assert (report.objects_read, report.records_skipped) == (2, 0)
    # train: counts [10, 10, 5, 10, 15] over [5, 10]: columns 2-3 and 5-6 are set
    assert by_frame(scene)["a.jpg"] == [
        ("a", MultiPolygon([Polygon([(2, 0), (4, 0), (4, 5), (2, 5)]), Polygon([(5, 0), (7, 0), (7, 5), (5, 5)])]))
    ]


def test_coco_all_tasks_directory() -> None:
    scene, report = read(DM / "coco_all_tasks")
    # objects: instances 1 + 2, person_keypoints 1 + 2, stuff 1 + 1; image_info ("annotations": []):
    # images only, the same a and b; ignored: captions, labels, panoptic (train + val each)
    assert (report.objects_read, report.records_skipped) == (8, 0)
    assert report.warnings["file_ignored"] == 6
    assert [(s.name, len(s.frames[0].objects)) for s in scene.sequences] == [("a", 3), ("b", 5)]


@pytest.mark.parametrize(
    ("path", "what"),
    [
        (DM / "coco_captions" / "annotations" / "captions_train.json", "captions"),
        (DM / "coco_labels" / "annotations" / "labels_train.json", "labels"),
        (DM / "coco_panoptic" / "annotations" / "panoptic_val.json", "panoptic"),
        (DM / "coco_panoptic", "panoptic"),
        (DM / "coco_captions", "captions"),
    ],
)
def test_files_without_objects_stop_with_a_clear_message(path: Path, what: str) -> None:
    with pytest.raises(InputError) as info:
        read(path)
    assert what in str(info.value) and "no objects to convert" in str(info.value)


def test_roboflow_export() -> None:
    scene, report = read(DM / "roboflow_coco")
    assert (report.objects_read, report.records_skipped) == (4, 0)
    frames = by_frame(scene)
    assert frames["train_001.jpg"] == [("label_0", Box(2, 1, 5, 2))]  # annotation id 0
    assert frames["val_001.jpg"] == [("label_0", Box(0, 0, 1, 2)), ("label_1", Box(0, 0, 9, 1))]


def test_kaggle_relaxed() -> None:
    scene, report = read(DM / "kaggle_relaxed_coco" / "annotations.json")
    assert (report.objects_read, [s.name for s in scene.sequences]) == (2, ["train_001", "train_002"])


def test_labelformat_object_detection() -> None:
    scene, report = read(LF / "object_detection" / "train.json")
    assert (report.objects_read, report.records_skipped) == (16, 0)
    assert [s.name for s in scene.sequences] == [
        "a-weird Filename.asdf",
        "aNother-weird__ filename.with.many.characters",
    ]
    assert len(scene.labels) == 32 and scene.labels[1] == "bicycle with space"
    first = scene.sequences[0].frames[0].objects[0]
    assert (first.label, first.geometry) == ("dog", Box(540, 295, 563, 313))  # category 16, [540,295,23,18]
    assert [len(s.frames[0].objects) for s in scene.sequences] == [8, 8]


def test_labelformat_instance_segmentation() -> None:
    scene, report = read(LF / "instance_segmentation" / "instances.json")
    assert (report.objects_read, report.records_skipped) == (3, 0)
    assert all(isinstance(o.geometry, Polygon) for o in scene.objects())


def test_labelformat_binary_mask() -> None:
    path = LF / "instance_segmentation" / "instances_with_binary_mask.json"
    scene, report = read(path)
    assert (report.objects_read, report.records_skipped) == (4, 0)
    [crowd] = scene.sequences[2].frames[0].objects
    frame = scene.sequences[2].frames[0]
    assert (frame.file_name, frame.width, frame.height) == ("000000374545.jpg", 549, 640)
    assert crowd.attributes == {"iscrowd": "Yes"} and crowd.label == "person"
    assert crowd.alternates == (Box(12, 524, 393, 557),)  # bbox [12, 524, 381, 33]
    seg = orjson.loads(path.read_bytes())["annotations"][3]["segmentation"]
    # the file says "area": 962, but its counts hold 938 foreground pixels (the odd runs; pycocotools'
    # area() agrees) and pycocotools' toBbox gives [12, 524, 382, 34]
    assert sum(seg["counts"][1::2]) == 938
    assert int(rle_to_mask(seg).sum()) == 938
    parts = crowd.geometry.parts if isinstance(crowd.geometry, MultiPolygon) else [crowd.geometry]
    area = sum(ShapelyPolygon(p.exterior).area for p in parts)
    assert area == pytest.approx(938, rel=0.02)
    assert crowd.geometry.bounds() == pytest.approx((12, 524, 12 + 382, 524 + 34), abs=0.5)


def test_image_info_with_empty_annotations_is_a_dataset_without_objects() -> None:
    """``"annotations": []`` (here with ``"categories": []`` too): its images are empty frames."""
    scene, report = read(DM / "coco_image_info" / "annotations" / "image_info_val.json")
    assert [(f.file_name, f.width, f.height, f.objects) for f in scene.frames()] == [("b.jpg", 5, 10, [])]  # id 40
    assert (report.records_read, report.records_skipped, report.warnings) == (0, 0, {})

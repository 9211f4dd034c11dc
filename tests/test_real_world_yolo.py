"""Every YOLO case of the shared real-world set converts; counts and values checked by hand.

Counts were read off the label files listed in ../shared/real-world/INDEX.md; coordinates are worked
from the rows (normalized x * W, y * H) with the image sizes of the copied images (Datumaro: 15x10
and 10x5) or of ``image-sizes.json`` (labelformat).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import REAL_WORLD
from helpers import read_as

from converters.errors import Report
from converters.model import Box, Polygon, Scene, SceneObject
from converters.options import ConvertOptions
from converters.pipeline import convert

if not REAL_WORLD.is_dir():
    pytest.skip(f"real-world set not found at {REAL_WORLD}", allow_module_level=True)

SIZES = str(REAL_WORLD / "image-sizes.json")
CASES = sorted(
    [p for p in (REAL_WORLD / "datumaro" / "yolo").iterdir() if p.is_dir()]
    + [p for p in (REAL_WORLD / "labelformat" / "yolo").iterdir() if p.is_dir()]
)

# case -> (records, objects, frames, warnings, labels of the objects)
EXPECTED: dict[str, tuple[int, int, int, dict[str, int], Counter[str]]] = {
    # obj_train_data/1.txt: classes 2 and 4 of obj.names
    "darknet_strict": (2, 2, 1, {}, Counter({"label_2": 1, "label_4": 1})),
    "darknet_annotations_dir": (2, 2, 1, {}, Counter({"label_2": 1, "label_4": 1})),
    # labels/train/1.txt and labels/val/1.txt, same rows; README.txt is not a label file
    "darknet_labels_dir": (4, 4, 2, {}, Counter({"label_2": 2, "label_4": 2})),
    # no names: class ids 2, 4 (1.txt) and 1, 3 (2.txt)
    "kaggle_relaxed_yolo": (4, 4, 2, {}, Counter({"1": 1, "2": 1, "3": 1, "4": 1})),
    # val: ../valid/images does not exist; the folder is val/, the same split under another name: warned
    "roboflow_yolo_data_yaml": (4, 4, 3, {"split_renamed": 1}, Counter({"label_0": 2, "label_1": 2})),
    "roboflow_yolo_obb_labeltxt": (4, 4, 3, {"split_renamed": 1}, Counter({"label_0": 2, "label_1": 2})),
    # file 1: 16, 0, 0, 0, 13, 13, 1, 0; file 2: 31 x 6, 0, 1
    "yolov8_detection": (16, 16, 2, {}, Counter({"person": 5, "bench": 2, "bicycle with space": 2,
                                                  "dog": 1, "snowboard": 6})),
    # 000000036086: sports ball (20 points), person (34); 000000109005: elephant (54)
    "yolov8_segmentation": (3, 3, 2, {}, Counter({"sports ball": 1, "person": 1, "elephant": 1})),
}


def read(case: Path) -> tuple[Scene, Report]:
    return read_as("yolo", case, Report(), image_sizes=SIZES)


def objects(scene: Scene, sequence: str) -> list[SceneObject]:
    seq = next(s for s in scene.sequences if s.name == sequence)
    return list(seq.frames[0].objects)


def test_every_yolo_case_is_known() -> None:
    assert sorted(c.name for c in CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_converts_end_to_end(case: Path, tmp_path: Path) -> None:
    records, objs, n_frames, warnings, labels = EXPECTED[case.name]
    scene, report = read(case)
    assert (report.records_read, report.objects_read, report.records_skipped) == (records, objs, 0)
    assert len(list(scene.frames())) == n_frames
    assert dict(report.warnings) == warnings
    assert Counter(o.label for o in scene.objects()) == labels
    out = tmp_path / "out.jsonl"
    full = convert([case], "yolo", out, options=ConvertOptions(), reader_options={"image_sizes": SIZES})
    assert (full.records_read, full.objects_emitted, full.jobs) == (records, objs, n_frames)
    assert len(out.read_bytes().splitlines()) == n_frames


def test_darknet_box_values() -> None:
    scene, _ = read(REAL_WORLD / "datumaro" / "yolo" / "darknet_strict")
    (seq,) = scene.sequences
    frame = seq.frames[0]
    assert (seq.name, frame.file_name, frame.width, frame.height) == (
        "obj_train_data/1", "obj_train_data/1.jpg", 15, 10)
    first, second = frame.objects
    # "2 0.133333 0.300000 0.266667 0.200000": x (0.133333 -+ 0.1333335) * 15 = -0.0000075, 3.9999975;
    # y (0.3 -+ 0.1) * 10 = 2, 4
    assert isinstance(first.geometry, Box)
    assert first.geometry.bounds() == pytest.approx((-0.0000075, 2.0, 3.9999975, 4.0))
    # "4 0.266667 0.450000 0.133333 0.300000": x (0.266667 -+ 0.0666665) * 15 = 3.0000075, 5.0000025;
    # y (0.45 -+ 0.15) * 10 = 3, 6
    assert second.geometry.bounds() == pytest.approx((3.0000075, 3.0, 5.0000025, 6.0))


def test_roboflow_box_values() -> None:
    scene, _ = read(REAL_WORLD / "datumaro" / "yolo" / "roboflow_yolo_data_yaml")
    (obj,) = objects(scene, "train/images/train_001")
    # "0 0.35 0.3 0.3 0.2" on 10x5: x (0.35 -+ 0.15) * 10 = 2, 5; y (0.3 -+ 0.1) * 5 = 1, 2
    assert obj.geometry.bounds() == pytest.approx((2, 1, 5, 2))


def test_dota_labeltxt_values() -> None:
    scene, _ = read(REAL_WORLD / "datumaro" / "yolo" / "roboflow_yolo_obb_labeltxt")
    _, second = objects(scene, "val/images/val_001")
    # "1 2 1 5 10 5 10 2 label_1 0": pixel corners as written, difficult 0
    assert isinstance(second.geometry, Polygon)
    assert second.geometry.exterior == [(1, 2), (1, 5), (10, 5), (10, 2)]
    assert second.attributes == {"difficult": "No"}


def test_labelformat_detection_values() -> None:
    scene, _ = read(REAL_WORLD / "labelformat" / "yolo" / "yolov8_detection")
    name = "images/a-difficult subfolder/a-weird Filename.asdf"
    seq = next(s for s in scene.sequences if s.name == name)
    frame = seq.frames[0]
    assert (frame.id, frame.width, frame.height) == ("a-weird Filename.asdf", 640, 416)
    dog = frame.objects[0]
    # "16 0.861211 0.73232 0.0357969 0.0442067" on 640x416:
    # x (0.861211 -+ 0.01789845) * 640 = 539.720032, 562.630048; y (0.73232 -+ 0.02210335) * 416
    assert dog.label == "dog"
    assert dog.geometry.bounds() == pytest.approx((539.720032, 295.4501264, 562.630048, 313.8401136))


def test_labelformat_segmentation_values() -> None:
    scene, _ = read(REAL_WORLD / "labelformat" / "yolo" / "yolov8_segmentation")
    ball, person = objects(scene, "images/000000036086")
    assert isinstance(ball.geometry, Polygon) and isinstance(person.geometry, Polygon)
    assert len(ball.geometry.exterior) == 20 and len(person.geometry.exterior) == 34
    # first point 0.248797 * 482, 0.763484 * 640 (the image is 482 wide, 640 high)
    assert ball.geometry.exterior[0] == pytest.approx((119.920154, 488.62976))
    (elephant,) = objects(scene, "images/000000109005")
    assert isinstance(elephant.geometry, Polygon) and len(elephant.geometry.exterior) == 54

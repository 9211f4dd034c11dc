"""YOLO reader at the scene level: every task, trailing columns, names, layouts inferred or declared.

Expected coordinates are worked by hand in the comments: YOLO values are normalized, so a box
``xc yc w h`` on a W x H image is x1 = (xc - w/2) * W, y1 = (yc - h/2) * H, x2 = (xc + w/2) * W,
y2 = (yc + h/2) * H, and a point (x, y) is (x * W, y * H).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from yolo_helpers import conserved, frames, read, sizes, write

from converters.errors import InputError, UsageError
from converters.geometry import polygon_problem
from converters.model import Box, Keypoints, MultiPolygon, Polygon


def flat(points: object) -> list[float]:
    """[(x, y), ...] -> [x, y, ...] for pytest.approx."""
    return [float(v) for p in points for v in p]  # type: ignore[attr-defined]


def approx_box(box: object, x1: float, y1: float, x2: float, y2: float) -> None:
    assert isinstance(box, Box)
    assert (box.x1, box.y1, box.x2, box.y2) == pytest.approx((x1, y1, x2, y2))


# ---------------------------------------------------------------------------------------------
# detect
# ---------------------------------------------------------------------------------------------


def test_detect_dataset_folder_with_images_and_classes(tmp_path: Path) -> None:
    write(tmp_path, {
        "classes.txt": "cat\ndog\n",
        "images/a.png": "200x100",
        "labels/a.txt": "0 0.5 0.5 0.2 0.4\n1 0.25 0.75 0.1 0.1\n",
    })
    scene, rep = read(tmp_path)
    assert scene.labels == ["cat", "dog"]
    frame = frames(scene)["images/a"]
    assert (frame.id, frame.file_name, frame.width, frame.height) == ("a", "images/a.png", 200, 100)
    a, b = frame.objects
    # (0.5 -+ 0.1) * 200 = 80, 120; (0.5 -+ 0.2) * 100 = 30, 70
    assert a.label == "cat"
    approx_box(a.geometry, 80, 30, 120, 70)
    # (0.25 -+ 0.05) * 200 = 40, 60; (0.75 -+ 0.05) * 100 = 70, 80
    assert b.label == "dog"
    approx_box(b.geometry, 40, 70, 60, 80)
    assert a.confidence is None and a.track_id is None and a.alternates == ()
    assert a.source.endswith("a.txt:1") and b.source.endswith("a.txt:2")
    assert (rep.records_read, rep.objects_read) == (2, 2) and conserved(rep)


def _prediction(tmp_path: Path, row: str) -> tuple[Path, str]:
    write(tmp_path, {"pred/img.txt": row + "\n"})
    return tmp_path / "pred", sizes(tmp_path, {"img.jpg": [640, 480]})


@pytest.mark.parametrize(
    ("row", "columns", "conf", "track"),
    [
        ("2 0.5 0.5 0.25 0.5", "none", None, None),
        ("2 0.5 0.5 0.25 0.5 0.875", "conf", 0.875, None),
        ("2 0.5 0.5 0.25 0.5 7", "track", None, 7),
        ("2 0.5 0.5 0.25 0.5 0.875 7", "conf+track", 0.875, 7),
        ("2 0.5 0.5 0.25 0.5 0.875 1e+06", "conf+track", 0.875, 1_000_000),  # %g of 1000000
    ],
)
def test_detect_trailing_columns(
    tmp_path: Path, row: str, columns: str, conf: float | None, track: int | None
) -> None:
    folder, size_file = _prediction(tmp_path, row)
    scene, rep = read(folder, image_sizes=size_file, yolo_task="detect", yolo_columns=columns)
    (obj,) = frames(scene)["img"].objects
    # (0.5 -+ 0.125) * 640 = 240, 400; (0.5 -+ 0.25) * 480 = 120, 360
    approx_box(obj.geometry, 240, 120, 400, 360)
    assert obj.label == "2" and scene.labels == ["2"]
    assert obj.confidence == conf and obj.track_id == track
    assert frames(scene)["img"].file_name == "img.jpg"
    assert conserved(rep)


def test_detect_columns_inferred_when_unambiguous(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.25 0.5 0.875 7")
    # 7 values and nothing else: detect + conf + track, or a 3-point polygon -> ambiguous ...
    with pytest.raises(InputError) as err:
        read(folder, image_sizes=size_file)
    assert "ambiguous" in str(err.value) and "img.txt:1" in str(err.value)
    # ... but saying the task leaves one reading of 7 values: conf + track
    scene, _ = read(folder, image_sizes=size_file, yolo_task="detect")
    (obj,) = frames(scene)["img"].objects
    assert (obj.confidence, obj.track_id) == (0.875, 7)


def test_six_values_that_read_both_ways_are_never_guessed(tmp_path: Path) -> None:
    """A 6th value of 1 (or 0) in every row is a confidence or a track id alike: say which."""
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.25 0.5 1\n0 0.5 0.5 0.25 0.5 0")
    with pytest.raises(InputError) as err:
        read(folder, image_sizes=size_file, yolo_task="detect")
    message = str(err.value)
    assert "img.txt:1" in message and "0 0.5 0.5 0.25 0.5 1" in message
    assert "--yolo-columns conf" in message and "--yolo-columns track" in message
    assert err.value.code == "ambiguous_columns"


def test_a_fractional_sixth_value_is_a_confidence(tmp_path: Path) -> None:
    """Track ids are whole numbers, so 0.875 can only be a confidence (Ultralytics save_conf)."""
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.25 0.5 1\n0 0.5 0.5 0.25 0.5 0.875")
    scene, _ = read(folder, image_sizes=size_file)
    assert [(o.confidence, o.track_id) for o in scene.objects()] == [(1.0, None), (0.875, None)]


def test_a_sixth_value_above_one_is_a_track_id(tmp_path: Path) -> None:
    """A confidence is at most 1, so a whole number above it can only be a track id."""
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.25 0.5 1\n0 0.5 0.5 0.25 0.5 17")
    scene, _ = read(folder, image_sizes=size_file)
    assert [(o.confidence, o.track_id) for o in scene.objects()] == [(None, 1), (None, 17)]


def test_dataset_layout_means_no_trailing_columns(tmp_path: Path) -> None:
    # data.yaml: a ground-truth dataset; 7 values are then a 3-point polygon, not box + conf + track
    write(tmp_path, {
        "data.yaml": "train: images\nnames: [thing]\n",
        "images/a.png": "100x100",
        "labels/a.txt": "0 0.1 0.1 0.9 0.1 0.5 0.9\n",
    })
    scene, _ = read(tmp_path / "data.yaml")
    (obj,) = frames(scene)["images/a"].objects
    assert isinstance(obj.geometry, Polygon)
    assert flat(obj.geometry.exterior) == pytest.approx(flat([(10, 10), (90, 10), (50, 90)]))


# ---------------------------------------------------------------------------------------------
# segment
# ---------------------------------------------------------------------------------------------


def test_segment_polygon_and_inference_from_varied_lengths(tmp_path: Path) -> None:
    write(tmp_path, {
        "data.yaml": "train: images\nnames: {0: a, 1: b}\n",
        "images/s.png": "100x50",
        # 4 points (9 values) and 3 points (7 values): only "segment, no extra columns" fits both
        "labels/s.txt": "0 0.1 0.2 0.9 0.2 0.9 0.8 0.1 0.8\n1 0 0 1 0 1 1\n",
    })
    scene, rep = read(tmp_path)
    square, tri = frames(scene)["images/s"].objects
    # x * 100, y * 50
    assert isinstance(square.geometry, Polygon)
    assert flat(square.geometry.exterior) == pytest.approx(flat([(10, 10), (90, 10), (90, 40), (10, 40)]))
    assert flat(tri.geometry.exterior) == pytest.approx(flat([(0, 0), (100, 0), (100, 50)]))  # type: ignore[union-attr]
    assert (square.label, tri.label) == ("a", "b")
    assert rep.warnings == {} and conserved(rep)


def test_segment_nine_values_alone_are_ambiguous(tmp_path: Path) -> None:
    write(tmp_path, {"data.yaml": "train: images\nnames: [a]\n", "images/s.png": "10x10",
                     "labels/s.txt": "0 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5\n"})
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert "--yolo-task obb" in str(err.value) and "--yolo-task segment" in str(err.value)
    scene, _ = read(tmp_path, yolo_task="segment")
    assert isinstance(frames(scene)["images/s"].objects[0].geometry, Polygon)


def test_segment_self_intersection_is_repaired_and_warned(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0 0 1 1 1 0 0 1 0.5")
    # bow-tie (0,0) (640,480) (640,0) (0,480): two triangles meeting at the centre (320, 240)
    scene, rep = read(folder, image_sizes=size_file, yolo_task="segment", yolo_columns="conf")
    (obj,) = frames(scene)["img"].objects
    assert isinstance(obj.geometry, MultiPolygon) and len(obj.geometry.parts) == 2
    for part in obj.geometry.parts:
        assert polygon_problem(part) is None
        assert (320.0, 240.0) in [tuple(p) for p in part.exterior]
    assert obj.confidence == 0.5
    assert rep.warnings["polygon_repaired"] == 1 and rep.issues[0].location.endswith("img.txt:1")


def test_segment_with_two_points_is_skipped(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.1 0.1 0.2 0.2")
    scene, rep = read(folder, image_sizes=size_file, yolo_task="segment", yolo_columns="none")
    assert frames(scene)["img"].objects == []
    assert rep.skipped["polygon_too_few_points"] == 1 and conserved(rep)


def test_segment_odd_coordinate_count_is_a_structural_error(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.1 0.1 0.2 0.2 0.3 0.1 0.4")
    with pytest.raises(InputError) as err:
        read(folder, image_sizes=size_file, yolo_task="segment", yolo_columns="none")
    assert err.value.location is not None and err.value.location.endswith("img.txt:1")
    assert "8 values" in err.value.message


# ---------------------------------------------------------------------------------------------
# pose
# ---------------------------------------------------------------------------------------------


def test_pose_dataset_visibility_names_and_box_alternate(tmp_path: Path) -> None:
    write(tmp_path, {
        "data.yaml": "train: images\nnames: [animal]\nkpt_shape: [2, 3]\nkpt_names: {0: [nose, tail]}\n",
        "images/p.png": "100x50",
        "labels/p.txt": "0 0.5 0.5 0.4 0.2 0.4 0.5 2 0.6 0.5 0\n",
    })
    scene, rep = read(tmp_path)
    (obj,) = frames(scene)["images/p"].objects
    kp = obj.geometry
    assert isinstance(kp, Keypoints)
    # (0.4 * 100, 0.5 * 50) = (40, 25) visible 2; (60, 25) with v=0: not labelled
    assert flat(kp.points) == pytest.approx(flat([(40, 25), (60, 25)]))
    assert kp.visibility == [2, 0]
    assert kp.names == ("nose", "tail")
    # box (0.5 -+ 0.2) * 100 = 30, 70; (0.5 -+ 0.1) * 50 = 20, 30
    (box,) = obj.alternates
    approx_box(box, 30, 20, 70, 30)
    assert conserved(rep)


def test_pose_prediction_third_value_is_a_confidence(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.4 0.2 0.4 0.5 0.9 0.6 0.5 0.1 0.77 3")
    scene, _ = read(folder, image_sizes=size_file, kpt_shape="2,3", yolo_columns="conf+track")
    (obj,) = frames(scene)["img"].objects
    assert isinstance(obj.geometry, Keypoints)
    # kconf 0.9 >= 0.25 -> visible 2; 0.1 < 0.25 -> 0 (not emitted)
    assert obj.geometry.visibility == [2, 0]
    # (0.4 * 640, 0.5 * 480), (0.6 * 640, 0.5 * 480)
    assert flat(obj.geometry.points) == pytest.approx(flat([(256, 240), (384, 240)]))
    assert (obj.confidence, obj.track_id) == (0.77, 3)


def test_pose_two_values_negative_means_not_labelled(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.4 0.2 0.25 0.75 -1 -1")
    scene, _ = read(folder, image_sizes=size_file, kpt_shape="2,2", yolo_columns="none")
    (obj,) = frames(scene)["img"].objects
    assert isinstance(obj.geometry, Keypoints)
    assert obj.geometry.visibility == [2, 0]
    assert obj.geometry.points[0] == pytest.approx((160, 360))  # 0.25 * 640, 0.75 * 480


def test_pose_without_visible_keypoints_keeps_the_box(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.25 0.5 0 0 0")
    scene, rep = read(folder, image_sizes=size_file, kpt_shape="1,3", yolo_columns="none")
    (obj,) = frames(scene)["img"].objects
    approx_box(obj.geometry, 240, 120, 400, 360)
    assert rep.warnings["keypoints_none_visible"] == 1


def test_pose_needs_the_keypoint_shape(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "0 0.5 0.5 0.4 0.2 0.4 0.5")
    with pytest.raises(Exception, match="--kpt-shape"):
        read(folder, image_sizes=size_file, yolo_task="pose")


# ---------------------------------------------------------------------------------------------
# obb and DOTA
# ---------------------------------------------------------------------------------------------

OBB_ROW = "0 0.1 0.1 0.5 0.1 0.5 0.3 0.1 0.3"  # corners (10,10) (50,10) (50,30) (10,30) on 100x100


def _obb(tmp_path: Path, row: str) -> tuple[Path, str]:
    write(tmp_path, {"pred/o.txt": row + "\n"})
    return tmp_path / "pred", sizes(tmp_path, {"o.png": [100, 100]})


def test_obb_polygon_and_rectangle(tmp_path: Path) -> None:
    folder, size_file = _obb(tmp_path, OBB_ROW + " 0.6")
    scene, _ = read(folder, image_sizes=size_file, yolo_task="obb", yolo_columns="conf")
    (obj,) = frames(scene)["o"].objects
    assert isinstance(obj.geometry, Polygon)
    assert flat(obj.geometry.exterior) == pytest.approx(flat([(10, 10), (50, 10), (50, 30), (10, 30)]))
    assert obj.confidence == 0.6
    scene, _ = read(folder, image_sizes=size_file, yolo_task="obb", yolo_columns="conf", obb_as="rectangle")
    approx_box(frames(scene)["o"].objects[0].geometry, 10, 10, 50, 30)


def test_obb_corners_out_of_ring_order_are_reordered(tmp_path: Path) -> None:
    # (10,10) (50,30) (50,10) (10,30): a bow-tie as written
    folder, size_file = _obb(tmp_path, "0 0.1 0.1 0.5 0.3 0.5 0.1 0.1 0.3")
    scene, rep = read(folder, image_sizes=size_file, yolo_task="obb", yolo_columns="none")
    geom = frames(scene)["o"].objects[0].geometry
    assert isinstance(geom, Polygon) and polygon_problem(geom) is None
    corners = [(10, 10), (50, 10), (50, 30), (10, 30)]
    assert flat(sorted(geom.exterior)) == pytest.approx(flat(sorted(corners)))
    assert rep.warnings["obb_reordered"] == 1


def test_dota_labeltxt_is_read(tmp_path: Path) -> None:
    write(tmp_path, {
        "images/d.png": "100x100",
        "labelTxt/d.txt": "imagesource:GoogleEarth\ngsd:0.5\n10 20 30 20 30 40 10 40 plane 1\n"
                          "5 5 9 5 9 9 5 9 small-vehicle 0\n",
    })
    scene, rep = read(tmp_path)
    plane, car = frames(scene)["images/d"].objects
    assert isinstance(plane.geometry, Polygon)
    assert plane.geometry.exterior == [(10, 20), (30, 20), (30, 40), (10, 40)]  # pixels as written
    assert (plane.label, plane.attributes) == ("plane", {"difficult": "Yes"})
    assert (car.label, car.attributes) == ("small-vehicle", {"difficult": "No"})
    assert scene.labels == ["plane", "small-vehicle"]
    assert rep.records_read == 2 and conserved(rep)  # the two header lines are not records


def test_dota_with_another_task_names_the_format(tmp_path: Path) -> None:
    write(tmp_path, {"images/d.png": "10x10", "labels/d.txt": "1 1 5 1 5 5 1 5 plane 0\n"})
    with pytest.raises(InputError, match="DOTA labelTxt"):
        read(tmp_path, yolo_task="detect")


# ---------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("names.txt", "zero\none\r\ntwo\n\n"),
        ("names.yaml", "names: [zero, one, two]\n"),
        ("names.yml", "{0: zero, 1: one, 2: two}\n"),
        ("names.json", '["zero", "one", "two"]'),
    ],
)
def test_names_flag_formats(tmp_path: Path, file_name: str, content: str) -> None:
    folder, size_file = _prediction(tmp_path, "2 0.5 0.5 0.1 0.1")
    write(tmp_path, {file_name: content})
    scene, _ = read(folder, image_sizes=size_file, names=str(tmp_path / file_name))
    assert scene.labels == ["zero", "one", "two"]
    assert frames(scene)["img"].objects[0].label == "two"


def test_a_dataset_file_without_names_asks_for_them(tmp_path: Path) -> None:
    """nc alone names no class: an error asking for --names, never labels "0", "1", "2"."""
    write(tmp_path, {"data.yaml": "train: images\nnc: 3\n", "images/a.png": "10x10",
                     "labels/a.txt": "2 0.5 0.5 0.1 0.1\n", "n.txt": "cat\ndog\nbird\n"})
    with pytest.raises(UsageError, match=r"data.yaml gives no class names .*--names FILE"):
        read(tmp_path)
    scene, _ = read(tmp_path, names=str(tmp_path / "n.txt"))
    assert [o.label for o in scene.objects()] == ["bird"]


def test_class_ids_of_a_folder_without_names(tmp_path: Path) -> None:
    """A plain label folder (no dataset file) has nothing to ask: its class ids are its labels."""
    folder, size_file = _prediction(tmp_path / "p", "10 0.5 0.5 0.1 0.1\n3 0.5 0.5 0.1 0.1")
    scene, _ = read(folder, image_sizes=size_file)
    assert scene.labels == ["3", "10"]  # ids seen, in numeric order


def test_class_token_written_as_float(tmp_path: Path) -> None:
    folder, size_file = _prediction(tmp_path, "1.0 0.5 0.5 0.1 0.1")
    write(tmp_path, {"n.txt": "a\nb\n"})
    scene, rep = read(folder, image_sizes=size_file, names=str(tmp_path / "n.txt"))
    assert frames(scene)["img"].objects[0].label == "b" and conserved(rep)

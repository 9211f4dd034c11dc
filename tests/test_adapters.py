"""From a model's output in memory to jobs: frame_from_arrays (masks, oriented boxes, keypoint
confidences), the Ultralytics / supervision / torchvision / Hugging Face adapters, and nothing
dropped silently. Expected values are worked by hand in the comments."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from converters import (
    ConvertOptions,
    InputError,
    Report,
    SkipWarning,
    frame_from_arrays,
    from_supervision,
    from_torchvision,
    from_ultralytics,
    iter_payloads,
    scene_from_frames,
    scene_from_ultralytics,
    write_scene,
)
from converters.model import Box, Keypoints, MultiPolygon, Polygon


def _bounds(geom: Any) -> tuple[float, float, float, float]:
    return tuple(geom.bounds())  # type: ignore[no-any-return]


# --- frame_from_arrays ------------------------------------------------------------------------------


def test_a_mask_is_traced_along_pixel_edges() -> None:
    """A mask covering pixel columns 100..199 (rows 10..19) is the polygon x 100..200, y 10..20."""
    mask = np.zeros((1, 50, 300), dtype=bool)
    mask[0, 10:20, 100:200] = True
    frame = frame_from_arrays(0, 300, 50, masks=mask, labels=["lane"])
    [obj] = frame.objects
    assert isinstance(obj.geometry, Polygon)
    assert sorted(set(obj.geometry.exterior)) == [(100, 10), (100, 20), (200, 10), (200, 20)]


def test_two_regions_make_a_multipolygon_and_an_empty_mask_is_reported_not_dropped() -> None:
    masks = np.zeros((2, 10, 10), dtype=np.float32)
    masks[0, 0:2, 0:2] = 0.9  # floats: >= 0.5 is foreground
    masks[0, 5:7, 5:7] = 0.7
    masks[1, 3, 3] = 0.2  # below 0.5: an empty mask
    frame = frame_from_arrays("f", 10, 10, masks=masks, labels=["a", "b"])
    assert isinstance(frame.objects[0].geometry, MultiPolygon) and len(frame.objects[0].geometry.parts) == 2
    report = Report()
    list(iter_payloads(scene_from_frames([frame]), report=report))
    assert (report.records_read, report.records_skipped) == (2, 1)
    assert [i.code for i in report.issues if i.severity == "error"] == ["polygon_degenerate"]


def test_an_oriented_box_at_30_degrees_gives_its_rotated_corners() -> None:
    """200 x 100 at 30 degrees around (300, 200): v1 = 100 (cos 30, sin 30) = (86.6025, 50),
    v2 = 50 (-sin 30, cos 30) = (-25, 43.3013); corners c+v1+v2, c+v1-v2, c-v1-v2, c-v1+v2."""
    c30, s30 = math.cos(math.radians(30)), 0.5
    expected = [(300 + 100 * c30 - 25, 200 + 50 + 50 * c30), (300 + 100 * c30 + 25, 200 + 50 - 50 * c30),
                (300 - 100 * c30 + 25, 200 - 50 - 50 * c30), (300 - 100 * c30 - 25, 200 - 50 + 50 * c30)]
    for obb, unit in (([[300, 200, 200, 100, math.pi / 6]], "radians"), ([[300, 200, 200, 100, 30]], "degrees")):
        [obj] = frame_from_arrays(0, 640, 480, obb=obb, obb_angle=unit).objects
        assert isinstance(obj.geometry, Polygon)
        for got, want in zip(obj.geometry.exterior, expected, strict=True):
            assert got == pytest.approx(want, abs=1e-6)
    assert s30 == pytest.approx(math.sin(math.radians(30)))
    corners = np.asarray([expected])
    [obj] = frame_from_arrays(0, 640, 480, obb=corners).objects
    assert obj.geometry.exterior == [tuple(p) for p in expected]


def test_keypoint_confidences_keep_the_points_above_the_threshold() -> None:
    kps = [[[10, 10, 0.9], [20, 20, 0.6], [30, 30, 0.1]]]
    [obj] = frame_from_arrays(0, 100, 100, keypoints=kps, keypoint_format="confidence").objects
    assert obj.geometry == Keypoints([(10, 10), (20, 20), (30, 30)], [2, 2, 0], None)
    # as COCO visibility (the default) the same third column would be 0.9 -> 0, 0.6 -> 0, 0.1 -> 0
    [obj] = frame_from_arrays(0, 100, 100, keypoints=kps).objects
    assert obj.geometry.visibility == [0, 0, 0]  # type: ignore[union-attr]


# --- Ultralytics -----------------------------------------------------------------------------------


def _ultra(path: str, *, xyxy: list[list[float]], cls: list[int], conf: list[float], ids: list[int] | None = None,
           masks: np.ndarray | None = None, kpts: np.ndarray | None = None, orig: tuple[int, int] = (100, 200),
           obb: np.ndarray | None = None) -> Any:
    """An object shaped like ultralytics.engine.results.Results (attributes as documented)."""
    boxes = None if obb is not None else SimpleNamespace(
        xyxy=np.asarray(xyxy, dtype=np.float32), cls=np.asarray(cls, dtype=np.float32),
        conf=np.asarray(conf, dtype=np.float32), id=None if ids is None else np.asarray(ids, dtype=np.float32))
    return SimpleNamespace(
        orig_shape=orig, names={0: "person", 1: "car"}, path=path, boxes=boxes,
        masks=None if masks is None else SimpleNamespace(data=masks),
        keypoints=None if kpts is None else SimpleNamespace(data=kpts),
        obb=None if obb is None else SimpleNamespace(xyxyxyxy=obb, cls=np.asarray(cls, dtype=np.float32),
                                                    conf=np.asarray(conf, dtype=np.float32), id=None),
    )


def test_ultralytics_tracked_boxes_over_three_frames_give_one_tracker_each(tmp_path: Path) -> None:
    results = [_ultra(f"/data/clip/{i:03d}.jpg", xyxy=[[10 + i, 10, 50 + i, 60], [100, 20, 150, 80]], cls=[0, 1],
                      conf=[0.9, 0.8], ids=[7, 8]) for i in range(3)]
    scene = scene_from_ultralytics(results, sequence="clip", root="/data")
    frames = scene.sequences[0].frames
    assert [f.file_name for f in frames] == ["clip/000.jpg", "clip/001.jpg", "clip/002.jpg"]
    assert [(o.label, o.track_id, o.confidence) for o in frames[1].objects] == [
        ("person", 7, pytest.approx(0.9)), ("car", 8, pytest.approx(0.8))]
    [job] = list(iter_payloads(scene))
    trackers = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    assert [(t["label"], sorted(t["frames"])) for t in trackers] == [("person", ["0", "1", "2"]),
                                                                    ("car", ["0", "1", "2"])]


def test_ultralytics_masks_are_traced_on_the_letterboxed_mask_and_mapped_to_the_image() -> None:
    """Original 200 x 100 (W x H); masks.data at 320 x 320: gain = min(320/100, 320/200) = 1.6,
    padding x (320 - 200*1.6)/2 = 0, y (320 - 100*1.6)/2 = 80. Mask rows 96..111, cols 32..63 are
    the image's rows 10..19, cols 20..39: the polygon x 20..40, y 10..20."""
    masks = np.zeros((1, 320, 320), dtype=np.float32)
    masks[0, 96:112, 32:64] = 1.0
    frame = from_ultralytics(_ultra("a.jpg", xyxy=[[20, 10, 40, 20]], cls=[0], conf=[0.5], masks=masks))
    [obj] = frame.objects
    assert _bounds(obj.geometry) == pytest.approx((20, 10, 40, 20))
    assert obj.alternates == (Box(20, 10, 40, 20),)  # the box stays, for emit=rectangle


def test_ultralytics_pose_keeps_confident_keypoints_and_obb_gives_polygons() -> None:
    kpts = np.asarray([[[10, 10, 0.9], [20, 20, 0.6], [30, 30, 0.1]]], dtype=np.float32)
    frame = from_ultralytics(_ultra("p.jpg", xyxy=[[0, 0, 40, 40]], cls=[0], conf=[0.9], kpts=kpts),
                             keypoint_threshold=0.5)
    assert frame.objects[0].geometry.visibility == [2, 2, 0]  # type: ignore[union-attr]
    assert (frame.id, frame.width, frame.height) == ("p", 200, 100)
    corners = np.asarray([[[10, 10], [50, 10], [50, 30], [10, 30]]], dtype=np.float32)
    frame = from_ultralytics(_ultra("o.jpg", xyxy=[], cls=[1], conf=[0.7], obb=corners))
    assert frame.objects[0].geometry == Polygon([(10, 10), (50, 10), (50, 30), (10, 30)])
    assert frame.objects[0].label == "car"


# --- supervision -----------------------------------------------------------------------------------


def _sv() -> Any:
    with warnings.catch_warnings():  # supervision warns at import when OpenCV is absent
        warnings.simplefilter("ignore")
        return pytest.importorskip("supervision", reason="supervision is not installed (pip install supervision)")


def test_supervision_detections_with_names_masks_and_tracker_ids() -> None:
    sv = _sv()
    mask = np.zeros((2, 40, 60), dtype=bool)
    mask[0, 5:10, 10:20] = True
    mask[1, 20:30, 30:50] = True
    det = sv.Detections(xyxy=np.asarray([[10, 5, 20, 10], [30, 20, 50, 30]], dtype=np.float32),
                        confidence=np.asarray([0.9, 0.4]), class_id=np.asarray([0, 1]),
                        tracker_id=np.asarray([3, 4]), mask=mask,
                        data={"class_name": np.asarray(["dog", "cat"])})
    frame = from_supervision(det, width=60, height=40, frame_index=2, file_name="f.jpg")
    assert [(o.label, o.track_id, o.confidence) for o in frame.objects] == [
        ("dog", 3, pytest.approx(0.9)), ("cat", 4, pytest.approx(0.4))]
    assert [_bounds(o.geometry) for o in frame.objects] == [(10, 5, 20, 10), (30, 20, 50, 30)]
    conf = np.asarray([[0.9, 0.1], [0.6, 0.7]], dtype=np.float32)
    xy = np.asarray([[[1, 1], [2, 2]], [[3, 3], [4, 4]]], dtype=np.float32)
    try:
        keypoints = sv.KeyPoints(xy=xy, keypoint_confidence=conf)
    except TypeError:  # supervision < 0.29
        keypoints = sv.KeyPoints(xy=xy, confidence=conf)
    det2 = sv.Detections(xyxy=np.asarray([[0, 0, 5, 5], [0, 0, 6, 6]], dtype=np.float32), class_id=np.asarray([0, 0]))
    frame = from_supervision(det2, width=60, height=40, class_names=["person"], keypoints=keypoints)
    assert [o.geometry.visibility for o in frame.objects] == [[2, 0], [2, 2]]  # type: ignore[union-attr]
    assert [o.label for o in frame.objects] == ["person", "person"]


# --- torchvision / Hugging Face ---------------------------------------------------------------------


def test_torchvision_soft_masks_scores_and_labels() -> None:
    masks = np.zeros((2, 1, 20, 30), dtype=np.float32)
    masks[0, 0, 2:6, 3:9] = 0.8
    masks[1, 0, 10:12, 10:12] = 0.3  # below mask_threshold 0.5 -> empty -> reported
    pred = {"boxes": np.asarray([[3, 2, 9, 6], [10, 10, 12, 12]], dtype=np.float32),
            "labels": np.asarray([1, 2]), "scores": np.asarray([0.95, 0.2]), "masks": masks}
    frame = from_torchvision(pred, width=30, height=20, class_names=["__background__", "cat", "dog"],
                             score_threshold=0.5)
    [obj] = frame.objects  # the 0.2 detection is below score_threshold
    assert (obj.label, _bounds(obj.geometry)) == ("cat", (3, 2, 9, 6))


def test_hugging_face_instance_segmentation_output() -> None:
    seg = np.zeros((10, 10), dtype=np.int64)
    seg[1:4, 2:5] = 1
    seg[6:9, 6:9] = 2
    pred = {"segmentation": seg, "segments_info": [{"id": 1, "label_id": 0, "score": 0.9},
                                                  {"id": 2, "label_id": 1, "score": 0.8}]}
    frame = from_torchvision(pred, width=10, height=10, class_names={0: "cup", 1: "plate"})
    assert [(o.label, _bounds(o.geometry), o.alternates) for o in frame.objects] == [
        ("cup", (2, 1, 5, 4), (Box(2, 1, 5, 4),)), ("plate", (6, 6, 9, 9), (Box(6, 6, 9, 9),))]
    detection = {"scores": np.asarray([0.7]), "labels": np.asarray([1]), "boxes": np.asarray([[1.0, 2.0, 3.0, 4.0]])}
    [obj] = from_torchvision(detection, width=10, height=10, class_names={0: "cup", 1: "plate"}).objects
    assert (obj.label, obj.geometry) == ("plate", Box(1, 2, 3, 4))


# --- nothing dropped silently -----------------------------------------------------------------------


def _bad_scene() -> Any:
    boxes = [[1, 1, 5, 5], [float("nan"), 1, 5, 5], [5, 5, 1, 1], [200, 200, 300, 300]]
    return scene_from_frames([frame_from_arrays("f", 100, 100, boxes=boxes, labels=["a"] * 4)])


def test_iter_payloads_without_a_report_raises_on_the_first_skip() -> None:
    with pytest.raises(InputError, match=r"^frame f object 1: .*\[rectangle_degenerate\]"):  # the NaN box
        list(iter_payloads(_bad_scene()))
    with pytest.warns(SkipWarning):
        [job] = list(iter_payloads(_bad_scene(), on_skip="warn"))
    [job] = list(iter_payloads(_bad_scene(), on_skip="ignore"))
    assert len(job["data"]["maker_response"]["video2d"]["data"]["annotations"]) == 1


def test_in_memory_objects_are_records_so_the_report_adds_up(tmp_path: Path) -> None:
    report = write_scene(_bad_scene(), tmp_path / "jobs.jsonl", ConvertOptions())
    assert (report.records_read, report.records_converted, report.records_skipped) == (4, 1, 3)
    assert report.objects_emitted == 1

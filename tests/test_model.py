"""The public numpy constructors of the scene model."""

from __future__ import annotations

import numpy as np
import pytest

from converters import Box, Keypoints, Polygon, UsageError, frame_from_arrays, scene_from_frames


def test_boxes_xyxy_with_scores_classes_tracks() -> None:
    f = frame_from_arrays(
        3, 640, 480,
        file_name="cam/0003.jpg",
        boxes=np.array([[10, 20, 110, 220], [0, 0, 5, 5]]),
        scores=np.array([0.9, 0.25]),
        class_ids=np.array([0, 1]),
        class_names=["person", "car"],
        track_ids=np.array([7, -1]),
    )
    assert (f.id, f.file_name, f.width, f.height) == ("3", "cam/0003.jpg", 640, 480)
    a, b = f.objects
    assert a.label == "person" and a.geometry == Box(10, 20, 110, 220)
    assert a.confidence == pytest.approx(0.9) and a.track_id == 7
    assert b.label == "car" and b.track_id is None  # negative track id = no track


def test_boxes_xywh_are_converted_to_corners() -> None:
    # x=10, y=20, w=30, h=40 -> x2 = 40, y2 = 60
    f = frame_from_arrays("a", 100, 100, boxes=[[10, 20, 30, 40]], box_format="xywh", labels=["dog"])
    assert f.objects[0].geometry == Box(10, 20, 40, 60)


def test_class_names_as_mapping_and_missing_id() -> None:
    f = frame_from_arrays("a", 10, 10, boxes=[[0, 0, 1, 1]], class_ids=[5], class_names={5: "cat"})
    assert f.objects[0].label == "cat"
    with pytest.raises(UsageError, match="class id 9"):
        frame_from_arrays("a", 10, 10, boxes=[[0, 0, 1, 1]], class_ids=[9], class_names=["cat"])


def test_polygons_and_keypoints_keep_box_as_alternate() -> None:
    kps = np.array([[[1, 2, 2], [3, 4, 0]]], dtype=float)
    f = frame_from_arrays(
        "a", 10, 10,
        boxes=[[0, 0, 5, 5]],
        polygons=[np.array([[0, 0], [5, 0], [5, 5]])],
        keypoints=kps,
        keypoint_names=["nose", "eye"],
        labels=["person"],
    )
    obj = f.objects[0]
    assert obj.geometry == Polygon([(0.0, 0.0), (5.0, 0.0), (5.0, 5.0)])
    assert obj.alternates == (Keypoints([(1.0, 2.0), (3.0, 4.0)], [2, 0], ("nose", "eye")), Box(0, 0, 5, 5))


def test_inconsistent_lengths_and_shapes_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="disagree"):
        frame_from_arrays("a", 10, 10, boxes=[[0, 0, 1, 1]], scores=[0.1, 0.2])
    with pytest.raises(UsageError, match=r"\(N, 4\)"):
        frame_from_arrays("a", 10, 10, boxes=[[0, 0, 1]])
    with pytest.raises(UsageError, match="positive"):
        frame_from_arrays("a", 0, 10)
    with pytest.raises(UsageError, match="box_format"):
        frame_from_arrays("a", 10, 10, boxes=[[0, 0, 1, 1]], box_format="cxcywh")


def test_scene_from_frames_video_and_stills() -> None:
    frames = [frame_from_arrays(i, 10, 10, file_name=f"d/{i}.jpg") for i in range(3)]
    video = scene_from_frames(frames, sequence="clip")
    assert [s.name for s in video.sequences] == ["clip"] and video.sequences[0].is_video
    assert [f.index for f in video.sequences[0].frames] == [0, 1, 2]
    stills = scene_from_frames(frames)
    assert [s.name for s in stills.sequences] == ["d/0", "d/1", "d/2"]
    assert not any(s.is_video for s in stills.sequences)


@pytest.mark.parametrize(
    ("file_name", "stem"),
    [("a/b.tar.gz", "b.tar"), ("x.jpg", "x"), (".hidden", ".hidden"), ("noext", "noext"),
     ("a\\b.png", "b"), ("a.b/c", "c"), ("name.", "name."), ("dir/", "dir")],
)
def test_frame_stem_matches_pathlib(file_name: str, stem: str) -> None:
    from pathlib import PurePosixPath

    from converters import Frame

    assert Frame("1", file_name, 1, 1).stem == stem == PurePosixPath(file_name.replace("\\", "/")).stem

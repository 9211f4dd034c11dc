"""COCO reader at the scene level: every variant with hand-worked expected values."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import read_as, write
from shapely.geometry import Polygon as ShapelyPolygon

from converters.errors import InputError, Report, UsageError
from converters.formats.coco import READER, sequence_name
from converters.model import Box, Keypoints, MultiPolygon, Polygon, Scene, still_sequence_name

CATS = [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}]
IMG = {"id": 1, "file_name": "img1.jpg", "width": 100, "height": 80}


def dataset(anns: list[dict[str, Any]], images: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"images": images or [IMG], "annotations": anns, "categories": CATS, **extra}


def read(tmp_path: Path, data: Any, name: str = "in.json", **options: Any) -> tuple[Scene, Report]:
    return read_as("coco", write(tmp_path / name, data), Report(), **options)


def only_object(scene: Scene) -> Any:
    objs = list(scene.objects())
    assert len(objs) == 1
    return objs[0]


def test_bbox_becomes_box_xyxy(tmp_path: Path) -> None:
    # [x, y, w, h] = [10, 20, 30, 40] -> x2 = 10 + 30 = 40, y2 = 20 + 40 = 60
    scene, report = read(tmp_path, dataset([{"id": 7, "image_id": 1, "category_id": 2, "bbox": [10, 20, 30, 40]}]))
    obj = only_object(scene)
    assert obj.geometry == Box(10, 20, 40, 60)
    assert obj.label == "car"
    assert obj.alternates == ()
    assert obj.confidence is None and obj.attributes is None and obj.track_id is None
    assert obj.source == f"{tmp_path / 'in.json'}:$.annotations[0]"
    assert (report.records_read, report.objects_read, report.records_skipped) == (1, 1, 0)


def test_still_sequence_per_image_and_frame_ids(tmp_path: Path) -> None:
    images = [IMG, {"id": 2, "file_name": "dir/b.v2.png", "width": 50, "height": 40}]
    scene, _ = read(tmp_path, dataset([{"image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4]}], images))
    assert [(s.name, s.is_video) for s in scene.sequences] == [("img1", False), ("dir/b.v2", False)]
    frames = list(scene.frames())
    assert [(f.id, f.file_name, f.width, f.height) for f in frames] == [
        ("1", "img1.jpg", 100, 80),
        ("2", "dir/b.v2.png", 50, 40),
    ]
    assert frames[0].objects == [] and len(frames[1].objects) == 1


def test_labels_in_category_id_order(tmp_path: Path) -> None:
    cats = [{"id": 4, "name": "c"}, {"id": 0, "name": "a"}, {"id": 2, "name": "b"}]
    data = {
        "images": [IMG],
        "annotations": [{"image_id": 1, "category_id": 0, "bbox": [0, 0, 1, 1]}],
        "categories": cats,
    }
    scene, _ = read(tmp_path, data)
    assert scene.labels == ["a", "b", "c"]
    assert only_object(scene).label == "a"  # id 0 is a valid category id


def test_score_becomes_confidence(tmp_path: Path) -> None:
    scene, _ = read(tmp_path, dataset([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "score": 0.25}]))
    assert only_object(scene).confidence == 0.25


def test_polygon_with_bbox_alternate(tmp_path: Path) -> None:
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [0, 0, 10, 10],
        "segmentation": [[0, 0, 10, 0, 10, 10, 0, 10]],
    }
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert obj.geometry == Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    assert obj.alternates == (Box(0, 0, 10, 10),)


def test_polygon_closing_point_dropped(tmp_path: Path) -> None:
    ann = {"image_id": 1, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 3, 0, 0]]}
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert obj.geometry == Polygon([(0, 0), (4, 0), (4, 3)])
    assert obj.alternates == ()  # no bbox in the record: the select stage derives one if asked


def test_several_polygons_become_multipolygon(tmp_path: Path) -> None:
    seg = [[0, 0, 2, 0, 2, 2, 0, 2], [5, 5, 8, 5, 8, 9]]
    obj = only_object(read(tmp_path, dataset([{"image_id": 1, "category_id": 1, "segmentation": seg}]))[0])
    assert obj.geometry == MultiPolygon([Polygon([(0, 0), (2, 0), (2, 2), (0, 2)]), Polygon([(5, 5), (8, 5), (8, 9)])])


def test_flat_polygon_list_is_one_ring(tmp_path: Path) -> None:
    ann = {"image_id": 1, "category_id": 1, "segmentation": [1, 1, 5, 1, 5, 4]}
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert obj.geometry == Polygon([(1, 1), (5, 1), (5, 4)])


def test_self_intersecting_polygon_repaired_and_warned(tmp_path: Path) -> None:
    # bow-tie 0,0 -> 10,10 -> 10,0 -> 0,10 crosses itself at (5, 5): two triangles of area
    # 10 * 5 / 2 = 25 each: (0,0),(5,5),(0,10) and (10,0),(10,10),(5,5)
    ann = {"image_id": 1, "category_id": 1, "segmentation": [[0, 0, 10, 10, 10, 0, 0, 10]]}
    scene, report = read(tmp_path, dataset([ann]))
    geom = only_object(scene).geometry
    assert isinstance(geom, MultiPolygon) and len(geom.parts) == 2
    for part in geom.parts:
        shape = ShapelyPolygon(part.exterior)
        assert shape.is_valid and shape.area == pytest.approx(25)
    assert sorted(p.bounds() for p in geom.parts) == [(0, 0, 5, 10), (5, 0, 10, 10)]
    assert report.warnings["polygon_repaired"] == 1
    assert report.records_skipped == 0


# size [h=4, w=5], counts [5, 6, 9] column-major: 5 zeros = column 0 (4 px) + (row 0, col 1);
# 6 ones = col 1 rows 1-3 and col 2 rows 0-2; 9 zeros. Exact outline (area 6):
# (2,0) (3,0) (3,3) (2,3) (2,4) (1,4) (1,1) (2,1). Simplified at 0.5 px: (2,3) and (2,4) lie
# |(-1)(1) - (0)(-2)| / sqrt(5) = 0.447 and |(-1)(1) - (1)(-2)| / sqrt(5) = 0.447 px from the chord
# (3,3)-(1,4) and go; (2,1) is 0.707 px from (1,1)-(2,0) and (1,1) 0.949 px from (1,4)-(2,1): kept.
# The shoelace area of the 6 points stays 12 / 2 = 6.
SIMPLIFIED_L = {(2, 0), (3, 0), (3, 3), (1, 4), (1, 1), (2, 1)}
L_IMAGE = [{"id": 1, "file_name": "m.png", "width": 5, "height": 4}]


def test_uncompressed_rle_traced(tmp_path: Path) -> None:
    seg = {"size": [4, 5], "counts": [5, 6, 9]}
    ann = {"image_id": 1, "category_id": 1, "segmentation": seg}
    obj = only_object(read(tmp_path, dataset([ann], L_IMAGE))[0])
    assert isinstance(obj.geometry, Polygon)
    assert set(obj.geometry.exterior) == SIMPLIFIED_L and len(obj.geometry.exterior) == 6
    assert ShapelyPolygon(obj.geometry.exterior).area == pytest.approx(6)


def test_compressed_rle_same_mask(tmp_path: Path) -> None:
    # counts [5, 6, 9] in pycocotools' string form: three counts need no delta; each fits in five
    # bits without the sign bit -> chr(48 + 5), chr(48 + 6), chr(48 + 9) = "569"
    ann = {"image_id": 1, "category_id": 1, "segmentation": {"size": [4, 5], "counts": "569"}}
    obj = only_object(read(tmp_path, dataset([ann], L_IMAGE))[0])
    assert set(obj.geometry.exterior) == SIMPLIFIED_L


def test_rle_two_regions_multipolygon_crowd(tmp_path: Path) -> None:
    # Datumaro's stuff fixture: size [5, 10], counts [10, 10, 5, 10, 15] -> columns 2-3 and 5-6
    seg = {"size": [5, 10], "counts": [10, 10, 5, 10, 15]}
    images = [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 5}]
    ann = {"image_id": 1, "category_id": 1, "segmentation": seg, "iscrowd": 1, "bbox": [2, 0, 5, 5]}
    obj = only_object(read(tmp_path, dataset([ann], images))[0])
    assert obj.geometry == MultiPolygon(
        [Polygon([(2, 0), (4, 0), (4, 5), (2, 5)]), Polygon([(5, 0), (7, 0), (7, 5), (5, 5)])]
    )
    assert obj.attributes == {"iscrowd": "Yes"}
    assert obj.alternates == (Box(2, 0, 7, 5),)


def test_skip_crowd_filters_and_counts(tmp_path: Path) -> None:
    anns = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "iscrowd": 1},
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "iscrowd": 0},
    ]
    scene, report = read(tmp_path, dataset(anns), skip_crowd=True)
    assert len(list(scene.objects())) == 1
    assert report.filtered_by["crowd_skipped"] == 1
    assert report.records_skipped == 0 and report.records_read == 2 and report.objects_read == 2


def test_keypoints_with_names_and_visibility(tmp_path: Path) -> None:
    cats = [{"id": 1, "name": "person", "keypoints": ["nose", "l_eye", "r_eye"], "skeleton": [[1, 2], [1, 3]]}]
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [5, 5, 30, 40],
        "keypoints": [10, 20, 2, 0, 0, 0, 30, 40, 1],
    }
    data = {"images": [IMG], "annotations": [ann], "categories": cats}
    obj = only_object(read(tmp_path, data)[0])
    assert obj.geometry == Keypoints([(10, 20), (0, 0), (30, 40)], [2, 0, 1], ("nose", "l_eye", "r_eye"))
    assert obj.alternates == (Box(5, 5, 35, 45),)


def test_polygon_record_keeps_box_and_keypoints(tmp_path: Path) -> None:
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [0, 0, 4, 4],
        "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]],
        "keypoints": [1, 1, 2, 3, 3, 2],
    }
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert isinstance(obj.geometry, Polygon)
    assert obj.alternates == (Box(0, 0, 4, 4), Keypoints([(1, 1), (3, 3)], [2, 2], None))


def test_keypoints_all_unlabelled_fall_back_to_box(tmp_path: Path) -> None:
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [1, 1, 2, 2],
        "keypoints": [0, 0, 0, 0, 0, 0],
        "num_keypoints": 0,
    }
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert obj.geometry == Box(1, 1, 3, 3) and obj.alternates == ()


def test_results_keypoint_scores_become_visible(tmp_path: Path, gt: Path) -> None:
    results = [{"image_id": 1, "category_id": 1, "keypoints": [1, 2, 0.8, 3, 4, 0, 5, 6, 1], "score": 0.9}]
    scene, _ = read(tmp_path, results, "res.json", images=[str(gt)])
    assert only_object(scene).geometry == Keypoints([(1, 2), (3, 4), (5, 6)], [2, 0, 1], None)


def test_cvat_attributes_and_tracks_make_one_video(tmp_path: Path) -> None:
    images = [
        {"id": 1, "file_name": "frame_000000.png", "width": 20, "height": 10},
        {"id": 2, "file_name": "frame_000001.png", "width": 20, "height": 10},
    ]
    attrs = {"occluded": False, "track_id": 3, "keyframe": True, "color": "red", "count": 2, "rotation": 0.0}
    anns = [
        {"id": 1, "image_id": 1, "category_id": 2, "bbox": [1, 1, 2, 2], "attributes": attrs},
        {
            "id": 2,
            "image_id": 2,
            "category_id": 2,
            "bbox": [2, 1, 2, 2],
            "attributes": {**attrs, "keyframe": False},
        },
    ]
    scene, _ = read(tmp_path, dataset(anns, images), "instances_default.json")
    [seq] = scene.sequences
    assert (seq.name, seq.is_video, [f.id for f in seq.frames]) == ("instances_default", True, ["1", "2"])
    a, b = (f.objects[0] for f in seq.frames)
    assert a.attributes == {"occluded": "No", "keyframe": "Yes", "color": "red", "count": "2"}
    assert b.attributes == {"occluded": "No", "keyframe": "No", "color": "red", "count": "2"}
    assert a.track_id == b.track_id == 3


def test_cvat_rotation_turns_box_into_polygon(tmp_path: Path) -> None:
    # bbox [0, 0, 4, 2], centre (2, 1), rotated 90 degrees clockwise (y down):
    # (x, y) -> (2 - (y - 1), 1 + (x - 2)): (0,0)->(3,-1), (4,0)->(3,3), (4,2)->(1,3), (0,2)->(1,-1)
    ann = {"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 2], "attributes": {"rotation": 90.0}}
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert obj.geometry.exterior == [pytest.approx(p) for p in [(3, -1), (3, 3), (1, 3), (1, -1)]]
    [box] = obj.alternates
    assert isinstance(box, Box) and box.bounds() == pytest.approx((1, -1, 3, 3))
    assert obj.attributes is None


def test_datumaro_attributes_numbers_to_strings(tmp_path: Path) -> None:
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [0, 0, 1, 1],
        "attributes": {"x": 1, "y": "hello", "z": 0.5},
    }
    obj = only_object(read(tmp_path, dataset([ann]))[0])
    assert obj.attributes == {"x": "1", "y": "hello", "z": "0.5"}


def test_attribute_that_cannot_be_carried_is_warned(tmp_path: Path) -> None:
    ann = {
        "image_id": 1,
        "category_id": 1,
        "bbox": [0, 0, 1, 1],
        "attributes": {"ok": ["a", 1], "bad": {"k": 1}},
    }
    scene, report = read(tmp_path, dataset([ann]))
    assert only_object(scene).attributes == {"ok": ["a", "1"]}
    assert report.warnings["attribute_dropped"] == 1


# --- results lists ----------------------------------------------------------------------------------


@pytest.fixture
def gt(tmp_path: Path) -> Path:
    images = [IMG, {"id": 2, "file_name": "img2.jpg", "width": 50, "height": 40}]
    return write(tmp_path / "gt.json", {"images": images, "annotations": [], "categories": CATS})


def test_results_list_with_ground_truth(tmp_path: Path, gt: Path) -> None:
    results = [
        {"image_id": 1, "category_id": 2, "bbox": [10, 20, 30, 40], "score": 0.9},
        {"image_id": 2, "category_id": 1, "bbox": [1, 1, 1, 1], "score": 0.5},
    ]
    scene, report = read(tmp_path, results, "res.json", images=[str(gt)])
    f1, f2 = scene.frames()
    assert (f1.file_name, f1.width, f1.height) == ("img1.jpg", 100, 80)
    assert f1.objects[0].geometry == Box(10, 20, 40, 60)
    assert (f1.objects[0].label, f1.objects[0].confidence) == ("car", 0.9)
    assert f1.objects[0].source == f"{tmp_path / 'res.json'}:$[0]"
    assert f2.objects[0].label == "person"
    assert scene.labels == ["person", "car"]
    assert report.objects_read == 2


def test_results_list_unknown_image_skipped(tmp_path: Path, gt: Path) -> None:
    results = [{"image_id": 99, "category_id": 2, "bbox": [1, 1, 1, 1], "score": 0.9}]
    _, report = read(tmp_path, results, "res.json", images=[str(gt)])
    assert report.skipped["unknown_image"] == 1


def test_results_list_without_images_is_usage_error(tmp_path: Path) -> None:
    results = [{"image_id": 1, "category_id": 2, "bbox": [1, 1, 1, 1], "score": 0.9}]
    with pytest.raises(UsageError, match="--images"):
        read(tmp_path, results, "res.json")


def test_images_option_with_dataset_is_usage_error(tmp_path: Path, gt: Path) -> None:
    with pytest.raises(UsageError, match="--images is only used"):
        read(tmp_path, dataset([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]), images=[str(gt)])


def test_segmentation_results_carry_their_own_size(tmp_path: Path) -> None:
    # size [2, 3] (h=2, w=3), counts [2, 2, 2]: zeros = column 0; ones = column 1; zeros = column 2
    results = [{"image_id": 7, "category_id": 3, "segmentation": {"size": [2, 3], "counts": [2, 2, 2]}, "score": 1}]
    scene, _ = read(tmp_path, results, "res.json")
    [frame] = scene.frames()
    assert (frame.id, frame.file_name, frame.width, frame.height) == ("7", "7", 3, 2)
    obj = frame.objects[0]
    assert obj.label == "3" and scene.labels == ["3"]
    assert set(obj.geometry.exterior) == {(1, 0), (2, 0), (2, 2), (1, 2)}


def test_empty_results_list_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read(tmp_path, [], "res.json")


# --- video ------------------------------------------------------------------------------------------


def test_tao_frames_ordered_by_frame_index_with_tracks(tmp_path: Path) -> None:
    images = [
        {"id": 11, "video_id": 1, "frame_index": 10, "file_name": "v/10.jpg", "width": 8, "height": 6},
        {"id": 12, "video_id": 1, "frame_index": 0, "file_name": "v/0.jpg", "width": 8, "height": 6},
        {"id": 13, "video_id": 1, "frame_index": 5, "file_name": "v/5.jpg", "width": 8, "height": 6},
    ]
    anns = [
        {"id": i, "image_id": iid, "category_id": 1, "track_id": 42, "bbox": [0, 0, 1, 1]}
        for i, iid in enumerate((11, 12, 13))
    ]
    data = dataset(anns, images, videos=[{"id": 1, "name": "train/YFCC/v_1"}], tracks=[{"id": 42}])
    scene, _ = read(tmp_path, data)
    [seq] = scene.sequences
    assert (seq.name, seq.is_video) == ("train/YFCC/v_1", True)
    assert [(f.id, f.index) for f in seq.frames] == [("12", 0), ("13", 1), ("11", 2)]
    assert {o.track_id for o in scene.objects()} == {42}


def test_tao_annotation_category_must_be_its_tracks(tmp_path: Path) -> None:
    images = [{"id": i, "video_id": 1, "frame_index": i, "file_name": f"v/{i}.jpg", "width": 8, "height": 6}
              for i in range(3)]
    anns = [
        {"id": 0, "image_id": 0, "category_id": 1, "track_id": 42, "bbox": [0, 0, 1, 1]},
        {"id": 1, "image_id": 1, "category_id": 2, "track_id": 42, "bbox": [0, 0, 1, 1]},  # track 42 is a 1
        {"id": 2, "image_id": 2, "category_id": 2, "track_id": 7, "bbox": [0, 0, 1, 1]},  # track 7 not listed
    ]
    data = dataset(anns, images, videos=[{"id": 1, "name": "v"}], tracks=[{"id": 42, "category_id": 1, "video_id": 1}])
    scene, report = read(tmp_path, data)
    assert sorted((o.track_id, o.label) for o in scene.objects()) == [(7, "car"), (42, "person")]
    assert report.skipped == {"track_category_mismatch": 1}
    (issue,) = report.issues
    assert issue.location.endswith("$.annotations[1]")
    assert "category_id 2 differs from category_id 1 of track 42" in issue.message


def test_cocovid_frame_id_instance_id_and_folder_name(tmp_path: Path) -> None:
    images = [
        {"id": 2, "video_id": 9, "frame_id": 1, "file_name": "MOT17-02/000002.jpg", "width": 8, "height": 6},
        {"id": 1, "video_id": 9, "frame_id": 0, "file_name": "MOT17-02/000001.jpg", "width": 8, "height": 6},
        {"id": 3, "file_name": "still.jpg", "width": 8, "height": 6},
    ]
    anns = [{"image_id": 2, "category_id": 1, "instance_id": 5, "bbox": [0, 0, 1, 1]}]
    scene, _ = read(tmp_path, dataset(anns, images))
    still, video = scene.sequences
    assert (still.name, still.is_video) == ("still", False)
    assert (video.name, [f.id for f in video.frames]) == ("MOT17-02", ["1", "2"])
    assert only_object(scene).track_id == 5


def test_youtube_vis_dataset(tmp_path: Path) -> None:
    # 4x4 video, instance absent in frame 0, full mask in frame 1 (counts [0, 16])
    data = {
        "videos": [{"id": 1, "width": 4, "height": 4, "length": 2, "file_names": ["vid/0.jpg", "vid/5.jpg"]}],
        "annotations": [
            {
                "id": 30,
                "video_id": 1,
                "category_id": 2,
                "iscrowd": 0,
                "segmentations": [None, {"size": [4, 4], "counts": [0, 16]}],
                "bboxes": [None, [0, 0, 4, 4]],
                "areas": [None, 16],
            }
        ],
        "categories": CATS,
    }
    scene, report = read(tmp_path, data)
    [seq] = scene.sequences
    assert (seq.name, seq.is_video, [f.file_name for f in seq.frames]) == (
        "vid",
        True,
        ["vid/0.jpg", "vid/5.jpg"],
    )
    assert seq.frames[0].objects == []
    obj = seq.frames[1].objects[0]
    assert set(obj.geometry.exterior) == {(0, 0), (4, 0), (4, 4), (0, 4)}
    assert (obj.label, obj.track_id, obj.alternates) == ("car", 30, (Box(0, 0, 4, 4),))
    assert report.records_read == 1  # one non-null per-frame entry


def test_youtube_vis_results_without_ground_truth(tmp_path: Path) -> None:
    results = [
        {
            "video_id": 3,
            "category_id": 1,
            "score": 0.5,
            "segmentations": [{"size": [2, 2], "counts": [0, 4]}, None],
        }
    ]
    scene, _ = read(tmp_path, results, "res.json")
    [seq] = scene.sequences
    assert (seq.name, len(seq.frames), seq.frames[0].width) == ("video_3", 2, 2)
    obj = seq.frames[0].objects[0]
    assert (obj.label, obj.confidence, obj.track_id) == ("1", 0.5, 0)


# --- files and ids ----------------------------------------------------------------------------------


def test_directory_input_ignores_files_without_objects(tmp_path: Path) -> None:
    d = tmp_path / "annotations"
    d.mkdir()
    write(d / "instances_val.json", dataset([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]))
    write(d / "captions_val.json", {"images": [IMG], "annotations": [{"id": 1, "image_id": 1, "caption": "hi"}]})
    report = Report()
    scene = READER.read([tmp_path], {}, report)
    assert len(list(scene.objects())) == 1
    assert report.warnings["file_ignored"] == 1


def test_same_image_in_two_files_is_one_frame(tmp_path: Path) -> None:
    a = write(tmp_path / "instances.json", dataset([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]))
    b = write(tmp_path / "keypoints.json", dataset([{"image_id": 1, "category_id": 2, "bbox": [0, 0, 2, 2]}]))
    scene = READER.read([a, b], {}, Report())
    [seq] = scene.sequences
    assert [o.label for o in seq.frames[0].objects] == ["person", "car"]


def test_string_and_large_integer_ids(tmp_path: Path) -> None:
    big = 123456789012345678901234567890  # beyond 64 bits: orjson would make it a float
    images = [
        {"id": "abc", "file_name": "a.jpg", "width": 4, "height": 4},
        {"id": big, "file_name": "b.jpg", "width": 4, "height": 4},
    ]
    anns = [
        {"image_id": "abc", "category_id": 1, "bbox": [0, 0, 1, 1]},
        {"image_id": big, "category_id": 1, "bbox": [0, 0, 1, 1]},
    ]
    scene, _ = read(tmp_path, dataset(anns, images))
    assert [f.id for f in scene.frames()] == ["abc", "123456789012345678901234567890"]
    assert [len(f.objects) for f in scene.frames()] == [1, 1]


def test_image_id_given_as_string_of_the_integer(tmp_path: Path) -> None:
    scene, _ = read(tmp_path, dataset([{"image_id": "1", "category_id": "2", "bbox": [0, 0, 1, 1]}]))
    assert only_object(scene).label == "car"


def test_detections_embedded_without_ids_or_info(tmp_path: Path) -> None:
    data = {
        "images": [IMG],
        "annotations": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}],
        "categories": CATS,
        "type": "instances",
    }
    assert only_object(read(tmp_path, data)[0]).confidence == 1


def test_missing_categories_uses_ids(tmp_path: Path) -> None:
    scene, report = read(
        tmp_path, {"images": [IMG], "annotations": [{"image_id": 1, "category_id": 5, "bbox": [0, 0, 1, 1]}]}
    )
    assert only_object(scene).label == "5"
    assert report.warnings["categories_missing"] == 1


def test_sequence_name_matches_model() -> None:
    for name in ["a.jpg", "a", "a.b.c", ".x", "x.", "/a/b.c", "a.b/c", "a//b.c", "./a.c", "a\\b.c", "dir/.b"]:
        assert sequence_name(name) == still_sequence_name(name)


def test_reader_metadata() -> None:
    assert READER.name == "coco"
    assert any("results list" in v for v in READER.variants)
    assert any("YouTube-VIS" in v for v in READER.variants)


def test_results_with_large_integer_ids(tmp_path: Path) -> None:
    big = 2**70 + 1  # beyond 64 bits in both the ground truth and the results list
    gt = write(
        tmp_path / "gt.json",
        {"images": [{"id": big, "file_name": "a.jpg", "width": 4, "height": 4}], "categories": CATS},
    )
    results = [{"image_id": big, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]
    scene, report = read(tmp_path, results, "res.json", images=[str(gt)])
    assert report.records_skipped == 0
    assert [f.id for f in scene.frames()] == [str(big)]


def test_tao_results_with_video_ground_truth(tmp_path: Path) -> None:
    images = [
        {"id": 2, "video_id": 1, "frame_index": 5, "file_name": "v/5.jpg", "width": 8, "height": 6},
        {"id": 1, "video_id": 1, "frame_index": 0, "file_name": "v/0.jpg", "width": 8, "height": 6},
    ]
    gt = write(tmp_path / "gt.json", {"videos": [{"id": 1, "name": "v"}], "images": images, "categories": CATS})
    results = [
        {"image_id": i, "video_id": 1, "category_id": 2, "bbox": [0, 0, 2, 2], "score": 0.8, "track_id": 7}
        for i in (1, 2)
    ]
    scene, _ = read(tmp_path, results, "res.json", images=[str(gt)])
    [seq] = scene.sequences
    assert (seq.name, seq.is_video, [f.id for f in seq.frames]) == ("v", True, ["1", "2"])
    assert [o.track_id for o in scene.objects()] == [7, 7]


# --- leniency for files other converters write (issue 13) --------------------------------------


def test_sizes_written_as_numeric_strings_are_numbers(tmp_path: Path) -> None:
    images = [{"id": 1, "file_name": "a.jpg", "width": "3264", "height": "2448"},
              {"id": 2, "file_name": "b.jpg", "width": 100, "height": "50.5"}]
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [326.4, 244.8, 326.4, 244.8]},
            {"id": 2, "image_id": 2, "category_id": 1, "bbox": [10, 5, 20, 10]}]
    scene, report = read(tmp_path, {"images": images, "annotations": anns, "categories": CATS})
    a, b = scene.frames()
    assert (a.width, a.height, b.width, b.height) == (3264, 2448, 100, 50.5)
    assert a.objects[0].geometry == Box(326.4, 244.8, 652.8, 489.6)
    assert report.warnings == {"size_as_text": 2}  # one warning for the file, counting both images
    [issue] = report.issues
    assert issue.location.endswith(":$.images[0]") and "read as numbers" in issue.message


def test_a_category_name_that_is_a_number_becomes_its_text(tmp_path: Path) -> None:
    cats = [{"id": 1, "name": 0}, {"id": 2, "name": 7.5}]
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]}]
    scene, _ = read(tmp_path, {"images": [IMG], "annotations": anns, "categories": cats})
    assert [o.label for o in scene.objects()] == ["0", "7.5"]
    assert scene.labels == ["0", "7.5"]


def test_empty_annotations_give_empty_frames_and_exit_0(tmp_path: Path) -> None:
    from converters.cli import main

    images = [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10},
              {"id": 2, "file_name": "b.jpg", "width": 20, "height": 10}]
    src = write(tmp_path / "in.json", {"images": images, "annotations": [], "categories": CATS})
    out = tmp_path / "jobs.jsonl"
    code = main(["convert", str(src), "--from", "coco", "--out", str(out), "--quiet"],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    jobs = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [j["reference_id"] for j in jobs] == ["a", "b"]  # a still image's sequence: its name without extension
    assert all(j["data"]["maker_response"]["video2d"]["data"]["annotations"] == [] for j in jobs)

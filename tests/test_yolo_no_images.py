"""YOLO labels without images (a detector's ``save_txt`` output, a label export): YOLO's values are
normalized, and so are Playment's, so no image size is needed. Expected values are worked by hand
from the rows: a detect row ``c xc yc w h`` is the box x xc - w/2 .. xc + w/2, y yc - h/2 .. yc + h/2."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from yolo_helpers import read, write

from converters.cli import main
from converters.model import Box, Polygon


def test_a_label_folder_converts_in_normalized_units(tmp_path: Path) -> None:
    write(tmp_path, {
        "labels/a.txt": "0 0.5 0.5 0.2 0.4\n1 0.25 0.75 0.5 0.5\n",
        "labels/sub/b.txt": "1 0.3 0.4 0.2 0.2\n",
        "labels/empty.txt": "",
        "classes.txt": "person\ncar\n",
    })
    scene, report = read(tmp_path / "labels", names=str(tmp_path / "classes.txt"))
    by_name = {f.file_name: f for f in scene.frames()}
    assert sorted(by_name) == ["a", "empty", "sub/b"]  # the label's path without .txt
    a = by_name["a"]
    assert (a.width, a.height) == (1.0, 1.0)
    assert [(o.label, o.geometry) for o in a.objects] == [
        ("person", Box(0.4, 0.3, 0.6, 0.7)),  # 0.5 -+ 0.1, 0.5 -+ 0.2
        ("car", Box(0.0, 0.5, 0.5, 1.0)),  # 0.25 -+ 0.25, 0.75 -+ 0.25
    ]
    [b] = by_name["sub/b"].objects
    assert tuple(b.geometry.bounds()) == pytest.approx((0.2, 0.3, 0.4, 0.5))  # 0.3 - 0.1 is 0.19999999999999998
    assert by_name["empty"].objects == []  # an empty label file: an empty frame, no error
    assert report.warnings == {"no_image": 3}
    [issue] = [i for i in report.issues if i.code == "no_image"]
    assert "3 frame(s) have no image" in issue.message and "--frame-url" in issue.message


def test_segment_rows_without_images(tmp_path: Path) -> None:
    write(tmp_path, {"labels/a.txt": "0 0.1 0.2 0.3 0.4 0.5 0.1\n", "classes.txt": "road\n"})
    scene, _ = read(tmp_path / "labels", names=str(tmp_path / "classes.txt"), yolo_task="segment")
    [obj] = scene.objects()
    assert obj.geometry == Polygon([(0.1, 0.2), (0.3, 0.4), (0.5, 0.1)])


def test_cli_writes_normalized_jobs_with_frame_urls_from_the_label_names(tmp_path: Path) -> None:
    write(tmp_path, {"labels/a.txt": "0 0.5 0.5 0.2 0.4 0.9\n0 0.95 0.5 0.2 0.2 0.8\n", "classes.txt": "person\n"})
    out = tmp_path / "jobs.jsonl"
    err = io.StringIO()
    code = main(["convert", str(tmp_path / "labels"), "--from", "yolo", "--names", str(tmp_path / "classes.txt"),
                 "--yolo-columns", "conf", "--frame-url", "https://host/images/{file_name}.jpg",
                 "--out", str(out)], stdout=io.StringIO(), stderr=err)
    assert code == 0, err.getvalue()
    [job] = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert job["reference_id"] == "a"
    assert job["data"]["video_data"]["frames"] == [{"frame_id": "a", "src": "https://host/images/a.jpg"}]
    first, second = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    assert first["frames"]["a"]["coordinates"] == [
        {"x": 0.4, "y": 0.3}, {"x": 0.6, "y": 0.3}, {"x": 0.6, "y": 0.7}, {"x": 0.4, "y": 0.7}]
    # x 0.85 .. 1.05: clamped to the frame's right edge, and counted
    assert [p["x"] for p in second["frames"]["a"]["coordinates"]] == [pytest.approx(0.85), 1.0, 1.0,
                                                                        pytest.approx(0.85)]
    assert "points clamped" in err.getvalue()


def test_a_label_that_matches_no_image_in_images_is_still_an_error(tmp_path: Path) -> None:
    """--images says where the images are: a label without its image there is an error, not a guess."""
    from converters.errors import InputError

    write(tmp_path, {"labels/a.txt": "0 0.5 0.5 0.2 0.4\n", "imgs/other.png": "10x10", "classes.txt": "person\n"})
    with pytest.raises(InputError, match="no image in --images matches"):
        read(tmp_path / "labels", names=str(tmp_path / "classes.txt"), images=[str(tmp_path / "imgs")])


def test_frames_with_and_without_images_mix(tmp_path: Path) -> None:
    write(tmp_path, {"data/a.txt": "0 0.5 0.5 0.2 0.4\n", "data/a.png": "200x100",
                     "data/b.txt": "0 0.5 0.5 0.2 0.4\n", "classes.txt": "person\n"})
    scene, report = read(tmp_path / "data", names=str(tmp_path / "classes.txt"))
    frames = {f.file_name: f for f in scene.frames()}
    assert frames["a.png"].objects[0].geometry == Box(80, 30, 120, 70)  # pixels: 200 x 100 image
    assert frames["b"].objects[0].geometry == Box(0.4, 0.3, 0.6, 0.7)  # normalized
    assert report.warnings == {"no_image": 1}

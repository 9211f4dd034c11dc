"""The CVAT files of ../shared/real-world convert; counts checked by hand against the XML."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from converters.cli import main
from converters.errors import Report
from converters.formats.cvat import READER
from converters.model import Box, Keypoints, Polygon, Polyline

CASES = (
    "for_images_task/train.xml",
    "for_images_project/annotations.xml",
    "for_video_tracks/annotations.xml",
)


@pytest.fixture
def cvat_dir(real_world: Path) -> Path:
    return real_world / "datumaro" / "cvat"


def test_every_cvat_case_is_covered(cvat_dir: Path) -> None:
    found = sorted(str(p.relative_to(cvat_dir)) for p in cvat_dir.rglob("*.xml"))
    assert found == sorted(CASES)


def test_for_images_task(cvat_dir: Path) -> None:
    # train.xml: 2 <image>s.
    #   img0 (id 0, 8x8): <box label1 occluded=1 (0,2)-(4,4)> with a1=true a2=v3 a3=0003 a4=2.4,
    #                     <polyline label=""> -> no label: skipped
    #   img1 (id 1, 10x10): <polygon label=""> -> skipped, <points label2 1,2;3,4;5,6>
    # 4 records, 2 objects, 2 skipped (missing_label).
    report = Report()
    scene = READER.read([cvat_dir / CASES[0]], {}, report).expand_columns()
    assert [(s.name, s.is_video) for s in scene.sequences] == [("img0", False), ("img1", False)]
    frames = [s.frames[0] for s in scene.sequences]
    assert [(f.id, f.file_name, f.width, f.height) for f in frames] == [
        ("0", "img0.jpg", 8.0, 8.0),
        ("1", "img1.jpg", 10.0, 10.0),
    ]
    (box,) = frames[0].objects
    assert (box.label, box.geometry) == ("label1", Box(0, 2, 4, 4))
    # a1 is a checkbox (true -> Yes); a2 radio, a3 text, a4 number keep their text
    assert box.attributes == {"occluded": "Yes", "a1": "Yes", "a2": "v3", "a3": "0003", "a4": "2.4"}
    (pts,) = frames[1].objects
    assert (pts.label, pts.geometry) == ("label2", Keypoints([(1, 2), (3, 4), (5, 6)], [2, 2, 2]))
    assert (report.records_read, report.objects_read) == (4, 2)
    assert report.skipped == {"missing_label": 2}
    assert scene.labels == ["label1", "label2"]


def test_for_images_project(cvat_dir: Path) -> None:
    # annotations.xml: project with tasks Test(39), train(37), Validation(38), one subset each.
    # 6 <image>s: subsets Test, Train, Validation x {img0 (id 0, 8x8), img1 (id 1, 10x10)}; the same
    # ids and names repeat, so sequences are named subset/stem.
    #   img0: box label1 (0,2)-(4,4) + polyline label2 1.0,2;3,4;5,6;7,8
    #   img1: polygon label1 1,2;3,4;6,5 + points label2 1,2;3,4;5,6
    # 12 records, 12 objects, nothing skipped.
    report = Report()
    scene = READER.read([cvat_dir / CASES[1]], {}, report).expand_columns()
    assert [s.name for s in scene.sequences] == [
        f"{subset}/{stem}" for subset in ("Test", "Train", "Validation") for stem in ("img0", "img1")
    ]
    for seq in scene.sequences:
        frame = seq.frames[0]
        kinds = [type(o.geometry) for o in frame.objects]
        if frame.file_name == "img0.jpg":
            assert (frame.id, frame.width) == ("0", 8.0) and kinds == [Box, Polyline]
            assert frame.objects[1].geometry == Polyline([(1, 2), (3, 4), (5, 6), (7, 8)])
        else:
            assert (frame.id, frame.width) == ("1", 10.0) and kinds == [Polygon, Keypoints]
            assert frame.objects[0].geometry == Polygon([(1, 2), (3, 4), (6, 5)])
    assert (report.records_read, report.objects_read, report.records_skipped) == (12, 12, 0)


def test_for_video_tracks(cvat_dir: Path) -> None:
    # start_frame 10, stop_frame 19, frame_filter step=3 -> frames 10, 13, 16, 19 (meta size 4);
    # original_size 25 x 20; task name v1.
    #   track 0 "II":   box 10 (occluded=1) | 13 outside | 16 outside       -> 1 object (frame 10)
    #   track 1 "klhg": points 10 (hgl=hgkf) | 13 outside                    -> 1 object (frame 10)
    #   track 2 "II":   polyline 13 | 16 outside                             -> 1 object (frame 13)
    # 3 records (outside rows are markers), 3 objects, 3 trackers; frames 16 and 19 empty.
    report = Report()
    scene = READER.read([cvat_dir / CASES[2]], {}, report).expand_columns()
    (seq,) = scene.sequences
    assert (seq.name, seq.is_video) == ("v1", True)
    assert [f.id for f in seq.frames] == ["10", "13", "16", "19"]
    assert {(f.width, f.height) for f in seq.frames} == {(25.0, 20.0)}
    assert [len(f.objects) for f in seq.frames] == [2, 1, 0, 0]
    box, pts = seq.frames[0].objects
    assert (box.track_id, box.label, box.geometry) == ("0", "II", Box(3, 4, 10, 5))
    assert box.attributes == {"occluded": "Yes"}
    assert (pts.track_id, pts.label) == ("1", "klhg")
    assert pts.geometry == Keypoints([(21.95, 8.0), (2.55, 15.09), (2.23, 3.16)], [2, 2, 2])
    assert pts.attributes == {"occluded": "No", "hgl": "hgkf"}
    (line,) = seq.frames[1].objects
    assert (line.track_id, line.label) == ("2", "II")
    assert line.geometry == Polyline([(7.85, 13.88), (3.5, 6.67), (15.9, 2.0), (13.31, 7.21)])
    assert (report.records_read, report.objects_read, report.records_skipped) == (3, 3, 0)
    assert scene.labels == ["klhg", "z U k", "II"]


@pytest.mark.parametrize(
    ("case", "exit_code", "jobs"),
    [(CASES[0], 1, 2), (CASES[1], 0, 6), (CASES[2], 0, 1)],  # exit 1: two records skipped
)
def test_cli_converts_every_case(cvat_dir: Path, tmp_path: Path, case: str, exit_code: int, jobs: int) -> None:
    out = tmp_path / "out.jsonl"
    code = main(
        ["convert", str(cvat_dir / case), "--from", "cvat", "--out", str(out), "--quiet"],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert code == exit_code
    payloads = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(payloads) == jobs
    if case == CASES[2]:
        (job,) = payloads
        assert [f["frame_id"] for f in job["data"]["video_data"]["frames"]] == ["10", "13", "16", "19"]
        trackers = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
        assert sorted((t["type"], t["label"], sorted(t["frames"])) for t in trackers) == [
            ("landmark", "klhg", ["10"]),
            ("line", "II", ["13"]),
            ("rectangle", "II", ["10"]),
        ]

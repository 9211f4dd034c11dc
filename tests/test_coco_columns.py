"""COCO in bounded memory: annotations parsed a chunk at a time (``_json.RawRecords``) and a frame's
plain boxes kept as columns (``model.FrameBoxes``) give exactly what the whole-file parse with one
object per annotation gives (``fast_paths.reference_only()``): the same output bytes, the same
report, the same messages. Chunks are made tiny here so that every case crosses chunk boundaries.
"""

from __future__ import annotations

import contextlib
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import REAL_WORLD
from helpers import both_ways, write

from converters import fast_paths
from converters.errors import Report
from converters.formats.coco import READER
from converters.formats.coco import _json as coco_json
from converters.model import FrameBoxes

REPO = Path(__file__).resolve().parent.parent
CASES = sorted(p.parent for p in (REPO / "fixtures" / "coco").glob("*/case.json"))
REAL = sorted(p for p in REAL_WORLD.glob("*/coco/**/*.json"))


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coco_json, "CHUNK_RECORDS", 2)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_cases_are_the_same_both_ways(case: Path, tmp_path: Path) -> None:
    spec = orjson.loads((case / "case.json").read_bytes())
    args = [a.replace("{case}", str(case)) for a in spec["args"]]
    code, _, data, _ = both_ways(args, tmp_path)
    assert code == spec.get("exit", 0) and data  # the case really converted something


@pytest.mark.parametrize("path", REAL, ids=lambda p: str(p.relative_to(REAL_WORLD)))
def test_real_world_files_are_the_same_both_ways(path: Path, tmp_path: Path) -> None:
    both_ways(["convert", str(path), "--from", "coco"], tmp_path)


@pytest.mark.skipif(not REAL_WORLD.is_dir(), reason=f"real-world set not found at {REAL_WORLD}")
def test_real_world_files_were_found() -> None:
    assert len(REAL) >= 20


def _dataset(anns: list[Any]) -> dict[str, Any]:
    return {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
                       {"id": 2, "file_name": "b.jpg", "width": 100, "height": 80}],
            "categories": [{"id": 1, "name": "car"}], "annotations": anns}


def test_boxes_then_a_polygon_then_boxes_on_one_frame_keep_the_order_read(tmp_path: Path) -> None:
    """A polygon arriving after column-stored boxes expands them first; later boxes follow it."""
    anns = [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]},
        {"id": 2, "image_id": 2, "category_id": 1, "bbox": [5, 5, 5, 5], "score": 0.25},
        {"id": 3, "image_id": 1, "category_id": 1, "bbox": [10, 10, 10, 10], "score": 1},
        {"id": 4, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 10, 0, 10, 10]]},
        {"id": 5, "image_id": 1, "category_id": 1, "bbox": [20, 20, 5, 5]},
        {"id": 6, "image_id": 2, "category_id": 1, "bbox": [30, 30, 5, 5]},
    ]
    src = write(tmp_path / "in.json", orjson.dumps(_dataset(anns)))
    both_ways(["convert", str(src), "--from", "coco"], tmp_path)
    both_ways(["convert", str(src), "--from", "coco", "--min-score", "0.5", "--score-attribute", "score"], tmp_path)

    scene = READER.read([src], {}, Report())
    a, b = (next(f for f in scene.frames() if f.file_name == n) for n in ("a.jpg", "b.jpg"))
    assert a.boxes is None and [o.source.rsplit("[", 1)[1] for o in a.objects] == ["0]", "2]", "3]", "4]"]
    assert isinstance(b.boxes, FrameBoxes) and not b.objects
    assert [b.boxes.source(i).rsplit("[", 1)[1] for i in range(2)] == ["1]", "5]"]
    # hand-worked: bbox [5, 5, 5, 5] -> x1 5, y1 5, x2 10, y2 10; [30, 30, 5, 5] -> 30, 30, 35, 35
    assert list(b.boxes.coords) == [5, 5, 10, 10, 30, 30, 35, 35]
    assert b.boxes.confidence(0) == 0.25 and b.boxes.confidence(1) is None
    assert [o.confidence for o in b.boxes.objects()] == [0.25, None]


def test_two_results_files_on_shared_ground_truth_frames(tmp_path: Path) -> None:
    """Results of two files land on the same --images frames: the second file's boxes cannot share
    the first file's columns (their sources name another file), so the frame's boxes become objects."""
    gt = write(tmp_path / "gt.json", orjson.dumps(_dataset([])))
    box = {"image_id": 1, "category_id": 1}
    r1 = write(tmp_path / "r1.json", orjson.dumps([{**box, "bbox": [1, 1, 2, 2], "score": 0.9}]))
    r2 = write(tmp_path / "r2.json", orjson.dumps([{**box, "bbox": [3, 3, 2, 2], "score": 0.8},
                                                   {**box, "bbox": [5, 5, 2, 2]}]))
    both_ways(["convert", str(r1), str(r2), "--from", "coco", "--images", str(gt)], tmp_path)
    scene = READER.read([r1, r2], {"images": [str(gt)]}, Report())
    frame = next(f for f in scene.frames() if f.file_name == "a.jpg")
    assert frame.boxes is None
    assert [o.source for o in frame.objects] == [f"{r1}:$[0]", f"{r2}:$[0]", f"{r2}:$[1]"]


def test_bad_records_across_chunks_are_located_by_their_index(tmp_path: Path) -> None:
    anns: list[Any] = [{"id": k, "image_id": 1, "category_id": 1, "bbox": [k, k, 2, 2]} for k in range(9)]
    anns[4] = [1, 2]  # not an object
    anns[7] = {"id": 7, "image_id": 9, "category_id": 1, "bbox": [1, 1, 1, 1]}  # unknown image
    src = write(tmp_path / "in.json", orjson.dumps(_dataset(anns)))
    code, _, _, rep = both_ways(["convert", str(src), "--from", "coco"], tmp_path)
    assert code == 1
    assert [(i["code"], i["location"]) for i in rep["issues"]] == [
        ("annotation_invalid", f"{src}:$.annotations[4]"), ("unknown_image", f"{src}:$.annotations[7]")]
    assert rep["records_read"] == 9 and rep["objects_emitted"] == 7


def test_unusual_json_falls_back_to_the_whole_file_parser(tmp_path: Path) -> None:
    """NaN literals (msgspec refuses them), a BOM, integers beyond 64 bits: read as before."""
    nan = write(tmp_path / "nan.json", b'{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], '
                b'"categories": [{"id": 1, "name": "car"}], "info": {"v": NaN}, '
                b'"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}]}')
    both_ways(["convert", str(nan), "--from", "coco"], tmp_path)
    bom = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + orjson.dumps(_dataset(
        [{"id": 1, "image_id": 2, "category_id": 1, "bbox": [1, 1, 2, 2]}])))
    both_ways(["convert", str(bom), "--from", "coco"], tmp_path)
    big = 2**70
    gt = write(tmp_path / "gt.json", f'{{"images": [{{"id": {big}, "file_name": "a.jpg", "width": 10, "height": 10}}],'
               ' "categories": [{"id": 1, "name": "car"}]}'.encode())
    res = write(tmp_path / "res.json", f'[{{"image_id": {big}, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 0.5}}]'
                .encode())
    code, _, data, _ = both_ways(["convert", str(res), "--from", "coco", "--images", str(gt)], tmp_path)
    assert code == 0 and b'"rectangle"' in data and str(big).encode() in data  # the id stayed exact


def test_raw_records_parse_in_chunks_and_release_what_they_hand_over(tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", b'[{"a": 1}, 2, "x", null, {"b": [1.5]}]')
    records = coco_json.load_lazy(path)
    assert isinstance(records, coco_json.RawRecords) and len(records) == 5
    assert records[1:3] == [2, "x"] and list(records) == [{"a": 1}, 2, "x", None, {"b": [1.5]}]
    chunks = records.chunks()
    assert next(chunks) == (0, [{"a": 1}, 2])
    assert records._items[:2] == [None, None]  # handed over: the raw text is dropped
    assert list(chunks) == [(2, ["x", None]), (4, [{"b": [1.5]}])]
    assert len(records) == 0


def test_a_dataset_keeps_every_other_key_parsed(tmp_path: Path) -> None:
    path = write(tmp_path / "d.json", orjson.dumps({"info": {"year": 2024}, **_dataset([{"id": 1}])}))
    data = coco_json.load_lazy(path)
    assert data["info"] == {"year": 2024} and data["images"][0]["file_name"] == "a.jpg"
    assert isinstance(data["annotations"], coco_json.RawRecords) and list(data["annotations"]) == [{"id": 1}]
    with fast_paths.reference_only():
        assert type(coco_json.load_lazy(path)["annotations"]) is list


def test_reading_takes_a_fraction_of_the_whole_file_parse_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20,000 scored boxes: Python's allocations at their peak while reading (tracemalloc, so the
    count is exact and the same on every run) with chunks and columns, against the whole-file parse
    with one object per box."""
    monkeypatch.setattr(coco_json, "CHUNK_RECORDS", 1024)
    anns = [{"id": k, "image_id": 1, "category_id": 1, "bbox": [k % 90, k % 70, 5.5, 5], "score": 0.5}
            for k in range(20000)]
    src = write(tmp_path / "in.json", orjson.dumps(_dataset(anns)))

    def peak(reference: bool) -> int:
        tracemalloc.start()
        with fast_paths.reference_only() if reference else contextlib.nullcontext():
            scene = READER.read([src], {}, Report())
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert scene.object_count == 20000
        return size

    fast, full = peak(False), peak(True)
    assert fast * 4 < full, (fast, full)


PLAIN = {"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}
NOT_QUITE_PLAIN = [
    {"iscrowd": True}, {"iscrowd": 1}, {"iscrowd": 0}, {"iscrowd": None}, {"iscrowd": False},
    {"keypoints": None}, {"attributes": {}}, {"track_id": 3}, {"instance_id": None},
    {"segmentation": []}, {"segmentation": None}, {"segmentation": {}}, {"segmentation": [[0, 0, 5, 0, 5, 5]]},
    {"image_id": "1"}, {"image_id": True}, {"image_id": 1.0}, {"image_id": 9}, {"category_id": "1"},
    {"category_id": 7}, {"bbox": [1, 2, 0, 4]}, {"bbox": [1, 2, 3]}, {"bbox": [1, 2, 3, True]},
    {"bbox": [1e308, 2, 1e308, 4]}, {"bbox": None}, {"bbox": "1,2,3,4"}, {"score": 1}, {"score": 0},
    {"score": 1.5}, {"score": -0.1}, {"score": True}, {"score": None}, {"score": "0.5"},
    {"id": 5, "area": 12, "extra": [1, {"x": None}]},
]


@pytest.mark.parametrize("variant", NOT_QUITE_PLAIN, ids=lambda v: orjson.dumps(v).decode())
@pytest.mark.parametrize("where", [0, 3, 7])
def test_records_near_the_plain_shape_read_the_same_at_any_place_in_a_chunk(
    variant: dict[str, Any], where: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The typed decode of plain box records (``_plain_boxes``) hands any record that is not quite
    plain, and the rest of its chunk, to the dict path: same bytes, report and messages."""
    monkeypatch.setattr(coco_json, "CHUNK_RECORDS", 8)
    anns = [{**PLAIN, "bbox": [k, k, 2 + k, 3], "score": 0.5 if k % 2 else None} for k in range(12)]
    for a in anns:
        if a["score"] is None:
            del a["score"]
    anns[where] = {**anns[where], **variant}
    src = write(tmp_path / "in.json", orjson.dumps(_dataset(anns)))
    both_ways(["convert", str(src), "--from", "coco"], tmp_path)
    both_ways(["convert", str(src), "--from", "coco", "--min-score", "0.4"], tmp_path)


def test_plain_box_records_never_build_a_dict(tmp_path: Path) -> None:
    """A file of plain box records (ints, floats, scores, ``segmentation: []``, unknown keys) is read
    by the typed decode alone: the dict path is never called."""
    from unittest import mock

    from converters.formats.coco import _reader

    anns = [{"id": k, "image_id": 1 + k % 2, "category_id": 1, "bbox": [k, 2.5, 3, 4], "area": 12,
             "iscrowd": 0, "segmentation": [], **({"score": 0.25} if k % 3 else {})} for k in range(40)]
    src = write(tmp_path / "in.json", orjson.dumps(_dataset(anns)))
    with mock.patch.object(_reader, "_read_chunk", side_effect=AssertionError("dict path")):
        scene = READER.read([src], {}, Report())
    a = next(f for f in scene.frames() if f.file_name == "a.jpg")
    assert a.boxes is not None and len(a.boxes) == 20 and not a.objects
    # record 2 (k = 2, on image 1): bbox [2, 2.5, 3, 4] -> 2, 2.5, 5, 6.5; score 0.25 (k % 3 != 0)
    assert a.boxes.source(1) == f"{src}:$.annotations[2]" and list(a.boxes.coords[4:8]) == [2, 2.5, 5, 6.5]
    assert a.boxes.confidence(0) is None and a.boxes.confidence(1) == 0.25

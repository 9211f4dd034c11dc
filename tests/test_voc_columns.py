"""Column-stored VOC boxes (model.FrameBoxes) against the same boxes expanded into SceneObjects.

``convert`` reads with ``compact=True``: the boxes of a plain annotation file without scores stay
in columns and the builder plans them without an object per box (``PayloadBuilder._plan_boxes``).
``read_scene`` (expanded) plus ``write_scene`` takes the object path. Both must give the same bytes
and the same report, issue by issue, whatever the boxes: inside, partly outside (clamped), of zero
width (skipped), below pixel 1 (warned), with scores (objects), with options that select.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from converters import ConvertOptions, convert
from converters.errors import Report
from converters.formats.voc import READER
from converters.options import LabelRule
from converters.pipeline import read_scene, write_scene


def _file(rng: random.Random, k: int) -> str:
    objs = []
    for _ in range(rng.randrange(0, 8)):
        x = rng.choice([1, 5, 20.5, 90, 0.5, 0])
        w = rng.choice([0, 3, 10.25, 40])  # 0: a zero-width box when read 0-based
        y = rng.choice([1, 7, 30])
        score = f"<score>{rng.random():.3f}</score>" if k % 5 == 4 else ""
        difficult = rng.choice(["0", "1"])
        objs.append(
            f"<object><name>{rng.choice(['car', 'dog', 'person'])}</name><pose>{rng.choice(['Left', 'Unspecified'])}"
            f"</pose><truncated>{rng.choice(['0', '1'])}</truncated><difficult>{difficult}</difficult>"
            f"<bndbox><xmin>{x}</xmin><ymin>{y}</ymin><xmax>{x + w}</xmax><ymax>{y + 12}</ymax></bndbox>{score}"
            "</object>"
        )
    return (f"<annotation><folder>VOC</folder><filename>{k:04d}.jpg</filename><size><width>100</width>"
            f"<height>{rng.choice([40, 60])}</height><depth>3</depth></size>{''.join(objs)}</annotation>")


def _folder(tmp_path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    folder = tmp_path / "Annotations"
    folder.mkdir()
    for k in range(12):
        (folder / f"{k:04d}.xml").write_text(_file(rng, k))
    return folder


def _both(folder: Path, out: Path, options: ConvertOptions, reader_options: dict[str, object]) -> None:
    compact_report = Report()
    convert([folder], "voc", out / "compact.jsonl", options=options, reader_options=reader_options,
            report=compact_report)
    expanded_report = Report()
    scene = read_scene([folder], "voc", expanded_report, reader_options)
    assert all(f.boxes is None for f in scene.frames())
    write_scene(scene, out / "expanded.jsonl", options, expanded_report)
    assert (out / "compact.jsonl").read_bytes() == (out / "expanded.jsonl").read_bytes()
    assert compact_report.to_dict() == expanded_report.to_dict()


@pytest.mark.parametrize("zero_based", [False, True])
@pytest.mark.parametrize("seed", range(15))
def test_columns_convert_like_objects(seed: int, zero_based: bool, tmp_path: Path) -> None:
    _both(_folder(tmp_path, seed), tmp_path, ConvertOptions(), {"voc_zero_based": zero_based})


@pytest.mark.parametrize("options", [
    ConvertOptions(frames_per_job=5),
    ConvertOptions(label_map={"dog": LabelRule(None)}),
    ConvertOptions(job_type="image"),
])
def test_options_convert_like_objects(options: ConvertOptions, tmp_path: Path) -> None:
    _both(_folder(tmp_path, 7), tmp_path, options, {})


def test_plain_files_without_scores_keep_columns(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 3)
    scene = READER.read([folder], {}, Report())
    kept = [f.boxes is not None for f in scene.frames()]
    assert kept.count(True) >= 6  # files 4 and 9 have scores; empty files have no boxes either way
    for f in scene.frames():
        if f.stem in ("0004", "0009"):
            assert f.boxes is None
    first = next(f for f in scene.frames() if f.boxes is not None and len(f.boxes))
    n = len(first.boxes)  # type: ignore[arg-type]
    first.expand_boxes()
    assert len(first.objects) == n and first.boxes is None
    assert first.objects[0].source.endswith(".xml <object 1>")


def test_frame_boxes_outside_the_frame_are_skipped_or_clamped_like_objects(tmp_path: Path) -> None:
    """Hand-made columns (no reader makes a box wholly outside): inside, wholly outside (skipped as
    rectangle_degenerate), partly outside (clamped), in one 100 x 50 frame."""
    import orjson

    from converters.model import Frame, FrameBoxes, scene_from_frames
    from converters.pipeline import iter_payloads

    def scene() -> object:
        boxes = FrameBoxes("hand.xml <object ", ">")
        for label, coords in (("car", (10.0, 10.0, 20.0, 20.0)), ("dog", (150.0, 10.0, 160.0, 20.0)),
                              ("cat", (90.0, 10.0, 120.0, 20.0))):
            boxes.labels.append(label)
            boxes.coords.extend(coords)
            boxes.attributes.append(None)
        frame = Frame("f", "f.jpg", 100.0, 50.0)
        frame.boxes = boxes
        return scene_from_frames([frame])

    compact, expanded = Report(), Report()
    write_scene(scene(), tmp_path / "c.jsonl", ConvertOptions(), compact)  # type: ignore[arg-type]
    (payload,) = iter_payloads(scene(), ConvertOptions(), expanded)  # type: ignore[arg-type]
    assert (tmp_path / "c.jsonl").read_bytes() == orjson.dumps(payload) + b"\n"
    assert compact.to_dict() == expanded.to_dict()
    # clamped corners: TR and BR of the partly outside box (x 120 -> 1); the skipped box counts none
    assert compact.skipped == {"rectangle_degenerate": 1} and compact.clamped_points == 2
    trackers = payload["data"]["maker_response"]["video2d"]["data"]["annotations"]
    assert [t["label"] for t in trackers] == ["car", "cat"]
    assert trackers[1]["frames"]["f"]["coordinates"][1] == {"x": 1.0, "y": 0.2}  # 120 / 100 clamped to 1
    assert compact.issues[0].location == "hand.xml <object 2>"

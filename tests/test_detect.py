"""``--from auto`` (the format told from the content), "no ... found" for an input that yields
nothing, and the hint after a wrong ``--from``."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from helpers import write

from converters import InputError, Report, convert
from converters.cli import main
from converters.formats._detect import detect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = [
    ("coco", FIXTURES / "coco/bbox_dataset/input.json"),
    ("cvat", FIXTURES / "cvat/images_shapes/annotations.xml"),
    ("voc", FIXTURES / "voc/devkit_parts_actions/VOC"),
    ("yolo", FIXTURES / "yolo/detect_dataset"),
]


def _cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(args), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


@pytest.mark.parametrize(("fmt", "path"), CASES, ids=[c[0] for c in CASES])
def test_auto_detects_each_format_and_writes_the_same_jobs(tmp_path: Path, fmt: str, path: Path) -> None:
    assert detect([path]) is not None and detect([path])[0] == fmt  # type: ignore[index]
    code, err = _cli("convert", str(path), "--from", "auto", "--out", str(tmp_path / "auto.jsonl"))
    assert code == 0, err
    assert f"input format: {fmt} (" in err
    code, _ = _cli("convert", str(path), "--from", fmt, "--out", str(tmp_path / "named.jsonl"), "--quiet")
    assert code == 0
    assert (tmp_path / "auto.jsonl").read_bytes() == (tmp_path / "named.jsonl").read_bytes()


def test_auto_in_the_library_notes_the_choice(tmp_path: Path) -> None:
    report = convert(CASES[0][1], "auto", tmp_path / "jobs.jsonl")
    assert report.input_format == f"coco ({CASES[0][1]})"
    assert report.to_dict()["input_format"] == report.input_format
    assert "input_format" not in convert(CASES[0][1], "coco", tmp_path / "again.jsonl").to_dict()


def test_auto_on_content_it_cannot_tell(tmp_path: Path) -> None:
    src = write(tmp_path / "notes.txt", "hello world\n")
    code, err = _cli("convert", str(src), "--from", "auto", "--out", str(tmp_path / "o.jsonl"))
    assert code == 1 and "cannot tell the format" in err and "--from" in err


def test_an_empty_folder_is_an_error_for_every_reader(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for fmt, what in (("yolo", f"no YOLO label files found in {empty}"),
                      ("coco", f"no COCO JSON files found in {empty}"),
                      ("cvat", f"no CVAT XML files found in {empty}"),
                      ("voc", "no VOC annotation (*.xml) or detection result (*_det_*.txt) files in this folder")):
        code, err = _cli("convert", str(empty), "--from", fmt, "--out", str(tmp_path / f"{fmt}.jsonl"))
        assert code == 1, (fmt, err)
        assert what in err, err
        assert not (tmp_path / f"{fmt}.jsonl").exists()


def test_a_wrong_from_hints_at_the_right_one(tmp_path: Path) -> None:
    coco = tmp_path / "coco"
    coco.mkdir()
    shutil.copy(CASES[0][1], coco / "instances.json")
    code, err = _cli("convert", str(coco), "--from", "yolo", "--out", str(tmp_path / "a.jsonl"))
    assert code == 1 and "no YOLO label files found" in err
    assert "this looks like COCO JSON" in err and "use --from coco" in err
    code, err = _cli("convert", str(CASES[1][1]), "--from", "voc", "--out", str(tmp_path / "b.jsonl"))
    assert code == 1 and "this looks like CVAT XML" in err and "use --from cvat" in err
    with pytest.raises(InputError, match=r"use fmt=cvat\)"):  # the library names its keyword
        convert(CASES[1][1], "voc", tmp_path / "c.jsonl", report=Report())

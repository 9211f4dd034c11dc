"""A ``.zip`` of a COCO, YOLO or Pascal VOC export converts like the folder it holds; unpacking is
bounded, private, and gone afterwards; messages name the member inside the archive."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from helpers import write
from PIL import Image

from converters import InputError, Report, convert, read_scene
from converters.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(folder).as_posix())
    return archive


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Unpacking goes to a temp folder we can watch: it must be empty after every run."""
    tmp = tmp_path / "TMP"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.mark.parametrize(("fmt", "folder"), [
    ("coco", FIXTURES / "coco/bbox_dataset"),
    ("yolo", FIXTURES / "yolo/detect_dataset"),
    ("voc", FIXTURES / "voc/devkit_parts_actions/VOC"),
], ids=["coco", "yolo", "voc"])
def test_a_zipped_export_converts_like_its_folder(tmp_path: Path, private_tmp: Path, fmt: str, folder: Path) -> None:
    if fmt == "coco":  # a Roboflow COCO download: train/_annotations.coco.json
        src = tmp_path / "export"
        shutil.copytree(folder, src / "train")
        (src / "train" / "input.json").rename(src / "train" / "_annotations.coco.json")
        for extra in ("case.json", "expected.jsonl"):
            (src / "train" / extra).unlink()
        folder = src
    archive = _zip_folder(folder, tmp_path / "export.zip")
    from_zip = convert(archive, fmt, tmp_path / "zip.jsonl")
    from_folder = convert(folder, fmt, tmp_path / "folder.jsonl")
    assert (tmp_path / "zip.jsonl").read_bytes() == (tmp_path / "folder.jsonl").read_bytes()
    assert from_zip.jobs == from_folder.jobs > 0
    assert list(private_tmp.iterdir()) == []  # unpacked, read, removed


def test_messages_name_the_member_inside_the_archive(tmp_path: Path, private_tmp: Path) -> None:
    src = tmp_path / "src"
    write(src / "data.yaml", "train: images\nnames: [cat]\n")
    Image.new("RGB", (40, 20)).save(write(src / "images/a.png", b""))
    write(src / "labels/a.txt", "0 0.5 0.5 0.2 0.2\n0 0.5 nan 0.2 0.2\n")
    archive = _zip_folder(src, tmp_path / "export.zip")
    report = Report()
    scene = read_scene(archive, "yolo", report)
    [obj] = scene.objects()
    assert (scene.sequences[0].frames[0].width, scene.sequences[0].frames[0].height) == (40, 20)  # the header
    [issue] = [i for i in report.issues if i.severity == "error"]
    assert issue.location == f"{archive}!labels/a.txt:2"
    assert obj.source == f"{archive}!labels/a.txt:1"
    assert list(private_tmp.iterdir()) == []


def test_a_member_that_leaves_the_folder_is_refused(tmp_path: Path, private_tmp: Path) -> None:
    archive = tmp_path / "evil.zip"
    coco = (FIXTURES / "coco/bbox_dataset/input.json").read_bytes()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("instances.json", coco)
        zf.writestr("../../escaped.json", coco)
    report = Report()
    read_scene(archive, "coco", report)
    assert report.warnings == {"zip_member_refused": 1}
    assert not (tmp_path / "escaped.json").exists() and not (private_tmp.parent / "escaped.json").exists()


def test_a_zip_bomb_in_a_coco_zip_is_refused_before_unpacking(tmp_path: Path, private_tmp: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("instances.json", b" " * (50 << 20))  # 50 MB of spaces: about 50 KB compressed
    with pytest.raises(InputError) as err:
        read_scene(archive, "coco", Report())
    assert err.value.code == "zip_ratio_too_high" and err.value.location == f"{archive}!instances.json"
    assert list(private_tmp.iterdir()) == []


def test_auto_detects_a_zipped_coco_export(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIXTURES / "coco/bbox_dataset/input.json", "annotations/instances_default.json")
    err = io.StringIO()
    code = main(["convert", str(archive), "--from", "auto", "--out", str(tmp_path / "o.jsonl")],
                stdout=io.StringIO(), stderr=err)
    assert code == 0 and "input format: coco" in err.getvalue()

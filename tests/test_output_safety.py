"""Output safety: a user's files are never replaced or removed unless an earlier conversion wrote them.

Each case is the library call; the CLI cases (exit codes, messages, signals, real faults) are in
tests/test_cli_safety.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from PIL import Image

from converters import UsageError, convert
from converters.output_paths import MANIFEST, check_report, sweep_stale_temps
from converters.writer import OutputWriter

COCO = {
    "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}],
    "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [10, 5, 20, 10]}],
    "categories": [{"id": 1, "name": "car"}],
}


def _coco(folder: Path, name: str = "in.json") -> Path:
    path = folder / name
    path.write_bytes(orjson.dumps(COCO))
    return path


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _predict_folder(tmp_path: Path) -> Path:
    """The layout of an Ultralytics ``predict`` run: images, labels/, and a class list."""
    run = tmp_path / "runs" / "detect" / "predict"
    (run / "labels").mkdir(parents=True)
    Image.new("RGB", (64, 32)).save(run / "bus.png")
    (run / "labels" / "bus.txt").write_text("0 0.5 0.5 0.25 0.5\n")
    (tmp_path / "classes.txt").write_text("bus\n")
    return run


def test_out_naming_the_input_folder_is_refused_before_reading_and_deletes_nothing(tmp_path: Path) -> None:
    run = _predict_folder(tmp_path)
    before = _tree(run)
    options = {"names": str(tmp_path / "classes.txt"), "images": [str(run)]}
    with pytest.raises(UsageError, match="not empty"):
        convert([run / "labels"], "yolo", run, reader_options=options)
    assert _tree(run) == before


def test_overwrite_into_a_user_folder_adds_jobs_and_keeps_every_other_file(tmp_path: Path) -> None:
    run = _predict_folder(tmp_path)
    before = _tree(run)
    options = {"names": str(tmp_path / "classes.txt"), "images": [str(run)]}
    convert([run / "labels"], "yolo", run, reader_options=options, overwrite=True)
    after = _tree(run)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == [MANIFEST, "bus.json"]
    assert orjson.loads(after[MANIFEST])["files"] == ["bus.json"]
    job = orjson.loads(after["bus.json"])
    assert job["reference_id"] == "bus"


def test_out_equal_to_an_input_file_is_refused(tmp_path: Path) -> None:
    src = _coco(tmp_path, "preds.jsonl")
    with pytest.raises(UsageError, match="also an input"):
        convert([src], "coco", src, overwrite=True)
    assert orjson.loads(src.read_bytes()) == COCO


def test_out_dot_in_a_non_empty_folder_is_refused_and_in_an_empty_one_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _coco(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    convert([src], "coco", ".")
    assert sorted(os.listdir(work)) == [MANIFEST, "a.json"]
    (work / "mine.txt").write_text("x")
    with pytest.raises(UsageError, match="not empty"):
        convert([src], "coco", ".")
    convert([src], "coco", ".", overwrite=True)
    assert sorted(os.listdir(work)) == [MANIFEST, "a.json", "mine.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_existing_jsonl_needs_overwrite(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    out = tmp_path / "jobs.jsonl"
    out.write_text("keep me\n")
    with pytest.raises(UsageError, match="file exists"):
        convert([src], "coco", out)
    assert out.read_text() == "keep me\n"
    convert([src], "coco", out, overwrite=True)
    assert orjson.loads(out.read_bytes().splitlines()[0])["reference_id"] == "a"


def test_overwrite_never_replaces_a_file_no_conversion_wrote(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    out = tmp_path / "jobs"
    out.mkdir()
    (out / "a.json").write_text("my own notes")
    with pytest.raises(UsageError, match="no earlier conversion wrote"):
        convert([src], "coco", out, overwrite=True)
    assert sorted(os.listdir(out)) == ["a.json"]
    assert (out / "a.json").read_text() == "my own notes"


def test_report_path_checks(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    out = tmp_path / "jobs.jsonl"
    with pytest.raises(UsageError, match="does not exist"):
        check_report(tmp_path / "missing" / "r.json")
    with pytest.raises(UsageError, match="same path as out"):
        check_report(out, out=out)
    with pytest.raises(UsageError, match="also an input"):
        check_report(src, inputs=[src])
    existing = tmp_path / "r.json"
    existing.write_text("{}")
    with pytest.raises(UsageError, match="file exists"):
        check_report(existing)
    assert check_report(existing, overwrite=True) == existing


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(proc.stdout)


def test_a_killed_runs_temp_is_removed_by_the_next_run_and_a_live_one_is_kept(tmp_path: Path) -> None:
    dead = _dead_pid()
    stale_file = tmp_path / f".jobs.jsonl.prelabel-{dead}-abc123.tmp"
    stale_file.write_bytes(b"x" * 1000)
    stale_dir = tmp_path / f".jobs.prelabel-{dead}-xyz.tmp"
    stale_dir.mkdir()
    (stale_dir / "a.json").write_text("{}")
    live = tmp_path / f".jobs.jsonl.prelabel-{os.getppid()}-keep.tmp"
    live.write_text("a run still going")
    unrelated = tmp_path / ".hidden.tmp"
    unrelated.write_text("not ours")
    convert([_coco(tmp_path)], "coco", tmp_path / "jobs.jsonl")
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.exists() and unrelated.exists()
    assert sweep_stale_temps(tmp_path) == []


def test_files_and_folders_get_the_users_umask(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    old = os.umask(0o027)
    try:
        convert([src], "coco", tmp_path / "jobs.jsonl")
        convert([src], "coco", tmp_path / "jobs")
    finally:
        os.umask(old)
    assert (tmp_path / "jobs.jsonl").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "jobs").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "jobs" / "a.json").stat().st_mode & 0o777 == 0o640


def test_an_aborted_writer_leaves_nothing(tmp_path: Path) -> None:
    for out in (tmp_path / "x.jsonl", tmp_path / "d"):
        with pytest.raises(RuntimeError), OutputWriter(out) as writer:
            writer.write({"reference_id": "a"})
            raise RuntimeError("stop")
    existing = tmp_path / "e"
    existing.mkdir()
    with pytest.raises(RuntimeError), OutputWriter(existing) as writer:
        writer.write({"reference_id": "a"})
        raise RuntimeError("stop")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]
    assert list(existing.iterdir()) == []

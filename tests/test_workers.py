"""--workers: the same bytes and the same report whatever the number of processes."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import pytest

from converters import (
    ConvertOptions,
    InputError,
    Issue,
    SchemaValidationError,
    convert,
)
from converters.cli import main
from converters.parallel import MIN_JOBS, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="workers need the fork start method (Linux, macOS)")


def _coco(tmp_path: Path, images: int = 200) -> Path:
    """A COCO file of ``images`` images (enough jobs for workers), some boxes clamped or skipped."""
    imgs = [{"id": i, "file_name": f"img/{i:04d}.jpg", "width": 100, "height": 50} for i in range(images)]
    anns = []
    for i in range(images):
        anns.append({"id": 3 * i, "image_id": i, "category_id": 1 + i % 2, "bbox": [i % 90, 5, 10, 20]})
        anns.append({"id": 3 * i + 1, "image_id": i, "category_id": 1, "bbox": [95, 40, 20, 20]})  # clamped
        if i % 17 == 0:
            anns.append({"id": 3 * i + 2, "image_id": i, "category_id": 2, "bbox": [200, 200, 5, 5]})  # skipped
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"images": imgs, "annotations": anns,
                                "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}]}))
    return path


@pytest.mark.parametrize("out_name", ["jobs.jsonl", "jobs"])
def test_same_bytes_and_report_for_1_2_and_3_workers(tmp_path: Path, out_name: str) -> None:
    src = _coco(tmp_path)
    reports = {}
    for n in (1, 2, 3):
        (tmp_path / str(n)).mkdir()
        reports[n] = convert(src, "coco", tmp_path / str(n) / out_name, workers=n,
                             options=ConvertOptions(job_type="image", job_per="image"))
    assert reports[1].jobs == 200 > MIN_JOBS
    first = tmp_path / "1" / out_name
    for n in (2, 3):
        other = tmp_path / str(n) / out_name
        if first.is_dir():
            names = sorted(p.name for p in first.iterdir())
            assert names == sorted(p.name for p in other.iterdir())
            assert all((first / x).read_bytes() == (other / x).read_bytes() for x in names)
        else:
            assert first.read_bytes() == other.read_bytes()
        assert reports[n].to_dict() == reports[1].to_dict()
    assert reports[1].skipped == {"rectangle_degenerate": 12} and reports[1].clamped_points > 0


def test_an_error_in_a_worker_is_raised_at_its_job_and_nothing_is_written(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    for n in (1, 2):
        with pytest.raises(InputError) as err:
            convert(src, "coco", tmp_path / f"s{n}.jsonl", workers=n, options=ConvertOptions(strict=True))
        # the first skipped box in job order (image 0, its third annotation), whatever the number of workers
        assert "rectangle_degenerate" in str(err.value) and err.value.location.endswith(":$.annotations[2]")
        assert not (tmp_path / f"s{n}.jsonl").exists()
        assert [p.name for p in tmp_path.iterdir() if ".prelabel-" in p.name] == []  # no spool file either
    # a worker's exception reaches the parent whole (pickled): structure kept, not only the text
    issue = Issue("error", "unknown_label", "label 'x' is not in the label set", "job 'a' $.x", ("x",))
    again = pickle.loads(pickle.dumps(SchemaValidationError([issue])))
    assert again.issues == [issue] and str(again) == str(SchemaValidationError([issue]))
    located = pickle.loads(pickle.dumps(InputError("bad", "f.json:$.a", "bad_box")))
    assert (located.message, located.location, located.code) == ("bad", "f.json:$.a", "bad_box")


def test_the_cli_flag(tmp_path: Path) -> None:
    src = _coco(tmp_path, 80)
    err = io.StringIO()
    assert main(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "a.jsonl"), "--workers", "2"],
                stdout=io.StringIO(), stderr=err) == 1  # the skipped boxes
    assert main(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "b.jsonl"), "--workers", "1"],
                stdout=io.StringIO(), stderr=io.StringIO()) == 1
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert main(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "c.jsonl"), "--workers", "0"],
                stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_job_ranges_cut_by_jobs_and_by_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-worked: jobs of 3, 3, 5, 1, 9, 2 objects with at most 7 objects and 4 jobs a range:
    [3, 3] (adding 5 would make 11), [5, 1] (adding 9 would make 15), [9] (more than 7 alone is
    a range of its own), [2]; and by jobs alone (no object bound): [0:4], [4:6]."""
    from converters import parallel
    from converters.jobs import Job
    from converters.model import Box, Frame, SceneObject

    def job(n: int) -> Job:
        objs = [SceneObject("car", Box(0, 0, 1, 1)) for _ in range(n)]
        return Job("r", [Frame("f", "f.jpg", 10, 10, 0, objs)], ["f.jpg"])

    jobs = [job(n) for n in (3, 3, 5, 1, 9, 2)]
    monkeypatch.setattr(parallel, "RANGE_OBJECTS", 7)
    assert parallel.job_ranges(jobs, 4) == [(0, 2), (2, 4), (4, 5), (5, 6)]
    monkeypatch.setattr(parallel, "RANGE_OBJECTS", 10**9)
    assert parallel.job_ranges(jobs, 4) == [(0, 4), (4, 6)]
    assert parallel.job_ranges([], 4) == []


def test_spool_files_are_appended_in_order_without_an_in_kernel_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where copy_file_range is missing or refuses (another file system, an old kernel) the parent
    copies the spool files itself: the same bytes; and no spool file stays either way."""
    import errno
    import os

    src = _coco(tmp_path)
    options = ConvertOptions(job_type="image", job_per="image")
    convert(src, "coco", tmp_path / "one.jsonl", workers=1, options=options)

    def refuse(*args: object) -> int:
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", refuse)
    convert(src, "coco", tmp_path / "two.jsonl", workers=2, options=options)
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "one.jsonl", "two.jsonl"]


def test_a_worker_that_cannot_write_its_spool_file_says_so_of_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while a worker writes its range: the run stops with the message one process
    would give (the output's name, the system's reason), and nothing is left behind."""
    import errno

    from converters import OutputError
    from converters.pipeline import JobBuilder

    def full(builder: object, job: object) -> list[bytes]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(JobBuilder, "json_pieces", full)
    src = _coco(tmp_path)
    with pytest.raises(OutputError) as err:
        convert(src, "coco", tmp_path / "jobs.jsonl", workers=2, options=ConvertOptions(job_type="image",
                                                                                          job_per="image"))
    assert str(err.value) == (f"cannot write {tmp_path / 'jobs.jsonl'}: no space left on the device: "
                              "free some space or write somewhere else")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]

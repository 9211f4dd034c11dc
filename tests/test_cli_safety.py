"""The CLI under real faults: the file-size limit, a read-only folder, a full disk, SIGTERM, low
memory; and every bad input: one line, the right exit code, no traceback, no temporary file left."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from converters.cli import main
from converters.output_paths import MANIFEST

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def coco_file(path: Path, boxes: int, images: int = 1) -> Path:
    per = max(boxes // images, 1)
    path.write_bytes(orjson.dumps({
        "images": [{"id": i, "file_name": f"img{i:06d}.jpg", "width": 640, "height": 480} for i in range(images)],
        "annotations": [{"id": k, "image_id": k // per % images, "category_id": 1,
                         "bbox": [k % 600, k % 400, 20, 30]} for k in range(boxes)],
        "categories": [{"id": 1, "name": "car"}],
    }))
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".prelabel-" in p.name and p.name.endswith(".tmp"))


CHILD = """
import resource, sys
from converters.cli import main
{setup}
sys.exit(main(sys.argv[1:]))
"""


def run_child(args: list[str], setup: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD.format(setup=setup), *args], capture_output=True,
                          text=True, timeout=timeout, check=False, cwd=REPO)


# --- paths: nothing of the user's is replaced ------------------------------------------------------


def test_out_naming_a_folder_with_the_inputs_exits_2_and_deletes_nothing(tmp_path: Path) -> None:
    src = coco_file(tmp_path / "preds.json", 3)
    before = sorted(os.listdir(tmp_path))
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(tmp_path))
    assert code == 2 and "not empty" in err and "--overwrite" in err
    assert sorted(os.listdir(tmp_path)) == before
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(tmp_path), "--overwrite")
    assert code == 0, err
    assert src.exists() and (tmp_path / MANIFEST).exists() and (tmp_path / "img000000.json").exists()


def test_report_equal_to_the_input_or_the_output_or_in_a_missing_folder_exits_2_before_reading(
    tmp_path: Path,
) -> None:
    src = coco_file(tmp_path / "preds.json", 3)
    data = src.read_bytes()
    out = tmp_path / "jobs.jsonl"
    for report in (str(src), str(out), str(tmp_path / "missing" / "r.json")):
        code, _, err = run("convert", str(src), "--from", "coco", "--out", str(out), "--report", report)
        assert code == 2, err
        assert not out.exists()
    assert src.read_bytes() == data
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(src), "--overwrite")
    assert code == 2 and "also an input" in err
    assert src.read_bytes() == data


def test_report_is_written_atomically_and_existing_reports_need_overwrite(tmp_path: Path) -> None:
    src = coco_file(tmp_path / "preds.json", 3)
    report = tmp_path / "report.json"
    base = ("convert", str(src), "--from", "coco", "--report", str(report), "--out")
    assert run(*base, str(tmp_path / "a.jsonl"))[0] == 0
    assert orjson.loads(report.read_bytes())["jobs"] == 1
    code, _, err = run(*base, str(tmp_path / "b.jsonl"))
    assert code == 2 and "exists" in err
    assert leftovers(tmp_path) == []


# --- real faults ----------------------------------------------------------------------------------


def test_file_size_limit_gives_one_line_exit_1_and_no_temp(tmp_path: Path) -> None:
    src = coco_file(tmp_path / "preds.json", 20000, images=50)  # output about 8 MB
    out = tmp_path / "jobs.jsonl"
    setup = "resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))"
    proc = run_child(["convert", str(src), "--from", "coco", "--out", str(out)], setup)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "file too large" in proc.stderr and str(tmp_path) in proc.stderr
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder outside pytest's 0700 tmp root, so another user can reach it."""
    path = Path(tempfile.mkdtemp(prefix="prelabel-ro-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_read_only_folder_gives_one_line_exit_1(world_readable_dir: Path) -> None:
    src = coco_file(world_readable_dir / "preds.json", 5)
    src.chmod(0o644)
    target = world_readable_dir / "ro"
    target.mkdir()
    target.chmod(0o555)
    setup = ""
    if os.geteuid() == 0:  # root writes anywhere: the child drops to nobody once its modules are loaded
        setup = ("import os, converters.pipeline, converters.formats.coco\n"
                 "from converters.formats import get_reader\nget_reader('coco')\n"
                 "os.setgroups([]); os.setgid(65534); os.setuid(65534)")
    proc = run_child(["convert", str(src), "--from", "coco", "--out", str(target / "jobs.jsonl")], setup)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "permission denied" in proc.stderr
    assert list(target.iterdir()) == []


def test_a_full_disk_gives_one_line_exit_1_and_frees_the_space(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root and mount rights): {done.stderr.decode().strip()}")
    try:
        src = coco_file(tmp_path / "preds.json", 20000, images=50)
        for out in (mount / "jobs.jsonl", mount / "jobs"):
            proc = run_child(["convert", str(src), "--from", "coco", "--out", str(out)])
            assert proc.returncode == 1, proc.stderr
            assert "Traceback" not in proc.stderr and "no space left" in proc.stderr
            assert proc.stderr.count("\n") == 1
            assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_sigterm_removes_the_temp_file_and_exits_143(tmp_path: Path) -> None:
    src = coco_file(tmp_path / "preds.json", 400000, images=400)
    out = tmp_path / "jobs.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "converters", "convert", str(src), "--from", "coco",
                             "--out", str(out)], cwd=REPO, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail(f"the conversion ended before it could be stopped: {proc.stderr.read() if proc.stderr else ''}")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert leftovers(tmp_path) == [] and not out.exists()


def test_out_of_memory_is_one_line(tmp_path: Path) -> None:
    src = coco_file(tmp_path / "preds.json", 200000, images=10)
    setup = ("import os\n"
             "rss = int(open('/proc/self/statm').read().split()[0]) * os.sysconf('SC_PAGE_SIZE')\n"
             "vm = int(open('/proc/self/statm').read().split()[0]) * os.sysconf('SC_PAGE_SIZE')\n"
             "resource.setrlimit(resource.RLIMIT_AS, (vm + (60 << 20), vm + (60 << 20)))")
    proc = run_child(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "jobs.jsonl")], setup)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "memory" in proc.stderr
    assert leftovers(tmp_path) == []


# --- no traceback for any bad input -------------------------------------------------------------


def _bad_inputs(root: Path) -> Iterator[tuple[str, list[str]]]:
    """(name, argv) for bad inputs of every kind: fixtures with bad records and hand-made hostile files."""
    for case in sorted(FIXTURES.glob("*/bad*")) + sorted(FIXTURES.glob("*/*skip*")):
        fmt = case.parent.name
        yield f"fixture {case.name}", ["convert", str(case), "--from", fmt]
    deep = root / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    yield "deep json", ["convert", str(deep), "--from", "coco"]
    bomb = root / "map.yaml"
    bomb.write_text("a: &a [x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
    demo = FIXTURES / "coco" / "demo" / "instances.json"
    yield "yaml aliases", ["convert", str(demo), "--from", "coco", "--label-map", str(bomb)]
    yield "a device", ["convert", "/dev/zero", "--from", "coco"]
    rle = root / "rle.json"
    rle.write_bytes(orjson.dumps({"images": [{"id": 1, "file_name": "a.jpg", "width": 100000, "height": 100000}],
                                  "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation":
                                                   {"size": [100000, 100000], "counts": [0, 10**10]}}],
                                  "categories": [{"id": 1, "name": "car"}]}))
    yield "huge rle", ["convert", str(rle), "--from", "coco"]
    xml = root / "bad.xml"
    xml.write_bytes(b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x 'y'>]><annotations>&x;</annotations>")
    yield "xml entity", ["convert", str(xml), "--from", "cvat"]
    for fmt in ("coco", "yolo", "cvat", "voc"):
        garbage = root / f"garbage_{fmt}.bin"
        garbage.write_bytes(bytes(range(256)) * 8)
        yield f"garbage as {fmt}", ["convert", str(garbage), "--from", fmt]
    yield "missing", ["convert", str(root / "nope.json"), "--from", "coco"]
    yield "bad option", ["convert", str(demo), "--from", "coco", "--frames-per-job", "0"]


def test_no_bad_input_ever_prints_a_traceback(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    seen = 0
    for n, (name, argv) in enumerate(_bad_inputs(inputs)):
        out = tmp_path / f"out{n}.jsonl"
        code, stdout, err = run(*argv, "--out", str(out), "--report", str(tmp_path / f"r{n}.json"))
        assert "Traceback" not in err + stdout, name
        assert code in (0, 1, 2), (name, code, err)
        assert err.strip(), name
        seen += 1
    assert seen >= 14
    assert leftovers(tmp_path) == []

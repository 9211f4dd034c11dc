"""The CLI contract: subcommands, exit codes, summary, report, atomic output (in-process)."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from converters.cli import main

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "coco" / "demo" / "instances.json"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _dataset(tmp_path: Path, annotations: list[dict[str, object]]) -> Path:
    p = tmp_path / "in.json"
    p.write_bytes(orjson.dumps({
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}],
        "categories": [{"id": 1, "name": "car"}],
        "annotations": annotations,
    }))
    return p


def test_convert_demo_writes_jobs_summary_and_report(tmp_path: Path) -> None:
    out = tmp_path / "jobs"
    report = tmp_path / "report.json"
    code, _, err = run("convert", str(DEMO), "--from", "coco", "--out", str(out), "--report", str(report))
    assert code == 0, err
    demo = orjson.loads(DEMO.read_bytes())
    assert len(list(out.glob("*.json"))) == len(demo["images"])
    data = orjson.loads(report.read_bytes())
    assert data["records_read"] == len(demo["annotations"])
    assert data["records_skipped"] == 0 and data["jobs"] == len(demo["images"])
    assert "records read" in err and f"wrote {len(demo['images'])} job(s)" in err


def test_hand_worked_box_through_the_cli(tmp_path: Path) -> None:
    # bbox [10, 5, 30, 20] in a 100 x 50 image -> x 0.1..0.4, y 0.1..0.5
    src = _dataset(tmp_path, [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 5, 30, 20]}])
    out = tmp_path / "o.jsonl"
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(out), "--work-flow-id", "wf")
    assert code == 0, err
    [job] = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert job["work_flow_id"] == "wf"
    [tracker] = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    [obj] = tracker["frames"].values()
    assert obj["coordinates"] == [{"x": 0.1, "y": 0.1}, {"x": 0.4, "y": 0.1}, {"x": 0.4, "y": 0.5},
                                  {"x": 0.1, "y": 0.5}]


def test_skipped_record_exit_1_output_written(tmp_path: Path) -> None:
    src = _dataset(tmp_path, [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 5, 30, 20]},
        {"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 5, 0, 20]},
    ])
    out = tmp_path / "o.jsonl"
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(out))
    assert code == 1
    assert out.exists() and "skipped         1" in err
    assert "annotations[1]" in err


def test_strict_turns_skip_into_error_and_writes_nothing(tmp_path: Path) -> None:
    src = _dataset(tmp_path, [{"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 5, 0, 20]}])
    out = tmp_path / "o.jsonl"
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(out), "--strict")
    assert code == 1 and "annotations[0]" in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    src = tmp_path / "bad.json"
    src.write_text('{"images": [\n  {"id": 1,,}\n]}')
    out = tmp_path / "o.jsonl"
    code, _, err = run("convert", str(src), "--from", "coco", "--out", str(out))
    assert code == 1 and "bad.json:2:" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["convert", str(DEMO), "--from", "nope", "--out", "x.jsonl"],
        ["convert", "/does/not/exist.json", "--from", "coco", "--out", "x.jsonl"],
        ["convert", str(DEMO), "--from", "coco", "--out", "x.jsonl", "--emit", "mask"],
        ["convert", str(DEMO), "--from", "coco"],
        ["convert", str(DEMO), "--from", "coco", "--out", "/no/such/dir/x.jsonl"],
        ["convert", str(DEMO), "--from", "coco", "--out", "x.jsonl", "--reference-id", "same"],
        ["convert", str(DEMO), "--from", "coco", "--out", "x.jsonl", "--label-map", "/missing.yaml"],
        ["bogus"],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(*args)
    assert code == 2, err
    assert "prelabel" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_debug_shows_traceback(tmp_path: Path) -> None:
    code, _, err = run("convert", "/does/not/exist.json", "--from", "coco", "--out", str(tmp_path / "x.jsonl"),
                       "--debug")
    assert code == 2 and "Traceback" in err


def test_validate_reports_file_reference_and_path(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    assert run("convert", str(DEMO), "--from", "coco", "--out", str(out))[0] == 0
    code, _, err = run("validate", str(out))
    assert code == 0 and "0 problem(s)" in err
    lines = out.read_bytes().splitlines()
    job = orjson.loads(lines[0])
    job["data"]["video_data"]["frames"][0]["frame_id"] = 7  # must be a string
    lines[0] = orjson.dumps(job)
    out.write_bytes(b"\n".join(lines) + b"\n")
    code, stdout, _ = run("validate", str(out))
    assert code == 1
    assert "o.jsonl:1" in stdout and job["reference_id"] in stdout and "frame_id" in stdout


def test_formats_lists_readers() -> None:
    code, out, _ = run("formats")
    assert code == 0 and out.startswith("coco:")


def test_same_input_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run("convert", str(DEMO), "--from", "coco", "--out", str(a))[0] == 0
    assert run("convert", str(DEMO), "--from", "coco", "--out", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes()


def test_validate_skips_the_submit_ledger(tmp_path: Path) -> None:
    out = tmp_path / "jobs"
    assert run("convert", str(DEMO), "--from", "coco", "--out", str(out))[0] == 0
    (out / "submitted.jsonl").write_text('{"kind": "job", "project_id": "p", "reference_id": "x"}\n')
    code, _, err = run("validate", str(out))
    assert code == 0 and "3 payload(s) checked, 0 problem(s)" in err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    err = _Tty()
    code = main(["convert", str(DEMO), "--from", "coco", "--out", str(tmp_path / "o.jsonl")], io.StringIO(), err)
    assert code == 0
    assert "] 3/3 jobs\n" in err.getvalue() and "[" + "#" * 30 + "]" in err.getvalue()

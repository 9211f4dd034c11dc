"""YOLO detect rows kept as column-stored boxes (``model.FrameBoxes``) give exactly what one object
per row gives (``fast_paths.reference_only()``): the same output bytes, report and messages, on
every YOLO fixture and real-world case."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from conftest import REAL_WORLD
from helpers import both_ways, write

from converters.errors import Report
from converters.formats.yolo import READER

REPO = Path(__file__).resolve().parent.parent
REAL = REAL_WORLD
CASES = sorted(p.parent for p in (REPO / "fixtures" / "yolo").glob("*/case.json"))
REAL_CASES = sorted(p for p in REAL.glob("*/yolo/*") if p.is_dir())


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real-world set not found at {REAL}")
def test_real_world_cases_were_found() -> None:
    assert len(REAL_CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_cases_are_the_same_both_ways(case: Path, tmp_path: Path) -> None:
    spec = orjson.loads((case / "case.json").read_bytes())
    args = [a.replace("{case}", str(case)) for a in spec["args"]]
    code, _, _, _ = both_ways(args, tmp_path)
    assert code == spec.get("exit", 0)


@pytest.mark.parametrize("case", REAL_CASES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_real_world_cases_are_the_same_both_ways(case: Path, tmp_path: Path) -> None:
    both_ways(["convert", str(case), "--from", "yolo", "--image-sizes", str(REAL / "image-sizes.json")], tmp_path)


def test_detect_rows_with_and_without_confidence_are_columns(tmp_path: Path) -> None:
    """Hand-worked, 200 x 100 image: ``0 0.5 0.5 0.2 0.4`` is x 80..120, y 30..70."""
    write(tmp_path / "labels" / "a.txt", "0 0.5 0.5 0.2 0.4\n\n1 0.25 0.5 0.5 1.0\n")
    write(tmp_path / "labels" / "b.txt", "0 0.5 0.5 0.2 0.4 0.75\n")
    sizes = write(tmp_path / "sizes.json", {"a": [200, 100], "b": [200, 100]})
    for name, columns in (("a", None), ("b", "conf")):
        opts = {"image_sizes": str(sizes), "yolo_task": "detect", **({"yolo_columns": columns} if columns else {})}
        scene = READER.read([tmp_path / "labels" / f"{name}.txt"], opts, Report())
        [frame] = list(scene.frames())
        assert frame.boxes is not None and not frame.objects
        assert list(frame.boxes.coords[:4]) == pytest.approx([80, 30, 120, 70])
        if name == "a":  # the second row: x 0..100, y 0..100, from line 3 (line 2 is empty)
            assert list(frame.boxes.coords[4:]) == pytest.approx([0, 0, 100, 100])
            assert frame.boxes.source(1).endswith("a.txt:3") and frame.boxes.confidence(1) is None
        else:
            assert frame.boxes.confidence(0) == 0.75

"""Golden tests: every fixtures/<format>/<case>/case.json converts to its expected.jsonl.

case.json: {"args": ["convert", "{case}/input.json", "--from", "coco", ...], "exit": 0,
"note": "...", "checks": [...]} ("{case}" becomes the case folder; the harness appends --out and
--report). The note says what was worked by hand; "checks" (tests/golden_checks.py) assert those
facts on the produced output, so a golden checks correctness and not only change. Regenerate with
PRELABEL_REGEN=1, then read every changed golden by eye before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import orjson
import pytest
from golden_checks import run_checks

from converters.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/case.json"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path, tmp_path: Path) -> None:
    spec = orjson.loads((case / "case.json").read_bytes())
    out = tmp_path / "out.jsonl"
    report = tmp_path / "report.json"
    args = [a.replace("{case}", str(case)) for a in spec["args"]] + ["--out", str(out), "--quiet", "--report",
                                                                      str(report)]
    code = main(args, stdout=io.StringIO(), stderr=io.StringIO())
    assert code == spec.get("exit", 0)
    golden = case / "expected.jsonl"
    produced = out.read_bytes() if out.exists() else b""
    if os.environ.get("PRELABEL_REGEN"):
        golden.write_bytes(produced)
    assert golden.exists(), f"{golden} missing: run with PRELABEL_REGEN=1 and check it by eye"
    expected = [orjson.loads(x) for x in golden.read_bytes().splitlines()]
    assert [orjson.loads(x) for x in produced.splitlines()] == expected
    assert produced == golden.read_bytes()  # byte-identical: deterministic output
    name = f"{case.parent.name}/{case.name}"
    run_checks(name, [orjson.loads(x) for x in produced.splitlines()], orjson.loads(report.read_bytes()),
               spec.get("checks", []))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_every_hand_worked_note_has_checks(case: Path) -> None:
    spec = orjson.loads((case / "case.json").read_bytes())
    if "note" in spec:
        assert spec.get("checks"), f"{case}: the note's facts must be checks (tests/golden_checks.py)"

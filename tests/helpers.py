"""Test helpers shared by the reader tests: write an input file, read inputs with a reader."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from converters.errors import Report
from converters.formats import get_reader
from converters.model import Scene


def write(path: Path, data: str | bytes | dict[str, Any] | list[Any], encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` (parent folders made): text in ``encoding``, bytes as they are,
    a dict or list as JSON. Returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def read_as(
    fmt: str, inputs: Path | Sequence[Path], report: Report | None = None, **options: Any
) -> tuple[Scene, Report]:
    """Read ``inputs`` with the ``fmt`` reader and its options given as keywords (``strict=True``
    makes a strict report); every column-stored box is made an object. Returns (scene, report)."""
    if report is None:
        report = Report(strict=bool(options.pop("strict", False)))
    reader = get_reader(fmt)
    paths = [inputs] if isinstance(inputs, Path) else list(inputs)
    scene = reader.read(paths, reader.options_type.from_mapping(options), report)
    return scene.expand_columns(), report


def run_cli(args: list[str], out: Path, reference: bool) -> tuple[int, str, bytes, Any]:
    """(exit code, stderr, output bytes, report dict or None) of ``prelabel`` with ``args`` writing
    ``out``; ``reference``: inside ``fast_paths.reference_only()``."""
    import contextlib
    import io

    from converters import fast_paths
    from converters.cli import main

    err = io.StringIO()
    report = out.with_suffix(".report.json")
    argv = [*args, "--out", str(out), "--report", str(report), "--overwrite"]
    with fast_paths.reference_only() if reference else contextlib.nullcontext():
        code = main(argv, stderr=err)
    data = out.read_bytes() if out.is_file() else b""
    rep = json.loads(report.read_bytes()) if report.is_file() else None
    return code, err.getvalue(), data, rep


def both_ways(args: list[str], tmp_path: Path) -> tuple[int, str, bytes, Any]:
    """Run ``args`` with the fast paths and with the reference paths only: the exit code, messages,
    output bytes and report must be the same. Returns the fast run's."""
    fast = run_cli(args, tmp_path / "fast.jsonl", reference=False)
    full = run_cli(args, tmp_path / "full.jsonl", reference=True)
    assert fast[0] == full[0]
    assert fast[1].replace("fast.", "X.") == full[1].replace("full.", "X.")
    assert fast[2] == full[2]
    assert fast[3] == full[3]
    return fast

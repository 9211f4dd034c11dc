"""Helpers for the YOLO reader tests (no tests here): write small datasets into a folder and read them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers import read_as
from PIL import Image

from converters.errors import Report
from converters.model import Frame, Scene


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create text/bytes files under ``root``; ``*.png``/``*.jpg`` values "WxH" become images."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith((".png", ".jpg")) and isinstance(content, str) and "x" in content:
            w, h = (int(v) for v in content.split("x"))
            Image.new("RGB", (w, h)).save(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode())
    return root


def sizes(root: Path, mapping: Mapping[str, list[int]], name: str = "sizes.json") -> str:
    path = root / name
    path.write_text(json.dumps(mapping))
    return str(path)


def read(inputs: list[Path] | Path, report: Report | None = None, **options: Any) -> tuple[Scene, Report]:
    return read_as("yolo", inputs, report or Report(), **options)


def frames(scene: Scene) -> dict[str, Frame]:
    """Frames by sequence name (still images)."""
    return {seq.name: seq.frames[0] for seq in scene.sequences if not seq.is_video}


def conserved(report: Report) -> bool:
    """Every record is either an object or a skip."""
    return report.records_read == report.objects_read + report.records_skipped

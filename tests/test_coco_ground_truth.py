"""--images ground truth for results lists: only images/categories are read (fast path), and every
unusual file falls back to the full parser with the same messages."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from converters import InputError, Report
from converters.formats.coco import READER

RESULTS = [{"image_id": 7, "category_id": 3, "bbox": [10, 20, 30, 40], "score": 0.5}]


def _read(tmp_path: Path, gt_text: str) -> list[tuple[str, object]]:
    gt = tmp_path / "gt.json"
    gt.write_text(gt_text)
    res = tmp_path / "res.json"
    res.write_bytes(orjson.dumps(RESULTS))
    scene = READER.read([res], {"images": [str(gt)]}, Report()).expand_columns()
    return [(o.label, o.geometry) for f in scene.frames() for o in f.objects]


def test_ground_truth_annotations_are_not_needed(tmp_path: Path) -> None:
    gt = ('{"annotations": "anything, never read", "images": [{"id": 7, "file_name": "a.jpg", "width": 100,'
          ' "height": 80}], "categories": [{"id": 3, "name": "dog"}]}')
    [(label, box)] = _read(tmp_path, gt)
    assert label == "dog" and box.bounds() == (10, 20, 40, 60)  # x+w = 40, y+h = 60


def test_ground_truth_fallbacks_keep_exact_values_and_messages(tmp_path: Path) -> None:
    big = 2**70  # beyond 64 bits: must stay an exact int
    gt = (f'{{"images": [{{"id": {big}, "file_name": "a.jpg", "width": 100, "height": 80}}],'
          ' "categories": [{"id": 3, "name": "dog"}], "info": {"x": NaN}}')
    res = tmp_path / "res.json"
    res.write_text(f'[{{"image_id": {big}, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.9}}]')
    (tmp_path / "gt.json").write_text(gt)
    scene = READER.read([res], {"images": [str(tmp_path / "gt.json")]}, Report())
    assert [o.label for o in scene.objects()] == ["dog"]
    (tmp_path / "gt.json").write_text('{"images": [\n  {"id": 1,,}]}')
    with pytest.raises(InputError, match=r"gt\.json:2:"):
        READER.read([res], {"images": [str(tmp_path / "gt.json")]}, Report())

"""model.PointArray: COCO polygon rings kept as one flat float array (16 bytes a point) that reads
like the list of (x, y) tuples it replaces."""

from __future__ import annotations

import pickle
import sys
from array import array
from pathlib import Path

import orjson
import pytest
from helpers import both_ways, write

from converters.errors import Report
from converters.formats.coco import READER
from converters.model import PointArray, Polygon


def test_reads_like_a_list_of_points() -> None:
    pts = PointArray(array("d", [1, 2, 3.5, 4, 5, 6]))
    assert len(pts) == 3 and pts[0] == (1.0, 2.0) and pts[-1] == (5.0, 6.0) and pts[1:] == [(3.5, 4.0), (5.0, 6.0)]
    assert list(pts) == [(1.0, 2.0), (3.5, 4.0), (5.0, 6.0)]
    assert pts == [(1, 2), (3.5, 4), (5, 6)] and pts == [(1, 2), (3.5, 4), (5, 6)] and pts != [(1, 2)]
    assert Polygon(pts) == Polygon([(1, 2), (3.5, 4), (5, 6)])
    assert Polygon(pts).bounds() == (1, 2, 5, 6)
    assert pts.coords().tolist() == [[1, 2], [3.5, 4], [5, 6]]
    assert pickle.loads(pickle.dumps(pts)) == pts
    with pytest.raises(IndexError):
        pts[3]
    with pytest.raises(ValueError):
        PointArray(array("d", [1, 2, 3]))


def test_a_point_costs_16_bytes_instead_of_a_tuple() -> None:
    n = 1000
    flat = PointArray(array("d", range(2 * n)))
    as_tuples = [(float(2 * i), float(2 * i + 1)) for i in range(n)]
    flat_bytes = sys.getsizeof(flat.xy)
    tuple_bytes = sys.getsizeof(as_tuples) + sum(sys.getsizeof(t) + 2 * sys.getsizeof(t[0]) for t in as_tuples)
    assert flat_bytes < 20 * n and tuple_bytes > 100 * n  # 16 bytes a point plus the array's slack


def test_coco_rings_are_flat_and_convert_the_same(tmp_path: Path) -> None:
    """A closed ring (last point = first) loses its closing point as before; ints become floats;
    the output bytes equal the reference path's (lists of tuples there too)."""
    data = {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}],
            "categories": [{"id": 1, "name": "car"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20],
                             "segmentation": [[10, 10, 30, 10, 30, 30, 10, 30, 10, 10]]}]}
    src = write(tmp_path / "in.json", orjson.dumps(data))
    scene = READER.read([src], {}, Report())
    [obj] = [o for f in scene.frames() for o in f.objects]
    assert isinstance(obj.geometry, Polygon) and isinstance(obj.geometry.exterior, PointArray)
    assert obj.geometry.exterior == [(10, 10), (30, 10), (30, 30), (10, 30)]
    both_ways(["convert", str(src), "--from", "coco"], tmp_path)

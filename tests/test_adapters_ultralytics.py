"""from_ultralytics on real ``ultralytics.engine.results.Results`` objects (built from arrays, no
weights). Runs where ultralytics is importable (it needs torch, too large for CI's default extras);
skipped with the reason otherwise."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'playment-prelabel[ultralytics]')")
    results_mod = pytest.importorskip("ultralytics.engine.results", reason="ultralytics is not installed")

from converters import from_ultralytics, iter_payloads, scene_from_ultralytics
from converters.model import Box, Polygon

IMG = np.zeros((100, 200, 3), dtype=np.uint8)  # orig_shape (100, 200): H 100, W 200
NAMES = {0: "person", 1: "car"}


def _results(**kw: object) -> object:
    return results_mod.Results(orig_img=IMG, path="/data/clip/000.jpg", names=NAMES, **kw)


def test_tracked_detections_over_three_frames() -> None:
    # boxes with a track id: x1 y1 x2 y2 id conf cls
    frames = [_results(boxes=torch.tensor([[10.0 + i, 10, 50, 60, 7, 0.9, 0], [100, 20, 150, 80, 8, 0.8, 1]]))
              for i in range(3)]
    scene = scene_from_ultralytics(frames, sequence="clip", root="/data")
    objs = scene.sequences[0].frames[2].objects
    assert [(o.label, o.track_id, o.geometry) for o in objs] == [("person", 7, Box(12, 10, 50, 60)),
                                                               ("car", 8, Box(100, 20, 150, 80))]
    [job] = list(iter_payloads(scene))
    assert len(job["data"]["maker_response"]["video2d"]["data"]["annotations"]) == 2


def test_segment_masks_at_the_original_size_are_traced_exactly() -> None:
    masks = torch.zeros((1, 100, 200))
    masks[0, 10:20, 100:200] = 1  # columns 100..199 -> x 100..200
    r = _results(boxes=torch.tensor([[100.0, 10, 200, 20, 0.9, 0]]), masks=masks)
    [obj] = from_ultralytics(r).objects
    assert isinstance(obj.geometry, Polygon) and tuple(obj.geometry.bounds()) == (100, 10, 200, 20)


def test_pose_and_obb() -> None:
    kpts = torch.tensor([[[10.0, 10, 0.9], [20, 20, 0.6], [30, 30, 0.1]]])
    r = _results(boxes=torch.tensor([[0.0, 0, 40, 40, 0.9, 0]]), keypoints=kpts)
    assert from_ultralytics(r).objects[0].geometry.visibility == [2, 2, 0]  # type: ignore[union-attr]
    obb = torch.tensor([[100.0, 50, 40, 20, math.pi / 6, 0.8, 1]])  # xywhr conf cls
    [obj] = from_ultralytics(_results(obb=obb)).objects
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    corners = {(100 + dx * c - dy * s, 50 + dx * s + dy * c) for dx in (-20, 20) for dy in (-10, 10)}
    assert obj.label == "car" and len(obj.geometry.exterior) == 4  # type: ignore[union-attr]
    for x, y in obj.geometry.exterior:  # type: ignore[union-attr]
        assert min(math.hypot(x - a, y - b) for a, b in corners) < 1e-3

"""RLE decoding and mask tracing: hand-worked outlines, exactness, validity and mask fidelity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask
from shapely.geometry import Polygon as ShapelyPolygon

from converters.formats.coco._rle import RleError, decode_counts_string, rle_to_mask, rle_to_polygons
from converters.mask_trace import BRIDGE_WIDTH, trace_mask


def runs_column_major(mask: np.ndarray) -> list[int]:
    """Independent RLE: run lengths of the column-major flattening, starting with zeros."""
    runs, current, n = [], 0, 0
    for v in mask.ravel(order="F").tolist():
        if v != current:
            runs.append(n)
            current, n = v, 0
        n += 1
    runs.append(n)
    return runs


def pycoco_decode(rle: dict[str, object]) -> np.ndarray:
    with warnings.catch_warnings():  # pycocotools 2.0.x + numpy 2: DeprecationWarning on decode
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.asarray(coco_mask.decode(rle))


def pycoco_encode(mask: np.ndarray) -> str:
    rle = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    return str(rle["counts"].decode("ascii"))


def raster(polys: list, h: int, w: int) -> np.ndarray:
    """The test's own rasterizer (shapely, independent of the tracer): a pixel is set when its
    centre is inside or on a polygon. Only the pixels within each polygon's bounds are tested."""
    out = np.zeros((h, w), dtype=bool)
    for p in polys:
        geom = ShapelyPolygon(p.exterior, [hole for hole in p.holes])
        shapely.prepare(geom)
        x0, y0, x1, y1 = geom.bounds
        c0, r0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        c1, r1 = min(int(np.ceil(x1)), w), min(int(np.ceil(y1)), h)
        if c1 <= c0 or r1 <= r0:
            continue
        ys, xs = np.mgrid[r0:r1, c0:c1]
        inside = shapely.intersects_xy(geom, xs.ravel() + 0.5, ys.ravel() + 0.5)
        out[r0:r1, c0:c1] |= inside.reshape(r1 - r0, c1 - c0)
    return out


# --- compressed counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("569", [5, 6, 9]),  # chr(48 + n) for n < 16, no deltas before the 4th count
        ("03228", [0, 3, 2, 5, 10]),  # 4th: 2 + counts[1] (3) = 5; 5th: 8 + counts[2] (2) = 10
        # '0' 0, ':' 10, '1' 1; 'H' = 72 - 48 = 24 = 0b11000: sign bit 0x10 set -> 24 - 32 = -8,
        # -8 + counts[1] (10) = 2; '6' 6 + counts[2] (1) = 7
        ("0:1H6", [0, 10, 1, 2, 7]),
        # 'Q' = 81 - 48 = 33: continuation bit 0x20, low bits 1; '1' = 1 -> 1 + (1 << 5) = 33
        ("Q1", [33]),
    ],
)
def test_decode_counts_string_hand_worked(text: str, counts: list[int]) -> None:
    assert decode_counts_string(text) == counts


def test_counts_string_matches_pycocotools_encoder() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        mask = rng.random((h, w)) < rng.uniform(0.05, 0.95)
        assert decode_counts_string(pycoco_encode(mask)) == runs_column_major(mask)


def test_rle_to_mask_agrees_with_pycocotools_for_both_kinds() -> None:
    rng = np.random.default_rng(8)
    for _ in range(50):
        h, w = (int(v) for v in rng.integers(1, 30, 2))
        mask = (rng.random((h, w)) < 0.4).astype(np.uint8)
        text = pycoco_encode(mask)
        reference = pycoco_decode({"size": [h, w], "counts": text.encode()})
        assert np.array_equal(rle_to_mask({"size": [h, w], "counts": text}), reference)
        assert np.array_equal(rle_to_mask({"size": [h, w], "counts": runs_column_major(mask)}), mask)


def test_hand_worked_uncompressed_decode() -> None:
    # size [2, 3] (h=2, w=3), counts [1, 3, 2]: column-major cells (r0,c0)=0, (r1,c0)=1,
    # (r0,c1)=1, (r1,c1)=1, (r0,c2)=0, (r1,c2)=0
    expected = np.array([[0, 1, 0], [1, 1, 0]], dtype=np.uint8)
    assert np.array_equal(rle_to_mask({"size": [2, 3], "counts": [1, 3, 2]}), expected)


@pytest.mark.parametrize(
    "rle",
    [
        {"size": [4, 4], "counts": "0"},  # 0 pixels: pycocotools would decode uninitialised memory
        {"size": [4, 4], "counts": "zz"},  # 'z' = 74: beyond the 64-value alphabet
        {"size": [4, 4], "counts": "Q"},  # ends inside a continued number
        {"size": [4, 4], "counts": [10, -2, 8]},
        {"size": [4, 4], "counts": [10, 2.5, 3.5]},
        {"size": [4, 4], "counts": [20]},
        {"size": [0, 4], "counts": []},
        {"size": [4, 4], "counts": {"a": 1}},
    ],
)
def test_invalid_rle_rejected_before_decoding(rle: dict[str, object]) -> None:
    with pytest.raises(RleError) as info:
        rle_to_mask(rle)
    assert info.value.code == "rle_invalid"


# --- tracing ----------------------------------------------------------------------------------------


def test_hole_bridged_into_one_ring_hand_worked() -> None:
    # 3 x 3 square without its centre pixel. Exterior (0,0) (3,0) (3,3) (0,3) runs east along the
    # top; the hole (1,1)-(2,2) has its top-left corner at (1,1), so the cut rises at x = 1 + 0.25
    # from the hole's top edge (y = 1) to the exterior's top edge (y = 0), and comes back down
    # BRIDGE_WIDTH = 0.05 px further east. Area 9 - 1 - 0.05 * 1 = 7.95.
    mask = np.ones((3, 3), dtype=bool)
    mask[1, 1] = False
    [poly] = trace_mask(mask, tolerance=0)
    c, c2 = 1.25, 1.25 + BRIDGE_WIDTH
    assert poly.exterior == [
        (0, 0), (c, 0), (c, 1), (1, 1), (1, 2), (2, 2), (2, 1), (c2, 1), (c2, 0), (3, 0), (3, 3), (0, 3),
    ]  # fmt: skip
    assert poly.holes == []
    shape = ShapelyPolygon(poly.exterior)
    assert shape.is_valid and shape.area == pytest.approx(9 - 1 - BRIDGE_WIDTH)


def test_offset_and_crop() -> None:
    mask = np.zeros((10, 10), dtype=bool)
    mask[4:6, 2:5] = True  # rows 4-5, columns 2-4 -> box (2, 4)-(5, 6), shifted by (100, 200)
    [poly] = trace_mask(mask, offset=(100, 200), tolerance=0)
    assert set(poly.exterior) == {(102, 204), (105, 204), (105, 206), (102, 206)}


def test_diagonal_pixels_are_separate_polygons() -> None:
    mask = np.array([[1, 0], [0, 1]], dtype=bool)
    polys = trace_mask(mask, tolerance=0)
    assert len(polys) == 2
    shapes = [ShapelyPolygon(p.exterior) for p in polys]
    assert all(s.is_valid for s in shapes)
    assert not shapes[0].intersects(shapes[1])  # the shared corner is cut by PINCH_CUT on each
    assert np.array_equal(raster(polys, 2, 2), mask)


def test_region_touching_itself_at_a_corner_stays_valid() -> None:
    # the background pixel (1,1) meets the outside diagonally at (2,2): the outline passes that
    # vertex twice; the corner cuts keep the single ring simple
    mask = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=bool)
    [poly] = trace_mask(mask, tolerance=0)
    shape = ShapelyPolygon(poly.exterior)
    assert shape.is_valid and shape.area == pytest.approx(7, abs=0.01)
    assert np.array_equal(raster([poly], 3, 3), mask)


def test_empty_mask() -> None:
    assert trace_mask(np.zeros((4, 4), dtype=bool)) == []


def test_tolerance_bounds() -> None:
    with pytest.raises(ValueError):
        trace_mask(np.ones((2, 2)), tolerance=1.5)


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 14), st.integers(1, 14))))
def test_exact_outline_rasterizes_back_to_the_mask(mask: np.ndarray) -> None:
    polys = trace_mask(mask, tolerance=0)
    shapes = [ShapelyPolygon(p.exterior) for p in polys]
    assert all(s.is_valid for s in shapes)
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert a.intersection(b).area < 1e-9
    assert np.array_equal(raster(polys, *mask.shape), mask)
    # area: the pixel count minus the bridge slots and corner cuts (each well under 0.1 px^2)
    assert 0 <= mask.sum() - sum(s.area for s in shapes) < 0.1 * (1 + mask.sum())


@settings(max_examples=100, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 14), st.integers(1, 14))), st.sampled_from([0.5, 1.0]))
def test_simplified_outline_is_valid(mask: np.ndarray, tolerance: float) -> None:
    for p in trace_mask(mask, tolerance=tolerance):
        assert ShapelyPolygon(p.exterior).is_valid and len(p.exterior) >= 3


def shapes_200() -> list[tuple[str, np.ndarray]]:
    yy, xx = np.mgrid[0:200, 0:200]
    d = np.hypot(xx - 100, yy - 100)
    rng = np.random.default_rng(3)
    noisy = (d + rng.normal(0, 3, d.shape)) < 80
    ang = np.arctan2(yy - 100, xx - 100)
    star = d < 50 + 30 * np.sin(5 * ang)
    letters = np.zeros((200, 200), dtype=bool)
    letters[20:180, 20:50] = letters[150:180, 20:120] = True  # an L
    letters[20:180, 140:170] = letters[20:50, 120:190] = True  # a T
    two_holes = (d < 90) & ~(np.hypot(xx - 70, yy - 100) < 15) & ~(np.hypot(xx - 130, yy - 100) < 15)
    return [
        ("disk", d < 70),
        ("ring", (d < 80) & (d > 40)),
        ("two holes", two_holes),
        ("star", star),
        ("noisy", noisy),
        ("letters", letters),
        ("small", d < 6),  # 113 px
    ]


@pytest.mark.parametrize(("name", "mask"), shapes_200(), ids=[n for n, _ in shapes_200()])
def test_mask_fidelity_iou_at_least_095(name: str, mask: np.ndarray) -> None:
    """The traced (and simplified) polygon rasterized again has IoU >= 0.95 with the mask."""
    assert mask.sum() >= 100
    polys = rle_to_polygons({"size": list(mask.shape), "counts": pycoco_encode(mask)})
    again = raster(polys, *mask.shape)
    iou = (again & mask).sum() / (again | mask).sum()
    assert iou >= 0.95, f"{name}: IoU {iou:.4f}"
    for p in polys:
        assert p.holes == [] and ShapelyPolygon(p.exterior).is_valid


def test_random_blobs_fidelity() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(15, 60, 2))
        mask = rng.random((h, w)) < 0.5
        for _ in range(2):  # smooth into blobs: majority of the 3x3 neighbourhood
            p = np.pad(mask, 1).astype(int)
            mask = sum(p[i : i + h, j : j + w] for i in range(3) for j in range(3)) >= 5
        if mask.sum() < 100:
            continue
        again = raster(trace_mask(mask), h, w)
        assert (again & mask).sum() / (again | mask).sum() >= 0.95
        checked += 1
    assert checked > 20

"""How fast hostile inputs end: each refusal timed against a floor measured in the same run.

    python benchmarks/bench_hostile.py

- billion laughs (10^9 "lol"s if expanded): refused at the first entity declaration;
- a 300-byte COCO file holding one RLE of [30000, 30000] with a 2x2 object: only the object's
  box is decoded;
- a CVAT XML with a 20 MB comment (one huge token): read in growing chunks, linear time.

The floor for each is reading a benign file of the same kind and size class with the same reader
(the refusal should cost about as much as an ordinary small read, never seconds).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from converters import InputError, Report  # noqa: E402
from converters.formats import get_reader  # noqa: E402

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE annotations [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(2, 10)).replace(
        "&lol1;", "&lol;")
    + "]>\n<annotations>&lol9;</annotations>\n"
)
CVAT_META = ("<annotations><version>1.1</version>"
             "<meta><task><labels><label><name>car</name></label></labels></task></meta>")


def _read(fmt: str, path: Path) -> str:
    reader = get_reader(fmt)
    try:
        report = Report()
        reader.read([path], reader.options_type(), report)
    except InputError as exc:
        return exc.message[:70]
    issues = ", ".join(sorted({i.code for i in report.issues})) or "no issue"
    return f"read ({issues})"


def _time(fn: Callable[[], str]) -> tuple[float, str]:
    best, what = float("inf"), ""
    for _ in range(3):
        t = time.perf_counter()
        what = fn()
        best = min(best, time.perf_counter() - t)
    return best, what


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        laughs = d / "laughs.xml"
        laughs.write_text(LAUGHS)
        benign_xml = d / "benign.xml"
        benign_xml.write_text(CVAT_META + '<image id="0" name="a.jpg" width="10" height="10"/></annotations>')
        rle = d / "rle.json"
        h = w = 30000
        start = 1000 * h + 1000  # column-major: a 2x2 object at (1000, 1000)
        counts = [start, 2, h - 2, 2, h * w - start - h - 2]
        rle.write_bytes(orjson.dumps({
            "images": [{"id": 1, "file_name": "a.jpg", "width": w, "height": h}],
            "categories": [{"id": 1, "name": "car"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 1,
                             "segmentation": {"size": [h, w], "counts": counts}}]}))
        benign_json = d / "benign.json"
        benign_json.write_bytes(orjson.dumps({
            "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
            "categories": [{"id": 1, "name": "car"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}]}))
        cases = [
            ("billion laughs (CVAT XML)", "cvat", laughs, benign_xml, "a small CVAT XML"),
            ("RLE [30000, 30000], 2x2 object", "coco", rle, benign_json, "a one-box COCO file"),
        ]
        for name, fmt, hostile, benign, floor_name in cases:
            secs, what = _time(lambda f=fmt, p=hostile: _read(f, p))  # type: ignore[misc]
            floor, _ = _time(lambda f=fmt, p=benign: _read(f, p))  # type: ignore[misc]
            print(f"== {name}: {what}")
            print(f"   {secs * 1000:8.1f} ms   floor {floor * 1000:.1f} ms ({floor_name})   "
                  f"ratio {secs / floor:,.1f} x")
        times = {}
        for mb in (10, 20):
            comment = d / f"comment{mb}.xml"
            comment.write_text(CVAT_META + "<!--" + "x" * (mb * 1_000_000) + "-->"
                               + '<image id="0" name="a.jpg" width="10" height="10"/></annotations>')
            secs, what = _time(lambda c=comment: _read("cvat", c))  # type: ignore[misc]
            floor, _ = _time(lambda c=comment: str(len(c.read_bytes())))  # type: ignore[misc]
            times[mb] = secs
            print(f"== CVAT XML with a {mb} MB comment: {what}")
            print(f"   {secs * 1000:8.1f} ms   floor {floor * 1000:.1f} ms (reading its bytes)   "
                  f"ratio {secs / floor:,.1f} x")
        print(f"   20 MB / 10 MB time: {times[20] / times[10]:.2f} (2.0 is linear; quadratic would be 4.0)")


if __name__ == "__main__":
    main()

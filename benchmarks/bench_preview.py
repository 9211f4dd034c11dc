"""Benchmark prelabel preview: frames/s for 1280 x 720 frames with 20 objects (target >= 50).

    python benchmarks/bench_preview.py [--frames 300]

Draws and encodes the PNG of every frame of one video job (20 rectangles and polygons per frame,
over a 1280 x 720 image), as write_preview does. The floor, measured in the same run, is encoding
the same number of plain 1280 x 720 PNGs at the same compression level.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from converters.preview import PNG_LEVEL  # noqa: E402
from converters.preview._draw import draw_shapes  # noqa: E402
from converters.preview._shapes import frames_of  # noqa: E402


def _payload(frames: int) -> dict[str, object]:
    trackers = []
    for k in range(20):
        x, y = 0.04 * (k % 10) + 0.02, 0.3 * (k // 10) + 0.1
        rect = [{"x": x, "y": y}, {"x": x + 0.05, "y": y}, {"x": x + 0.05, "y": y + 0.2}, {"x": x, "y": y + 0.2}]
        poly = {f"p{i}": {"x": x + 0.01 * i, "y": y + 0.25 + 0.01 * (i % 2)} for i in range(1, 7)}
        kind, body = ("rectangle", {"coordinates": rect}) if k % 2 else ("polygon", {"points": poly})
        trackers.append({"_id": f"t{k}", "type": kind, "label": f"class{k % 5}",
                         "frames": {str(f): {"label": f"class{k % 5}", **body} for f in range(frames)}})
    return {"reference_id": "bench", "data": {"video_data": {"frames": [{"frame_id": str(f), "src": ""}
                                                                        for f in range(frames)]},
                                              "maker_response": {"video2d": {"data": {"annotations": trackers}}}}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=300)
    n = ap.parse_args().frames
    frames = frames_of(_payload(n))
    image = Image.new("RGB", (1280, 720), (120, 140, 160))
    t = time.perf_counter()
    for f in frames:
        buf = io.BytesIO()
        draw_shapes(image, f.shapes).save(buf, "PNG", compress_level=PNG_LEVEL)
    secs = time.perf_counter() - t
    t = time.perf_counter()
    for _ in frames:
        buf = io.BytesIO()
        image.save(buf, "PNG", compress_level=PNG_LEVEL)
    floor = time.perf_counter() - t
    print(f"== preview: {n} frames of 1280 x 720, 20 objects each")
    print(f"   drawn + PNG  {secs:6.2f} s   {n / secs:7.1f} frames/s   (target >= 50)")
    print(f"   floor        {floor:6.2f} s   {n / floor:7.1f} frames/s   (plain PNG encoding)   "
          f"ratio {secs / floor:.2f} x")


if __name__ == "__main__":
    main()

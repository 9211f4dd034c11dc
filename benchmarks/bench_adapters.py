"""Benchmark in-memory frames through JobWriter: 10,000 frames of 20 boxes (a detector's output).

    python benchmarks/bench_adapters.py [--frames 10000]

Each run is a fresh process; it prints objects/s and the peak RSS, then the same for twice the
frames: with JobWriter memory must stay flat in the number of frames (one job at a time, still
images), while write_scene on the whole scene grows with it. The floor is orjson.dumps of the
same number of payload-sized dicts (the serialisation alone), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, tempfile, time
import numpy as np, orjson
from pathlib import Path
mode, n = sys.argv[1], int(sys.argv[2])
from converters import JobWriter, frame_from_arrays, scene_from_frames, write_scene
rng = np.random.default_rng(0)
xy = rng.uniform((0, 0), (1800, 950), (20, 2))  # every box inside the 1920 x 1080 frame
boxes = np.concatenate([xy, xy + rng.uniform(10, 100, (20, 2))], axis=1)
cls = rng.integers(0, 3, 20)
scores = rng.uniform(0.3, 1, 20)
def frame(i):
    return frame_from_arrays(i, 1920, 1080, file_name=f"img/{i:06d}.jpg", boxes=boxes, scores=scores,
                             class_ids=cls, class_names=["person", "car", "bike"])
out = Path(tempfile.mkdtemp()) / "jobs.jsonl"
t = time.perf_counter()
if mode == "writer":
    with JobWriter(out) as jobs:
        for i in range(n):
            jobs.add(frame(i))
    objects = jobs.report.objects_emitted
elif mode == "scene":
    objects = write_scene(scene_from_frames([frame(i) for i in range(n)]), out).objects_emitted
else:
    line = out.read_bytes() if out.exists() else b""
    payload = {"reference_id": "x", "data": {"image_url": "u", "maker_response": {"rectangles": {"data": [
        {"_id": "0" * 36, "label": "car", "attributes": {}, "state": "editable",
         "coordinates": [{"x": 0.1, "y": 0.2}] * 4} for _ in range(20)]}}}}
    with open(out, "wb") as f:
        for i in range(n):
            f.write(orjson.dumps(payload, option=orjson.OPT_APPEND_NEWLINE))
    objects = 20 * n
secs = time.perf_counter() - t
print(json.dumps({"secs": secs, "objects": objects, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def run(mode: str, n: int) -> dict[str, float]:
    r = subprocess.run([sys.executable, "-c", CHILD, mode, str(n)], capture_output=True, text=True, cwd=ROOT,
                       check=True)
    result: dict[str, float] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=10_000)
    n = ap.parse_args().frames
    floor = run("floor", n)
    print(f"== in-memory frames: {n:,} frames x 20 boxes through JobWriter")
    for mode in ("writer", "scene"):
        small, large = run(mode, n), run(mode, 2 * n)
        rate = small["objects"] / small["secs"]
        name = "JobWriter" if mode == "writer" else "write_scene"
        ratio = small["secs"] / floor["secs"]
        print(f"   {name:<12} {small['secs']:6.2f} s   {rate:>10,.0f} objects/s   ratio {ratio:.1f} x the floor "
              f"(orjson.dumps of {n:,} payloads: {floor['secs']:.2f} s)")
        print(f"   {'':<12} peak memory {small['peak'] / 2**20:,.0f} MB for {n:,} frames, "
              f"{large['peak'] / 2**20:,.0f} MB for {2 * n:,} (x{large['peak'] / small['peak']:.2f})")


if __name__ == "__main__":
    main()

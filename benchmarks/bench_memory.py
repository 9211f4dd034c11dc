"""Peak memory of the whole ``prelabel convert`` process on a 1 GB COCO file, against the file's size.

    python benchmarks/bench_memory.py [--gb 1.0] [--workers 1 2]

Generates (once, seeded) a COCO dataset of about ``--gb`` GB: 1920x1080 images with 20 boxes each,
as bench_convert.py's files but written as text directly (7.5M annotations for 1 GB). Each run is
``prelabel convert FILE --from coco --out DIR/out.jsonl --workers N`` in a fresh process; the peak
is the largest sum over the process and its workers of their proportional set size (PSS: a page
shared by k processes counts 1/k to each, so the forked workers' shared scene is not counted
twice), sampled every 200 ms from /proc (reading smaps_rollup of a large process costs CPU).
Target (issue 17): peak / input size <= 3.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
PER_IMAGE = 20
BYTES_PER_BOX = 133  # of bench_convert's layout, measured on its 1M-box file


def generate(path: Path, boxes: int, seed: int = 5) -> None:
    """The layout of ``generate.coco_dataset`` (same keys and value ranges), written as text."""
    rng = random.Random(seed)
    images = max(1, boxes // PER_IMAGE)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="ascii") as f:
        f.write('{"images":[')
        f.write(",".join(f'{{"id":{i},"file_name":"frames/{i:07d}.jpg","width":1920,"height":1080}}'
                         for i in range(1, images + 1)))
        f.write('],"annotations":[')
        aid = 1
        for img in range(1, images + 1):
            rows = []
            for _ in range(PER_IMAGE):
                w = round(rng.uniform(8, 400), 2)
                h = round(rng.uniform(8, 300), 2)
                x = round(rng.uniform(0, 1920 - w), 2)
                y = round(rng.uniform(0, 1080 - h), 2)
                rows.append(f'{{"id":{aid},"image_id":{img},"category_id":{rng.randint(1, 80)},'
                            f'"bbox":[{x},{y},{w},{h}],"area":{round(w * h, 2)},"iscrowd":0,"segmentation":[]}}')
                aid += 1
            f.write(("," if img > 1 else "") + ",".join(rows))
        f.write('],"categories":[')
        f.write(",".join(f'{{"id":{i + 1},"name":"class_{i}","supercategory":"thing"}}' for i in range(80)))
        f.write("]}")
    tmp.replace(path)


def tree_pss(pid: int) -> int:
    """PSS bytes of ``pid`` and its descendants (0 for processes that ended meanwhile)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(src: Path, out: Path, workers: int) -> tuple[float, int]:
    """(seconds, peak PSS of the process tree) of one conversion."""
    t = time.perf_counter()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "prelabel"), "convert", str(src), "--from", "coco",
                             "--out", str(out), "--workers", str(workers), "--overwrite", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss(proc.pid))
        time.sleep(0.2)
    secs = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"prelabel failed ({proc.returncode}): {proc.stderr.read().decode() if proc.stderr else ''}")
    return secs, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=1.0, help="input size in GB (default 1.0)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ns = ap.parse_args()
    boxes = int(ns.gb * 1e9 / BYTES_PER_BOX) // PER_IMAGE * PER_IMAGE
    DATA.mkdir(exist_ok=True)
    src = DATA / f"coco_memory_{boxes}.json"
    if not src.exists():
        t = time.perf_counter()
        generate(src, boxes)
        print(f"generated {src.name} ({src.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s")
    size = src.stat().st_size
    print(f"\n== memory: COCO {boxes:,} boxes, {size / 1e9:.2f} GB, whole prelabel convert processes")
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        for n in ns.workers:
            secs, peak = run(src, Path(tmp) / "out.jsonl", n)
            print(f"   --workers {n}   {secs:7.1f} s   {boxes / secs:10,.0f} objects/s   peak PSS {peak / 1e6:7,.0f} MB"
                  f"   = {peak / size:.2f} x the input (target <= 3)")


if __name__ == "__main__":
    main()

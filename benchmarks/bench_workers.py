"""--workers: wall time of one COCO conversion with 1 and 2 worker processes (same bytes checked).

    python benchmarks/bench_workers.py [--boxes 1000000]

Uses the file benchmarks/bench_convert.py generates (benchmarks/data/coco_<boxes>.json); each run is
a fresh process. The read is one process whatever the workers; building, validating and
serializing the jobs is shared. Target (issue 17): 2 workers >= 1.6x one on a 2-core machine.
It also measures the machine's own ceiling in the same run: the throughput of a pure-Python loop
in 2 processes against 1 (a shared VM's two vCPUs do not give 2x). Then, when Ray is installed,
the same conversion with ``--engine ray`` on a local Ray instance.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import sys, time
from converters import convert
t = time.perf_counter()
convert(sys.argv[1], "coco", sys.argv[2], workers=int(sys.argv[3]), overwrite=True)
print(time.perf_counter() - t)
"""
CEILING = r"""
import multiprocessing as mp, sys, time

def work(_):
    s = 0
    for i in range(10_000_000):
        s += i * i
    return s

if __name__ == "__main__":
    t = time.perf_counter()
    work(0)
    one = time.perf_counter() - t
    with mp.get_context("fork").Pool(2) as pool:
        t = time.perf_counter()
        pool.map(work, [0, 1])
        two = time.perf_counter() - t
    print(2 * one / two)
"""
RAY = r"""
import sys, time
import ray
from converters.shards import convert_with_ray
t = time.perf_counter()
ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
started = time.perf_counter() - t
t = time.perf_counter()
convert_with_ray([sys.argv[1]], "coco", sys.argv[2])
print(started, time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--boxes", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, alternating; medians shown")
    ap.add_argument("--out-dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                    help="where the outputs go (default /dev/shm: memory, so that the disk's write-back of "
                         "one run's 585 MB does not take CPU from the next)")
    ns = ap.parse_args()
    boxes = ns.boxes
    src = ROOT / "benchmarks" / "data" / f"coco_{boxes}.json"
    if not src.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_convert.py"), "--boxes", str(boxes),
                        "--cases", "coco-dataset", "--repeat", "1"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(dir=ns.out_dir) as tmp:
        runs: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(ns.repeat):
            for n in (1, 2):
                out = Path(tmp) / f"w{n}.jsonl"
                r = subprocess.run([sys.executable, "-c", CHILD, str(src), str(out), str(n)], capture_output=True,
                                   text=True, check=True, cwd=ROOT)
                runs[n].append(float(r.stdout.strip().splitlines()[-1]))
        secs = {n: statistics.median(v) for n, v in runs.items()}
        ceilings = []
        for _ in range(ns.repeat):
            r = subprocess.run([sys.executable, "-c", CEILING], capture_output=True, text=True, check=True)
            ceilings.append(float(r.stdout.strip()))
        ceiling = statistics.median(ceilings)
        pairs = [a / b for a, b in zip(runs[1], runs[2])]
        same = (Path(tmp) / "w1.jsonl").read_bytes() == (Path(tmp) / "w2.jsonl").read_bytes()
        ray_secs = None
        if importlib.util.find_spec("ray") is not None:
            r = subprocess.run([sys.executable, "-c", RAY, str(src), str(Path(tmp) / "ray.jsonl")],
                               capture_output=True, text=True, check=True, cwd=ROOT)
            start, ray_secs = (float(v) for v in r.stdout.strip().splitlines()[-1].split())
            ray_same = (Path(tmp) / "ray.jsonl").read_bytes() == (Path(tmp) / "w1.jsonl").read_bytes()
    print(f"== workers: COCO {boxes:,} boxes (median of {ns.repeat} alternating runs; speed-up of each pair "
          f"{', '.join(f'{p:.2f}' for p in pairs)})")
    print(f"   1 worker   {secs[1]:6.2f} s   {boxes / secs[1]:>10,.0f} objects/s")
    print(f"   2 workers  {secs[2]:6.2f} s   {boxes / secs[2]:>10,.0f} objects/s   speed-up {secs[1] / secs[2]:.2f} x "
          f"(target >= 1.6)   same bytes: {'yes' if same else 'NO'}")
    print(f"   machine    2 processes of a pure-Python loop give {ceiling:.2f} x one "
          f"({', '.join(f'{c:.2f}' for c in ceilings)}): the ceiling of any speed-up here; "
          f"2 workers reach {secs[1] / secs[2] / ceiling:.0%} of it")
    if ray_secs is None:
        print("   ray        not installed (pip install 'playment-prelabel[ray]')")
    else:
        print(f"   ray local  {ray_secs:6.2f} s   {boxes / ray_secs:>10,.0f} objects/s   (a task per CPU, each "
              f"reading the input; Ray's start, {start:.1f} s, not counted)   "
              f"same bytes: {'yes' if ray_same else 'NO'}")


if __name__ == "__main__":
    main()

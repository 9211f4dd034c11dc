"""The whole ``prelabel convert`` process against globox converting the same COCO file.

    python benchmarks/bench_globox.py [--boxes 200000]

Both run as fresh processes on benchmarks/data/coco_<boxes>.json (made by bench_convert.py):
``prelabel convert FILE --from coco --out X.jsonl`` (with ``--workers 1`` and with the default,
every core) and a globox script that reads the
COCO file (``AnnotationSet.from_coco``) and writes it as CVAT XML (``save_cvat``), the closest job
globox does. globox is installed into this environment when missing (pip). Target (issue 17):
prelabel >= 5x globox.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOBOX = r"""
import sys, warnings
warnings.simplefilter("ignore")
from globox import AnnotationSet
AnnotationSet.from_coco(sys.argv[1]).save_cvat(sys.argv[2])
"""


def _timed(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--boxes", type=int, default=200_000)
    boxes = ap.parse_args().boxes
    if importlib.util.find_spec("globox") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "globox"], check=True)
    src = ROOT / "benchmarks" / "data" / f"coco_{boxes}.json"
    if not src.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_convert.py"), "--boxes", str(boxes),
                        "--cases", "coco-dataset", "--repeat", "1"], check=True, capture_output=True)
    prelabel = str(Path(sys.executable).parent / "prelabel")
    with tempfile.TemporaryDirectory() as tmp:
        def ours(*extra: str) -> float:
            return min(_timed([prelabel, "convert", str(src), "--from", "coco", "--out", f"{tmp}/o{i}.jsonl",
                               "--quiet", "--overwrite", *extra]) for i in range(2))

        one = ours("--workers", "1")
        default = ours()
        theirs = min(_timed([sys.executable, "-c", GLOBOX, str(src), f"{tmp}/g{i}.xml"]) for i in range(2))
    print(f"== COCO {boxes:,} boxes, whole processes (best of 2)")
    print(f"   prelabel convert --workers 1   {one:6.2f} s   {theirs / one:5.2f} x globox")
    print(f"   prelabel convert (all cores)   {default:6.2f} s   {theirs / default:5.2f} x globox   (target >= 5)")
    print(f"   globox                         {theirs:6.2f} s   (from_coco + save_cvat, one core)")


if __name__ == "__main__":
    main()

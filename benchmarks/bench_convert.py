"""Benchmark: COCO -> validated Playment video payloads, against a floor measured in the same run.

For each case the conversion runs as a library call (``converters.convert``) inside a fresh child
interpreter, so its peak RSS is the conversion's own. The floor is what any converter must at least
do: ``orjson.loads`` of the input plus ``orjson.dumps`` of an output of the same size (the payloads
just written, parsed beforehand and not timed). Prints objects/s, the ratio to the floor and peak
memory against 3x (input + output JSON size). Each case converts ``--repeat`` times (default 3, each
in a fresh child) and shows the median run with the range of all runs: a shared machine varies by
several percent from run to run.

    python benchmarks/bench_convert.py --boxes 1000000          # make bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

CHILD = r"""
import gc, json, resource, sys, time
args = json.loads(sys.argv[1])
if args["mode"] == "convert":
    from converters import convert, ConvertOptions
    t = time.perf_counter()
    c = time.process_time()
    report = convert(args["inputs"], args["fmt"], args["out"], options=ConvertOptions(),
                     reader_options=args["reader_options"], overwrite=True)  # the earlier repeat's output
    secs = time.perf_counter() - t
    extra = {"objects": report.objects_emitted, "jobs": report.jobs, "skipped": report.records_skipped,
             "cpu": time.process_time() - c}
else:
    import orjson, pathlib
    src = pathlib.Path(args["inputs"][0])
    files = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
    out_docs = [orjson.loads(line) for line in open(args["out"], "rb")]
    gc.disable()  # as the conversion does: no full collections over millions of fresh containers
    t = time.perf_counter()
    for f in files:  # JSON input: parsed with orjson; other formats: only read (no parser is the floor)
        data = f.read_bytes()
        if args["fmt"] == "coco":
            orjson.loads(data)
    for d in out_docs:
        orjson.dumps(d)
    secs = time.perf_counter() - t
    extra = {}
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": secs, "peak_bytes": peak, **extra}))
"""


def child(mode: str, inputs: list[str], fmt: str, out: str, reader_options: dict[str, object]) -> dict[str, float]:
    arg = json.dumps({"mode": mode, "inputs": inputs, "fmt": fmt, "out": out, "reader_options": reader_options})
    r = subprocess.run([sys.executable, "-c", CHILD, arg], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{r.stderr}")
    result: dict[str, float] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def run_case(name: str, inputs: list[Path], fmt: str, reader_options: dict[str, object], data: Path,
             repeat: int = 1) -> dict[str, float]:
    """Convert ``repeat`` times (each in a fresh child) and report the median run, its range and the
    largest peak memory; the floor is measured once, after the first conversion."""
    out = data / f"{name}.out.jsonl"
    runs = []
    floor: dict[str, float] = {}
    for k in range(repeat):
        runs.append(child("convert", [str(p) for p in inputs], fmt, str(out), reader_options))
        if k == 0:
            floor = child("floor", [str(inputs[0])], fmt, str(out), {})
    runs.sort(key=lambda r: r["seconds"])
    conv = runs[len(runs) // 2]
    peak = max(r["peak_bytes"] for r in runs)
    read = [*inputs, *(Path(p) for p in reader_options.get("images", []))]  # type: ignore[attr-defined]
    in_size = sum(f.stat().st_size for p in read for f in ([*p.rglob("*")] if p.is_dir() else [p]) if f.is_file())
    out_size = out.stat().st_size
    rate = conv["objects"] / conv["seconds"]
    mem_limit = 3 * (in_size + out_size)
    print(f"\n== {name}: {conv['objects']:,.0f} objects in {conv['jobs']:,.0f} jobs (skipped {conv['skipped']:.0f})")
    print(f"   convert      {conv['seconds']:8.2f} s   {rate:12,.0f} objects/s   (target >= 100,000; "
          f"CPU {conv['cpu']:.2f} s = {conv['objects'] / conv['cpu']:,.0f} objects/s)")
    if repeat > 1:
        rates = [r["objects"] / r["seconds"] for r in runs]
        cpus = [r["objects"] / r["cpu"] for r in runs]
        print(f"   {repeat} runs       median shown; objects/s {min(rates):,.0f} .. {max(rates):,.0f}, "
              f"CPU objects/s {min(cpus):,.0f} .. {max(cpus):,.0f}")
    what = "orjson loads" if fmt == "coco" else "read"
    print(f"   floor        {floor['seconds']:8.2f} s   {what}(input {in_size / 1e6:.0f} MB) + "
          f"orjson dumps(output {out_size / 1e6:.0f} MB)")
    print(f"   ratio        {conv['seconds'] / floor['seconds']:8.1f} x the floor")
    print(f"   peak memory  {peak / 1e6:8.0f} MB   limit 3 x (input {in_size / 1e6:.0f} MB + output) "
          f"= {mem_limit / 1e6:.0f} MB"
          f"   -> {peak / mem_limit:.2f} of the limit")
    out.unlink()
    return {**conv, "peak_bytes": peak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--boxes", type=int, default=1_000_000, help="total boxes (20 per image)")
    ap.add_argument("--cases", default="coco-dataset,coco-results,yolo,cvat,voc,masks",
                    help="comma list of cases")
    ap.add_argument("--repeat", type=int, default=3, help="conversions per case; the median is reported")
    ns = ap.parse_args()
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    images = max(1, ns.boxes // 20)
    gt = data / f"coco_{ns.boxes}.json"
    if not gt.exists():
        t = time.perf_counter()
        generate.coco_dataset(gt, images, 20)
        print(f"generated {gt.name} ({gt.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    cases = ns.cases.split(",")
    if "coco-dataset" in cases:
        run_case("coco-dataset", [gt], "coco", {}, data, ns.repeat)
    if "coco-results" in cases:
        res = data / f"coco_results_{ns.boxes}.json"
        if not res.exists():
            generate.coco_results(res, gt)
        run_case("coco-results", [res], "coco", {"images": [str(gt)]}, data, ns.repeat)
    files = max(1, ns.boxes // 20)
    if "yolo" in cases:
        root = data / f"yolo_{ns.boxes}"
        if not root.exists():
            generate.yolo_predictions(root, files, 20)
        run_case("yolo", [root / "labels"], "yolo", {"image_sizes": str(root / "sizes.json"), "yolo_task": "detect",
                                                      "yolo_columns": "conf"}, data, ns.repeat)
    if "cvat" in cases:
        peaks = {}
        for shapes in sorted({ns.boxes // 5, ns.boxes // 10}):
            xml = data / f"cvat_{shapes}.xml"
            if not xml.exists():
                generate.cvat_video(xml, tracks=shapes // 1000, frames=1000)
            peaks[shapes] = run_case(f"cvat-video-{shapes}", [xml], "cvat", {}, data, ns.repeat)["peak_bytes"]
        if len(peaks) == 2:
            (small, p1), (big, p2) = sorted(peaks.items())
            print(f"\n   cvat peak memory {p1 / 1e6:.0f} MB -> {p2 / 1e6:.0f} MB for {small:,} -> {big:,} shapes: "
                  f"x{p2 / p1:.2f} for x{big / small:.0f} the shapes, "
                  f"{(p2 - p1) / (big - small):.0f} bytes per extra shape")
    if "voc" in cases:
        root = data / f"voc_{ns.boxes}"
        if not root.exists():
            generate.voc_folder(root, files, 20)
        run_case("voc", [root / "Annotations"], "voc", {}, data, ns.repeat)
    if "masks" in cases:
        masks_per_second()


def masks_per_second() -> None:
    """COCO compressed RLE of 200x200 masks traced into polygons."""
    import numpy as np
    from pycocotools import mask as mask_utils

    from converters.formats.coco._rle import rle_to_polygons

    yy, xx = np.mgrid[0:200, 0:200]
    masks = []
    for k in range(50):
        m = ((yy - 100) ** 2 / (60 + k) ** 2 + (xx - 100) ** 2 / (40 + k) ** 2 < 1).astype(np.uint8)
        m[90:110, 95:105] = 0  # a hole
        rle = mask_utils.encode(np.asfortranarray(m))
        masks.append({"size": rle["size"], "counts": rle["counts"].decode("ascii")})
    t = time.perf_counter()
    n = 0
    while time.perf_counter() - t < 2.0:
        for seg in masks:
            rle_to_polygons(seg)
        n += len(masks)
    secs = time.perf_counter() - t
    print(f"\n== masks: COCO compressed RLE 200x200 (ellipse with a hole) -> polygon: {n / secs:,.0f} masks/s")


if __name__ == "__main__":
    main()

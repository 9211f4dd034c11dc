"""Benchmark: COCO -> validated Playment video payloads, against a floor measured in the same run.

For each case the conversion runs as a library call (``converters.convert``) inside a fresh child
interpreter, so its peak RSS is the conversion's own. The floor is what any converter must at least
do: ``orjson.loads`` of the input plus ``orjson.dumps`` of an output of the same size (the payloads
just written, parsed beforehand and not timed). Prints objects/s, the ratio to the floor and peak
memory against 3x (input + output JSON size).

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
    report = convert(args["inputs"], args["fmt"], args["out"], options=ConvertOptions(),
                     reader_options=args["reader_options"])
    secs = time.perf_counter() - t
    extra = {"objects": report.objects_emitted, "jobs": report.jobs, "skipped": report.records_skipped}
else:
    import orjson
    data = open(args["inputs"][0], "rb").read()
    out_docs = [orjson.loads(line) for line in open(args["out"], "rb")]
    gc.disable()  # as the conversion does: no full collections over millions of fresh containers
    t = time.perf_counter()
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


def run_case(name: str, inputs: list[Path], fmt: str, reader_options: dict[str, object], data: Path) -> None:
    out = data / f"{name}.out.jsonl"
    conv = child("convert", [str(p) for p in inputs], fmt, str(out), reader_options)
    floor = child("floor", [str(inputs[0])], fmt, str(out), {})
    read = [*inputs, *(Path(p) for p in reader_options.get("images", []))]  # type: ignore[attr-defined]
    in_size = sum(p.stat().st_size for p in read)  # every file the reader parses
    out_size = out.stat().st_size
    rate = conv["objects"] / conv["seconds"]
    mem_limit = 3 * (in_size + out_size)
    print(f"\n== {name}: {conv['objects']:,.0f} objects in {conv['jobs']:,.0f} jobs (skipped {conv['skipped']:.0f})")
    print(f"   convert      {conv['seconds']:8.2f} s   {rate:12,.0f} objects/s   (target >= 100,000)")
    print(f"   floor        {floor['seconds']:8.2f} s   orjson loads(input {inputs[0].stat().st_size / 1e6:.0f} MB) + "
          f"dumps(output {out_size / 1e6:.0f} MB)")
    print(f"   ratio        {conv['seconds'] / floor['seconds']:8.1f} x the floor")
    print(f"   peak memory  {conv['peak_bytes'] / 1e6:8.0f} MB   limit 3 x (input {in_size / 1e6:.0f} MB + output) "
          f"= {mem_limit / 1e6:.0f} MB"
          f"   -> {conv['peak_bytes'] / mem_limit:.2f} of the limit")
    out.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--boxes", type=int, default=1_000_000, help="total boxes (20 per image)")
    ap.add_argument("--cases", default="coco-dataset,coco-results", help="comma list of cases")
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
        run_case("coco-dataset", [gt], "coco", {}, data)
    if "coco-results" in cases:
        res = data / f"coco_results_{ns.boxes}.json"
        if not res.exists():
            generate.coco_results(res, gt)
        run_case("coco-results", [res], "coco", {"images": [str(gt)]}, data)


if __name__ == "__main__":
    main()

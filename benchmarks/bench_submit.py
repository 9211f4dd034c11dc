"""Benchmark ``submit_payloads`` against the fake Playment server (another process, 127.0.0.1).

    python benchmarks/bench_submit.py [--jobs 5000] [--concurrency 8] [--boxes 10]

Writes ``--jobs`` video payloads (``--boxes`` rectangle trackers each) to a temporary .jsonl, then
runs: a dry run (read + validate only), and the real submit with the ledger (fsync per answer).
Prints jobs/s and the client's overhead per job beyond the server's own time:

    overhead/job = wall_submit * concurrency / jobs - server_time/job

where ``server_time`` is the fake server's handler time (request parsed -> answer written), so the
overhead is what a worker spends per job outside the server: validation excluded, HTTP client,
JSON encoding, ledger write + fsync, loopback network and thread hand-offs included.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_playment import sample_payload  # noqa: E402

from converters.playment.client import PlaymentClient  # noqa: E402
from converters.playment.submit import submit_payloads  # noqa: E402

KEY = "bench-key-0123456789"
PROJECT = "proj-1"


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_playment.py"), "--api-key", KEY, "--project-id", PROJECT],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        proc.kill()
        raise SystemExit("the fake server did not start")
    return proc, url


def server_stats(url: str) -> dict[str, Any]:
    doc: dict[str, Any] = httpx.get(f"{url}/_fake/stats").json()
    return doc


def write_payloads(path: Path, n: int, boxes: int, prefix: str) -> int:
    with open(path, "wb") as f:
        for i in range(n):
            p = sample_payload(i, prefix=prefix, boxes=boxes)
            p["work_flow_id"] = "2aae1234-acac-1234-eeff-12a22a237bbc"
            f.write(orjson.dumps(p) + b"\n")
    return path.stat().st_size


def run(url: str, src: Path, ledger: Path | None, concurrency: int, dry: bool = False) -> dict[str, float]:
    before = server_stats(url)
    cpu0, t0 = time.process_time(), time.perf_counter()
    with PlaymentClient(PROJECT, KEY, base_url=url, max_connections=concurrency) as client:
        summary = submit_payloads([src], None if dry else client, ledger_path=ledger,
                                  concurrency=concurrency, dry_run=dry, project_id=PROJECT)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    after = server_stats(url)
    if not summary.ok:
        raise SystemExit("\n".join(summary.summary_lines()))
    handled = after["handled"] - before["handled"]
    return {"wall": wall, "cpu": cpu, "jobs": summary.created + summary.already_there or summary.payloads,
            "server_time": after["server_time_s"] - before["server_time_s"], "handled": handled}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--boxes", type=int, default=10, help="rectangle trackers per payload")
    ap.add_argument("--serial-jobs", type=int, default=500, help="jobs for the concurrency-1 rows")
    a = ap.parse_args()
    proc, url = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            size = write_payloads(d / "probe.jsonl", 1, a.boxes, "probe")
            print(f"{a.jobs} jobs of {size / 1024:.1f} KiB ({a.boxes} trackers), fake server in process "
                  f"{proc.pid} at {url}, {os.cpu_count()} CPUs")
            rows = [(a.concurrency, a.jobs, True), (a.concurrency, a.jobs, False),
                    (1, a.serial_jobs, True), (1, a.serial_jobs, False)]
            print(f"{'conc':>4} {'jobs':>5} {'ledger':>6} {'validate':>9} {'submit':>8} {'jobs/s':>7} "
                  f"{'server':>9} {'overhead':>9} {'client CPU':>10}")
            for i, (conc, n, with_ledger) in enumerate(rows):
                src = d / f"jobs{i}.jsonl"
                write_payloads(src, n, a.boxes, f"run{i}")
                dry = run(url, src, None, conc, dry=True)
                r = run(url, src, d / f"ledger{i}.jsonl" if with_ledger else None, conc)
                submit_wall = r["wall"] - dry["wall"]  # the validation pass is the dry run's work
                server = r["server_time"] / max(r["handled"], 1)
                overhead = submit_wall * conc / n - server
                print(f"{conc:>4} {n:>5} {'yes' if with_ledger else 'no':>6} {dry['wall']:>8.2f}s "
                      f"{submit_wall:>7.2f}s {n / r['wall']:>7.0f} {server * 1e3:>7.3f}ms "
                      f"{overhead * 1e3:>7.3f}ms {r['cpu'] / n * 1e6:>8.0f}us")
            print("jobs/s: whole run (read + validate + submit). server: fake server handler time per "
                  "request. overhead: submit wall x concurrency / jobs - server (per worker, per job). "
                  "client CPU: process CPU per job, whole run.")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())

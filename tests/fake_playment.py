"""A fake Playment API server for tests and benchmarks: real HTTP/1.1 on 127.0.0.1, threaded.

Implements the documented endpoints and envelope (format doc section 3)::

    POST /v1/projects/{pid}/batch        {"name", "description"} -> {"success", "data": {"batch_id"}}
    POST /v1/projects/{pid}/jobs         payload -> {"success", "data": {"job_id", "reference_id", ...}}
    GET  /v1/projects/{pid}/jobs/{id}    -> {"success", "data": {job fields}}
    GET  /v1/projects/{pid}/details      -> {"success", "data": {"name", "base", "batches": [...]}}
    GET  /_fake/stats                    (no auth) counters, for a server run in another process

Errors use ``{"success": false, "error": {"code", "message", "meta_data"}}`` with HTTP 400 and the
documented codes: FS_0001 duplicate reference_id, FS_0002 missing reference_id, FS_0003 bad JSON /
structure, FS_0004 empty data, FS_0005 no work_flow_id (or tag), GE_0001 unknown batch_id,
BATCH_CREATION duplicate batch name; 401 ``auth-failure`` for a wrong key, 403 ``unauthorized`` for
another project. Check-and-store of a reference_id is atomic, like a unique index.

Fault injection, for job POSTs: ``script(...)`` queues faults consumed by the next requests (any
endpoint), and ``fault_rate`` draws faults at random, deterministically per (seed, reference_id,
attempt number) so thread scheduling does not change them, at most ``max_faults_per_ref`` times for
one reference_id. Fault kinds: see :data:`FAULTS`.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

#: fault -> what the server does. "stores" = the job is stored before the fault hits.
FAULTS = {
    "503": "HTTP 503 with an api_error envelope (not stored)",
    "500": "HTTP 500 with an FS_0000 envelope (not stored)",
    "502_html": "HTTP 502 with an HTML body (not stored)",
    "408": "HTTP 408 (not stored)",
    "429": "HTTP 429 with Retry-After (not stored)",
    "slow": "stores, then answers after slow_seconds (longer than the client timeout)",
    "drop_before_store": "closes the connection without an answer (not stored)",
    "drop_after_store": "stores, then closes the connection without an answer",
    "garbage_after_store": "stores, then answers 200 with a truncated JSON body",
    "empty_after_store": "stores, then answers 200 with a success envelope without job_id",
    "echo_key": "HTTP 400 whose message repeats the request's x-api-key (a careless server)",
}
RANDOM_FAULTS = ("503", "500", "502_html", "408", "429", "drop_before_store", "drop_after_store",
                 "garbage_after_store", "empty_after_store")


class FakePlayment:
    """The server state and its lifecycle; ``with FakePlayment() as fake: fake.url``."""

    def __init__(
        self,
        *,
        api_key: str = "fake-key-0123456789",
        project_id: str = "proj-1",
        fault_rate: float = 0.0,
        seed: int = 0,
        faults: Iterable[str] = RANDOM_FAULTS,
        max_faults_per_ref: int = 3,
        slow_seconds: float = 0.3,
        retry_after: str = "2",
        latency: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.project_id = project_id
        self.fault_rate = fault_rate
        self.seed = seed
        self.random_faults = tuple(faults)
        self.max_faults_per_ref = max_faults_per_ref
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.latency = latency
        self.lock = threading.Lock()
        self.jobs: dict[str, dict[str, Any]] = {}  # reference_id -> stored job
        self.jobs_by_id: dict[str, dict[str, Any]] = {}
        self.store_log: list[str] = []  # every successful store, in order
        self.batches: dict[str, dict[str, Any]] = {}  # name -> batch
        self.job_posts: Counter[str] = Counter()  # reference_id -> POSTs seen
        self.requests: Counter[str] = Counter()  # "METHOD kind" -> count
        self.faults_done: Counter[str] = Counter()
        self.responses: Counter[str] = Counter()  # error code or "ok" -> count
        self.server_time = 0.0
        self.handled = 0
        self.open_connections = 0
        self._script: list[str] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------------------- lifecycle

    def start(self, port: int = 0) -> FakePlayment:
        handler = type("Handler", (_Handler,), {"fake": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakePlayment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------------------ control

    def script(self, *faults: str) -> None:
        """Queue faults for the next requests, in order (``"ok"`` = no fault for that request)."""
        for f in faults:
            if f != "ok" and f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}")
        with self.lock:
            self._script += faults

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "jobs": len(self.jobs),
                "stored": len(self.store_log),
                "distinct_stored": len(set(self.store_log)),
                "job_posts": sum(self.job_posts.values()),
                "requests": dict(self.requests),
                "faults": dict(self.faults_done),
                "responses": dict(self.responses),
                "server_time_s": self.server_time,
                "handled": self.handled,
                "open_connections": self.open_connections,
            }

    def _next_fault(self, ref: str | None) -> str | None:
        with self.lock:
            if self._script:
                fault = self._script.pop(0)
                return None if fault == "ok" else fault
            if ref is None or self.fault_rate <= 0:
                return None
            n = self.job_posts[ref] - 1  # this POST's index for this reference_id
        if n >= self.max_faults_per_ref:
            return None
        rng = random.Random(f"{self.seed}:{ref}:{n}")
        if rng.random() >= self.fault_rate:
            return None
        return rng.choice(self.random_faults)

    # ------------------------------------------------------------------------------ actions

    def create_batch(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            return _error(400, "GE_0002", "name is required")
        with self.lock:
            if body["name"] in self.batches:
                return _error(400, "BATCH_CREATION", f"batch {body['name']} already exists")
            batch = {"batch_id": str(uuid.uuid4()), "name": body["name"],
                     "description": body.get("description", "")}
            self.batches[body["name"]] = batch
        return 200, {"success": True, "data": {"batch_id": batch["batch_id"]}}

    def check_job(self, body: Any) -> tuple[int, dict[str, Any]] | None:
        """The request-level checks of a job POST; None when it can be stored."""
        if not isinstance(body, dict):
            return _error(400, "FS_0003", "invalid JSON structure")
        ref = body.get("reference_id")
        if ref is None or ref == "":
            return _error(400, "FS_0002", "reference_id is missing")
        if not isinstance(ref, str):
            return _error(400, "FS_0003", "reference_id must be a string")
        data = body.get("data")
        if not data or not isinstance(data, dict):
            return _error(400, "FS_0004", "data is empty")
        if not body.get("work_flow_id") and not body.get("tag"):
            return _error(400, "FS_0005", "work_flow_id is missing")
        bid = body.get("batch_id")
        if bid and bid not in {b["batch_id"] for b in self.batches.values()}:
            return _error(400, "GE_0001", f"invalid batch_id {bid}")
        return None

    def store_job(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ref = body["reference_id"]
        with self.lock:
            if ref in self.jobs:
                return _error(400, "FS_0001", f"reference_id {ref} already exists",
                              {"reference_id": ref})
            job = {"job_id": str(uuid.uuid4()), "reference_id": ref, "project_id": self.project_id,
                   "batch_id": body.get("batch_id") or "default", "work_flow_id": body.get("work_flow_id"),
                   "tag": body.get("tag"), "status": "created", "priority_weight": 5, "result": "",
                   "payload": body}
            self.jobs[ref] = job
            self.jobs_by_id[job["job_id"]] = job
            self.store_log.append(ref)
        return 200, {"success": True, "data": {"job_id": job["job_id"], "reference_id": ref,
                                                "work_flow_id": job["work_flow_id"]}}

    def details(self) -> tuple[int, dict[str, Any]]:
        with self.lock:
            batches = [{"batch_id": b["batch_id"], "name": b["name"]} for b in self.batches.values()]
        return 200, {"success": True, "data": {"name": "fake project", "base": "IMAGE", "batches": batches}}

    def get_job(self, job_id: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            job = self.jobs_by_id.get(job_id)
        if job is None:
            return _error(404, "not_found", f"no job {job_id}")
        return 200, {"success": True, "data": {k: v for k, v in job.items() if k != "payload"}}


def _error(
    status: int, code: str, message: str, meta: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    return status, {"success": False, "error": {"code": code, "message": message, "meta_data": meta or {}}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakePlayment
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body in two writes meet delayed ACK: 40 ms stalls
    server_version = "FakePlayment/1.0"
    _t0 = 0.0

    def log_message(self, format: str, *args: Any) -> None:  # silence
        return

    def setup(self) -> None:
        super().setup()
        with self.fake.lock:
            self.fake.open_connections += 1

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.fake.lock:
                self.fake.open_connections -= 1

    def parse_request(self) -> bool:
        self._t0 = time.perf_counter()
        return super().parse_request()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # ------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        fake = self.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0].rstrip("/")
        if path == "/_fake/stats":
            self._send(200, fake.stats())
            return
        parts = path.strip("/").split("/")
        kind = _route(method, parts)
        with fake.lock:
            fake.requests[f"{method} {kind}"] += 1
        body: Any = None
        ref: str | None = None
        if method == "POST":
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                body = _BAD
            if kind == "jobs" and isinstance(body, dict) and isinstance(body.get("reference_id"), str):
                ref = body["reference_id"]
                with fake.lock:
                    fake.job_posts[ref] += 1
        if self.headers.get("x-api-key") != fake.api_key:
            self._finish(*_error(401, "auth-failure", "Invalid API key"))
            return
        if kind == "unknown":
            self._finish(*_error(404, "not_found", f"no route {method} {path}"))
            return
        if parts[2] != fake.project_id:
            self._finish(*_error(403, "unauthorized", "no access to this project"))
            return
        fault = fake._next_fault(ref)
        if fault is not None:
            with fake.lock:
                fake.faults_done[fault] += 1
            if self._fault_before(fault):
                return
        if fake.latency:
            time.sleep(fake.latency)
        if body is _BAD:
            status, doc = _error(400, "FS_0003", "request body is not JSON")
        elif kind == "batch":
            status, doc = fake.create_batch(body)
        elif kind == "details":
            status, doc = fake.details()
        elif kind == "job":
            status, doc = fake.get_job(parts[4])
        else:
            status, doc = fake.check_job(body) or fake.store_job(body)
        if fault is not None and self._fault_after(fault, status):
            return
        self._finish(status, doc)

    def _fault_before(self, fault: str) -> bool:
        """Faults that hit before anything is stored; True when the request is answered."""
        if fault in ("503", "500", "408"):
            code = {"503": "api_error", "500": "FS_0000", "408": "request_timeout"}[fault]
            self._finish(*_error(int(fault), code, "injected failure"))
        elif fault == "502_html":
            self._send_raw(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        elif fault == "429":
            self._finish(*_error(429, "rate_limited", "slow down"),
                         headers={"Retry-After": self.fake.retry_after})
        elif fault == "drop_before_store":
            self._drop()
        elif fault == "echo_key":
            self._finish(*_error(400, "GE_0001", f"bad key {self.headers.get('x-api-key')} for this call"))
        else:
            return False
        return True

    def _fault_after(self, fault: str, status: int) -> bool:
        """Faults that hit after the request was processed (and maybe stored)."""
        if fault == "slow":
            time.sleep(self.fake.slow_seconds)
            return False
        if fault == "drop_after_store":
            self._drop()
        elif fault == "garbage_after_store":
            self._send_raw(200, b'{"success": true, "data": {"job_', "application/json")
        elif fault == "empty_after_store":
            self._finish(200, {"success": True, "data": {}})
        else:
            return False
        return True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self._account("dropped")

    def _finish(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, doc, headers)

    def _send(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        err = doc.get("error")
        self._send_raw(status, orjson.dumps(doc), "application/json", headers,
                       err["code"] if isinstance(err, dict) else "ok")

    def _send_raw(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None,
                  label: str | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) or vanished
            self.close_connection = True
        self._account(label or f"http_{status}")

    def _account(self, label: str) -> None:
        fake = self.fake
        with fake.lock:
            fake.responses[label] += 1
            fake.server_time += time.perf_counter() - self._t0
            fake.handled += 1


_BAD = object()


def _route(method: str, parts: list[str]) -> str:
    if len(parts) < 4 or parts[0] != "v1" or parts[1] != "projects":
        return "unknown"
    if method == "POST" and len(parts) == 4 and parts[3] in ("jobs", "batch"):
        return parts[3]
    if method == "GET" and len(parts) == 5 and parts[3] == "jobs":
        return "job"
    if method == "GET" and len(parts) == 4 and parts[3] == "details":
        return "details"
    return "unknown"


def sample_payload(i: int, *, prefix: str = "job", frames: int = 1, boxes: int = 1) -> dict[str, Any]:
    """A valid video job payload (format doc 1b) with ``boxes`` rectangle trackers over ``frames``."""
    ref = f"{prefix}-{i:05d}"
    frame_ids = [f"frame-{f + 1:03d}" for f in range(frames)]
    trackers = []
    for b in range(boxes):
        x0, y0 = (b % 10) / 10, (b // 10 % 10) / 10
        corners = [{"x": x0, "y": y0}, {"x": x0 + 0.05, "y": y0}, {"x": x0 + 0.05, "y": y0 + 0.05},
                   {"x": x0, "y": y0 + 0.05}]
        trackers.append({
            "_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ref}/{b}")),
            "type": "rectangle",
            "label": "car",
            "frames": {fid: {"_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ref}/{b}/{fid}")),
                             "type": "rectangle", "label": "car",
                             "attributes": {"occluded": {"value": "No", "state": "editable"}},
                             "coordinates": corners} for fid in frame_ids},
        })
    return {
        "reference_id": ref,
        "data": {
            "video_data": {"frames": [{"frame_id": fid, "src": f"https://example.com/{ref}/{fid}.jpg"}
                                      for fid in frame_ids]},
            "maker_response": {"video2d": {"data": {"annotations": trackers}}},
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Serve until killed; prints the base URL on the first stdout line."""
    p = argparse.ArgumentParser(description="fake Playment API for tests and benchmarks")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--api-key", default="fake-key-0123456789")
    p.add_argument("--project-id", default="proj-1")
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--latency", type=float, default=0.0)
    a = p.parse_args(argv)
    fake = FakePlayment(api_key=a.api_key, project_id=a.project_id, fault_rate=a.fault_rate, seed=a.seed,
                        latency=a.latency).start(a.port)
    print(fake.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

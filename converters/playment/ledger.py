"""The submit ledger: an append-only JSONL record of the jobs (and batches) Playment holds.

``prelabel submit`` keeps it (``submitted.jsonl`` beside the payloads, or ``--ledger``) so that a
rerun skips what is already there. Each line is written with a single ``write`` and fsynced before
the job counts as done; a torn last line (the process killed mid-write) is dropped when the ledger
is next opened for appending, and that job is asked again (its FS_0001 answer puts it back).
Lines of other projects are kept but ignored. Ledger lines::

    {"kind":"job","project_id":P,"reference_id":R,"job_id":J|null,"status":"created"|"exists","time":T}
    {"kind":"batch","project_id":P,"name":N,"batch_id":B,"time":T}
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError, UsageError

__all__ = ["Ledger"]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ledger:
    """Append-only JSONL record of the jobs (and batches) Playment holds for a project."""

    def __init__(self, path: Path, project_id: str) -> None:
        self.path = path
        self.project_id = project_id
        self.jobs: dict[str, str | None] = {}
        self.batches: dict[str, str] = {}
        self.other_projects = 0
        self._torn_at: int | None = None
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise UsageError(f"cannot read the ledger {self.path}: {exc.strerror}") from None
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:  # no final newline: the last line was torn by a kill mid-write
            self._torn_at = len(raw) - len(lines[-1])
            lines.pop()
        for lineno, line in enumerate(lines, 1):
            if line.strip():
                self._take(line, lineno)

    def _take(self, line: bytes, lineno: int) -> None:
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise InputError("ledger line is not JSON; fix or remove it", f"{self.path}:{lineno}",
                             "ledger_corrupt") from None
        if not isinstance(rec, dict):
            raise InputError("ledger line is not an object", f"{self.path}:{lineno}", "ledger_corrupt")
        if rec.get("project_id") != self.project_id:
            self.other_projects += 1
            return
        if rec.get("kind") == "batch":
            name, bid = rec.get("name"), rec.get("batch_id")
            if isinstance(name, str) and isinstance(bid, str):
                self.batches[name] = bid
        elif isinstance(rec.get("reference_id"), str):
            job_id = rec.get("job_id")
            self.jobs[rec["reference_id"]] = job_id if isinstance(job_id, str) else None

    def open(self) -> None:
        """Open for appending (dropping a torn last line first)."""
        if self._fd is not None:
            return
        created = not self.path.exists()
        try:
            if self._torn_at is not None:
                os.truncate(self.path, self._torn_at)
                self._torn_at = None
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UsageError(f"cannot write the ledger {self.path}: {exc.strerror}") from None
        if created:
            self._sync_dir()

    def _sync_dir(self) -> None:
        try:
            dfd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:  # pragma: no cover - platforms without directory fds
            return
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def _append(self, record: dict[str, Any]) -> None:
        if self._fd is None:
            self.open()
        assert self._fd is not None
        line = orjson.dumps(record) + b"\n"
        with self._lock:
            os.write(self._fd, line)
        os.fsync(self._fd)  # outside the lock: concurrent answers share one disk flush

    def record_job(self, reference_id: str, job_id: str | None, status: str) -> None:
        self._append({"kind": "job", "project_id": self.project_id, "reference_id": reference_id,
                      "job_id": job_id, "status": status, "time": _now()})
        self.jobs[reference_id] = job_id

    def record_batch(self, name: str, batch_id: str) -> None:
        self._append({"kind": "batch", "project_id": self.project_id, "name": name,
                      "batch_id": batch_id, "time": _now()})
        self.batches[name] = batch_id

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

"""Atomic output: a ``.jsonl`` file (one job per line) or a directory of ``<reference_id>.json``.

Everything is written under a temporary name beside the target and moved into place only by
:meth:`OutputWriter.commit`; :meth:`OutputWriter.abort` (or an exception inside the ``with``
block) removes it, so a failed run leaves nothing behind and never a half-written file.
Payload bytes are ``orjson.dumps`` of the payload dict: key order as built, no extra spaces.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from .errors import UsageError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def safe_file_stem(reference_id: str) -> str:
    """A file-name-safe stem for a reference id; ids that needed changes get a short hash so two
    different ids never map to the same name (``a/b`` -> ``a_b-<8 hex>``)."""
    safe = _UNSAFE.sub("_", reference_id)
    if safe == reference_id and not _RESERVED.match(safe) and not safe.startswith(".") and len(safe) <= 150:
        return safe
    digest = hashlib.sha1(reference_id.encode()).hexdigest()[:8]
    return f"{safe.lstrip('.')[:150]}-{digest}"


class OutputWriter:
    """Writes payloads to ``out`` atomically; use as a context manager and call :meth:`commit`."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.jsonl = self.out.suffix.lower() == ".jsonl"
        parent = self.out.parent
        if not parent.is_dir():
            raise UsageError(f"--out {self.out}: the folder {parent} does not exist")
        if self.jsonl and self.out.is_dir():
            raise UsageError(f"--out {self.out}: is a directory, not a .jsonl file")
        if not self.jsonl and self.out.exists() and not self.out.is_dir():
            raise UsageError(f"--out {self.out}: exists and is not a directory (use a .jsonl name for one file)")
        self._names: set[str] = set()
        self._file: IO[bytes] | None = None
        self._tmp: Path
        if self.jsonl:
            fd, name = tempfile.mkstemp(prefix=f".{self.out.name}.", suffix=".tmp", dir=parent)
            self._tmp = Path(name)
            self._file = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".tmp", dir=parent))
        self.count = 0

    def write(self, payload: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.write(orjson.dumps(payload, option=orjson.OPT_APPEND_NEWLINE))
        else:
            data = orjson.dumps(payload)
            with open(self._job_path(str(payload["reference_id"])), "wb") as f:
                f.write(data)
        self.count += 1

    def write_pieces(self, reference_id: str, pieces: Iterable[bytes]) -> None:
        """Write one payload given as its JSON bytes in pieces (see ``video_stream``). When
        ``pieces`` raises, whatever it had written of this payload is removed and the error goes on."""
        if self._file is not None:
            out = self._file
            start = out.tell()
            try:
                for piece in pieces:
                    out.write(piece)
                out.write(b"\n")
            except BaseException:
                out.seek(start)
                out.truncate()
                raise
        else:
            path = self._job_path(reference_id)
            try:
                with open(path, "wb") as f:
                    for piece in pieces:
                        f.write(piece)
            except BaseException:
                path.unlink(missing_ok=True)
                self._names.discard(path.stem.lower())
                raise
        self.count += 1

    def _job_path(self, reference_id: str) -> Path:
        """The file of one job in the output directory (names are claimed once)."""
        stem = safe_file_stem(reference_id)
        key = stem.lower()
        if key in self._names:  # pragma: no cover - prevented by the hash suffix
            raise UsageError(f"two reference ids map to the file name {stem}.json")
        self._names.add(key)
        return self._tmp / f"{stem}.json"

    def commit(self) -> None:
        """Move the finished output into place (replacing an earlier output of the same name)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            os.replace(self._tmp, self.out)
            return
        old: Path | None = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".old", dir=self.out.parent))
            os.replace(self.out, old / "previous")
        os.replace(self._tmp, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._tmp.is_dir():
            shutil.rmtree(self._tmp, ignore_errors=True)
        else:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None or self._tmp.exists():
            self.abort()

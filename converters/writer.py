"""Atomic output: a ``.jsonl`` file (one job per line) or a folder of ``<reference_id>.json``.

Everything is written under a temporary name (a file beside a ``.jsonl`` target; a folder beside a
new output folder, or inside an existing one) and moved into place only by
:meth:`OutputWriter.commit`; :meth:`OutputWriter.abort` (or an exception inside the ``with``
block) removes it, so a failed run leaves nothing behind and never a half-written file. Which
existing paths may be written and what ``overwrite`` replaces: :mod:`converters.output_paths`. A
folder output gets a manifest (``.prelabel-manifest``, the sorted job file names) so that a
later run with ``overwrite`` replaces exactly those files and leaves every other file alone.
Payload bytes are ``orjson.dumps`` of the payload dict: key order as built, no extra spaces.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from . import json_out
from .errors import UsageError
from .json_out import dumps
from .output_paths import (
    MANIFEST,
    TEMP_SUFFIX,
    check_output,
    make_temp_dir,
    make_temp_file,
    output_error,
    remove_quietly,
    sweep_stale_temps,
    temp_prefix,
    write_bytes_atomic,
)

#: Bytes an :class:`OutputWriter` holds until it ends, released first on the error path.
RESERVE_BYTES = 4 << 20

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


def read_manifest(folder: Path) -> frozenset[str]:
    """The job file names an earlier conversion recorded in ``folder`` (empty when there is no
    readable manifest: then nothing there counts as ours, so nothing is replaced or removed)."""
    try:
        data = orjson.loads((folder / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return frozenset()
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        return frozenset()
    return frozenset(
        f for f in files
        if isinstance(f, str) and f.endswith(".json") and "/" not in f and "\\" not in f and not f.startswith(".")
    )


def manifest_bytes(names: Iterable[str]) -> bytes:
    return dumps({"written_by": "playment-prelabel", "files": sorted(names)}, option=orjson.OPT_INDENT_2)


class OutputWriter:
    """Writes payloads to ``out`` atomically; use as a context manager and call :meth:`commit`.

    ``out`` is checked first (:func:`~converters.output_paths.check_output`): an existing file or
    non-empty folder needs ``overwrite``; ``inputs`` are the paths ``out`` must not be.
    """

    def __init__(self, out: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path] = ()) -> None:
        self.out = check_output(out, overwrite=overwrite, inputs=inputs)
        self.jsonl = self.out.suffix.lower() == ".jsonl"
        parent = self.out.parent
        self.in_place = not self.jsonl and self.out.is_dir()
        self.previous: frozenset[str] = frozenset()
        self._names: set[str] = set()
        self._files: list[str] = []
        self._file: IO[bytes] | None = None
        self._tmp: Path | None = None
        self.count = 0
        # Memory kept for the error path: when the run ends because memory ran out, releasing this
        # first gives abort() room to remove the temporary output (its own calls allocate).
        self._reserve: bytearray | None = bytearray(RESERVE_BYTES)
        json_out.refresh()
        where = self.out if self.in_place else parent
        sweep_stale_temps(where)
        try:
            if self.jsonl:
                fd, self._tmp = make_temp_file(parent, self.out.name)
                self._file = os.fdopen(fd, "wb", buffering=1 << 20)
            elif self.in_place:
                self.previous = read_manifest(self.out)
                self._tmp = make_temp_dir(self.out, "")
            else:
                self._tmp = make_temp_dir(parent, self.out.name)
        except OSError as exc:
            self.abort()
            raise output_error(exc, "cannot create a temporary file in", where) from exc

    @property
    def temp_path(self) -> Path | None:
        """The temporary file or folder being written (None once committed or aborted)."""
        return self._tmp

    def write(self, payload: dict[str, Any]) -> None:
        if self._file is not None:
            try:
                self._file.write(dumps(payload, option=orjson.OPT_APPEND_NEWLINE))
            except OSError as exc:
                raise output_error(exc, "cannot write", self.out) from exc
        else:
            data = dumps(payload)
            path = self._job_path(str(payload["reference_id"]))
            try:
                with open(path, "wb") as f:
                    f.write(data)
            except OSError as exc:
                raise output_error(exc, "cannot write", path) from exc
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
            except OSError as exc:
                raise output_error(exc, "cannot write", self.out) from exc
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
            except BaseException as exc:
                path.unlink(missing_ok=True)
                self._names.discard(path.stem.lower())
                self._files.pop()
                if isinstance(exc, OSError):
                    raise output_error(exc, "cannot write", path) from exc
                raise
        self.count += 1

    def spool_template(self) -> str:
        """(``.jsonl`` output) A path for spool files beside the output, ``{k}`` standing for a
        number: a temporary name of this process (see ``output_paths``), so a run that died leaves
        nothing the next one does not sweep."""
        assert self._tmp is not None
        return str(self.out.parent / f"{temp_prefix(self.out.name)}part{{k}}{TEMP_SUFFIX}")

    def append_spool(self, path: Path, jobs: int) -> None:
        """(``.jsonl`` output) Append the ``jobs`` payload lines of the file ``path`` (copied in the
        kernel where it can be) and delete it."""
        assert self._file is not None
        out = self._file
        try:
            out.flush()
            with open(path, "rb") as src:
                size = os.fstat(src.fileno()).st_size
                copied = 0
                try:
                    while copied < size:
                        n = os.copy_file_range(src.fileno(), out.fileno(), size - copied)
                        if n == 0:
                            break
                        copied += n
                except OSError as exc:
                    if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                        raise
                if copied < size:  # no in-kernel copy here: through this process
                    src.seek(copied)
                    out.seek(0, os.SEEK_END)
                    shutil.copyfileobj(src, out, 1 << 20)
                    out.flush()
        except OSError as exc:
            raise output_error(exc, "cannot write", self.out) from exc
        finally:
            path.unlink(missing_ok=True)
        out.seek(0, os.SEEK_END)
        self.count += jobs

    def write_file(self, name: str, data: bytes) -> None:
        """A file other than a job (folder output only): ``name`` is a plain file name, recorded in
        the manifest like a job's, so ``overwrite`` replaces it and nothing else."""
        if self._file is not None or "/" in name or "\\" in name or name.startswith(".") or not name:
            raise UsageError(f"cannot write the file {name!r} here (folder output, plain names only)")
        path = self._claim(name, name)
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise output_error(exc, "cannot write", path) from exc

    def _job_path(self, reference_id: str) -> Path:
        """The file of one job in the temporary folder (names are claimed once)."""
        return self._claim(f"{safe_file_stem(reference_id)}.json", f"the job {reference_id!r}")

    def _claim(self, name: str, what: str) -> Path:
        assert self._tmp is not None
        key = name.lower()
        if key in self._names:  # pragma: no cover - prevented by the hash suffix of job names
            raise UsageError(f"two outputs map to the file name {name}")
        if self.in_place and name not in self.previous and (self.out / name).exists():
            raise UsageError(
                f"out {self.out}: {what} would replace {self.out / name}, which no earlier "
                "conversion wrote there; choose a new or empty folder"
            )
        self._names.add(key)
        self._files.append(name)
        return self._tmp / name

    def commit(self) -> None:
        """Move the finished output into place. A ``.jsonl`` file or a new folder is one rename; in an
        existing folder each job file is renamed into place, then the files of the earlier
        conversion that this one did not write again are removed (the manifest is kept right at
        every step, so even an interrupted commit leaves nothing unaccounted for)."""
        assert self._tmp is not None
        tmp = self._tmp
        try:
            if self._file is not None:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
                self._file = None
                os.replace(tmp, self.out)
            elif not self.in_place:
                (tmp / MANIFEST).write_bytes(manifest_bytes(self._files))
                os.replace(tmp, self.out)
            else:
                new = set(self._files)
                write_bytes_atomic(self.out / MANIFEST, manifest_bytes(self.previous | new))
                for name in self._files:
                    os.replace(tmp / name, self.out / name)
                for name in sorted(self.previous - new):
                    (self.out / name).unlink(missing_ok=True)
                write_bytes_atomic(self.out / MANIFEST, manifest_bytes(new))
                os.rmdir(tmp)
        except OSError as exc:
            raise output_error(exc, "cannot write", self.out) from exc
        self._tmp = None

    def abort(self) -> None:
        """Remove everything written so far; never raises (also not when memory ran out: closing
        flushes the file's buffer, which may fail, and the removal must still happen)."""
        file, self._file = self._file, None
        tmp, self._tmp = self._tmp, None
        if file is not None:
            with contextlib.suppress(Exception):
                file.close()
        if tmp is not None:
            remove_quietly(tmp)

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._reserve = None
        if exc_type is not None or self._tmp is not None:
            self.abort()

"""Reading VOC annotation files: one small file at a time, or the files of a run read ahead in batches.

The annotation file is opened as a regular file only (a FIFO or device is refused, never read).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ...errors import InputError
from ...input_files import open_regular

#: os.read size: below malloc's mmap threshold (a 1 MiB buffer per small file costs an mmap/munmap)
_READ_CHUNK = 1 << 14  # most annotation files fit; a larger os.read buffer costs more to allocate than to refill
_AHEAD_FILES = 64
_AHEAD_BYTES = 1 << 20


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes (os.open/os.read: half the cost of open().read() on small files)."""
    try:
        fd = open_regular(path, "the annotation file")
        try:
            chunks = []
            while True:
                chunk = os.read(fd, _READ_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", str(path)) from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_ahead(paths: Sequence[str]) -> Iterator[bytes | InputError]:
    """The bytes of each file in order, or the InputError reading it raised (for the caller to
    raise when it comes to that file). Files are read in batches (up to :data:`_AHEAD_FILES` files
    or :data:`_AHEAD_BYTES` bytes): system calls in a row run faster than spread out between parses.
    """
    i = 0
    n = len(paths)
    while i < n:
        batch: list[bytes | InputError] = []
        size = 0
        while i < n and len(batch) < _AHEAD_FILES and size < _AHEAD_BYTES:
            try:
                data = read_bytes(paths[i])
            except InputError as exc:
                batch.append(exc)
            else:
                batch.append(data)
                size += len(data)
            i += 1
        yield from batch

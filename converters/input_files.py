"""Opening inputs safely: only regular files are read.

A FIFO blocks ``open`` forever, a character device such as ``/dev/zero`` never ends, a socket
cannot be read at all. Every input file is therefore opened with ``O_NONBLOCK`` (so a FIFO does not
block) and checked with ``fstat`` on the open descriptor (so a symbolic link to a device is caught
too, with no race between the check and the read) before any byte is read. Named inputs that are
not regular files are errors; such entries met while walking a folder are skipped with a warning
(:func:`is_regular_file` tells them apart without opening them).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def is_regular_file(path: str | Path) -> bool:
    """True for a regular file or a link to one (nothing is opened)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def is_special_file(path: str | Path) -> bool:
    """True for a FIFO, socket or device, or a link to one (nothing is opened). A path that cannot
    be looked at is not special: reading it fails later with its own located error."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def open_regular(path: str | Path, what: str = "input") -> int:
    """An open read-only descriptor of ``path``; :class:`InputError` (code ``not_regular_file``) when
    it is not a regular file. The caller closes it."""
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{what} is {kind_of(mode)}, not a regular file; give a file", str(path),
                             code="not_regular_file")
        if _FLAGS & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: str | Path, what: str = "input") -> bytes:
    """The bytes of a regular file (see :func:`open_regular`)."""
    fd = open_regular(path, what)
    try:
        size = os.fstat(fd).st_size
        chunks = []
        want = max(size, 1 << 16)
        while True:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want = 1 << 20
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)

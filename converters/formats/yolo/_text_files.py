"""Reading YOLO's small text files: UTF-8 (a BOM allowed), regular files only, errors located."""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ...input_files import read_regular


def decode_text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", f"{where}:{line}") from None


def read_file(path: Path, what: str, location: str | None = None) -> bytes:
    try:
        return read_regular(path, f"the {what}")
    except OSError as exc:
        raise InputError(f"cannot read the {what} {path}: {exc.strerror or exc}",
                         location or str(path), "missing_file") from None

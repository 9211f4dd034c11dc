"""Finding and reading payload files, shared by ``prelabel validate`` and ``prelabel submit``.

A ``.jsonl`` file holds one payload per line (blank lines skipped; location ``file:line``); any
other file holds one payload (location ``file``); a directory contributes every ``*.json`` and
``*.jsonl`` below it, sorted by relative path, skipping hidden entries and submit ledgers
(``submitted.jsonl``, or any ``.jsonl`` whose first line is a ledger record).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import Issue, UsageError

#: The ledger ``prelabel submit`` keeps beside the payloads unless ``--ledger`` says otherwise.
DEFAULT_LEDGER_NAME = "submitted.jsonl"
PAYLOAD_SUFFIXES = (".json", ".jsonl")


def is_ledger(path: Path) -> bool:
    """A .jsonl whose first line is a ledger record (payloads never carry ``kind``)."""
    if path.suffix.lower() != ".jsonl":
        return False
    try:
        with open(path, "rb") as f:
            first = f.readline()
        rec = orjson.loads(first)
    except (OSError, orjson.JSONDecodeError):
        return False
    return isinstance(rec, dict) and rec.get("kind") in ("job", "batch") and "project_id" in rec


def _in_directory(root: Path, exclude: set[Path]) -> list[Path]:
    found = [
        f for f in root.rglob("*")
        if f.suffix.lower() in PAYLOAD_SUFFIXES and f.is_file()
        and not any(part.startswith(".") for part in f.relative_to(root).parts)
        and f.name != DEFAULT_LEDGER_NAME and f.resolve() not in exclude and not is_ledger(f)
    ]
    return sorted(found, key=lambda f: f.relative_to(root).as_posix())


def payload_files(paths: Path | str | Iterable[Path | str], exclude: Iterable[Path] = ()) -> list[Path]:
    """The payload files named by ``paths`` (one path, or several); a missing path or an excluded
    file is a UsageError."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    excl = {Path(p).resolve() for p in exclude}
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += _in_directory(path, excl)
        elif path.is_file():
            if path.resolve() in excl:
                raise UsageError(f"{path} is the ledger, not a payload file")
            files.append(path)
        else:
            raise UsageError(f"{path} does not exist")
    return files


def parse_error(raw: bytes, exc: orjson.JSONDecodeError, where: str) -> Issue:
    """An ``invalid_json`` issue located at ``where:line:column``."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = raw.count(b"\n", 0, bad.start) + 1
        column = bad.start - (raw.rfind(b"\n", 0, bad.start) + 1) + 1
        message = f"invalid JSON: not UTF-8 ({bad.reason})"
        return Issue("error", "invalid_json", message, f"{where}:{line}:{column}")
    return Issue("error", "invalid_json", f"invalid JSON: {exc.msg}", f"{where}:{exc.lineno}:{exc.colno}")


def _unreadable(exc: OSError, where: str) -> Issue:
    return Issue("error", "unreadable_file", f"cannot read the file: {exc.strerror or exc}", where)


def iter_file(path: Path) -> Iterator[tuple[str, Any]]:
    """``(location, payload)`` for each payload of one file, or ``(location, Issue)`` when a file or
    line cannot be read or parsed."""
    name = str(path)
    if path.suffix.lower() != ".jsonl":
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield name, _unreadable(exc, name)
            return
        try:
            yield name, orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield name, parse_error(raw, exc, name)
        return
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{name}:{number}"
                try:
                    yield where, orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    issue = parse_error(line, exc, name)
                    column = issue.location.rsplit(":", 1)[1]
                    yield where, Issue(issue.severity, issue.code, issue.message, f"{where}:{column}")
    except OSError as exc:
        yield name, _unreadable(exc, name)


def iter_payload_files(
    paths: Path | str | Iterable[Path | str], exclude: Iterable[Path] = ()
) -> Iterator[tuple[str, Any]]:
    """``(location, payload | Issue)`` for every payload in ``paths``, in order; missing paths raise
    :class:`UsageError` before anything is yielded."""
    for path in payload_files(paths, exclude):
        yield from iter_file(path)

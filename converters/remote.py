"""Inputs and ``out`` on object storage: fsspec URLs (``s3://``, ``gs://``, ``memory://``, ...).

fsspec (and its backend, such as s3fs for ``s3://``) is an optional extra, imported only when a URL
is given; a ``file://`` URL is a local path. Credentials come from the backend's usual environment
(for S3: ``AWS_*`` variables, profiles, instance roles); they are never printed, and messages name
only the URL.

- Inputs: each URL (a file or a folder) is downloaded into a private temporary folder, removed on
  every exit path, and read from there; messages and sources name the URL.
- ``out``: the jobs are written locally (atomically, as always) and then uploaded. A ``.jsonl``
  goes to a temporary key next to the target and is moved into place, so the target key is either
  the old object or the complete new one. A folder's job files are uploaded, then the manifest;
  the rules of :mod:`converters.output_paths` hold remotely too: an existing file, or a folder
  with files, needs ``overwrite``, which replaces only what an earlier conversion wrote there
  (listed in its ``.prelabel-manifest``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError, OutputError, Report, UsageError
from .output_paths import MANIFEST
from .writer import read_manifest


def is_url(value: object) -> bool:
    return isinstance(value, str) and "://" in value and not value.startswith("file://")


def local_path(value: str | Path) -> str | Path:
    """A ``file://`` URL as its path; anything else unchanged."""
    return value[len("file://"):] if isinstance(value, str) and value.startswith("file://") else value


def _fs(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{url}: object storage needs fsspec: pip install 'playment-prelabel[cloud]'") from None
    try:
        return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: {exc}") from None


def _where(url: str) -> str:
    return url.split("?", 1)[0]


@contextmanager
def local_inputs(inputs: Sequence[str | Path]) -> Iterator[tuple[list[str | Path], dict[str, str]]]:
    """(the inputs with every URL replaced by a local copy, local folder -> URL for messages)."""
    urls = [p for p in inputs if is_url(p)]
    if not urls:
        yield [local_path(p) for p in inputs], {}
        return
    tmp = Path(tempfile.mkdtemp(prefix=f".prelabel-remote-{os.getpid()}-"))
    try:
        out: list[str | Path] = []
        names: dict[str, str] = {}
        for i, p in enumerate(inputs):
            if not is_url(p):
                out.append(local_path(p))
                continue
            url = str(p)
            fs, path = _fs(url)
            target = tmp / str(i)
            target.mkdir()
            try:
                if not fs.exists(path):
                    raise UsageError(f"input {_where(url)} does not exist")
                if fs.isdir(path):
                    fs.get(path.rstrip("/") + "/", str(target) + "/", recursive=True)
                    local = target
                else:
                    local = target / (path.rstrip("/").rsplit("/", 1)[-1] or "input")
                    fs.get(path, str(local))
            except (OSError, ValueError) as exc:
                raise InputError(f"cannot download {_where(url)}: {type(exc).__name__}", _where(url),
                                 "remote_read") from None
            names[str(target)] = _where(url).rstrip("/")
            out.append(local)
        yield out, names
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def relocate(report: Report, names: dict[str, str], start: int = 0) -> None:
    """Issues from ``start`` on name the URLs, not the local copies."""
    for folder, url in names.items():
        prefix = folder + os.sep
        report.issues[start:] = [replace(i, location=i.location.replace(prefix, url + "/")) if prefix in i.location
                                 else i for i in report.issues[start:]]


def relocate_error(exc: InputError, names: dict[str, str]) -> InputError:
    for folder, url in names.items():
        prefix = folder + os.sep
        if prefix in exc.message or prefix in (exc.location or ""):
            err = type(exc).__new__(type(exc))
            InputError.__init__(err, exc.message.replace(prefix, url + "/"),
                                (exc.location or "").replace(prefix, url + "/") or None, exc.code)
            exc = err
    return exc


def check_remote_out(url: str, overwrite: bool) -> None:
    """The remote ``out`` before anything is read: an existing file or non-empty folder needs
    ``overwrite``."""
    fs, path = _fs(url)
    try:
        if not fs.exists(path):
            return
        if url.lower().endswith(".jsonl"):
            if not overwrite:
                raise UsageError(f"out {_where(url)}: the object exists; choose a new name, or pass overwrite")
            return
        if fs.ls(path) and not overwrite:
            raise UsageError(f"out {_where(url)}: the folder is not empty; choose a new or empty folder, or pass "
                             "overwrite (only the files an earlier conversion wrote there are replaced)")
    except OSError as exc:
        raise OutputError(f"cannot reach {_where(url)}: {type(exc).__name__}") from None


@contextmanager
def remote_out(url: str, overwrite: bool) -> Iterator[Path]:
    """A local path to write ``url``'s output to; uploaded when the block ends without an error."""
    check_remote_out(url, overwrite)
    tmp = Path(tempfile.mkdtemp(prefix=f".prelabel-remote-{os.getpid()}-"))
    name = url.rstrip("/").rsplit("/", 1)[-1] or "out"
    local = tmp / name
    try:
        yield local
        _upload(local, url)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _upload(local: Path, url: str) -> None:
    fs, path = _fs(url)
    try:
        if local.is_file():
            partial = f"{path}.prelabel-{os.getpid()}.tmp"
            fs.put(str(local), partial)
            fs.mv(partial, path)
            return
        written = read_manifest(local)
        previous: frozenset[str] = frozenset()
        manifest = f"{path.rstrip('/')}/{MANIFEST}"
        if fs.exists(manifest):
            try:
                files = orjson.loads(fs.cat(manifest)).get("files", [])
            except (orjson.JSONDecodeError, AttributeError):
                files = []
            previous = frozenset(f for f in files if isinstance(f, str) and f.endswith(".json")
                                 and "/" not in f and "\\" not in f and not f.startswith("."))
        for name in sorted(written):
            fs.put(str(local / name), f"{path.rstrip('/')}/{name}")
        for name in sorted(previous - written):
            fs.rm(f"{path.rstrip('/')}/{name}")
        fs.put(str(local / MANIFEST), manifest)
    except OSError as exc:
        raise OutputError(f"cannot upload to {_where(url)}: {type(exc).__name__}") from None

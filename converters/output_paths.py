"""Where output may go: checks made before any input is read, temp names, small atomic writes.

Rules (the same for the library and the CLI):

- ``out`` ending in ``.jsonl`` is a file; any other ``out`` is a folder. Its parent folder must exist.
- An existing file, or an existing folder that is not empty, is refused unless ``overwrite`` is
  set. With ``overwrite`` a file is replaced; in a folder only the files an earlier conversion
  wrote there (listed in its manifest, :data:`MANIFEST`) are replaced or removed, and every other
  file is left alone (a new job whose file name is taken by such a file stops the run).
- An output path equal to an input, or the report equal to the output, is refused.
- Temporary files and folders are named ``.<name>.prelabel-<pid>-<random>.tmp``; one left behind by a
  killed run (its process is gone) is removed by the next run writing to the same place.
- Files get the user's umask (``tempfile`` alone would make them 0600 and folders 0700).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import OutputError, UsageError
from .option_names import opt, opt_on

MANIFEST = ".prelabel-manifest"  # JSON; no .json suffix, so `*.json` globs see only jobs
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\.(?:.*\.)?prelabel-(\d+)-[A-Za-z0-9_]+\.tmp$")


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; set back at once
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permission bits of a new file under the user's umask (0644 under the usual 022)."""
    return 0o666 & ~_umask()


def dir_mode() -> int:
    """Permission bits of a new folder under the user's umask (0755 under the usual 022)."""
    return 0o777 & ~_umask()


def temp_prefix(name: str) -> str:
    """Prefix of this process's temporary names for the output ``name`` (see the module docstring)."""
    return f".{name}.prelabel-{os.getpid()}-" if name else f".prelabel-{os.getpid()}-"


def make_temp_file(folder: Path, name: str) -> tuple[int, Path]:
    """A new temporary file in ``folder`` for the output ``name``: (open fd, path), umask permissions."""
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(name), suffix=TEMP_SUFFIX, dir=folder)
    os.fchmod(fd, file_mode())
    return fd, Path(tmp)


def make_temp_dir(folder: Path, name: str) -> Path:
    """A new temporary folder in ``folder`` for the output ``name``, umask permissions."""
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(name), suffix=TEMP_SUFFIX, dir=folder))
    os.chmod(tmp, dir_mode())
    return tmp


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def sweep_stale_temps(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that runs no longer alive left in ``folder``."""
    removed: list[Path] = []
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None or _alive(int(m.group(1))):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def remove_quietly(path: Path) -> None:
    """Remove a temporary file or folder; never raises (used on error paths, also when memory ran
    out: a file is removed with one call that needs no new objects first)."""
    try:
        os.unlink(path)
        return
    except Exception:  # a folder (EISDIR, or EPERM as Linux answers), gone, or no memory left
        pass
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    except Exception:
        pass


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _folder_has_user_files(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return any(e.name != MANIFEST and not _TEMP_NAME.match(e.name) for e in entries)


def check_output(out: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path] = ()) -> Path:
    """Check ``out`` before anything is read (see the module docstring); returns it as a Path."""
    path = Path(out)
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{opt('out')} {path}: the folder {parent} does not exist")
    for src in inputs:
        if _same(path, Path(src)):
            raise UsageError(f"{opt('out')} {path} is also an input: choose another output path")
    is_file = path.suffix.lower() == ".jsonl"
    if not path.exists() and not path.is_symlink():
        return path
    if is_file:
        if path.is_dir():
            raise UsageError(f"{opt('out')} {path}: is a folder, not a .jsonl file")
        _check_existing_file(path, "out", overwrite)
        return path
    if not path.is_dir():
        raise UsageError(f"{opt('out')} {path}: exists and is not a folder (use a .jsonl name for one file)")
    if path.is_symlink():
        raise UsageError(f"{opt('out')} {path}: is a symbolic link; give the folder it points to")
    if not overwrite and _folder_has_user_files(path):
        raise UsageError(
            f"{opt('out')} {path}: the folder is not empty; choose a new or empty folder, or pass "
            f"{opt_on('overwrite')} (only the files an earlier conversion wrote there are replaced)"
        )
    return path


def check_report(report: str | Path, *, overwrite: bool = False, out: str | Path | None = None,
                 inputs: Iterable[str | Path] = ()) -> Path:
    """Check the report path before the run: its folder exists, it is not the output or an input,
    and an existing file is replaced only with ``overwrite``."""
    path = Path(report)
    if not path.parent.is_dir():
        raise UsageError(f"{opt('report')} {path}: the folder {path.parent} does not exist")
    if out is not None and (_same(path, Path(out)) or path.resolve() == Path(out).resolve()):
        raise UsageError(f"{opt('report')} {path} is the same path as out: choose another report path")
    for src in inputs:
        if _same(path, Path(src)):
            raise UsageError(f"{opt('report')} {path} is also an input: choose another report path")
    if path.exists() or path.is_symlink():
        _check_existing_file(path, "report", overwrite)
    return path


def _check_existing_file(path: Path, option: str, overwrite: bool) -> None:
    """An existing ``out`` / ``report`` file: a regular file, replaced only with ``overwrite``."""
    if not path.is_file():
        raise UsageError(f"{opt(option)} {path}: exists and is not a regular file")
    if not overwrite:
        raise UsageError(f"{opt(option)} {path}: the file exists; choose a new name, "
                         f"or pass {opt_on('overwrite')} to replace it")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    fd, tmp = make_temp_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise


_ADVICE = {
    errno.ENOSPC: "no space left on the device: free some space or write somewhere else",
    errno.EDQUOT: "disk quota exceeded: free some space or write somewhere else",
    errno.EFBIG: "file too large (the file system's limit, or `ulimit -f`): write a folder instead of one "
                 ".jsonl file, or raise the limit",
    errno.EACCES: "permission denied: choose a place you can write to, or fix its permissions",
    errno.EPERM: "operation not permitted: choose a place you can write to, or fix its permissions",
    errno.EROFS: "read-only file system: write somewhere else",
    errno.EBUSY: "the file or device is busy: close what holds it and run again",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter path",
    errno.EISDIR: "is a folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENOENT: "no such file or folder",
}


def describe_os_error(exc: OSError, action: str = "") -> str:
    """One line for an OSError: the path, what happened and what to do."""
    where = exc.filename if exc.filename is not None else ""
    what = _ADVICE.get(exc.errno or -1) or (exc.strerror or str(exc))
    doing = f"{action} " if action else ""
    return f"{doing}{where}: {what}" if where else f"{doing.strip() or 'i/o error'}: {what}"


def output_error(exc: OSError, action: str, path: Path) -> OutputError:
    """An :class:`OutputError` for a failed write of ``path`` (the OSError's own path wins)."""
    if exc.filename is None:
        exc.filename = str(path)
    return OutputError(describe_os_error(exc, action))

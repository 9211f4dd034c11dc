"""``orjson.dumps`` that runs out of memory with a MemoryError instead of a crash.

orjson (and msgspec) end the process with a segmentation fault when an allocation of theirs fails,
where Python's own allocations raise MemoryError, which the CLI reports in one line. Allocations
fail that way under an address-space or data limit (``ulimit -v`` / ``-d``, ``RLIMIT_AS``). With
such a limit in force, :func:`dumps` first maps, untouched, twice the largest output it has made
so far (at least :data:`MIN_PROBE` bytes; orjson's buffer grows by doubling) and unmaps it at
once: when that much address space is missing it raises MemoryError before orjson starts. Without
a limit (the usual case; a cgroup's limit ends the process with SIGKILL, not an allocation
failure) there is no probe. Whether a limit is in force is read at import and again by
:func:`refresh` (each output writer calls it), not for every payload.
"""

from __future__ import annotations

import mmap
import resource
from typing import Any

import orjson

#: The smallest probe (bytes): room for orjson's buffers and the objects it creates.
MIN_PROBE = 8 << 20
_largest = 0


def dumps(obj: Any, option: int | None = None) -> bytes:
    """``orjson.dumps(obj, option=option)``, after the memory probe when a limit is in force."""
    global _largest
    if _limited:
        probe(max(2 * _largest, MIN_PROBE))
    out = orjson.dumps(obj, option=option)
    if len(out) > _largest:
        _largest = len(out)
    return out


def limited() -> bool:
    """True when an address-space or data-size limit is in force (allocations may fail)."""
    return (resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY
            or resource.getrlimit(resource.RLIMIT_DATA)[0] != resource.RLIM_INFINITY)


def refresh() -> None:
    """Read again whether a limit is in force (it may have been set after this module loaded)."""
    global _limited
    _limited = limited()


_limited = limited()


def probe(nbytes: int) -> None:
    """MemoryError unless ``nbytes`` of address space can be mapped now (nothing stays mapped)."""
    try:
        mmap.mmap(-1, nbytes).close()
    except OSError:
        raise MemoryError(f"cannot map {nbytes} bytes") from None

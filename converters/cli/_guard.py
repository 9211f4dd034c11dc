"""What the ``prelabel`` process does around a command: signals, and errors as one line.

- SIGTERM and SIGHUP are handled as SIGINT is: they raise :class:`~converters.errors.Terminated`
  (a ``KeyboardInterrupt``) in the main thread, so every ``with`` block unwinds and removes its
  temporary files; the exit code is 128 + the signal number (130 for SIGINT).
- SIGXFSZ is ignored, so a write past ``ulimit -f`` fails with ``EFBIG`` (and is reported and
  cleaned up) instead of killing the process and leaving its temporary file.
- An ``OSError``, ``MemoryError`` or ``RecursionError`` that escapes a command becomes one line
  naming the path and what to do (exit 1), never a traceback (``--debug`` shows one).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ..errors import Terminated
from ..output_paths import describe_os_error

_HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextmanager
def process_signals() -> Iterator[None]:
    """Install the handlers for the duration of a command (main thread only; restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_terminated) for sig in _HANDLED}
    xfsz = getattr(signal, "SIGXFSZ", None)
    if xfsz is not None:
        previous[xfsz] = signal.signal(xfsz, signal.SIG_IGN)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fatal_line(exc: BaseException) -> str:
    """One line for an OSError, MemoryError or RecursionError that reached the top."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, MemoryError):
        detail = f" ({exc})" if str(exc) else ""
        return f"out of memory{detail}: give the process more memory, or convert the input in smaller parts"
    return "the input is nested too deeply to process (RecursionError); it is not a valid annotation file"

"""One switch for every fast path of the readers.

A fast path takes only input for which it gives exactly what the reference path gives, and hands
everything else to the reference path. The fast paths:

- CVAT (``formats/cvat/_xml_stream.py``): plain box rows of a track cut out of the bytes before the
  XML parser sees them (``RowRun``); (``formats/cvat/_parse.py``) a batch of plain box rows
  converted as columns (``BoxTrack``) instead of one by one.
- VOC (``formats/voc/_plain.py``): a plain annotation file checked and split by one regular
  expression instead of parsed.

Tests compare both paths by reading the same input inside :func:`reference_only`. The switch is a
context variable, read once when a reader starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ENABLED: ContextVar[bool] = ContextVar("prelabel_fast_paths", default=True)


def enabled() -> bool:
    """True unless the caller runs inside :func:`reference_only`."""
    return _ENABLED.get()


@contextmanager
def reference_only() -> Iterator[None]:
    """Readers started inside take their reference paths only (for comparisons)."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)

"""Annotation ``_id``s (A11): deterministic uuid5 by default, random uuid4 on request.

The deterministic id of ``name`` is exactly ``str(uuid.uuid5(NAMESPACE, name))``. The builder
names ids ``<reference_id>/<track key>/<type>/<label>[/<frame_id>]``; a :class:`JobIds` hashes the
job's ``<reference_id>/`` prefix once and copies that SHA-1 state for every id of the job.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

#: Namespace of every deterministic id this library makes.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/playment-prelabel/ids")
_NS_BYTES = NAMESPACE.bytes
# hex digit -> the same digit with the RFC 4122 variant bits (10xx) set
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def _format(h: str) -> str:
    """40 hex digits of SHA-1 -> the uuid5 string (version 5, RFC 4122 variant)."""
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def deterministic_id(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))``, fast."""
    return _format(hashlib.sha1(_NS_BYTES + name.encode()).hexdigest())


class JobIds:
    """Ids of one job: ``make(rest)`` == ``deterministic_id(f"{reference_id}/{rest}")``, or a
    random uuid4 when ``random`` is set."""

    __slots__ = ("_prefix", "_random")

    def __init__(self, reference_id: str, random: bool = False) -> None:
        self._prefix = hashlib.sha1(_NS_BYTES + reference_id.encode() + b"/")
        self._random = random

    def make(self, rest: str) -> str:
        if self._random:
            return str(uuid.uuid4())
        h = self._prefix.copy()
        h.update(rest.encode())
        return _format(h.hexdigest())

    def tracker(self, rest: str) -> tuple[str, Any]:
        """``(make(rest), state)``: the tracker's id and the hash state that :meth:`frame` extends
        for each of its per-frame objects, so ``rest`` is hashed once per track."""
        if self._random:
            return str(uuid.uuid4()), None
        h = self._prefix.copy()
        h.update(rest.encode())
        return _format(h.hexdigest()), h

    def frame(self, state: Any, tail: bytes) -> str:
        """``make(rest + tail.decode())`` for the ``rest`` of ``state`` (from :meth:`tracker`)."""
        if state is None:
            return str(uuid.uuid4())
        h = state.copy()
        h.update(tail)
        return _format(h.hexdigest())

    def pair(self, rest: str, tail: bytes) -> tuple[str, str]:
        """``(make(rest), make(rest + tail.decode()))`` hashing ``rest`` once (SHA-1 streams);
        the builder passes ``tail = b"/<frame_id>"``."""
        if self._random:
            return str(uuid.uuid4()), str(uuid.uuid4())
        h = self._prefix.copy()
        h.update(rest.encode())
        first = _format(h.hexdigest())
        h.update(tail)
        return first, _format(h.hexdigest())

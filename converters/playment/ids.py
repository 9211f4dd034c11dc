"""Annotation ``_id``s (C11): deterministic uuid5 by default, random uuid4 on request.

The deterministic id of ``name`` is exactly ``str(uuid.uuid5(NAMESPACE, name))``, computed by
``uuid_utils`` (the same RFC 4122 algorithm in Rust, about 3x faster than hashing and formatting in
Python, which mattered: two ids per object were the largest single cost of building a payload).
The builder names ids ``<reference_id>/<track key>/<type>/<label>[/<frame_id>]``.
"""

from __future__ import annotations

import uuid

import uuid_utils

#: Namespace of every deterministic id this library makes.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/playment-prelabel/ids")
_NS = uuid_utils.UUID(bytes=NAMESPACE.bytes)
_uuid5 = uuid_utils.uuid5
_uuid4 = uuid_utils.uuid4


def deterministic_id(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))``, fast."""
    return str(_uuid5(_NS, name))


class JobIds:
    """Ids of one job: ``make(rest)`` == ``deterministic_id(f"{reference_id}/{rest}")``, or a
    random uuid4 when ``random`` is set."""

    __slots__ = ("_prefix", "_random")

    def __init__(self, reference_id: str, random: bool = False) -> None:
        self._prefix = reference_id + "/"
        self._random = random

    def make(self, rest: str) -> str:
        if self._random:
            return str(_uuid4())
        return str(_uuid5(_NS, self._prefix + rest))

    def tracker(self, rest: str) -> tuple[str, str]:
        """``(make(rest), state)``: the tracker's id and the name that :meth:`frame` extends for
        each of its per-frame objects."""
        if self._random:
            return str(_uuid4()), ""
        name = self._prefix + rest
        return str(_uuid5(_NS, name)), name

    def frame(self, state: str, tail: str) -> str:
        """``make(rest + tail)`` for the ``rest`` of ``state`` (from :meth:`tracker`)."""
        if self._random:
            return str(_uuid4())
        return str(_uuid5(_NS, state + tail))

    def pair(self, rest: str, tail: str) -> tuple[str, str]:
        """``(make(rest), make(rest + tail))``; the builder passes ``tail = "/<frame_id>"``."""
        if self._random:
            return str(_uuid4()), str(_uuid4())
        name = self._prefix + rest
        return str(_uuid5(_NS, name)), str(_uuid5(_NS, name + tail))

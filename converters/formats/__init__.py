"""Input readers, one module per format, and the explicit registry that names them.

A reader module exposes a module-level ``READER`` object satisfying :class:`Reader`:

- ``name``: the ``--from`` value; ``summary``: one line; ``variants``: what it accepts.
- ``add_arguments(group)``: adds the reader's own CLI flags (argparse dests become option keys).
- ``options_type``: the reader's frozen options dataclass (:class:`._options.ReaderOptions`).
- ``read(inputs, options, report) -> Scene``: reads the files. ``options`` is an ``options_type``
  or a mapping of its field names (a missing key means the default; an unknown one is a
  ``UsageError``).
  Structural problems raise :class:`~converters.errors.InputError` with a location; record-level
  problems go to ``report.skip``; every record bumps ``report.records_read`` and every object built
  bumps ``report.objects_read``.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any, Protocol

from ..errors import Report, UnknownFormatError
from ..model import Scene
from ._options import ReaderOptions


class Reader(Protocol):
    name: str
    summary: str
    variants: tuple[str, ...]

    @property
    def options_type(self) -> type[ReaderOptions]: ...

    def add_arguments(self, group: argparse._ArgumentGroup) -> None: ...

    def read(self, inputs: list[Path], options: Any, report: Report) -> Scene: ...


#: ``--from`` name -> module that defines ``READER``. Order is the order ``prelabel formats`` prints.
REGISTRY: dict[str, str] = {
    "coco": "converters.formats.coco",
    "yolo": "converters.formats.yolo",
    "cvat": "converters.formats.cvat",
    "voc": "converters.formats.voc",
}


def available() -> list[str]:
    """Names of the readers whose module is present."""
    names = []
    for name, module in REGISTRY.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        names.append(name)
    return names


def get_reader(name: str) -> Reader:
    """The reader registered as ``name``; :class:`UnknownFormatError` if there is none."""
    module = REGISTRY.get(name)
    if module is None or name not in available():
        raise UnknownFormatError(f"unknown input format {name!r}; known: {', '.join(available())}")
    reader: Reader = importlib.import_module(module).READER
    return reader

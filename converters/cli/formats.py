"""``prelabel formats``: list the readers and the variants each accepts."""

from __future__ import annotations

from typing import Any, TextIO

from ..formats import available, get_reader
from ._common import add_common


def add_parser(sub: Any) -> None:
    f = sub.add_parser("formats", help="list the readers and the variants each accepts")
    add_common(f)


def run(stdout: TextIO) -> int:
    for name in available():
        reader = get_reader(name)
        stdout.write(f"{name}: {reader.summary}\n")
        for variant in reader.variants:
            stdout.write(f"  - {variant}\n")
    return 0



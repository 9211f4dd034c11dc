"""``prelabel validate``: check payload files against the schemas and the semantic rules."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ..errors import UsageError
from ..options import load_label_set
from ._common import add_common


def add_parser(sub: Any) -> None:
    v = sub.add_parser("validate", help="validate payload files (.json, .jsonl, directories)")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--label-set", help="the project's labels (text, one per line; or a JSON/YAML list)")
    v.add_argument("--video-key", default="video2d")
    add_common(v)


def run(ns: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..playment.validate import validate_paths

    label_set = load_label_set(ns.label_set) if ns.label_set else None
    for p in ns.paths:
        if not Path(p).exists():
            raise UsageError(f"{p} does not exist")
    checked, issues = validate_paths(ns.paths, label_set=label_set, video_key=ns.video_key)
    for issue in issues:
        stdout.write(f"{issue}\n")
    errors = sum(1 for i in issues if i.severity == "error")
    if not ns.quiet:
        warned = len(issues) - errors
        stderr.write(f"{checked} payload(s) checked, {errors} problem(s)"
                     + (f", {warned} warning(s)\n" if warned else "\n"))
    return 1 if errors else 0



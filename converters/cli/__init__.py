"""``prelabel``: the command-line front end (a thin caller of the library), a module per subcommand.

Exit codes: 0 written and nothing skipped; 1 data errors (structural or validation error with
nothing written, or records skipped with the output written); 2 usage errors; 128 + n when
stopped by signal n (130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from .. import __version__
from ..errors import PrelabelError, SchemaValidationError, Terminated
from ..option_names import cli_option_names
from . import convert, formats, preview, submit, validate
from ._common import _Parser
from ._guard import fatal_line, process_signals

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="prelabel", description="Turn model predictions into Playment pre-labeled jobs.")
    parser.add_argument("--version", action="version", version=f"prelabel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    convert.add_parser(sub)
    validate.add_parser(sub)
    formats.add_parser(sub)
    submit.add_parser(sub)
    preview.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (never raises for user errors)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        with process_signals(), cli_option_names():
            return _dispatch(args, out, err)
    except PrelabelError as exc:
        if debug:
            traceback.print_exc(file=err)
        err.write(f"prelabel: error: {_printable(str(exc))}\n")
        if isinstance(exc, SchemaValidationError):
            for issue in exc.issues[:20]:
                err.write(f"  {issue}\n")
        return exc.exit_code
    except Terminated as exc:
        err.write(f"prelabel: stopped by signal {exc.signum}\n")
        return 128 + exc.signum
    except KeyboardInterrupt:
        err.write("prelabel: interrupted\n")
        return 130
    except (OSError, MemoryError, RecursionError) as exc:
        if debug:
            traceback.print_exc(file=err)
        err.write(f"prelabel: error: {_printable(fatal_line(exc))}\n")
        return 1


def _printable(text: str) -> str:
    """Text for the terminal: control characters (escape codes from file names or servers) escaped."""
    return "".join(c if c.isprintable() or c in " \n" else c.encode("unicode_escape").decode("ascii") for c in text)


def _dispatch(args: list[str], out: TextIO, err: TextIO) -> int:
    ns = build_parser().parse_args(args)
    if ns.command == "convert":
        return convert.run(ns, err)
    if ns.command == "validate":
        return validate.run(ns, out, err)
    if ns.command == "formats":
        return formats.run(out)
    if ns.command == "preview":
        return preview.run(ns, err)
    code: int = submit.run(ns, stderr=err)
    return code



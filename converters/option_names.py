"""How a message names an option: ``image_sizes`` to a library caller, ``--image-sizes`` on the
command line.

Library code writes ``opt("image_sizes")`` (or ``opt("images", "FOLDER")`` for a name with a value)
into its messages; the CLI runs the conversion inside :func:`cli_option_names`, so the same message
names the flag its user typed. The style is a context variable: threads and other callers keep the
library style.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CLI_STYLE: ContextVar[bool] = ContextVar("prelabel_cli_option_names", default=False)
#: Library keywords whose flag is not the keyword spelled with dashes.
_FLAGS = {"fmt": "--from"}


def opt(name: str, value: str | None = None) -> str:
    """``name`` (a keyword of ConvertOptions, a reader's options or a library function) as the
    caller knows it: ``image_sizes`` / ``image_sizes=FILE``, or ``--image-sizes`` / ``--image-sizes FILE``."""
    if _CLI_STYLE.get():
        flag = _FLAGS.get(name) or "--" + name.replace("_", "-")
        return flag if value is None else f"{flag} {value}"
    return name if value is None else f"{name}={value}"


def opt_on(name: str) -> str:
    """A switch turned on: ``strict=True``, or ``--strict``."""
    return "--" + name.replace("_", "-") if _CLI_STYLE.get() else f"{name}=True"


@contextmanager
def cli_option_names() -> Iterator[None]:
    """Messages raised inside name options as command-line flags."""
    token = _CLI_STYLE.set(True)
    try:
        yield
    finally:
        _CLI_STYLE.reset(token)

"""The base of the typed reader options (``CocoOptions``, ``YoloOptions``, ``CvatOptions``, ``VocOptions``).

Each reader's options are a frozen dataclass. The library accepts the dataclass or a plain mapping
of the same names (``{"images": [...]}``); a name the reader does not know is a
:class:`~converters.errors.UsageError` that names it and lists the valid ones, so a typo is never
ignored. ``None`` in a mapping means "the default". The CLI builds the options from its parsed
arguments (:meth:`ReaderOptions.from_args`), one argparse dest per field.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from ..errors import UsageError
from ..model import MAX_MASK_PIXELS
from ..option_names import opt

T = TypeVar("T", bound="ReaderOptions")


@dataclass(frozen=True)
class ReaderOptions:
    """Options of one reader; subclasses add typed fields with defaults. ``max_mask_pixels``: the
    largest mask (foreground box) decoded, in pixels; a larger one is skipped as ``mask_too_large``."""

    reader: ClassVar[str] = ""
    max_mask_pixels: int = MAX_MASK_PIXELS

    def __post_init__(self) -> None:
        if not isinstance(self.max_mask_pixels, int) or self.max_mask_pixels < 1:
            raise UsageError(f"{opt('max_mask_pixels')} must be a positive number of pixels, "
                             f"got {self.max_mask_pixels!r}")

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls: type[T], values: Mapping[str, Any] | ReaderOptions | None) -> T:
        """The options from a mapping (or the options object itself); unknown names are refused."""
        if isinstance(values, cls):
            return values
        if values is None:
            return cls()
        if isinstance(values, ReaderOptions):
            raise UsageError(f"the {cls.reader} reader takes {cls.__name__}, not {type(values).__name__}")
        if not isinstance(values, Mapping):
            raise UsageError(f"reader options must be a {cls.__name__} or a mapping, got {type(values).__name__}")
        names = cls.field_names()
        unknown = sorted(str(k) for k in values if k not in names)
        if unknown:
            raise UsageError(
                f"unknown {cls.reader} reader option(s) {', '.join(map(repr, unknown))}; "
                f"valid: {', '.join(names)}"
            )
        return cls(**{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_args(cls: type[T], ns: argparse.Namespace) -> T:
        """The options from parsed CLI arguments (flags that were not given keep their defaults)."""
        return cls(**{n: getattr(ns, n) for n in cls.field_names() if getattr(ns, n, None) is not None})


def path_tuple(value: str | Iterable[str] | None, what: str) -> tuple[str, ...]:
    """A tuple of path strings from one path or a list of them (``None`` -> empty)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        return (str(value),)
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        raise UsageError(f"{what} must be a path or a list of paths, got {type(value).__name__}") from None


def choice(value: Any, allowed: Iterable[str | None], what: str) -> Any:
    """``value`` when it is one of ``allowed``; else a UsageError naming the option."""
    allowed = tuple(allowed)
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed if a is not None)
        raise UsageError(f"{what} must be one of {shown}, got {value!r}")
    return value

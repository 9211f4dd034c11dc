"""YAML loading for every YAML the product reads (dataset ``data.yaml``, ``--label-map``, ...).

YAML aliases (``*name``) are refused: about 1 KB of nested aliases expands to billions of strings
(the "billion laughs" of YAML), and no label map or dataset file needs them. Anchors alone
(``&name``) are harmless and allowed. Nesting deeper than :data:`MAX_DEPTH` is refused too, since
the parser recurses once per level. Both raise ``yaml.YAMLError`` with the line and column, so
callers report them like any other YAML syntax error.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import Node

MAX_DEPTH = 100


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without aliases and with a nesting bound."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, "YAML aliases (*name) are not accepted here", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str | bytes) -> Any:
    """``yaml.safe_load`` without aliases and with bounded nesting (see the module docstring)."""
    return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader subclass

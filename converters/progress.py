"""A progress bar on stderr for terminals, shared by ``convert`` and ``submit``."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """``[####......] done/total jobs``, redrawn at most 5 times a second; call it with (done, total)."""

    def __init__(self, stream: TextIO, unit: str = "jobs", width: int = 30) -> None:
        self.stream = stream
        self.unit = unit
        self.width = width
        self.last = 0.0
        self.open_line = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and now - self.last < 0.2:
            return
        self.last = now
        fill = self.width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {done}/{total} {self.unit}")
        self.open_line = True
        if done == total:
            self.end()
        else:
            self.stream.flush()

    def end(self) -> None:
        """Finish the line (also after an interrupted run)."""
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False

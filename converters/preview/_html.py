"""``index.html``: one self-contained page (no server, no CDN; works offline) for a preview folder.

It lists the jobs with their counts per label and shape; a job's frame shows the frame image (a
JPEG beside the page) with its objects as SVG on top (crisp when zoomed; hovering an object shows
its label, attributes and tracker id); a video job has a frame slider and arrow-key stepping; a
legend gives each label's colour. With ``#selftest`` in the URL the page steps through the first
job's frames and writes what it saw into ``<pre id="selftest">`` (a browser test reads it).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _template() -> str:
    return (resources.files(__package__) / "page.html").read_text(encoding="utf-8")


def page(jobs: list[dict[str, Any]], colours: dict[str, str]) -> str:
    """The page for ``jobs`` ([{ref, frames: [{id, img, w, h, shapes}], counts}])."""
    data = json.dumps({"jobs": jobs, "colours": colours}, separators=(",", ":"), sort_keys=True)
    data = data.replace("</", "<\\/")  # never close the script element from inside the data
    return _template().replace("__DATA__", data)

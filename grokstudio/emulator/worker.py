"""What runs inside the render worker processes (kept tiny so workers start fast).

The video service submits :func:`render` to a ``ProcessPoolExecutor`` so that encoding never
holds the GIL of the process answering polls. ``render_video`` is imported lazily: the
module is written separately, and a worker only needs PyAV once it renders.
"""

from __future__ import annotations

from typing import Any


def render(kwargs: dict[str, Any]) -> bytes:
    """Render one MP4 with :func:`grokstudio.emulator.render_video.render_video`."""
    from .render_video import render_video

    return render_video(**kwargs)

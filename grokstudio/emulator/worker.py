"""What runs inside the render worker processes (kept tiny so workers start fast).

The services submit these functions to a :class:`grokstudio.emulator.pool.RenderPool`, so
that drawing and encoding never hold the GIL of the process answering RPCs. The renderers
are imported lazily, so importing this module alone stays cheap.
"""

from __future__ import annotations

from typing import Any


def render_video(kwargs: dict[str, Any]) -> bytes:
    """Render one MP4 with :func:`grokstudio.emulator.render_video.render_video`."""
    from .render_video import render_video

    return render_video(**kwargs)


def render_image(kwargs: dict[str, Any]) -> bytes:
    """Draw one JPEG with :func:`grokstudio.emulator.render_image.render_image`."""
    from .render_image import render_image

    return render_image(**kwargs)

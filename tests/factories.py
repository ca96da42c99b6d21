"""Small real files for tests: images made with Pillow."""

from __future__ import annotations

import io

from PIL import Image


def make_image(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 30, 30), **save_args) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()

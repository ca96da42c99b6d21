"""What a person sees of the page, measured from screenshots."""

from __future__ import annotations

import io
import re

from PIL import Image


def focus_ring_pixels(page, locator) -> int:
    """How many pixels around `locator` are in its outline colour: what a person sees of the ring."""
    colour = locator.evaluate("el => getComputedStyle(el).outlineColor")
    red, green, blue = map(int, re.findall(r"\d+", colour)[:3])
    box = locator.bounding_box()
    clip = {"x": box["x"] - 6, "y": box["y"] - 6, "width": box["width"] + 12, "height": box["height"] + 12}
    with Image.open(io.BytesIO(page.screenshot(clip=clip))) as shot:
        data = shot.convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if abs(r - red) + abs(g - green) + abs(b - blue) < 30)

"""What a person sees of the page, measured from screenshots."""

from __future__ import annotations

import io
import re

from PIL import Image


def focus_ring_pixels(page, locator) -> int:
    """How many pixels around `locator` are in its outline colour: what a person sees of the ring."""
    colour = locator.evaluate("el => getComputedStyle(el).outlineColor")
    red, green, blue = map(int, re.findall(r"\d+", colour)[:3])
    # The page may still move (an answer swapped in above, a message going): measure where the
    # element is before and after the shot, and shoot again until both agree.
    for _ in range(20):
        box = locator.bounding_box()
        x, y, width, height = box["x"], box["y"], box["width"], box["height"]
        clip = {"x": x - 6, "y": y - 6, "width": width + 12, "height": height + 12}
        shot = page.screenshot(clip=clip)
        if locator.bounding_box() == box:
            break
        page.wait_for_timeout(100)
    with Image.open(io.BytesIO(shot)) as image:
        data = image.convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if abs(r - red) + abs(g - green) + abs(b - blue) < 30)

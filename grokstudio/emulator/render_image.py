"""Drawing the emulator's images with Pillow: real JPEGs that look like what was asked.

A text-to-image result is a gradient and shapes whose colours and layout are seeded by a
hash of the prompt, with the prompt written on it, so different prompts look visibly
different and the same prompt always gives the same picture. Each image of a batch carries
a small index mark, so the images of one batch differ slightly. An edit starts from its
reference image(s) (one reference fills the frame, several make a collage), lightly tinted
and captioned, so the result visibly derives from what was sent.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import textwrap
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont, ImageOps

JPEG_QUALITY = 88


def prompt_seed(prompt: str) -> int:
    """A stable 64-bit seed from the prompt (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:8], "big")


def _colour(rng: random.Random, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(rng.random(), lightness, 0.55 + 0.4 * rng.random())
    return round(r * 255), round(g * 255), round(b * 255)


def _pattern(rng: random.Random, width: int, height: int) -> Image.Image:
    """A seeded two-colour gradient with translucent shapes on it."""
    c1, c2 = _colour(rng, 0.25 + 0.2 * rng.random()), _colour(rng, 0.55 + 0.2 * rng.random())
    style = rng.randrange(5)
    if style == 4:
        mask = Image.radial_gradient("L")
    else:
        mask = Image.linear_gradient("L")
        mask = [
            mask,
            mask.transpose(Image.Transpose.ROTATE_90),
            mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
            mask.transpose(Image.Transpose.ROTATE_270),
        ][style]
    mask = mask.resize((width, height), Image.Resampling.BILINEAR)
    base = Image.composite(Image.new("RGB", (width, height), c1), Image.new("RGB", (width, height), c2), mask)

    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    scale = min(width, height)
    for _ in range(rng.randint(6, 11)):
        cx, cy = rng.random() * width, rng.random() * height
        r = scale * (0.06 + 0.22 * rng.random())
        fill = (*_colour(rng, 0.3 + 0.5 * rng.random()), rng.randint(110, 200))
        box = (cx - r, cy - r, cx + r, cy + r * (0.5 + rng.random()))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=fill)
        else:
            draw.rectangle(box, fill=fill)
    return Image.alpha_composite(base.convert("RGBA"), overlay).convert("RGB")


def _collage(references: Sequence[bytes], width: int, height: int) -> Image.Image:
    """One reference fills the frame; several are tiled in a near-square grid."""
    images = []
    for data in references:
        with Image.open(io.BytesIO(data)) as im:
            images.append(ImageOps.exif_transpose(im).convert("RGB"))
    if len(images) == 1:
        return ImageOps.fit(images[0], (width, height), Image.Resampling.BICUBIC)
    cols = math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / cols)
    canvas = Image.new("RGB", (width, height), (0, 0, 0))
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        x0, x1 = c * width // cols, (c + 1) * width // cols
        y0, y1 = r * height // rows, (r + 1) * height // rows
        canvas.paste(ImageOps.fit(im, (x1 - x0, y1 - y0), Image.Resampling.BICUBIC), (x0, y0))
    return canvas


def _caption(image: Image.Image, text: str, index: int, rng: random.Random) -> Image.Image:
    """Write the prompt on a translucent band and add the per-index mark."""
    width, height = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)

    # The index mark: a small disc whose place and colour depend on the index.
    mark_rng = random.Random(rng.random() + index)
    r = max(6, min(width, height) // 24)
    mx = (index * 0.37 % 1) * (width - 4 * r) + 2 * r
    my = mark_rng.random() * (height * 0.5) + r
    draw.ellipse((mx - r, my - r, mx + r, my + r), fill=(*_colour(mark_rng, 0.6), 230))

    size = max(12, min(width, height) // 18)
    font = ImageFont.load_default(size=size)
    chars = max(10, int(width / (size * 0.55)))
    lines = textwrap.wrap(text.strip() or "(no prompt)", chars)[:3]
    label = f"#{index + 1}  " if index else ""
    band_h = int(size * 1.3 * len(lines) + size)
    draw.rectangle((0, height - band_h, width, height), fill=(0, 0, 0, 140))
    for i, line in enumerate(lines):
        draw.text(
            (size // 2, height - band_h + size // 2 + i * size * 1.3),
            (label if i == 0 else "") + line,
            font=font,
            fill=(255, 255, 255, 255),
        )
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def render_image(
    *, prompt: str, width: int, height: int, index: int = 0, references: Sequence[bytes] = ()
) -> bytes:
    """Draw one image for ``prompt`` at ``width``x``height`` and return it as JPEG bytes.

    ``index`` is the image's place in its batch; ``references`` are the encoded input
    images of an edit (already checked to decode).
    """
    rng = random.Random(prompt_seed(prompt))
    if references:
        base = _collage(references, width, height)
        tint = Image.new("RGB", base.size, _colour(rng, 0.5))
        base = Image.blend(base, tint, 0.2)
    else:
        base = _pattern(rng, width, height)
    image = _caption(base, prompt, index, rng)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()

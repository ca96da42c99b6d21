"""Pillow at the edges: check uploads, clean them, decode results, make thumbnails.

Every image that enters the studio, from a person or from xAI, is decoded in
full before it is stored, so a renamed, truncated or hostile file never lands.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from grokstudio.studio.catalog import REFERENCE_FORMATS

THUMBNAIL_MAX_SIDE = 512
_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


class ImageRejected(ValueError):
    """An image we will not take, with a sentence that says why."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    format: str  # Pillow's name: PNG, JPEG, WEBP
    width: int
    height: int
    name: str = ""

    @property
    def content_type(self) -> str:
        return Image.MIME[self.format]

    @property
    def extension(self) -> str:
        return _EXTENSIONS.get(self.format, self.format.lower())

    def data_uri(self) -> str:
        return data_uri(self.data, self.content_type)


def data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _open_fully(data: bytes, allowed_formats: dict[str, str] | None) -> Image.Image:
    """Decode every pixel, after checking the format and the pixel count from the header."""
    limit = settings.STUDIO_MAX_IMAGE_PIXELS
    try:
        # The pixel count is read from the header and checked before a single
        # pixel is decoded; Pillow's own bomb check is a second fence.
        image = Image.open(io.BytesIO(data))
        if allowed_formats is not None and image.format not in allowed_formats:
            names = ", ".join(fmt if fmt != "WEBP" else "WebP" for fmt in allowed_formats if fmt != "MPO")
            raise ImageRejected(f"{image.format} images are not supported; use {names}.")
        if image.width * image.height > limit:
            raise ImageRejected(
                f"The image is {image.width}x{image.height} pixels; the limit is {limit:,} pixels."
            )
        image.load()
        if image.format == "PNG":
            # load() stops once it has the pixels; verify() also checks the
            # chunks' checksums and the end marker, so a cut-short file fails.
            Image.open(io.BytesIO(data)).verify()
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("The image has too many pixels to be processed safely.") from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("This file is not an image the studio can read (PNG, JPEG or WebP).") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("The image is damaged or incomplete and could not be read.") from exc
    return image


def check_reference(data: bytes, name: str = "") -> CheckedImage:
    """Accept an uploaded reference image, re-encoded without EXIF, GPS or other metadata."""
    max_bytes = settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024
    label = f"“{name}”: " if name else ""
    if len(data) > max_bytes:
        raise ImageRejected(f"{label}the file is larger than {settings.STUDIO_MAX_UPLOAD_MB} MB.")
    if not data:
        raise ImageRejected(f"{label}the file is empty.")
    try:
        image = _open_fully(data, {**REFERENCE_FORMATS, "MPO": "image/jpeg"})
    except ImageRejected as exc:
        raise ImageRejected(f"{label}{exc}") from exc
    try:
        return _strip_metadata(image, name)
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError) as exc:
        # A malformed EXIF block fails only when the orientation is applied.
        raise ImageRejected(f"{label}the image's metadata is damaged and it could not be cleaned.") from exc


def _strip_metadata(image: Image.Image, name: str) -> CheckedImage:
    # Phone cameras write JPEGs as MPO (a JPEG with extra frames); the first frame is the photo.
    fmt = "JPEG" if image.format == "MPO" else image.format
    # Apply the EXIF orientation to the pixels, then write a file that carries
    # no metadata at all: EXIF, GPS, XMP, ICC notes and JPEG comments all live
    # in `info`, which the encoders copy unless it is emptied.
    image = ImageOps.exif_transpose(image)
    if fmt == "JPEG":
        image = image.convert("RGB")
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    clean = io.BytesIO()
    if fmt == "JPEG":
        image.save(clean, "JPEG", quality=95)
    elif fmt == "WEBP":
        image.save(clean, "WEBP", quality=95)
    else:
        image.save(clean, "PNG", optimize=False)
    return CheckedImage(clean.getvalue(), fmt, image.width, image.height, name=name)


def check_result(data: bytes) -> CheckedImage:
    """Accept an image xAI produced, after decoding it in full."""
    image = _open_fully(data, None)
    return CheckedImage(data, image.format or "PNG", image.width, image.height)


def thumbnail_webp(data: bytes, max_side: int = THUMBNAIL_MAX_SIDE) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((max_side, max_side))
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        out = io.BytesIO()
        image.save(out, "WEBP", quality=80, method=4)
        return out.getvalue()

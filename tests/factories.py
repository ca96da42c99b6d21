"""Small real files for tests: images made with Pillow, clips encoded with PyAV."""

from __future__ import annotations

import io

import av
from PIL import Image


def make_image(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 30, 30), **save_args) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()


def make_clip(
    seconds: float = 2.0, size: tuple[int, int] = (64, 36), *, fmt: str = "mp4", codec: str = "libx264",
    fps: int = 12,
) -> bytes:  # fmt: skip
    """A short silent clip whose frames change colour, in any container and codec PyAV can write.

    The MP4 index is written last, as simple encoders do; the emulator's
    `render_video` makes web-style MP4s with the index first.
    """
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_image(Image.new("RGB", size, ((i * 20) % 256, 80, 160)))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()

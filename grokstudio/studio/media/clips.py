"""PyAV at the edges: check uploaded clips and xAI's results, and cut poster frames.

A clip is probed (opened, every packet demuxed, its first frame decoded) before it is
stored, so a renamed, truncated or unsupported file never lands. The probe itself is
`grokstudio.mp4`, shared with the emulator; the studio adds what it takes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av

from grokstudio.mp4 import ClipRejected, probe
from grokstudio.studio.catalog import VIDEO_CODECS, VIDEO_CONTAINERS

POSTER_MAX_SIDE = 360


@dataclass(frozen=True)
class CheckedClip:
    data: bytes
    codec: str
    width: int
    height: int
    duration_s: float
    has_audio: bool
    poster: bytes  # WebP
    name: str = ""

    content_type = "video/mp4"
    extension = "mp4"


def check_clip(data: bytes, name: str = "") -> CheckedClip:
    """Probe a clip, check its container and codec against the catalog, and cut its poster."""
    clip = probe(data)
    if clip.container.lower() not in VIDEO_CONTAINERS:
        raise ClipRejected(f"{clip.container} files are not supported; use MP4.")
    if clip.codec not in VIDEO_CODECS:
        raise ClipRejected(
            f"The {clip.codec} codec is not supported; use {', '.join(VIDEO_CODECS.values())}."
        )
    if clip.duration_s <= 0:
        raise ClipRejected("The video's length could not be read.")
    poster = _poster(clip.first_frame)
    return CheckedClip(
        data, clip.codec, clip.width, clip.height, clip.duration_s, clip.has_audio, poster, name
    )


def _poster(frame: av.VideoFrame) -> bytes:
    # Scale with FFmpeg's swscale while still a frame: several times cheaper
    # than resizing a full-size picture with Pillow, which matters at hundreds of videos.
    scale = min(1.0, POSTER_MAX_SIDE / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)) // 2 * 2, max(2, round(frame.height * scale)) // 2 * 2
    image = frame.reformat(
        width=width, height=height, format="rgb24", interpolation="FAST_BILINEAR"
    ).to_image()
    out = io.BytesIO()
    image.save(out, "WEBP", quality=72, method=0)
    return out.getvalue()

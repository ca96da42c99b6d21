"""PyAV at the edges: check uploaded clips and xAI's results, and cut poster frames.

A clip is opened and its first frame decoded before it is stored, so a
renamed, truncated or unsupported file never lands.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av

from grokstudio.studio.catalog import VIDEO_CODECS, VIDEO_CONTAINERS

POSTER_MAX_SIDE = 360


class ClipRejected(ValueError):
    """A clip we will not take, with a sentence that says why."""


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


def check_clip(
    data: bytes, name: str = "", *, containers=VIDEO_CONTAINERS, codecs=VIDEO_CODECS
) -> CheckedClip:
    """Open an MP4, check its container and codec, and decode its first frame for a poster."""
    if not data:
        raise ClipRejected("The file is empty.")
    try:
        with _open(data) as container:
            if not set(container.format.name.split(",")) & set(containers):
                raise ClipRejected(
                    f"{container.format.long_name or container.format.name} files are not supported; use MP4."
                )
            if other := _not_mp4(container):
                raise ClipRejected(f"{other} files are not supported; use MP4.")
            if not container.streams.video:
                raise ClipRejected("The file has no video in it.")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in codecs:
                raise ClipRejected(f"The {codec} codec is not supported; use {', '.join(codecs.values())}.")
            duration_s = _duration(container, stream)
            has_audio = bool(container.streams.audio)
            width, height = stream.codec_context.width, stream.codec_context.height
            # Demux every packet but decode only the first frame: cheap, and a
            # file cut short shows as missing or corrupt samples here rather
            # than as a broken player later (a faststart MP4 keeps its whole
            # index however much of the media data is missing).
            declared, packets, first_frame = stream.frames, 0, None
            for packet in container.demux():
                if packet.size == 0:
                    continue
                if packet.is_corrupt:
                    raise ClipRejected("The video is damaged or incomplete.")
                if packet.stream.index != stream.index:
                    continue
                packets += 1
                if first_frame is None:
                    first_frame = next(iter(packet.decode()), None)
            if first_frame is None:
                raise ClipRejected("The video has no frames that could be decoded.")
            if declared and packets < declared:
                raise ClipRejected("The video is damaged or incomplete.")
            poster = _poster(first_frame)
    except ClipRejected:
        raise
    except (av.FFmpegError, OSError, ValueError, StopIteration) as exc:
        raise ClipRejected(
            "This file is not a video the studio can read (MP4 with H.264, H.265 or AV1)."
        ) from exc
    if duration_s <= 0:
        raise ClipRejected("The video's length could not be read.")
    return CheckedClip(data, codec, width, height, duration_s, has_audio, poster, name=name)


def _not_mp4(container) -> str:
    """The name of a QuickTime or 3GPP file, which FFmpeg reads with its MP4 demuxer; "" for MP4.

    The demuxer is named "mov,mp4,m4a,3gp,3g2,mj2" whatever the file is; only the
    file's own brand (its `ftyp` box) tells them apart. QuickTime files may have no
    `ftyp` at all.
    """
    if not {"mov", "mp4"} & set(container.format.name.split(",")):
        return ""
    brand = container.metadata.get("major_brand", "").strip().lower()
    if brand in ("", "qt"):
        return "QuickTime"
    if brand.startswith("3g"):
        return "3GPP"
    return ""


def _open(data: bytes):
    # Naming the demuxer skips FFmpeg's format probing, a good part of the cost of
    # a check; anything that is not MP4 is probed after all, to say what it is.
    try:
        return av.open(io.BytesIO(data), mode="r", format="mp4")
    except av.FFmpegError:
        return av.open(io.BytesIO(data), mode="r")


def _duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


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

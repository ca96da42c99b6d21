"""What is inside an MP4 clip, read with PyAV: the one probe the studio and the emulator share.

It has no Django in it, because the emulator (an offline xAI, which must not depend on the
studio) imports it too. It reports what it finds and refuses only what is not a whole,
readable video; each side then decides which containers and codecs it takes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av


class ClipRejected(ValueError):
    """A clip we will not take, with a sentence that says why."""


@dataclass(frozen=True)
class Clip:
    container: str  # "MP4", "QuickTime", "3GPP", or FFmpeg's name for any other format
    codec: str  # FFmpeg's decoder name: "h264", "hevc", "av1", ...
    width: int
    height: int
    duration_s: float  # 0 when the file does not say, as for a still image
    has_audio: bool
    first_frame: av.VideoFrame


def probe(data: bytes) -> Clip:
    """Open a clip, demux every packet and decode its first frame.

    Demuxing is cheap and shows a file cut short as missing or corrupt samples here, rather
    than as a broken player later: a faststart MP4 keeps its whole index however much of its
    media is gone.
    """
    if not data:
        raise ClipRejected("The file is empty.")
    _check_boxes(data)
    try:
        with _open(data) as container:
            if not container.streams.video:
                raise ClipRejected("The file has no video in it.")
            stream = container.streams.video[0]
            declared, packets, first_frame = stream.frames, 0, None
            for packet in container.demux():
                if packet.is_corrupt:
                    raise ClipRejected("The video is damaged or incomplete.")
                if packet.stream.index != stream.index:
                    continue
                if first_frame is None:  # the empty packet at the end flushes the decoder
                    first_frame = next(iter(packet.decode()), None)
                packets += packet.size > 0
            clip = Clip(
                _container(container),
                stream.codec_context.name,
                stream.codec_context.width,
                stream.codec_context.height,
                _duration(container, stream),
                bool(container.streams.audio),
                first_frame,  # type: ignore[arg-type]  # checked below
            )
    except ClipRejected:
        raise
    except (av.FFmpegError, OSError, ValueError, StopIteration) as exc:
        raise ClipRejected(
            "This file is not a video that can be read (MP4 with H.264, H.265 or AV1)."
        ) from exc
    if first_frame is None:
        raise ClipRejected("The video has no frames that could be decoded.")
    if declared and packets < declared:
        raise ClipRejected("The video is damaged or incomplete.")
    return clip


def _open(data: bytes) -> av.container.InputContainer:
    # Naming the demuxer skips FFmpeg's format probing, a good part of the cost of a probe;
    # anything that is not MP4 is probed after all, to say what it is.
    try:
        return av.open(io.BytesIO(data), mode="r", format="mp4")
    except av.FFmpegError:
        return av.open(io.BytesIO(data), mode="r")


def _check_boxes(data: bytes) -> None:
    """Refuse an MP4 whose last top-level box is cut short.

    FFmpeg reads a truncated index (``moov``) at the end of a file without complaint, and then
    reports a plausible video; walking the box headers takes a few steps.
    """
    if data[4:8] != b"ftyp":
        return
    pos = 0
    while pos + 8 <= len(data):
        size, header = int.from_bytes(data[pos : pos + 4], "big"), 8
        if size == 1:  # a 64-bit size follows the type
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        if size == 0:  # the box runs to the end of the file
            return
        if size < header or pos + size > len(data):
            raise ClipRejected("The video is damaged or incomplete.")
        pos += size
    if pos != len(data):
        raise ClipRejected("The video is damaged or incomplete.")


def _container(container: av.container.InputContainer) -> str:
    """The file's kind by the name people know it by.

    FFmpeg reads MP4, QuickTime and 3GPP with one demuxer ("mov,mp4,m4a,3gp,3g2,mj2"); only the
    brands in the file's ``ftyp`` box tell them apart. A QuickTime file has no ``ftyp`` or lists
    only the ``qt`` brand; one that also lists an ISO brand says any MP4 reader can play it.
    """
    if "mp4" not in container.format.name.split(","):
        return container.format.long_name or container.format.name
    major = container.metadata.get("major_brand", "")
    compatible = container.metadata.get("compatible_brands", "")
    brands = [major] + [compatible[i : i + 4] for i in range(0, len(compatible), 4)]
    if all(brand.strip() in ("", "qt") for brand in brands):
        return "QuickTime"
    return "3GPP" if major.startswith("3g") else "MP4"


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0

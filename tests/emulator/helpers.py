"""Small helpers shared by the emulator tests: making media, decoding it, SDK errors."""

from __future__ import annotations

import base64
import io
import urllib.request

import grpc
import pytest
from PIL import Image

API_KEY = "emulator-suite-key"
# Generous but finite: a hung emulator fails a test instead of the whole run.
RPC_TIMEOUT_S = 60


def png_bytes(size: tuple[int, int], colour: tuple[int, int, int] = (200, 30, 30), fmt: str = "PNG") -> bytes:
    """A solid image of ``size`` encoded as ``fmt``."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def fetch(url: str, timeout: float = 10) -> tuple[int, str, bytes]:
    """GET ``url``: (status, content type, body)."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()


def rpc_error(code: grpc.StatusCode, func, *args, **kwargs) -> grpc.RpcError:
    """Call ``func`` and assert it fails with the gRPC status ``code``; return the error."""
    with pytest.raises(grpc.RpcError) as info:
        func(*args, **kwargs)
    assert info.value.code() == code, info.value.details()
    return info.value


def mp4_bytes(
    codec: str,
    size: tuple[int, int],
    seconds: float,
    fps: int = 24,
    fmt: str = "mp4",
    options: dict[str, str] | None = None,
) -> bytes:
    """A plain MP4 made with PyAV directly (not the emulator's renderer), to use as input.

    ``fmt="mov"`` makes a QuickTime file instead; ``options`` go to the muxer (e.g.
    ``{"brand": "qt  "}`` for an MP4 whose major brand is QuickTime's).
    """
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=fmt, options=options or {}) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if codec == "libx265":
            stream.options = {"x265-params": "log-level=error"}
        frames = round(seconds * fps)
        for i in range(frames):
            image = Image.new("RGB", size, (i * 9 % 256, 80, 160))
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def probe(data: bytes) -> dict:
    """What PyAV finds in an MP4: codec, size, duration, audio."""
    import av

    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        duration = float(video.duration * video.time_base) if video.duration else container.duration / 1e6
        return {
            "format": container.format.name,
            "codec": video.codec_context.name,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "duration": duration,
            "audio": bool(container.streams.audio),
        }

"""Fetching and checking the media a request refers to: reference images and input videos.

A reference arrives as a ``data:`` URI, as a URL of this emulator's own HTTP server (a
result it made earlier), or as the ``file_id`` of a file uploaded to it. The emulator has no
internet, so any other URL is refused with INVALID_ARGUMENT, as are bytes that do not decode,
are in the wrong format, or are too big. Unknown file ids are NOT_FOUND, like the real API.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import threading
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import grpc
from PIL import Image

from grokstudio import mp4

from .errors import ApiError
from .limits import (
    DURATION_SLACK_S,
    INPUT_IMAGE_FORMATS,
    INPUT_VIDEO_CODECS,
    INPUT_VIDEO_CONTAINERS,
    MAX_INPUT_IMAGE_BYTES,
    MAX_INPUT_IMAGE_PIXELS,
    MAX_MESSAGE_BYTES,
)
from .store import FileStore, ResultStore


@dataclass(frozen=True)
class ImageInput:
    """A decoded reference image: its encoded bytes, pixel size and digest."""

    data: bytes
    width: int
    height: int
    digest: str

    @property
    def ratio(self) -> float:
        return self.width / self.height


@dataclass(frozen=True)
class VideoInput:
    """An input video: its MP4 bytes, what PyAV found in it, and its digest."""

    data: bytes
    codec: str
    width: int
    height: int
    duration_s: float
    has_audio: bool
    digest: str


class InputResolver:
    """Turns ``ImageUrlContent`` / ``VideoUrlContent`` into checked bytes."""

    def __init__(self, results: ResultStore, files: FileStore, http_port: int, http_hosts: set[str]) -> None:
        self._results = results
        self._files = files
        self._http_port = http_port
        self._http_hosts = http_hosts
        self._probed: dict[str, VideoInput] = {}  # by digest
        self._lock = threading.Lock()

    # --- raw bytes ---------------------------------------------------------------------

    def _fetch_url(self, url: str, what: str, max_bytes: int) -> bytes:
        if url.startswith("data:"):
            return _decode_data_uri(url, what, max_bytes)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ApiError.invalid(f"{what}: unsupported URL {url[:80]!r}; use an http(s) URL or a data: URI")
        if parts.hostname not in self._http_hosts or parts.port != self._http_port:
            raise ApiError.invalid(
                f"{what}: could not fetch {url[:200]!r}: the emulator has no internet; use a data: URI, "
                "a file_id, or a URL the emulator served"
            )
        token = parts.path.rsplit("/", 1)[-1].split(".", 1)[0]
        result = self._results.get(token) if parts.path.startswith("/results/") else None
        if result is None or (result.fault is not None and result.fault.name == "url_404"):
            raise ApiError.invalid(f"{what}: could not fetch {url[:200]!r}: HTTP 404")
        if result.fault is not None:
            # A broken or dripping URL fails xAI's own fetch (5 s timeout) just the same.
            raise ApiError.invalid(f"{what}: could not fetch {url[:200]!r}: the download did not complete")
        data = self._files.blobs.read(result.digest)
        if len(data) > max_bytes:
            raise ApiError.invalid(
                f"{what}: {len(data)} bytes is over the {max_bytes // (1 << 20)} MiB limit"
            )
        return data

    def _fetch_file(self, owner: str, file_id: str, what: str, max_bytes: int) -> bytes:
        stored = self._files.get(owner, file_id)
        if stored is None:
            raise ApiError(grpc.StatusCode.NOT_FOUND, f"{what}: file {file_id!r} not found")
        if stored.size > max_bytes:
            raise ApiError.invalid(
                f"{what}: {stored.size} bytes is over the {max_bytes // (1 << 20)} MiB limit"
            )
        return self._files.blobs.read(stored.digest)

    # --- images --------------------------------------------------------------------------

    def image(
        self, owner: str, content: Any, what: str, formats: frozenset[str] = INPUT_IMAGE_FORMATS
    ) -> ImageInput:
        """Resolve and decode an ``ImageUrlContent`` in one of ``formats``."""
        source = content.WhichOneof("source")
        if source == "image_url" and content.image_url:
            data = self._fetch_url(content.image_url, what, MAX_INPUT_IMAGE_BYTES)
        elif source == "file_id" and content.file_id:
            data = self._fetch_file(owner, content.file_id, what, MAX_INPUT_IMAGE_BYTES)
        else:
            raise ApiError.invalid(f"{what}: set image_url or file_id")
        return decode_image(data, what, formats)

    # --- videos --------------------------------------------------------------------------

    def video(self, owner: str, content: Any, what: str) -> VideoInput:
        """Resolve and probe a ``VideoUrlContent`` (MP4 with H.264, H.265 or AV1)."""
        source = content.WhichOneof("source")
        if source == "url" and content.url:
            data = self._fetch_url(content.url, what, MAX_MESSAGE_BYTES)
        elif source == "file_id" and content.file_id:
            data = self._fetch_file(owner, content.file_id, what, 1 << 40)
        else:
            raise ApiError.invalid(f"{what}: set url or file_id")
        digest = hashlib.sha256(data).hexdigest()
        # MP4 (ISO BMFF) files start with a box whose type is 'ftyp'.
        if data[4:8] != b"ftyp":
            raise ApiError.invalid(f"{what}: not an MP4 file")
        with self._lock:
            probed = self._probed.get(digest)
        if probed is None:
            try:
                clip = mp4.probe(data)
            except mp4.ClipRejected as exc:
                raise ApiError.invalid(f"{what}: the video could not be decoded ({exc})") from None
            # docs/xai-api.md: "Input video: MP4 with H.264, H.265 or AV1". A QuickTime file
            # (.mov) is refused even with those codecs (see grokstudio.mp4 for how it is told).
            if clip.container not in INPUT_VIDEO_CONTAINERS:
                raise ApiError.invalid(
                    f"{what}: a {clip.container} file is not an MP4; send MP4 with H.264, H.265 or AV1"
                )
            if clip.codec not in INPUT_VIDEO_CODECS:
                raise ApiError.invalid(
                    f"{what}: codec {clip.codec!r} is not supported; use H.264, H.265 or AV1"
                )
            probed = VideoInput(
                data=b"",  # the cache keeps what the probe found, not the bytes
                codec=clip.codec,
                width=clip.width,
                height=clip.height,
                duration_s=clip.duration_s,
                has_audio=clip.has_audio,
                digest=digest,
            )
            with self._lock:
                self._probed[digest] = probed
        return replace(probed, data=data)


def _decode_data_uri(uri: str, what: str, max_bytes: int) -> bytes:
    header, sep, payload = uri.partition(",")
    if not sep or not header.endswith(";base64"):
        raise ApiError.invalid(f"{what}: a data: URI must look like data:<type>;base64,<data>")
    # Refuse oversized payloads before decoding them.
    if len(payload) * 3 // 4 > max_bytes + 3:
        raise ApiError.invalid(f"{what}: the data is over the {max_bytes // (1 << 20)} MiB limit")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError.invalid(f"{what}: the data: URI is not valid base64") from None
    if len(data) > max_bytes:
        raise ApiError.invalid(f"{what}: {len(data)} bytes is over the {max_bytes // (1 << 20)} MiB limit")
    return data


def decode_image(data: bytes, what: str, formats: frozenset[str] = INPUT_IMAGE_FORMATS) -> ImageInput:
    """Check that ``data`` is an image in ``formats`` (PNG, JPEG or WebP) of sane size; decode it."""
    if len(data) > MAX_INPUT_IMAGE_BYTES:
        raise ApiError.invalid(f"{what}: {len(data)} bytes is over the 10 MiB limit")
    try:
        # Pillow itself refuses extreme bombs at open; the pixel check below stops the rest
        # before decoding (warnings filters are process-global, so they are not used here).
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format or ""
            width, height = im.size
            if fmt not in formats:
                names = ", ".join(sorted(formats)).replace("WEBP", "WebP")
                raise ApiError.invalid(f"{what}: {fmt or 'unknown'} images are not supported; use {names}")
            if width * height > MAX_INPUT_IMAGE_PIXELS:
                raise ApiError.invalid(f"{what}: {width}x{height} is too many pixels")
            im.load()
    except ApiError:
        raise
    except Exception as exc:  # Pillow raises many types for broken data
        raise ApiError.invalid(f"{what}: the image could not be decoded ({type(exc).__name__})") from None
    return ImageInput(data=data, width=width, height=height, digest=hashlib.sha256(data).hexdigest())


def duration_within(duration: float, low: float, high: float) -> bool:
    """Whether a probed duration is within ``[low, high]`` give or take container rounding."""
    return low - DURATION_SLACK_S <= duration <= high + DURATION_SLACK_S

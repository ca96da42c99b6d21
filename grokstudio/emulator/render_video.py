"""Synthetic video renderer for the offline xAI video-API emulator.

The emulator's gRPC server answers video-generation requests without a GPU or a network, so it
needs real, playable MP4s whose content visibly reflects the request: the prompt, the start/end
images, reference images, a source video to edit, or a clip to extend. This module produces them
with PyAV (H.264 + AAC in MP4) and Pillow only.

It is deliberately "pure": no Django, no gRPC, top-level functions taking and returning bytes, so
the server can run it in a ``ProcessPoolExecutor`` (arguments and results pickle cheaply).

Speed notes (x264 already runs several threads, so the Python side must stay cheap):

* Frames are composed directly as limited-range BT.709 YUV 4:2:0 planes, each a Pillow ``"L"``
  image.  Everything expensive (gradients, text, thumbnails, the RGB->YUV matrix) is done once;
  per frame we only crop, paste with masks and copy bytes into the ``av.VideoFrame``.  Going
  through ``VideoFrame.from_image`` + swscale instead costs ~12 ms per 1080p frame, more than
  x264 ``ultrafast`` itself.
* Pure Pillow and PyAV, no numpy dependency: audio is a few pre-computed 1024-sample buffers
  (one AAC frame each, an integer number of sine periods so they can be concatenated seamlessly).

Public API: :func:`render_video`.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import av
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from grokstudio import mp4

__all__ = ["render_video"]

AUDIO_RATE = 48_000
# AAC encodes 1024 samples per frame; tone buffers have exactly this length.
AUDIO_CHUNK = 1024
MIN_SIDE = 16
MAX_SIDE = 4096
MAX_FPS = 60
# Caps keep a buggy or hostile request from tying up a worker for minutes.
MAX_DURATION_S = 120.0

# How long the overlays fade in after a pinned first frame, and how long the crossfade into a
# pinned last frame lasts (both shortened for very short clips).
FADE_IN_S = 0.5
CROSSFADE_S = 1.0
# Image-to-video camera move: push in to this zoom over PUSH_IN_S, then drift across the margin.
MAX_ZOOM = 1.15
PUSH_IN_S = 1.0

# x264 "ultrafast" encodes about a quarter faster than "superfast" on 1080p; crf 30 keeps
# files small and still looks fine for synthetic content.
X264_OPTIONS = {"preset": "ultrafast", "crf": "30"}

# RGB -> limited-range BT.709 Y'CbCr, as the 12-tuple Pillow's Image.convert(matrix=...) takes
# (each output channel = a*R + b*G + c*B + offset).  Doing it in one matrix pass is faster than
# convert("YCbCr") (which is full-range BT.601 and would still need a range LUT).
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
_YS, _CS = 219 / 255, 224 / 255
_RGB_TO_YUV709 = (
    _KR * _YS,
    _KG * _YS,
    _KB * _YS,
    16.0,
    -_KR / (2 * (1 - _KB)) * _CS,
    -_KG / (2 * (1 - _KB)) * _CS,
    0.5 * _CS,
    128.0,
    0.5 * _CS,
    -_KG / (2 * (1 - _KR)) * _CS,
    -_KB / (2 * (1 - _KR)) * _CS,
    128.0,
)
# AVColorSpace / AVColorPrimaries / AVColorTransferCharacteristic BT709 = 1, AVCOL_RANGE_MPEG = 1.
_BT709 = 1
_RANGE_LIMITED = 1


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def render_video(
    *,
    prompt: str,
    width: int,
    height: int,
    duration_s: float,
    audio: bool,
    first_frame: bytes | None = None,
    last_frame: bytes | None = None,
    reference_images: Sequence[bytes] = (),
    source_video: bytes | None = None,
    extend_from: bytes | None = None,
    fps: int = 24,
) -> bytes:
    """Render a synthetic MP4 (H.264 yuv420p, plus AAC audio when ``audio``) for a request.

    Modes, chosen by which inputs are given:

    * text-to-video: a scrolling colour field and a moving orb seeded by a hash of ``prompt``.
    * image-to-video (``first_frame``): frame 0 is the image cover-cropped to the output size,
      then the camera pushes in for a second and drifts slowly (Ken Burns).
    * video-to-video (``source_video``): the source's frames, looped or trimmed to
      ``duration_s`` and cover-fitted to the output size, with a prompt-seeded colour tint.
    * extension (``extend_from``): the input clip's frames (re-encoded, cover-fitted if its size
      differs), then ``duration_s`` new seconds pushing in on its last frame.  The input's
      audio, if any, is kept for its part.  Pass the input's own size to keep it unchanged.

    Audio (when ``audio``) is a quiet, prompt-seeded melody; only extension keeps input audio.

    In every mode the prompt is captioned, ``reference_images`` appear as thumbnails, and
    ``last_frame`` (if given) is crossfaded into so the clip ends exactly on it.  Caption and
    thumbnails fade in after a pinned first frame so that frame stays exactly the input image.

    ``width``/``height`` are rounded down to even numbers (4:2:0 needs them).  The output has
    ``round(duration_s * fps)`` new frames, so its duration matches to within one frame.

    Raises ``ValueError`` for out-of-range parameters, undecodable inputs, or combinations that
    contradict each other (``extend_from`` with ``source_video`` or ``first_frame``,
    ``source_video`` with ``first_frame``).
    """
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be a string, got {type(prompt).__name__}")
    width, height = _even(width, "width"), _even(height, "height")
    if isinstance(fps, bool) or not isinstance(fps, int) or not 1 <= fps <= MAX_FPS:
        raise ValueError(f"fps must be an integer between 1 and {MAX_FPS}, got {fps!r}")
    if not isinstance(duration_s, int | float) or not math.isfinite(duration_s):
        raise ValueError(f"duration_s must be a finite number, got {duration_s!r}")
    if not 0 <= duration_s <= MAX_DURATION_S:
        raise ValueError(f"duration_s must be between 0 and {MAX_DURATION_S:g}, got {duration_s:g}")
    if extend_from is not None and (source_video is not None or first_frame is not None):
        raise ValueError("extend_from cannot be combined with source_video or first_frame")
    if source_video is not None and first_frame is not None:
        raise ValueError("source_video cannot be combined with first_frame")

    n_new = round(duration_s * fps)
    if n_new < 1 and extend_from is None:
        raise ValueError(f"duration_s={duration_s:g} is shorter than one frame at {fps} fps")

    size = (width, height)
    style = _Style.from_prompt(prompt)
    references = [
        _load_image(data, f"reference_images[{i}]", draft=(512, 512))
        for i, data in enumerate(reference_images)
    ]
    first_img = _load_image(first_frame, "first_frame", size) if first_frame is not None else None
    last_img = _load_image(last_frame, "last_frame", size) if last_frame is not None else None

    # Prefix part (extension only): the input clip's frames, untouched apart from resampling.
    prefix: list[Iterable[_Yuv]] = []
    prefix_pcm = b""
    start: _Yuv | None = None
    holder: list[_Yuv] = []  # receives the extended clip's last picture
    source_duration = 0.0
    if extend_from is not None:
        info = _probe_input(extend_from, "extend_from")
        prefix_frames = max(1, round(info["duration_s"] * fps))
        sampler = _FrameSampler(extend_from, size, fps)
        prefix.append(_remember_last(sampler.frames(prefix_frames), holder))
        if audio:
            prefix_pcm = _decode_pcm(extend_from, prefix_frames * AUDIO_RATE // fps)
        mode = "extend"
    elif source_video is not None:
        source_duration = _probe_input(source_video, "source_video")["duration_s"]
        mode = "video-to-video"
    elif first_img is not None:
        start = _Yuv.from_rgb(first_img)
        mode = "image-to-video"
    else:
        mode = "reference-to-video" if references else "text-to-video"

    # Derived clips put the caption at the top: the input (often one of ours) has its own
    # caption at the bottom, and stacking the two would make both unreadable.
    derived = source_video is not None or extend_from is not None
    overlay = _Overlay(prompt, mode, size, references, style, caption_on_top=derived)
    last_pic = _Yuv.from_rgb(last_img) if last_img is not None else None

    def new_part() -> Iterator[_Yuv]:
        # Runs only once the prefix has been encoded, so ``holder`` has the clip's last picture.
        begin = holder[0] if holder else start
        if source_video is not None:
            tint = style.tint_luts()
            scene: Iterator[_Yuv] = (
                pic.map(tint)
                for pic in _FrameSampler(source_video, size, fps, loop_after=source_duration).frames(n_new)
            )
            pinned_start = False
        elif begin is not None:
            scene = _ken_burns(begin, n_new, fps, style)
            pinned_start = True
        else:
            scene = _procedural(size, n_new, fps, style)
            pinned_start = False
        yield from _compose(scene, n_new, fps, overlay, pinned_start, last_pic)

    pcm: bytes | None = None
    if audio:
        pcm = prefix_pcm + _tone_pcm(style, n_new * AUDIO_RATE // fps)
    pictures = _chain([*prefix, _lazy(new_part)])
    return _encode(pictures, size, fps, pcm)


# --------------------------------------------------------------------------------------------
# YUV 4:2:0 pictures as Pillow planes
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Yuv:
    """A yuv420p picture: full-size Y plane and half-size U/V planes, all Pillow "L" images."""

    y: Image.Image
    u: Image.Image
    v: Image.Image

    @classmethod
    def from_rgb(cls, image: Image.Image) -> _Yuv:
        if image.width % 2 or image.height % 2:
            raise ValueError("4:2:0 pictures need even dimensions")
        y, u, v = image.convert("RGB").convert("RGB", matrix=_RGB_TO_YUV709).split()
        # reduce(2) is a 2x2 box average: the standard way to subsample chroma.
        return cls(y, u.reduce(2), v.reduce(2))

    @classmethod
    def from_frame(cls, frame: av.VideoFrame, size: tuple[int, int]) -> _Yuv:
        """Convert a decoded frame, cover-fitting it to ``size`` when its size differs."""
        width, height = size
        if (frame.width, frame.height) != size:
            scale = max(width / frame.width, height / frame.height)
            sw = max(width, _round_even(frame.width * scale))
            sh = max(height, _round_even(frame.height * scale))
            frame = frame.reformat(width=sw, height=sh, format="yuv420p", interpolation="BILINEAR")
        elif frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        # Centre crop with an even offset so the chroma planes stay aligned.
        x0 = (frame.width - width) // 4 * 2
        y0 = (frame.height - height) // 4 * 2
        planes = []
        for index, plane in enumerate(frame.planes):
            shift = 1 if index else 0
            full = Image.frombuffer("L", (plane.line_size, plane.height), plane, "raw", "L", 0, 1)
            # crop() copies, detaching the picture from the frame's buffer.
            planes.append(
                full.crop((x0 >> shift, y0 >> shift, (x0 + width) >> shift, (y0 + height) >> shift))
            )
        return cls(*planes)

    def copy(self) -> _Yuv:
        return _Yuv(self.y.copy(), self.u.copy(), self.v.copy())

    def crop(self, x: int, y: int, width: int, height: int) -> _Yuv:
        # Luma may move by single pixels; chroma follows at half resolution (a half-pixel chroma
        # offset is invisible, and it halves the step size of slow pans).
        hx, hy = x // 2, y // 2
        return _Yuv(
            self.y.crop((x, y, x + width, y + height)),
            self.u.crop((hx, hy, hx + width // 2, hy + height // 2)),
            self.v.crop((hx, hy, hx + width // 2, hy + height // 2)),
        )

    def resized(self, size: tuple[int, int], box: tuple[float, float, float, float]) -> _Yuv:
        half = (size[0] // 2, size[1] // 2)
        hbox = (box[0] / 2, box[1] / 2, box[2] / 2, box[3] / 2)
        bilinear = Image.Resampling.BILINEAR
        return _Yuv(
            self.y.resize(size, bilinear, box=box),
            self.u.resize(half, bilinear, box=hbox),
            self.v.resize(half, bilinear, box=hbox),
        )

    def blend(self, other: _Yuv, alpha: float) -> _Yuv:
        # Blending Y'CbCr linearly equals blending the R'G'B' it encodes (the matrix is affine).
        return _Yuv(
            Image.blend(self.y, other.y, alpha),
            Image.blend(self.u, other.u, alpha),
            Image.blend(self.v, other.v, alpha),
        )

    def map(self, luts: tuple[list[int], list[int], list[int]]) -> _Yuv:
        return _Yuv(self.y.point(luts[0]), self.u.point(luts[1]), self.v.point(luts[2]))

    def paste(self, sprite: _Sprite, x: int, y: int) -> None:
        x, y = x & ~1, y & ~1
        self.y.paste(sprite.pic.y, (x, y), sprite.mask)
        self.u.paste(sprite.pic.u, (x // 2, y // 2), sprite.half_mask)
        self.v.paste(sprite.pic.v, (x // 2, y // 2), sprite.half_mask)

    def fill(self, colour: tuple[int, int, int], box: tuple[int, int, int, int]) -> None:
        x0, y0, x1, y1 = (c & ~1 for c in box)
        self.y.paste(colour[0], (x0, y0, x1, y1))
        self.u.paste(colour[1], (x0 // 2, y0 // 2, x1 // 2, y1 // 2))
        self.v.paste(colour[2], (x0 // 2, y0 // 2, x1 // 2, y1 // 2))

    def to_frame(self) -> av.VideoFrame:
        frame = av.VideoFrame(self.y.width, self.y.height, "yuv420p")
        for plane, image in zip(frame.planes, (self.y, self.u, self.v), strict=True):
            if plane.line_size != image.width:
                # FFmpeg pads rows for SIMD alignment; cropping past the right edge pads with 0.
                image = image.crop((0, 0, plane.line_size, image.height))
            plane.update(image.tobytes())
        return frame


@dataclass(slots=True)
class _Sprite:
    """An overlay: a YUV picture plus its alpha mask at luma and chroma resolution."""

    pic: _Yuv
    mask: Image.Image
    half_mask: Image.Image

    @classmethod
    def from_rgba(cls, image: Image.Image) -> _Sprite:
        image = image.convert("RGBA")
        if image.width % 2 or image.height % 2:
            padded = Image.new("RGBA", (image.width + image.width % 2, image.height + image.height % 2))
            padded.paste(image, (0, 0))
            image = padded
        alpha = image.getchannel("A")
        return cls(_Yuv.from_rgb(image.convert("RGB")), alpha, alpha.reduce(2))


def _rgb_to_yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    m = _RGB_TO_YUV709
    return tuple(  # type: ignore[return-value]
        max(0, min(255, round(m[i] * r + m[i + 1] * g + m[i + 2] * b + m[i + 3]))) for i in (0, 4, 8)
    )


# --------------------------------------------------------------------------------------------
# Prompt-seeded style
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    """Everything derived from the prompt hash, so a prompt always renders the same way."""

    seed: int
    hue: float

    @classmethod
    def from_prompt(cls, prompt: str) -> _Style:
        # sha256, not hash(): str hashes are salted per process and pool workers must agree.
        digest = hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).digest()
        seed = int.from_bytes(digest[:8], "big")
        return cls(seed=seed, hue=digest[8] / 256)

    def rng(self, salt: str) -> random.Random:
        return random.Random(f"{self.seed}:{salt}")

    def colour(self, hue_offset: float, saturation: float, value: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hsv_to_rgb((self.hue + hue_offset) % 1.0, saturation, value)
        return round(r * 255), round(g * 255), round(b * 255)

    def tint_luts(self) -> tuple[list[int], list[int], list[int]]:
        """Per-plane LUTs for the video-to-video "edit": a duotone-like colour grade.

        Chroma is squeezed towards grey and pushed towards a prompt-seeded hue, and contrast is
        raised, so the result is obviously derived from the source yet obviously altered.
        """
        angle = self.hue * 2 * math.pi
        du, dv = 45 * math.cos(angle), 45 * math.sin(angle)
        luma = [max(16, min(235, round((value - 126) * 1.2 + 126))) for value in range(256)]
        cb = [max(16, min(240, round(128 + du + (value - 128) * 0.35))) for value in range(256)]
        cr = [max(16, min(240, round(128 + dv + (value - 128) * 0.35))) for value in range(256)]
        return luma, cb, cr


# --------------------------------------------------------------------------------------------
# Scenes: iterators of fresh _Yuv pictures (callers paste onto them, so never share one)
# --------------------------------------------------------------------------------------------


def _procedural(size: tuple[int, int], count: int, fps: int, style: _Style) -> Iterator[_Yuv]:
    """A horizontally scrolling, seamlessly wrapping gradient with soft circles, plus a moving orb."""
    width, height = size
    tile = _gradient_tile(size, style)
    canvas = Image.new("RGB", (width * 2, height))
    canvas.paste(tile, (0, 0))
    canvas.paste(tile, (width, 0))
    yuv = _Yuv.from_rgb(canvas)
    orb = _orb_sprite(max(4, height // 6), style)
    rng = style.rng("orb")
    period_x, period_y = rng.uniform(4.0, 7.0), rng.uniform(2.5, 4.5)
    phase_x, phase_y = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    speed = width / (8.0 * fps)  # one full wrap every eight seconds
    direction = 1 if style.seed & 1 else -1
    ow, oh = orb.mask.size
    for index in range(count):
        t = index / fps
        offset = round(index * speed * direction) % width
        pic = yuv.crop(offset, 0, width, height)
        ox = (width - ow) / 2 + (width - ow) * 0.4 * math.sin(2 * math.pi * t / period_x + phase_x)
        oy = (height - oh) / 2 + (height - oh) * 0.35 * math.sin(2 * math.pi * t / period_y + phase_y)
        pic.paste(orb, round(ox), round(oy))
        yield pic


def _gradient_tile(size: tuple[int, int], style: _Style) -> Image.Image:
    width, height = size
    # A horizontal triangle ramp (0 -> 255 -> 0) so the tile wraps without a seam when scrolled.
    ramp = Image.new("L", (512, 1))
    ramp.putdata([min(i, 511 - i) for i in range(512)])
    hmask = ramp.resize((width, height), Image.Resampling.BILINEAR)
    vmask = Image.linear_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    corners = [
        style.colour(offset, 0.65, value)
        for offset, value in ((0, 0.85), (0.12, 0.7), (0.5, 0.35), (0.62, 0.5))
    ]
    top = Image.composite(Image.new("RGB", size, corners[1]), Image.new("RGB", size, corners[0]), hmask)
    bottom = Image.composite(Image.new("RGB", size, corners[3]), Image.new("RGB", size, corners[2]), hmask)
    tile = Image.composite(bottom, top, vmask)

    # Translucent circles make the scrolling obvious; each is drawn at x - width, x and
    # x + width so that circles crossing the left/right edge wrap around.
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    rng = style.rng("circles")
    for _ in range(14):
        radius = rng.uniform(0.05, 0.22) * height
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        fill = (
            *style.colour(rng.uniform(-0.2, 0.2), rng.uniform(0.2, 0.8), rng.uniform(0.6, 1.0)),
            rng.randint(40, 110),
        )
        for shift in (-width, 0, width):
            draw.ellipse((cx + shift - radius, cy - radius, cx + shift + radius, cy + radius), fill=fill)
    return Image.alpha_composite(tile.convert("RGBA"), layer).convert("RGB")


def _orb_sprite(diameter: int, style: _Style) -> _Sprite:
    # Drawn 4x larger and downsampled: ImageDraw does not anti-alias ellipses.
    big = diameter * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = max(4, big // 14)
    draw.ellipse((0, 0, big - 1, big - 1), fill=(255, 255, 255, 235))
    draw.ellipse((ring, ring, big - 1 - ring, big - 1 - ring), fill=(*style.colour(0.5, 0.55, 1.0), 235))
    return _Sprite.from_rgba(image.resize((diameter, diameter), Image.Resampling.LANCZOS))


def _ken_burns(start: _Yuv, count: int, fps: int, style: _Style) -> Iterator[_Yuv]:
    """A camera push-in then drift; the first picture is ``start`` unchanged.

    Resampling every frame costs ~25 ms at 1080p (Pillow's bilinear resize), so only the short
    push-in is resampled per frame.  The drift that follows crops a canvas enlarged once, which
    is nearly free; its whole-pixel steps are small enough not to matter here.
    """
    width, height = start.y.size
    cw, ch = _round_even(width * MAX_ZOOM), _round_even(height * MAX_ZOOM)
    canvas = start.resized((cw, ch), (0, 0, width, height))
    push = min(count - 1, max(1, round(PUSH_IN_S * fps)))
    drift = count - 1 - push
    angle = style.rng("pan").uniform(0, 2 * math.pi)
    dx, dy = math.cos(angle), math.sin(angle)
    for index in range(count):
        if index == 0:
            yield start.copy()
        elif index <= push:
            # Zoom into the centre until the view matches the canvas' centre crop exactly.
            s = _smoothstep(index / push)
            bw = width / (1 + (cw / width - 1) * s)
            bh = height / (1 + (ch / height - 1) * s)
            x0, y0 = (width - bw) / 2, (height - bh) / 2
            yield start.resized((width, height), (x0, y0, x0 + bw, y0 + bh))
        else:
            s = _smoothstep((index - push) / drift)
            x = (cw - width) / 2 * (1 + dx * s)
            y = (ch - height) / 2 * (1 + dy * s)
            yield canvas.crop(round(x), round(y), width, height)


def _smoothstep(s: float) -> float:
    """Ease in and out, so motion starts and stops without a jolt."""
    return s * s * (3 - 2 * s)


class _FrameSampler:
    """Decodes a video lazily and samples it at ``fps``, cover-fitted to ``size``.

    Output picture ``i`` is the latest source frame shown at ``i / fps`` (source time measured
    from its first frame).  With ``loop_after`` (the source's duration) the source restarts from
    the beginning once that much time has passed; otherwise its last frame is held.
    """

    def __init__(
        self, data: bytes, size: tuple[int, int], fps: int, *, loop_after: float | None = None
    ) -> None:
        self.data, self.size, self.fps, self.loop_after = data, size, fps, loop_after

    def _decode(self) -> Iterator[tuple[float, av.VideoFrame]]:
        with av.open(io.BytesIO(self.data), "r") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = float(stream.average_rate or self.fps)
            origin: float | None = None
            for index, frame in enumerate(container.decode(stream)):
                when = frame.time if frame.time is not None else index / rate
                if origin is None:
                    origin = when
                yield when - origin, frame

    def frames(self, count: int) -> Iterator[_Yuv]:
        # Tolerates rounding in timestamps (and decides the loop point a hair early rather
        # than repeating a frame).
        epsilon = 0.25 / self.fps
        source = self._decode()
        try:
            base = 0.0  # output time at which the current pass over the source started
            current = next(source, None)
            if current is None:
                raise ValueError("video has no decodable frames")
            upcoming = next(source, None)
            converted: _Yuv | None = None
            for index in range(count):
                t = index / self.fps - base
                if self.loop_after and t >= self.loop_after - epsilon:
                    base = index / self.fps
                    t = 0.0
                    source.close()
                    source = self._decode()
                    current, upcoming, converted = next(source), next(source, None), None
                while upcoming is not None and upcoming[0] <= t + epsilon:
                    current, upcoming, converted = upcoming, next(source, None), None
                if converted is None:
                    converted = _Yuv.from_frame(current[1], self.size)
                # Always a copy: consumers paste onto what they get, and a source frame may be
                # shown several times (lower source fps, or holding the last frame).
                yield converted.copy()
        finally:
            source.close()


def _compose(
    scene: Iterator[_Yuv],
    count: int,
    fps: int,
    overlay: _Overlay,
    pinned_start: bool,
    last: _Yuv | None,
) -> Iterator[_Yuv]:
    """Apply caption/thumbnails/progress bar, the overlay fade-in and the final crossfade."""
    fade_in = max(1, min(round(FADE_IN_S * fps), count // 3)) if pinned_start else 0
    crossfade = max(1, min(round(CROSSFADE_S * fps), count // 3)) if last is not None else 0
    for index, pic in enumerate(scene):
        if last is not None and index == count - 1:
            yield last.copy()  # the clip must end exactly on the requested image
            continue
        if pinned_start and index == 0:
            yield pic  # likewise, the first frame is exactly the start image
            continue
        decorated = pic.copy() if index < fade_in else pic
        overlay.apply(decorated, index, count)
        if index < fade_in:
            decorated = pic.blend(decorated, index / fade_in)
        into_fade = index - (count - 1 - crossfade)
        if last is not None and into_fade > 0:
            decorated = decorated.blend(last, into_fade / crossfade)
        yield decorated


# --------------------------------------------------------------------------------------------
# Overlays: caption, reference thumbnails, progress bar
# --------------------------------------------------------------------------------------------


class _Overlay:
    def __init__(
        self,
        prompt: str,
        mode: str,
        size: tuple[int, int],
        references: list[Image.Image],
        style: _Style,
        *,
        caption_on_top: bool,
    ) -> None:
        width, height = size
        self.size = size
        margin = self.margin = max(2, height // 40) & ~1
        self.thumbs = _thumbnail_strip(references, size, margin) if references else None
        caption_width = width - 2 * margin
        if self.thumbs is not None:
            self.thumbs_pos = (width - margin - self.thumbs.mask.width, margin)
            if caption_on_top:
                caption_width = max(width // 4, caption_width - self.thumbs.mask.width - margin)
        self.caption = _caption_sprite(prompt, mode, caption_width, height)
        if caption_on_top:
            self.caption_pos = (margin, margin)
        else:
            self.caption_pos = (margin, height - margin * 2 - self.caption.mask.height)
        self.bar_height = max(2, height // 120)
        self.bar_colour = _rgb_to_yuv(style.colour(0.5, 0.4, 1.0))

    def apply(self, pic: _Yuv, index: int, count: int) -> None:
        pic.paste(self.caption, *self.caption_pos)
        if self.thumbs is not None:
            pic.paste(self.thumbs, *self.thumbs_pos)
        width, height = self.size
        filled = round(width * (index + 1) / count)
        if filled >= 2:
            pic.fill(self.bar_colour, (0, height - self.bar_height, filled, height))


_AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def _font(size: int) -> _AnyFont:
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: _AnyFont, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap; over-long words are split, and overflow ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while len(current) > 1 and font.getlength(current) > max_width:
            cut = len(current) - 1
            while cut > 1 and font.getlength(current[:cut]) > max_width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
        if len(lines) > max_lines:
            break  # long prompts: stop measuring text that will not be shown
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _displayable(text: str) -> str:
    # Pillow's built-in font only covers ASCII (plus a few symbols); dropping accents keeps
    # "café crème" readable instead of a row of missing-glyph boxes.  Other scripts stay boxes.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def _caption_sprite(prompt: str, mode: str, max_width: int, height: int) -> _Sprite:
    size = max(10, height // 22)
    font, small = _font(size), _font(max(8, size * 2 // 3))
    pad = max(2, size // 3)
    lines = _wrap(_displayable(prompt) or "(empty prompt)", font, max_width - 2 * pad, max_lines=3)
    label = f"grok-imagine emulator · {mode}"
    line_height = round(size * 1.25)
    label_height = round(small.size * 1.3)
    text_width = max([font.getlength(line) for line in lines] + [small.getlength(label)])
    box_w = min(max_width, math.ceil(text_width) + 2 * pad)
    box_h = 2 * pad + label_height + line_height * len(lines)
    image = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(0, 0, 0, 150))
    draw.text((pad, pad), label, font=small, fill=(255, 210, 120, 255))
    for row, line in enumerate(lines):
        draw.text((pad, pad + label_height + row * line_height), line, font=font, fill=(255, 255, 255, 255))
    return _Sprite.from_rgba(image)


def _thumbnail_strip(references: list[Image.Image], size: tuple[int, int], margin: int) -> _Sprite:
    """A row of square, white-bordered thumbnails (as many as fit in 60% of the width)."""
    width, height = size
    side = max(8, height // 5) & ~1
    gap = max(2, margin // 2) & ~1
    fit = max(1, int((width * 0.6 + gap) // (side + gap)))
    shown = references[:fit]
    border = max(1, side // 40)
    strip = Image.new("RGBA", (len(shown) * (side + gap) - gap, side), (0, 0, 0, 0))
    for index, image in enumerate(shown):
        thumb = ImageOps.fit(image, (side - 2 * border, side - 2 * border), Image.Resampling.BILINEAR)
        framed = Image.new("RGBA", (side, side), (255, 255, 255, 255))
        framed.paste(thumb, (border, border))
        strip.paste(framed, (index * (side + gap), 0))
    return _Sprite.from_rgba(strip)


# --------------------------------------------------------------------------------------------
# Audio
# --------------------------------------------------------------------------------------------


def _tone_pcm(style: _Style, samples: int) -> bytes:
    """A quiet, prompt-seeded plucked melody as mono float32 PCM at ``AUDIO_RATE``.

    Each note lasts a whole number of 1024-sample chunks, and each chunk holds a whole number of
    sine periods (frequency = k * 46.875 Hz), so chunks join without clicks and only a handful of
    distinct chunks need computing in pure Python.
    """
    rng = style.rng("melody")
    # Harmonics 6-14 of 46.875 Hz (~281-656 Hz): members of one harmonic series sound
    # consonant together, whatever order the prompt hash picks.
    scale = [6, 7, 8, 9, 10, 12, 14]
    melody = [rng.choice(scale) for _ in range(8)]
    chunks_per_note = 24  # ~0.5 s
    decay = [0.35 + 0.65 * math.exp(-j / 6.0) for j in range(chunks_per_note)]
    cache: dict[tuple[int, int], bytes] = {}

    def chunk(k: int, j: int) -> bytes:
        key = (k, j)
        if key not in cache:
            gain = 0.12 * decay[j]
            step = 2 * math.pi * k / AUDIO_CHUNK
            cache[key] = array("f", (gain * math.sin(step * n) for n in range(AUDIO_CHUNK))).tobytes()
        return cache[key]

    out = bytearray()
    index = 0
    needed = samples * 4
    while len(out) < needed:
        note = melody[(index // chunks_per_note) % len(melody)]
        out += chunk(note, index % chunks_per_note)
        index += 1
    return bytes(out[:needed])


def _decode_pcm(data: bytes, samples: int) -> bytes:
    """The first ``samples`` of a video's audio as mono float32 at ``AUDIO_RATE`` (silence-padded)."""
    out = bytearray()
    needed = samples * 4
    try:
        with av.open(io.BytesIO(data), "r") as container:
            if container.streams.audio:
                resampler = av.AudioResampler(format="fltp", layout="mono", rate=AUDIO_RATE)
                for frame in container.decode(audio=0):
                    for converted in resampler.resample(frame):
                        out += bytes(converted.planes[0])[: converted.samples * 4]
                    if len(out) >= needed:
                        break
                else:
                    for converted in resampler.resample(None):
                        out += bytes(converted.planes[0])[: converted.samples * 4]
    except (av.FFmpegError, OSError, EOFError):
        # The video itself decoded fine (checked earlier); a broken audio track just goes silent.
        pass
    out = out[:needed]
    out += bytes(needed - len(out))  # float32 zero is all-zero bytes
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _video_encoder() -> str:
    # "libx264" is the real encoder in PyAV's wheels; "h264" resolves to whatever FFmpeg's
    # default H.264 encoder is, as a fallback for custom builds.
    return "libx264" if "libx264" in av.codecs_available else "h264"


def _encode(pictures: Iterable[_Yuv], size: tuple[int, int], fps: int, pcm: bytes | None) -> bytes:
    """Encode pictures (and optional mono float32 PCM) into a faststart MP4."""
    buffer = io.BytesIO()

    def reopen(url: str, flags: int, options: dict[str, str]) -> _ReadView:
        # +faststart moves the index to the front in a second pass that re-opens the output for
        # reading; with an in-memory output FFmpeg has no file name, so hand it a view instead.
        return _ReadView(buffer)

    with av.open(buffer, "w", format="mp4", options={"movflags": "+faststart"}, io_open=reopen) as container:
        codec = _video_encoder()
        video = container.add_stream(codec, rate=fps, options=X264_OPTIONS if codec == "libx264" else {})
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        ctx = video.codec_context
        ctx.colorspace = ctx.color_primaries = ctx.color_trc = _BT709
        ctx.color_range = _RANGE_LIMITED
        sound = None
        if pcm is not None:
            sound = container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
            sound.bit_rate = 64_000
        audio_pos = 0  # in samples
        total_samples = len(pcm) // 4 if pcm is not None else 0

        def push_audio(until: int) -> None:
            # Interleave audio with video as we go, so the MP4 streams nicely in a browser.
            nonlocal audio_pos
            assert sound is not None and pcm is not None
            while audio_pos < min(until, total_samples):
                count = min(AUDIO_CHUNK, total_samples - audio_pos)
                frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
                frame.planes[0].update(pcm[audio_pos * 4 : (audio_pos + count) * 4])
                frame.sample_rate = AUDIO_RATE
                frame.pts = audio_pos
                audio_pos += count
                container.mux(sound.encode(frame))

        for index, pic in enumerate(pictures):
            frame = pic.to_frame()
            frame.pts = index
            container.mux(video.encode(frame))
            if sound is not None:
                push_audio((index + 1) * AUDIO_RATE // fps + AUDIO_CHUNK)
        container.mux(video.encode(None))
        if sound is not None:
            push_audio(total_samples)
            container.mux(sound.encode(None))
    return buffer.getvalue()


class _ReadView(io.RawIOBase):
    """A read-only, independently positioned view over a BytesIO that is still being written."""

    def __init__(self, target: io.BytesIO) -> None:
        super().__init__()
        self._target = target
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._target.getbuffer() as view:
            chunk = view[self._pos : self._pos + len(buffer)]
            count = len(chunk)
            buffer[:count] = chunk
            chunk.release()
        self._pos += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = len(self._target.getbuffer()) + offset
        return self._pos

    def tell(self) -> int:
        return self._pos


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _even(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    even = value & ~1
    if not MIN_SIDE <= even <= MAX_SIDE:
        raise ValueError(f"{name} must be between {MIN_SIDE} and {MAX_SIDE}, got {value}")
    return even


def _round_even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _load_image(
    data: bytes,
    what: str,
    size: tuple[int, int] | None = None,
    *,
    draft: tuple[int, int] | None = None,
) -> Image.Image:
    """Decode an image to RGB (EXIF-rotated); with ``size``, cover-crop it to exactly that size.

    ``draft`` (default: ``size``) is the smallest size the caller needs, which lets libjpeg
    decode large JPEGs at a reduced scale.
    """
    if not data:
        raise ValueError(f"{what}: no image data")
    try:
        image = Image.open(io.BytesIO(data))
        need = draft or size
        if need:
            # A no-op for non-JPEGs; never shrinks below the requested size.  Square, because
            # EXIF rotation (applied afterwards) may swap the axes.
            image.draft("RGB", (max(need), max(need)))
        image.load()
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            # Flatten transparency onto black rather than exposing arbitrary hidden colours.
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (0, 0, 0))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            image = flat
        else:
            image = image.convert("RGB")
    except UnidentifiedImageError as exc:
        raise ValueError(f"{what} is not a decodable image: unrecognised format") from exc
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise ValueError(f"{what} is not a decodable image: {exc}") from exc
    if size is not None:
        image = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    return image


def _probe_input(data: bytes, what: str) -> dict[str, Any]:
    try:
        clip = mp4.probe(data)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from exc
    if clip.duration_s <= 0:
        raise ValueError(f"{what}: video has no duration")
    return {"duration_s": clip.duration_s}


def _remember_last(pictures: Iterable[_Yuv], holder: list[_Yuv]) -> Iterator[_Yuv]:
    """Pass pictures through, keeping a copy of the last one in ``holder[0]``."""
    last = None
    for pic in pictures:
        last = pic
        yield pic
    if last is not None:
        holder[:] = [last]


def _lazy(factory: Any) -> Iterator[_Yuv]:
    yield from factory()


def _chain(parts: Iterable[Iterable[_Yuv]]) -> Iterator[_Yuv]:
    for part in parts:
        yield from part

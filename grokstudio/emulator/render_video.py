"""The emulator's video renderer: real H.264/AAC MP4s of the size, length and sound asked for.

The picture is a background that scrolls (a prompt-coloured pattern, the request's start
image, the source video's first frame, or the last frame of a clip being extended) under a
band that shows the prompt and a progress bar, so frames visibly change and say what was
asked. The sound is a quiet tone. An extension is the input's frames followed by the new
seconds. Nothing here imports gRPC: the emulator runs it in worker processes
(:mod:`grokstudio.emulator.pool`), and renders are cached by what determines their bytes.

Frames are made by slicing bytes of YUV planes prepared once, not by drawing: encoding,
not drawing, is then what a render costs.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import random
import tempfile
import textwrap
from array import array
from collections.abc import Iterable, Iterator

import av
from PIL import Image, ImageDraw, ImageFont, ImageOps

AUDIO_RATE = 48_000
AUDIO_CHUNK = 1024  # samples in one AAC frame
SCROLL_S = 4.0  # the background scrolls through itself and its mirror image in this time
BAR_ROWS = 4  # height of the progress bar, in luma rows
# x264's fastest preset; crf 30 keeps files small and looks fine for flat synthetic content.
X264_OPTIONS = {"preset": "ultrafast", "crf": "30"}


def render_video(
    *,
    prompt: str,
    width: int,
    height: int,
    duration_s: float,
    audio: bool,
    first_frame: bytes | None = None,
    source_video: bytes | None = None,
    extend_from: bytes | None = None,
    fps: int = 24,
) -> bytes:
    """An MP4 (H.264, plus AAC when ``audio``) of ``width`` x ``height`` (rounded down to even).

    It has ``round(duration_s * fps)`` new frames, starting from ``first_frame`` (an image), or
    from the first frame of ``source_video``; with ``extend_from`` they follow that clip's own
    frames, and start from its last one. Raises ``ValueError`` for a size or length it cannot
    render. Inputs must have been checked already (the emulator's ``inputs`` module does).
    """
    size = (width & ~1, height & ~1)
    count = round(duration_s * fps)
    if not (min(size) >= 16 and max(size) <= 4096):
        raise ValueError(f"{width}x{height} is not a size the renderer makes (16 to 4096 pixels a side)")
    if count < 1:
        raise ValueError(f"{duration_s} s is shorter than one frame at {fps} fps")
    start = None  # an extension scrolls the input's last frame instead (below)
    if first_frame is not None:
        start = ImageOps.fit(Image.open(io.BytesIO(first_frame)).convert("RGB"), size)
    elif source_video is not None:
        start = next(_input_frames(source_video, size, fps)).to_image()
    elif extend_from is None:
        start = _pattern(prompt, size)

    def frames() -> Iterator[av.VideoFrame]:
        background = start
        if extend_from is not None:
            for last in _input_frames(extend_from, size, fps):
                yield last
            background = last.to_image()
        yield from _scroll(background, prompt, count, fps)

    return _encode(frames(), size, fps, _tone(prompt) if audio else None)


def _pattern(prompt: str, size: tuple[int, int]) -> Image.Image:
    """A gradient with soft circles, its colours seeded by the prompt (sha256: same in every process)."""
    rng = random.Random(hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).digest())
    width, height = size
    top = tuple(rng.randrange(40, 256) for _ in range(3))
    bottom = tuple(rng.randrange(0, 160) for _ in range(3))
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    layer = Image.new("RGBA", size)
    draw = ImageDraw.Draw(layer)
    for _ in range(12):
        r, x, y = rng.uniform(0.05, 0.2) * height, rng.uniform(0, width), rng.uniform(0, height)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*(rng.randrange(256) for _ in range(3)), 120))
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def _caption(prompt: str, width: int, height: int) -> Image.Image:
    """A dark band with the prompt on up to two lines, under room for the progress bar.

    At most half the picture high: on tiny clips the text is cut rather than the picture.
    """
    size = max(10, height // 20)
    lines = textwrap.wrap(prompt or "(no prompt)", max(8, int(width / (size * 0.55))), max_lines=2)
    band_height = min(BAR_ROWS + size // 2 + len(lines) * size * 5 // 4, height // 2) + 1 & ~1
    band = Image.new("RGB", (width, max(band_height, BAR_ROWS)), (24, 24, 24))
    draw, font = ImageDraw.Draw(band), ImageFont.load_default(size=size)
    for row, line in enumerate(lines):
        draw.text((size // 2, BAR_ROWS + size // 4 + row * size * 5 // 4), line, font=font)
    return band


def _scroll(background: Image.Image, prompt: str, count: int, fps: int) -> Iterator[av.VideoFrame]:
    """``count`` frames: the background scrolling upwards, the caption band fixed at the bottom.

    The background and its mirror image form a tile that wraps without a seam; each frame is
    a window of rows into it, so a frame is a few byte slices (luma moves by two rows, chroma
    by one, keeping them aligned).
    """
    width, height = background.size
    band = _caption(prompt, width, height)
    visible = height - band.height
    tile = Image.new("RGB", (width, 2 * height))
    tile.paste(background, (0, 0))
    tile.paste(ImageOps.flip(background), (0, height))
    strides = [plane.line_size for plane in av.VideoFrame(width, height, "yuv420p").planes]
    tiles = [plane * 2 for plane in _planes(tile, strides)]  # twice, so every window is one slice
    bands = _planes(band, strides)
    step = 2 * height / (SCROLL_S * fps)
    for index in range(count):
        top = round(index * step / 2) * 2 % (2 * height)
        bar = (b"\xeb" * (width * (index + 1) // count)).ljust(strides[0], b"\x10") * BAR_ROWS
        frame = av.VideoFrame(width, height, "yuv420p")
        for index_, (plane, stride) in enumerate(zip(frame.planes, strides, strict=True)):
            shift = 1 if index_ else 0  # chroma planes have half the rows
            window = tiles[index_][(top >> shift) * stride : ((top + visible) >> shift) * stride]
            caption = bands[index_] if index_ else bar + bands[0][BAR_ROWS * stride :]
            plane.update(window + caption)
        yield frame


def _planes(image: Image.Image, strides: list[int]) -> list[bytes]:
    """An RGB image as Y, U and V planes, each row padded to ``strides`` (as FFmpeg lays frames out)."""
    planes = av.VideoFrame.from_image(image).reformat(format="yuv420p").planes
    out = []
    for plane, stride in zip(planes, strides, strict=True):
        data, size = bytes(plane), plane.line_size
        if size != stride:
            data = b"".join(data[i : i + plane.width].ljust(stride, b"\0") for i in range(0, len(data), size))
        out.append(data)
    return out


def _input_frames(data: bytes, size: tuple[int, int], fps: int) -> Iterator[av.VideoFrame]:
    """A clip's frames at ``fps`` for as long as it lasts, each held until the next is due."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        seconds = container.duration / av.time_base
        if stream.duration:  # the video's own length, as the emulator's probe read it
            seconds = float(stream.duration * stream.time_base)
        total, shown, origin, held = max(1, round(seconds * fps)), 0, None, None
        for frame in container.decode(stream):
            origin = frame.time if origin is None else origin
            due = (frame.time or 0.0) - (origin or 0.0)
            while held is not None and shown < total and shown / fps < due - 0.25 / fps:
                yield held
                shown += 1
            held = frame.reformat(*size, format="yuv420p")
    while held is not None and shown < total:
        yield held
        shown += 1


def _tone(prompt: str) -> bytes:
    """One AAC frame's worth of a quiet sine, as float32 samples, its pitch seeded by the prompt.

    It holds a whole number of periods, so frames repeat without a click.
    """
    periods = 6 + hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).digest()[0] % 9
    step = 2 * math.pi * periods / AUDIO_CHUNK
    return array("f", (0.1 * math.sin(step * n) for n in range(AUDIO_CHUNK))).tobytes()


def _encode(frames: Iterable[av.VideoFrame], size: tuple[int, int], fps: int, tone: bytes | None) -> bytes:
    """Encode frames, with the tone beside them when given, into a faststart MP4."""
    # +faststart rewrites the file to put the index first, which FFmpeg does on a real file.
    with tempfile.TemporaryDirectory(prefix="emulator-video-") as folder:
        path = os.path.join(folder, "video.mp4")
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as container:
            video = container.add_stream("libx264", rate=fps, options=X264_OPTIONS)
            video.width, video.height = size
            video.pix_fmt = "yuv420p"
            sound = container.add_stream("aac", rate=AUDIO_RATE, layout="mono") if tone else None
            samples = 0
            for index, frame in enumerate(frames):
                frame.pts = index
                container.mux(video.encode(frame))
                # Sound goes in beside the pictures it belongs to, so a browser can stream both.
                while sound is not None and samples < (index + 1) * AUDIO_RATE // fps:
                    chunk = av.AudioFrame(format="fltp", layout="mono", samples=AUDIO_CHUNK)
                    chunk.planes[0].update(tone)
                    chunk.sample_rate, chunk.pts = AUDIO_RATE, samples
                    samples += AUDIO_CHUNK
                    container.mux(sound.encode(chunk))
            container.mux(video.encode(None))
            if sound is not None:
                container.mux(sound.encode(None))
        with open(path, "rb") as file:
            return file.read()

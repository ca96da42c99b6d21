"""Tests for the emulator's synthetic video renderer.

Every check decodes the produced MP4 with PyAV directly (not only through ``grokstudio.mp4``), so
a bug shared by the renderer and the prober cannot hide itself.  Clips are small (320x180, 1-3 s)
to keep the whole module to a few seconds.
"""

from __future__ import annotations

import io
import math
from array import array
from concurrent.futures import ProcessPoolExecutor

import av
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from grokstudio.emulator.render_video import render_video
from grokstudio.mp4 import probe

W, H = 320, 180


# --- helpers ---------------------------------------------------------------------------------


def encode_image(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def card_image(background: tuple[int, int, int], size: tuple[int, int] = (400, 400)) -> Image.Image:
    """A high-contrast picture: a background with a white square and a black disc."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((w * 0.15, h * 0.3, w * 0.45, h * 0.7), fill=(255, 255, 255))
    draw.ellipse((w * 0.55, h * 0.3, w * 0.85, h * 0.7), fill=(0, 0, 0))
    return image


def frames(data: bytes) -> list[Image.Image]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def first_frame_of(data: bytes) -> Image.Image:
    with av.open(io.BytesIO(data)) as container:
        return next(container.decode(video=0)).to_image()


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute per-channel difference, 0-255."""
    if a.size != b.size:
        b = b.resize(a.size)
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def tile_diffs(a: Image.Image, b: Image.Image, grid: int = 4) -> list[float]:
    """``mean_diff`` per tile of a grid: tells local changes (overlays) from global ones."""
    w, h = a.size
    b = b.resize(a.size) if a.size != b.size else b
    boxes = [
        (w * i // grid, h * j // grid, w * (i + 1) // grid, h * (j + 1) // grid)
        for i in range(grid)
        for j in range(grid)
    ]
    return [mean_diff(a.crop(box), b.crop(box)) for box in boxes]


def streams(data: bytes) -> dict:
    """Independent (PyAV-only) view of what is in the file."""
    with av.open(io.BytesIO(data)) as container:
        info: dict = {"duration": container.duration / av.time_base}
        video = container.streams.video[0]
        info["video"] = {
            "codec": video.codec_context.name,
            "pix_fmt": video.codec_context.pix_fmt,
            "size": (video.codec_context.width, video.codec_context.height),
            "duration": float(video.duration * video.time_base),
        }
        if container.streams.audio:
            audio = container.streams.audio[0]
            info["audio"] = {
                "codec": audio.codec_context.name,
                "rate": audio.codec_context.sample_rate,
                "duration": float(audio.duration * audio.time_base),
            }
        info["decoded_frames"] = sum(1 for _ in container.decode(video=0))
    return info


def count_pixels_near(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels are within ``tolerance`` of ``colour`` on every channel."""
    masks = [
        band.point(lambda v, target=target: 255 if abs(v - target) <= tolerance else 0)
        for band, target in zip(image.convert("RGB").split(), colour, strict=True)
    ]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255]


# --- shared renders (module scope: each is used by several tests) ------------------------------


@pytest.fixture(scope="module")
def t2v() -> bytes:
    return render_video(prompt="a red fox in the snow", width=W, height=H, duration_s=2, audio=True)


@pytest.fixture(scope="module")
def card_red() -> Image.Image:
    return card_image((200, 40, 40))


@pytest.fixture(scope="module")
def i2v(card_red: Image.Image) -> bytes:
    return render_video(
        prompt="the card comes alive",
        width=W,
        height=H,
        duration_s=1.5,
        audio=True,
        first_frame=encode_image(card_red),
    )


# --- text-to-video: container, codec, timing ---------------------------------------------------


def test_text_to_video_matches_request(t2v: bytes) -> None:
    info = streams(t2v)
    assert info["video"]["codec"] == "h264"
    assert info["video"]["pix_fmt"] == "yuv420p"
    assert info["video"]["size"] == (W, H)
    assert info["decoded_frames"] == 48
    assert abs(info["video"]["duration"] - 2.0) <= 1 / 24
    assert info["audio"]["codec"] == "aac"
    assert info["audio"]["rate"] in (44_100, 48_000)
    assert abs(info["audio"]["duration"] - 2.0) < 0.1

    probed = probe(t2v)
    assert (probed.container, probed.codec, probed.width, probed.height) == ("MP4", "h264", W, H)
    assert probed.duration_s == pytest.approx(2.0, abs=1 / 24)
    assert probed.has_audio is True


def test_mp4_is_faststart(t2v: bytes) -> None:
    # Browsers can only start playing before the download ends if the index comes first.
    assert t2v[4:8] == b"ftyp"
    assert 0 < t2v.index(b"moov") < t2v.index(b"mdat")


def test_audio_is_a_quiet_but_audible_tone(t2v: bytes) -> None:
    samples = array("f")
    with av.open(io.BytesIO(t2v)) as container:
        for frame in container.decode(audio=0):
            assert frame.format.name == "fltp"
            samples.frombytes(bytes(frame.planes[0])[: frame.samples * 4])
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    assert 0.01 < rms < 0.3
    assert max(abs(x) for x in samples) < 0.5


def test_no_audio_track_when_audio_is_false() -> None:
    data = render_video(prompt="silent", width=W, height=H, duration_s=1, audio=False)
    assert "audio" not in streams(data)
    assert probe(data).has_audio is False


@pytest.mark.parametrize(("fps", "duration_s"), [(24, 1.3), (30, 0.77), (12, 2.0)])
def test_duration_within_one_frame(fps: int, duration_s: float) -> None:
    data = render_video(prompt="timing", width=160, height=90, duration_s=duration_s, audio=True, fps=fps)
    info = streams(data)
    assert info["decoded_frames"] == round(duration_s * fps)
    assert abs(info["video"]["duration"] - duration_s) <= 1 / fps
    assert abs(info["audio"]["duration"] - duration_s) < 0.1
    assert probe(data).duration_s == pytest.approx(duration_s, abs=1 / fps)


def test_odd_sizes_are_rounded_down_to_even() -> None:
    data = render_video(prompt="odd", width=321, height=181, duration_s=0.5, audio=False)
    assert streams(data)["video"]["size"] == (320, 180)
    assert (probe(data).width, probe(data).height) == (320, 180)


def test_frames_are_seeded_by_the_prompt(t2v: bytes) -> None:
    same = render_video(prompt="a red fox in the snow", width=W, height=H, duration_s=0.5, audio=False)
    other = render_video(prompt="a blue whale at night", width=W, height=H, duration_s=0.5, audio=False)
    assert mean_diff(first_frame_of(t2v), first_frame_of(same)) < 1
    assert mean_diff(first_frame_of(t2v), first_frame_of(other)) > 20


def test_text_to_video_moves(t2v: bytes) -> None:
    decoded = frames(t2v)
    assert mean_diff(decoded[0], decoded[-1]) > 5


# --- image-to-video, last frame, references ----------------------------------------------------


def test_image_to_video_starts_from_the_image(i2v: bytes, card_red: Image.Image) -> None:
    first = first_frame_of(i2v)
    fitted = ImageOps.fit(card_red, (W, H))  # the square card cover-cropped to 16:9
    unrelated = ImageOps.fit(card_image((40, 60, 200)), (W, H))
    assert max(tile_diffs(first, fitted)) < 5  # exactly the image: no caption or thumbnails yet
    assert mean_diff(first, unrelated) > 30
    assert streams(i2v)["decoded_frames"] == 36


def test_image_to_video_moves_away_from_the_image(i2v: bytes, card_red: Image.Image) -> None:
    last = frames(i2v)[-1]
    assert mean_diff(last, ImageOps.fit(card_red, (W, H))) > 4


def test_last_frame_is_where_the_clip_ends(card_red: Image.Image) -> None:
    green = card_image((30, 170, 60), size=(300, 500))
    data = render_video(
        prompt="from red to green",
        width=W,
        height=H,
        duration_s=1.5,
        audio=False,
        first_frame=encode_image(card_red),
        last_frame=encode_image(green, "JPEG"),
    )
    decoded = frames(data)
    assert mean_diff(decoded[0], ImageOps.fit(card_red, (W, H))) < 4
    assert max(tile_diffs(decoded[-1], ImageOps.fit(green, (W, H)))) < 6
    assert mean_diff(decoded[-1], ImageOps.fit(card_red, (W, H))) > 30


def test_reference_images_are_visible() -> None:
    magenta = encode_image(Image.new("RGB", (200, 120), (255, 0, 255)), "WEBP")
    with_refs = render_video(
        prompt="reference", width=W, height=H, duration_s=0.5, audio=False, reference_images=[magenta]
    )
    without = render_video(prompt="reference", width=W, height=H, duration_s=0.5, audio=False)
    assert count_pixels_near(frames(with_refs)[6], (255, 0, 255)) > 500
    assert count_pixels_near(frames(without)[6], (255, 0, 255)) < 50


# --- video-to-video ----------------------------------------------------------------------------


def test_source_video_is_restyled_resized_and_looped(i2v: bytes, t2v: bytes) -> None:
    data = render_video(
        prompt="make it moody",
        width=256,
        height=144,
        duration_s=2.5,  # longer than the 1.5 s source: it must loop
        audio=False,
        source_video=i2v,
    )
    info = streams(data)
    assert info["video"]["size"] == (256, 144)
    assert info["decoded_frames"] == 60
    assert abs(info["video"]["duration"] - 2.5) <= 1 / 24

    derived = first_frame_of(data)
    source = first_frame_of(i2v).resize((256, 144))
    unrelated = first_frame_of(t2v).resize((256, 144))
    # Same structure as the source (compare brightness) ...
    assert mean_diff(derived.convert("L"), source.convert("L")) < mean_diff(
        derived.convert("L"), unrelated.convert("L")
    )
    # ... but visibly re-coloured everywhere, not just under the caption.
    assert min(tile_diffs(derived, source)) > 10

    # At 1.5 s the source has run out and starts again from its first frame.
    decoded = frames(data)
    assert mean_diff(decoded[36], decoded[0]) < 3
    assert mean_diff(decoded[35], decoded[0]) > 6


# --- extension ---------------------------------------------------------------------------------


def test_extend_from_appends_new_seconds(i2v: bytes) -> None:
    data = render_video(prompt="and then", width=W, height=H, duration_s=1, audio=True, extend_from=i2v)
    info = streams(data)
    assert info["decoded_frames"] == 36 + 24
    assert abs(info["video"]["duration"] - 2.5) <= 1 / 24
    assert "audio" in info
    assert probe(data).duration_s == pytest.approx(2.5, abs=1 / 24)

    original, extended = frames(i2v), frames(data)
    assert mean_diff(extended[0], original[0]) < 3
    assert mean_diff(extended[35], original[-1]) < 3
    # The continuation starts where the input stopped (no cut back to something else).
    assert mean_diff(extended[36], original[-1]) < 8


def test_extend_from_resamples_other_frame_rates_and_sizes() -> None:
    source = render_video(prompt="portrait", width=120, height=200, duration_s=1, audio=False, fps=30)
    data = render_video(prompt="more", width=W, height=H, duration_s=0.5, audio=False, extend_from=source)
    info = streams(data)
    assert info["video"]["size"] == (W, H)
    assert info["decoded_frames"] == 24 + 12


# --- argument checking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"width": 8},
        {"fps": 0},
        {"duration_s": 0.01},
        {"duration_s": float("nan")},
        {"first_frame": b"not an image"},
        {"reference_images": [b""]},
        {"source_video": b"not a video"},
        {"source_video": b"x", "extend_from": b"x"},
        {"first_frame": b"x", "extend_from": b"x"},
    ],
)
def test_bad_requests_raise_value_error(overrides: dict) -> None:
    kwargs = {"prompt": "x", "width": 64, "height": 64, "duration_s": 1, "audio": False} | overrides
    with pytest.raises(ValueError):
        render_video(**kwargs)


# --- worker processes ----------------------------------------------------------------------


def test_render_video_works_in_a_process_pool() -> None:
    # The gRPC server renders in a ProcessPoolExecutor: arguments and result must pickle.
    with ProcessPoolExecutor(max_workers=1) as pool:
        data = pool.submit(
            render_video, prompt="in a worker", width=160, height=90, duration_s=0.5, audio=True
        ).result(timeout=60)
    assert streams(data)["decoded_frames"] == 12

"""The emulator's video renderer keeps its promises: a real, decodable H.264/AAC MP4 of the size,
length and sound asked for, whose frames change over time and show the prompt.

Every check decodes the MP4 with PyAV directly. Clips are small (320x180, 1-2 s) to keep the
module to a few seconds.
"""

from __future__ import annotations

import io

import av
import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from grokstudio.emulator.render_video import render_video

W, H = 320, 180


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def streams(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        info = {
            "codec": video.codec_context.name,
            "size": (video.codec_context.width, video.codec_context.height),
            "seconds": float(video.duration * video.time_base),
            "frames": sum(1 for _ in container.decode(video=0)),
        }
        if container.streams.audio:
            audio = container.streams.audio[0]
            seconds = float(audio.duration * audio.time_base)
            info["audio"] = {"codec": audio.codec_context.name, "seconds": seconds}
    return info


def frames(data: bytes) -> list[Image.Image]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0-255."""
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def top_half(image: Image.Image) -> Image.Image:
    """Above the prompt's band, which never covers more than half the picture."""
    return image.crop((0, 0, image.width, image.height // 2))


@pytest.fixture(scope="module")
def t2v() -> bytes:
    return render_video(prompt="a red fox in the snow", width=W, height=H, duration_s=2, audio=True)


def test_it_makes_an_h264_aac_mp4_of_the_size_and_length_asked(t2v: bytes) -> None:
    info = streams(t2v)
    assert (info["codec"], info["size"], info["frames"]) == ("h264", (W, H), 48)
    assert info["seconds"] == pytest.approx(2.0, abs=1 / 24)
    assert info["audio"]["codec"] == "aac"
    assert info["audio"]["seconds"] == pytest.approx(2.0, abs=0.1)


def test_it_puts_the_index_first_so_browsers_play_while_downloading(t2v: bytes) -> None:
    assert t2v[4:8] == b"ftyp"
    assert 0 < t2v.index(b"moov") < t2v.index(b"mdat")


def test_it_has_no_sound_when_audio_is_off() -> None:
    data = render_video(prompt="silent", width=W, height=H, duration_s=1, audio=False)

    assert "audio" not in streams(data)


@pytest.mark.parametrize(("fps", "duration_s"), [(24, 1.3), (30, 0.77), (12, 2.0)])
def test_its_length_is_within_one_frame(fps: int, duration_s: float) -> None:
    data = render_video(prompt="timing", width=160, height=90, duration_s=duration_s, audio=True, fps=fps)

    info = streams(data)
    assert info["frames"] == round(duration_s * fps)
    assert info["seconds"] == pytest.approx(duration_s, abs=1 / fps)
    assert info["audio"]["seconds"] == pytest.approx(duration_s, abs=0.1)


def test_it_rounds_odd_sizes_down_to_even() -> None:
    data = render_video(prompt="odd", width=321, height=181, duration_s=0.5, audio=False)

    assert streams(data)["size"] == (320, 180)


def test_its_frames_change_over_time(t2v: bytes) -> None:
    decoded = frames(t2v)

    assert mean_diff(decoded[0], decoded[12]) > 5
    assert mean_diff(decoded[12], decoded[24]) > 5


def test_it_draws_the_prompt() -> None:
    start = png(Image.new("RGB", (W, H), (40, 90, 200)))
    fox, whale = (
        frames(render_video(prompt=p, width=W, height=H, duration_s=0.1, audio=False, first_frame=start))[0]
        for p in ("a red fox in the snow", "a blue whale at night")
    )

    assert mean_diff(top_half(fox), top_half(whale)) < 1  # the same picture...
    assert mean_diff(fox, whale) > 0.5  # ...with other words on it


def test_a_start_image_is_where_the_clip_starts() -> None:
    card = Image.new("RGB", (400, 400), (200, 40, 40))
    card.paste((255, 255, 255), (60, 120, 180, 280))
    data = render_video(prompt="moving", width=W, height=H, duration_s=1, audio=False, first_frame=png(card))

    first = frames(data)[0]
    assert mean_diff(top_half(first), top_half(ImageOps.fit(card, (W, H)))) < 5


def test_a_source_video_is_where_the_clip_starts(t2v: bytes) -> None:
    data = render_video(prompt="moody", width=W, height=H, duration_s=1, audio=False, source_video=t2v)

    assert mean_diff(top_half(frames(data)[0]), top_half(frames(t2v)[0])) < 5


def test_an_extension_is_the_input_followed_by_the_new_seconds(t2v: bytes) -> None:
    data = render_video(prompt="and then", width=W, height=H, duration_s=1, audio=True, extend_from=t2v)

    info = streams(data)
    assert info["frames"] == 48 + 24
    assert info["seconds"] == pytest.approx(3.0, abs=1 / 24)
    assert info["audio"]["seconds"] == pytest.approx(3.0, abs=0.1)
    original, extended = frames(t2v), frames(data)
    for index in (0, 11, 30, 47):  # each is the input's frame at that time, re-encoded
        assert min(range(48), key=lambda i: mean_diff(original[i], extended[index])) == index
    # The new seconds start from where the input stopped.
    assert mean_diff(top_half(extended[48]), top_half(original[-1])) < 5


def test_an_extension_follows_an_input_of_another_frame_rate() -> None:
    source = render_video(prompt="at 30 fps", width=W, height=H, duration_s=1, audio=False, fps=30)
    data = render_video(prompt="more", width=W, height=H, duration_s=0.5, audio=False, extend_from=source)

    assert streams(data)["frames"] == 24 + 12


@pytest.mark.parametrize("overrides", [{"width": 8}, {"height": 5000}, {"duration_s": 0.01}])
def test_it_refuses_what_it_cannot_render(overrides: dict) -> None:
    kwargs = {"prompt": "x", "width": 64, "height": 64, "duration_s": 1, "audio": False} | overrides
    with pytest.raises(ValueError):
        render_video(**kwargs)

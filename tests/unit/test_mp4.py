"""The MP4 probe the studio and the emulator share: what it reads, what it refuses."""

from __future__ import annotations

import io

import av
import pytest

from grokstudio.emulator.render_video import render_video
from grokstudio.mp4 import ClipRejected, probe
from tests.factories import make_clip, make_image

# The index first, as web encoders (and the emulator) write it: cut short, such a file still opens.
FASTSTART = render_video(prompt="a pond", width=64, height=36, duration_s=2.0, audio=True)


def test_it_reads_shape_length_codec_and_sound():
    clip = probe(FASTSTART)

    assert (clip.container, clip.codec, clip.width, clip.height) == ("MP4", "h264", 64, 36)
    assert clip.duration_s == pytest.approx(2.0, abs=1 / 24)
    assert clip.has_audio is True
    assert (clip.first_frame.width, clip.first_frame.height) == (64, 36)
    assert probe(make_clip()).has_audio is False


@pytest.mark.parametrize(
    ("fmt", "options", "container"),
    [
        ("mp4", {}, "MP4"),
        ("mp4", {"brand": "qt  "}, "MP4"),  # QuickTime's brand first, MP4's listed beside it
        ("ipod", {}, "MP4"),
        ("3gp", {}, "3GPP"),
        ("mov", {}, "QuickTime"),
    ],
    ids=["mp4", "mp4-qt-brand", "m4v", "3gp", "mov"],
)
def test_it_tells_mp4_from_quicktime_and_3gpp_by_brand(fmt, options, container):
    # FFmpeg reads all of these with one demuxer, "mov,mp4,m4a,3gp,3g2,mj2".
    out = io.BytesIO()
    with av.open(out, "w", format=fmt, options=options) as muxer:
        stream = muxer.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(6):
            muxer.mux(stream.encode(av.VideoFrame(64, 48, "yuv420p")))
        muxer.mux(stream.encode(None))

    assert probe(out.getvalue()).container == container


def test_it_names_other_formats_as_ffmpeg_does():
    assert probe(make_clip(fmt="webm", codec="libvpx")).container == "Matroska / WebM"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"hello, world" * 100, "This file is not a video that can be read"),
        (FASTSTART[: len(FASTSTART) // 2], "The video is damaged or incomplete"),
        (FASTSTART[:300], "The video is damaged or incomplete"),
        (make_clip()[:-20], "The video is damaged or incomplete"),  # its index, at the end, cut short
    ],
    ids=["empty", "text", "faststart-cut-in-half", "faststart-header-only", "index-last-cut-short"],
)
def test_it_refuses_what_is_not_a_whole_video(data, message):
    with pytest.raises(ClipRejected, match=message):
        probe(data)


def test_it_refuses_an_mp4_with_only_sound():
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as muxer:
        stream = muxer.add_stream("aac", rate=48_000, layout="mono")
        for index in range(20):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            frame.planes[0].update(bytes(4096))
            frame.sample_rate, frame.pts = 48_000, index * 1024
            muxer.mux(stream.encode(frame))
        muxer.mux(stream.encode(None))

    with pytest.raises(ClipRejected, match="The file has no video in it"):
        probe(out.getvalue())


def test_it_reports_no_length_for_a_still_image_renamed_mp4():
    # A still opens as a one-frame "video"; the studio and the emulator refuse it by its format.
    clip = probe(make_image("PNG"))

    assert (clip.container, clip.duration_s) == ("piped png sequence", 0.0)

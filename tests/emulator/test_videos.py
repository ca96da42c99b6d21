"""Deferred video through the public SDK: start/poll/done, sizes, inputs, extend, errors."""

from __future__ import annotations

import datetime
import re
import time
import urllib.error

import grpc
import pytest
from xai_sdk.proto.v6 import deferred_pb2

from .helpers import data_uri, fetch, mp4_bytes, png_bytes, probe, rpc_error

TICKS_PER_SECOND = 500_000_000
FAST = datetime.timedelta(seconds=0.1)


def generate(client, prompt, model="grok-imagine-video", **kwargs):
    return client.video.generate(prompt, model, interval=FAST, **kwargs)


def download(url: str) -> tuple[bytes, dict]:
    status, content_type, body = fetch(url)
    assert (status, content_type) == (200, "video/mp4")
    return body, probe(body)


def test_text_to_video_defaults(emu, client):
    video = generate(client, "a paper boat on a river")
    assert re.fullmatch(rf"http://127\.0\.0\.1:{emu.http_port}/results/[A-Za-z0-9_-]+\.mp4", video.url)
    assert video.model == "grok-imagine-video"
    assert video.respect_moderation is True
    assert video.duration == 8  # the server's default
    assert video.usage.cost_in_usd_ticks == 8 * TICKS_PER_SECOND
    assert video.cost_usd == pytest.approx(0.40)
    _, info = download(video.url)
    assert info["codec"] == "h264"
    assert (info["width"], info["height"]) == (854, 480)  # 16:9 at 480p
    assert info["duration"] == pytest.approx(8, abs=0.1)
    assert info["audio"] is True


def test_progress_rises_until_done(client):
    start = client.video.start("progress please", "grok-imagine-video", duration=1)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", start.request_id)
    progress = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = client.video.get(start.request_id)
        if answer.status != deferred_pb2.PENDING:
            break
        progress.append(answer.response.progress)
        time.sleep(0.05)
    assert answer.status == deferred_pb2.DONE
    assert answer.response.progress == 100
    assert answer.response.video.url and answer.response.video.respect_moderation
    assert len(progress) >= 3
    assert progress == sorted(progress) and progress[0] < 50 and max(progress) <= 99


@pytest.mark.parametrize(
    ("kwargs", "size", "audio"),
    [
        ({"aspect_ratio": "9:16", "resolution": "720p", "generate_audio": False}, (720, 1280), False),
        ({"aspect_ratio": "1:1"}, (480, 480), True),
        ({"aspect_ratio": "4:3", "generate_audio": False}, (640, 480), False),
        ({"aspect_ratio": "2:3", "generate_audio": False}, (480, 720), False),
    ],
)
def test_size_follows_aspect_resolution_and_audio(client, kwargs, size, audio):
    video = generate(client, f"shapes {kwargs}", duration=1, **kwargs)
    assert video.duration == 1 and video.usage.cost_in_usd_ticks == TICKS_PER_SECOND
    _, info = download(video.url)
    assert (info["width"], info["height"]) == size
    assert info["audio"] is audio
    assert info["duration"] == pytest.approx(1, abs=0.1)


def test_model_alias_and_1080p_on_15(client):
    video = generate(client, "full hd", "grok-imagine-video-1.5-preview", duration=1, resolution="1080p")
    assert video.model == "grok-imagine-video-1.5"
    _, info = download(video.url)
    assert (info["width"], info["height"]) == (1920, 1080)


def test_image_to_video_follows_the_image(client):
    portrait = data_uri(png_bytes((600, 800), (20, 120, 220)))
    video = generate(client, "animate it", duration=1, image_url=portrait, aspect_ratio="16:9")
    _, info = download(video.url)
    assert (info["width"], info["height"]) == (480, 640)
    # An image alone needs no prompt.
    assert client.video.start("", "grok-imagine-video", image_url=portrait, duration=1).request_id


def test_reference_to_video(client):
    refs = [data_uri(png_bytes((64, 64), (255, 0, 0))), data_uri(png_bytes((64, 96), (0, 0, 255)))]
    video = generate(client, "a character walks", duration=2, reference_image_urls=refs)
    _, info = download(video.url)
    assert (info["width"], info["height"]) == (854, 480)
    assert info["duration"] == pytest.approx(2, abs=0.1)


def test_video_to_video_by_file_id_keeps_shape_and_duration(client):
    source = mp4_bytes("libx265", (640, 360), 2.0)  # H.265 input is fine
    uploaded = client.files.upload(source, filename="clip.mp4")
    video = generate(client, "make it rain", video_file_id=uploaded.id, duration=5, aspect_ratio="1:1")
    assert video.duration == 2
    assert video.usage.cost_in_usd_ticks == 2 * TICKS_PER_SECOND
    _, info = download(video.url)
    assert (info["width"], info["height"]) == (640, 360)
    assert info["duration"] == pytest.approx(2, abs=0.1)


def test_video_to_video_is_capped_at_720p(client):
    source = mp4_bytes("libx264", (1920, 1080), 1.0, fps=8)
    video = generate(client, "downscale", video_url=data_uri(source, "video/mp4"))
    _, info = download(video.url)
    assert (info["width"], info["height"]) == (1280, 720)


def test_extend_from_an_emulator_url(client):
    first = generate(client, "a short clip to extend", duration=2, aspect_ratio="4:3")
    extended = client.video.extend(
        "and then it snows", "grok-imagine-video", first.url, duration=2, interval=FAST
    )
    assert extended.duration == 4
    assert extended.usage.cost_in_usd_ticks == 2 * TICKS_PER_SECOND  # only the new seconds
    _, info = download(extended.url)
    assert (info["width"], info["height"]) == (640, 480)
    assert info["duration"] == pytest.approx(4, abs=0.1)


def test_extend_default_duration_by_file_id(client):
    uploaded = client.files.upload(mp4_bytes("libx264", (96, 64), 2.0), filename="tiny.mp4")
    extended = client.video.extend(
        "six more seconds", "grok-imagine-video", video_file_id=uploaded.id, interval=FAST
    )
    assert extended.duration == 8
    _, info = download(extended.url)
    assert (info["width"], info["height"]) == (96, 64)
    assert info["duration"] == pytest.approx(8, abs=0.1)


def test_unknown_request_id_is_not_found(client):
    err = rpc_error(grpc.StatusCode.NOT_FOUND, client.video.get, "00000000-0000-4000-8000-000000000000")
    assert "not found" in err.details()


def test_done_video_expires_after_retention(short_client):
    start = short_client.video.start("gone soon", "grok-imagine-video", duration=1)
    deadline = time.monotonic() + 30
    while (answer := short_client.video.get(start.request_id)).status == deferred_pb2.PENDING:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert answer.status == deferred_pb2.DONE
    time.sleep(1.3)
    assert short_client.video.get(start.request_id).status == deferred_pb2.EXPIRED


def test_video_urls_use_their_own_ttl(short_client):
    """Video URLs follow --video-url-ttl (2 s here), not the images' --url-ttl (1 s here)."""
    image_url = short_client.image.sample("short lived still", "grok-imagine-image").url
    video_url = generate(short_client, "longer lived clip", duration=1).url
    minted = time.monotonic()  # the video URL was minted just before this
    assert fetch(video_url)[0] == 200
    time.sleep(max(0.0, minted + 1.2 - time.monotonic()))
    with pytest.raises(urllib.error.HTTPError) as info:
        fetch(image_url)
    assert info.value.code == 404  # the image URL (minted earlier) is gone...
    assert fetch(video_url)[0] == 200  # ...the video URL is not
    time.sleep(max(0.0, minted + 2.3 - time.monotonic()))
    with pytest.raises(urllib.error.HTTPError) as info:
        fetch(video_url)
    assert info.value.code == 404


IMG = data_uri(png_bytes((32, 32)))


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"model": "grok-imagine-video-2"}, grpc.StatusCode.NOT_FOUND, "does not exist"),
        ({"prompt": ""}, grpc.StatusCode.INVALID_ARGUMENT, "prompt is required"),
        ({"duration": 0}, grpc.StatusCode.INVALID_ARGUMENT, "between 1 and 15"),
        ({"duration": 16}, grpc.StatusCode.INVALID_ARGUMENT, "between 1 and 15"),
        ({"resolution": "1080p"}, grpc.StatusCode.INVALID_ARGUMENT, "1080p is only supported"),
        ({"reference_image_urls": [IMG] * 8}, grpc.StatusCode.INVALID_ARGUMENT, "at most 7"),
        (
            {"reference_image_urls": [IMG], "duration": 11},
            grpc.StatusCode.INVALID_ARGUMENT,
            "at most 10 seconds",
        ),
        (
            {"reference_image_urls": [IMG], "prompt": ""},
            grpc.StatusCode.INVALID_ARGUMENT,
            "reference-to-video",
        ),
        (
            {"reference_image_urls": [IMG], "image_url": IMG},
            grpc.StatusCode.INVALID_ARGUMENT,
            "do not combine",
        ),
        (
            {"model": "grok-imagine-video-1.5", "reference_image_urls": [IMG], "resolution": "1080p"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "not supported for reference-to-video",
        ),
        (
            {"last_frame_url": IMG},
            grpc.StatusCode.INVALID_ARGUMENT,
            "only supported on grok-imagine-video-1.5",
        ),
        (
            {"keyframes": [{"image_url": IMG, "timestamp": 1.0}]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "only supported on grok-imagine-video-1.5",
        ),
        (
            {"reference_audios": [{"voice_id": "ara"}]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "only supported on grok-imagine-video-1.5",
        ),
        (
            {"model": "grok-imagine-video-1.5", "reference_audios": [{"voice_id": "ara"}] * 4},
            grpc.StatusCode.INVALID_ARGUMENT,
            "at most 3",
        ),
        (
            {
                "model": "grok-imagine-video-1.5",
                "duration": 4,
                "keyframes": [{"image_url": IMG, "timestamp": 4.0}],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "strictly between",
        ),
        (
            {
                "model": "grok-imagine-video-1.5",
                "keyframes": [{"image_url": IMG, "timestamp": 1.0}, {"image_url": IMG, "timestamp": 1.2}],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "1/3 s apart",
        ),
        (
            {
                "model": "grok-imagine-video-1.5",
                "keyframes": [{"image_url": IMG, "timestamp": t} for t in (1, 2, 3, 4, 5)],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "at most 4",
        ),
        (
            {"model": "grok-imagine-video-1.5", "reference_audios": [{"voice_id": "gandalf"}]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "unknown voice_id 'gandalf'; preset voices: ara, eve, leo, rex, sal",
        ),
        (
            {
                "model": "grok-imagine-video-1.5",
                "keyframes": [{"image_url": data_uri(b"not a picture"), "timestamp": 1.0}],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "keyframes[0].image: the image could not be decoded",
        ),
        (
            {
                "model": "grok-imagine-video-1.5",
                "video_url": IMG,
                "keyframes": [{"image_url": IMG, "timestamp": 1.0}],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "keyframes do not combine with a video input",
        ),
        ({"image_url": "https://example.com/a.png"}, grpc.StatusCode.INVALID_ARGUMENT, "no internet"),
        ({"video_url": "https://example.com/a.mp4"}, grpc.StatusCode.INVALID_ARGUMENT, "no internet"),
        ({"video_file_id": "file_nope"}, grpc.StatusCode.NOT_FOUND, "not found"),
        (
            {"video_url": data_uri(b"not a video at all", "video/mp4")},
            grpc.StatusCode.INVALID_ARGUMENT,
            "MP4",
        ),
        ({"video_url": IMG, "image_url": IMG}, grpc.StatusCode.INVALID_ARGUMENT, "does not combine"),
    ],
)
def test_generate_validation(client, kwargs, code, message):
    args = {"prompt": "validation", "model": "grok-imagine-video"} | kwargs
    err = rpc_error(code, client.video.start, args.pop("prompt"), args.pop("model"), **args)
    assert message in err.details()


def test_15_only_features_are_accepted_on_15_and_recorded(emu, client):
    emu.clear_calls()
    start = client.video.start(
        "keyframed",
        "grok-imagine-video-1.5",
        duration=2,
        image_url=IMG,
        last_frame_url=IMG,
        keyframes=[{"image_url": IMG, "timestamp": 0.5}, {"image_url": IMG, "timestamp": 1.0}],
        reference_audios=[{"voice_id": "ara"}, {"voice_id": "Leo"}],  # any letter case
    )
    assert start.request_id
    recorded = emu.calls("GenerateVideo")[0]["request"]
    assert [k["timestamp_s"] for k in recorded["keyframes"]] == [0.5, 1.0]
    assert recorded["keyframes"][0]["image"]["image_url"].startswith("data:image/png;base64,")
    assert recorded["reference_audios"] == [{"voice_id": "ara"}, {"voice_id": "Leo"}]
    # On 1.5 an image with references pins the first frame instead of being refused.
    assert client.video.start(
        "pinned", "grok-imagine-video-1.5", image_url=IMG, reference_image_urls=[IMG]
    ).request_id


def test_input_video_mp4_accepted_whatever_its_brand_quicktime_refused(client):
    # The spec takes MP4 with H.264, H.265 or AV1. An MP4 is an MP4 whatever its major brand...
    for options in ({}, {"brand": "qt  "}):
        source = mp4_bytes("libx264", (64, 48), 1.0, options=options)
        video = generate(client, "restyle", video_url=data_uri(source, "video/mp4"))
        _, info = download(video.url)
        assert (info["width"], info["height"]) == (64, 48)
    # ...but a QuickTime .mov is refused, even with H.264 inside.
    mov = data_uri(mp4_bytes("libx264", (64, 48), 1.0, fmt="mov"), "video/quicktime")
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT, client.video.start, "restyle", "grok-imagine-video", video_url=mov
    )
    assert "QuickTime file is not an MP4" in err.details()


def test_input_video_checks(client):
    mpeg4 = data_uri(mp4_bytes("mpeg4", (64, 48), 1.0), "video/mp4")
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT, client.video.start, "codec", "grok-imagine-video", video_url=mpeg4
    )
    assert "mpeg4" in err.details()
    long_clip = data_uri(mp4_bytes("libx264", (32, 32), 9.0, fps=12), "video/mp4")
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.video.start,
        "too long",
        "grok-imagine-video",
        video_url=long_clip,
    )
    assert "8.7" in err.details()
    one_second = data_uri(mp4_bytes("libx264", (32, 32), 1.0, fps=12), "video/mp4")
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT, client.video.extend_start, "short", "grok-imagine-video", one_second
    )
    assert "2 to 30" in err.details()
    two_seconds = data_uri(mp4_bytes("libx264", (32, 32), 2.0, fps=12), "video/mp4")
    for duration in (0, 11):
        err = rpc_error(
            grpc.StatusCode.INVALID_ARGUMENT,
            client.video.extend_start,
            "bad duration",
            "grok-imagine-video",
            two_seconds,
            duration=duration,
        )
        assert "between 1 and 10" in err.details()


def test_storage_options_keep_the_video_as_a_file(client):
    video = generate(
        client, "stored clip", duration=1, storage_options={"filename": "clip.mp4", "expires_after": 7200}
    )
    output = video.file_output
    assert output is not None and output.filename == "clip.mp4" and output.HasField("expires_at")
    assert client.files.content(output.file_id) == download(video.url)[0]

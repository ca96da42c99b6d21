"""Every fault, asked for by a prompt marker and through the control API, seen via the SDK."""

from __future__ import annotations

import datetime
import http.client
import time
import urllib.error
import urllib.request

import grpc
import pytest
import xai_sdk
from xai_sdk.proto.v6 import deferred_pb2
from xai_sdk.video import VideoGenerationError

from grokstudio.emulator.testing import EmulatorError

from .helpers import API_KEY, fetch, rpc_error

FAST = datetime.timedelta(seconds=0.1)
VIDEO_ERROR_CODES = [
    "invalid_argument",
    "permission_denied",
    "failed_precondition",
    "service_unavailable",
    "internal_error",
]


def codes_for(emu, method: str, prompt: str) -> list[str]:
    return [c["code"] for c in emu.calls(method) if c["request"].get("prompt") == prompt]


def wait_final(client, request_id: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while (answer := client.video.get(request_id)).status == deferred_pb2.PENDING:
        assert time.monotonic() < deadline, "video never finished"
        time.sleep(0.05)
    return answer


# --- content faults -----------------------------------------------------------------------------


def test_image_moderation(client):
    responses = client.image.sample_batch("a moderated picture [fault:moderation]", "grok-imagine-image", 2)
    for response in responses:
        assert response.respect_moderation is False
        with pytest.raises(ValueError, match="did not respect moderation"):
            _ = response.url
    based = client.image.sample(
        "moderated base64 [fault:moderation]", "grok-imagine-image", image_format="base64"
    )
    with pytest.raises(ValueError, match="did not respect moderation"):
        _ = based.base64


def test_image_moderation_of_only_the_first_k_images_of_a_batch(client):
    responses = client.image.sample_batch("a beach [fault:moderation:2]", "grok-imagine-image", 3)

    assert [r.respect_moderation for r in responses] == [False, False, True]
    assert responses[2].url.startswith("http")


def test_video_moderation_done_without_url(client):
    video = client.video.generate(
        "[fault:moderation] a moderated clip", "grok-imagine-video", duration=1, interval=FAST
    )
    assert video.respect_moderation is False
    with pytest.raises(ValueError, match="did not respect moderation"):
        _ = video.url


def test_video_moderation_failed_variant(client):
    with pytest.raises(VideoGenerationError) as info:
        client.video.generate(
            "[fault:moderation_failed] blocked", "grok-imagine-video", duration=1, interval=FAST
        )
    assert info.value.code == "invalid_argument"
    assert "moderation" in info.value.message


def test_video_failed_with_each_code(client):
    starts = {
        code: client.video.start(f"[fault:video_failed:{code}] fail", "grok-imagine-video", duration=1)
        for code in VIDEO_ERROR_CODES
    }
    for code, start in starts.items():
        answer = wait_final(client, start.request_id)
        assert answer.status == deferred_pb2.FAILED
        assert answer.response.error.code == code and answer.response.error.message
    # The SDK's generate() turns it into VideoGenerationError; the default code is internal_error.
    with pytest.raises(VideoGenerationError) as info:
        client.video.generate("[fault:video_failed] fail", "grok-imagine-video", duration=1, interval=FAST)
    assert info.value.code == "internal_error"


def test_video_expired(client):
    with pytest.raises(RuntimeError, match="expired"):
        client.video.generate("[fault:expired] too late", "grok-imagine-video", duration=1, interval=FAST)


def test_url_404(client):
    image = client.image.sample("[fault:url_404] broken link", "grok-imagine-image")
    with pytest.raises(urllib.error.HTTPError) as info:
        fetch(image.url)
    assert info.value.code == 404
    video = client.video.generate(
        "[fault:url_404] broken video link", "grok-imagine-video", duration=1, interval=FAST
    )
    with pytest.raises(urllib.error.HTTPError):
        fetch(video.url)


def test_url_truncated(client):
    image = client.image.sample("[fault:url_truncated] half a picture", "grok-imagine-image")
    with urllib.request.urlopen(image.url, timeout=10) as resp:
        promised = int(resp.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as info:
            resp.read()
    assert 0 < len(info.value.partial) < promised
    # The SDK's own download notices too (requests raises on the short body).
    with pytest.raises(Exception, match=r"(?i)incomplete|broken"):
        _ = image.image


def test_url_slow_drips(client):
    image = client.image.sample("[fault:url_slow:16] a slow picture", "grok-imagine-image")
    with urllib.request.urlopen(image.url, timeout=5) as resp:
        promised = int(resp.headers["Content-Length"])
        received, started = 0, time.monotonic()
        while time.monotonic() - started < 1.0:
            received += len(resp.read1(4096))
    assert promised > 1000
    assert 0 < received < 64  # about 16 bytes a second


# --- call faults ----------------------------------------------------------------------------------


def test_unavailable_then_success_is_retried_by_the_sdk(emu, client):
    prompt = "[fault:unavailable:2] flaky but fine"
    assert client.image.sample(prompt, "grok-imagine-image").url
    assert codes_for(emu, "GenerateImage", prompt) == ["UNAVAILABLE", "UNAVAILABLE", "OK"]


def test_unavailable_beyond_sdk_retries(emu, client):
    prompt = "[fault:unavailable:6] very flaky"
    rpc_error(grpc.StatusCode.UNAVAILABLE, client.image.sample, prompt, "grok-imagine-image")
    assert codes_for(emu, "GenerateImage", prompt) == ["UNAVAILABLE"] * 5  # the SDK's 5 attempts
    assert client.image.sample(prompt, "grok-imagine-image").url  # attempt 6 fails, 7 passes
    assert codes_for(emu, "GenerateImage", prompt)[5:] == ["UNAVAILABLE", "OK"]


def test_unavailable_without_count_always_fails(client):
    rpc_error(
        grpc.StatusCode.UNAVAILABLE, client.video.start, "[fault:unavailable] down", "grok-imagine-video"
    )


@pytest.mark.parametrize(
    ("marker", "code"),
    [
        ("rate_limit", grpc.StatusCode.RESOURCE_EXHAUSTED),
        ("invalid_argument", grpc.StatusCode.INVALID_ARGUMENT),
        ("permission_denied", grpc.StatusCode.PERMISSION_DENIED),
        ("not_found", grpc.StatusCode.NOT_FOUND),
        ("internal", grpc.StatusCode.INTERNAL),
    ],
)
def test_error_markers(emu, client, marker, code):
    prompt = f"[fault:{marker}] error marker"
    err = rpc_error(code, client.image.sample, prompt, "grok-imagine-image")
    assert "emulated fault" in err.details()
    assert codes_for(emu, "GenerateImage", prompt)[-1] == code.name
    rpc_error(code, client.video.start, prompt, "grok-imagine-video")


def test_rate_limit_is_not_retried_by_the_sdk(emu, client):
    prompt = "[fault:rate_limit:1] once"
    rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, client.image.sample, prompt, "grok-imagine-image")
    assert codes_for(emu, "GenerateImage", prompt) == ["RESOURCE_EXHAUSTED"]
    assert client.image.sample(prompt, "grok-imagine-image").url


def test_slow_call_hits_the_client_deadline(emu):
    with xai_sdk.Client(api_key=API_KEY, api_host=emu.grpc_target, timeout=0.5) as hurried:
        started = time.monotonic()
        rpc_error(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            hurried.image.sample,
            "[fault:slow:2] slow",
            "grok-imagine-image",
        )
        assert time.monotonic() - started < 1.5
    time.sleep(1.8)  # let the server finish its sleep and record the call
    assert codes_for(emu, "GenerateImage", "[fault:slow:2] slow") == ["DEADLINE_EXCEEDED"]


def test_slow_call_within_the_deadline_succeeds(client):
    started = time.monotonic()
    assert client.image.sample("[fault:slow:0.5] a bit slow", "grok-imagine-image").url
    assert time.monotonic() - started >= 0.5


def test_unknown_marker_is_invalid_argument(client):
    err = rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT, client.image.sample, "[fault:bogus] typo", "grok-imagine-image"
    )
    assert "unknown emulator fault" in err.details()


# --- the control API -----------------------------------------------------------------------------


def test_queued_unavailable_for_generate_image(emu, client):
    emu.add_fault("GenerateImage", "unavailable", times=2)
    prompt = "queued flakiness"
    assert client.image.sample(prompt, "grok-imagine-image").url
    assert codes_for(emu, "GenerateImage", prompt) == ["UNAVAILABLE", "UNAVAILABLE", "OK"]


def test_queued_faults_for_video_polls(emu, client):
    start = client.video.start("queued poll faults", "grok-imagine-video", duration=1)
    emu.add_fault("GetDeferredVideo", "unavailable", times=1)
    assert client.video.get(start.request_id).status in (deferred_pb2.PENDING, deferred_pb2.DONE)
    polls = [
        c["code"] for c in emu.calls("GetDeferredVideo") if c["request"]["request_id"] == start.request_id
    ]
    assert polls == ["UNAVAILABLE", "OK"]
    emu.add_fault("GetDeferredVideo", "expired")
    assert wait_final(client, start.request_id).status == deferred_pb2.EXPIRED


def test_queued_content_faults_for_video_starts(emu, client):
    emu.add_fault("GenerateVideo", "video_failed", arg="failed_precondition")
    with pytest.raises(VideoGenerationError) as info:
        client.video.generate("queued failure", "grok-imagine-video", duration=1, interval=FAST)
    assert info.value.code == "failed_precondition"
    emu.add_fault("GenerateVideo", "moderation")
    assert (
        client.video.generate(
            "queued moderation", "grok-imagine-video", duration=1, interval=FAST
        ).respect_moderation
        is False
    )


def test_queued_fault_for_upload_and_any_method(emu, client):
    emu.add_fault("UploadFile", "permission_denied")
    rpc_error(grpc.StatusCode.PERMISSION_DENIED, client.files.upload, b"data", filename="d.bin")
    assert client.files.upload(b"data", filename="d.bin").id
    emu.add_fault("*", "internal")
    rpc_error(grpc.StatusCode.INTERNAL, client.video.get, "any-id")
    # A content fault queued for "*" waits for a method it means something for.
    emu.add_fault("*", "url_404")
    assert client.files.upload(b"more", filename="e.bin").id
    with pytest.raises(urllib.error.HTTPError):
        fetch(client.image.sample("waited for me", "grok-imagine-image").url)


def test_clear_faults_and_bad_requests(emu, client):
    emu.add_fault("GenerateImage", "internal", times=3)
    emu.clear_faults()
    assert client.image.sample("nothing queued", "grok-imagine-image").url
    with pytest.raises(EmulatorError, match="unknown emulator fault"):
        emu.add_fault("GenerateImage", "nonsense")
    with pytest.raises(EmulatorError, match="code must be one of"):
        emu.add_fault("GenerateVideo", "video_failed", arg="teapot")

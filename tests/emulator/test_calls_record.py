"""The call record at /_emulator/calls: every RPC, rejected ones included, readable."""

from __future__ import annotations

import time

import grpc
import xai_sdk

from .helpers import RPC_TIMEOUT_S, data_uri, png_bytes, rpc_error


def test_every_call_is_recorded_with_its_code(emu, client):
    emu.clear_calls()
    assert emu.calls() == []
    before = time.time()
    reference = data_uri(png_bytes((64, 64)))
    client.image.sample("recorded edit", "grok-imagine-image", image_url=reference)
    rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT, client.image.sample_batch, "recorded", "grok-imagine-image", 0
    )
    rpc_error(grpc.StatusCode.NOT_FOUND, client.video.get, "no-such-id")
    start = client.video.start("recorded video", "grok-imagine-video", duration=1)
    client.files.upload(b"z" * 1000, filename="z.bin")
    with xai_sdk.Client(api_key="wrong", api_host=emu.grpc_target, timeout=RPC_TIMEOUT_S) as bad:
        rpc_error(grpc.StatusCode.UNAUTHENTICATED, bad.video.get, start.request_id)

    calls = emu.calls()
    assert [(c["method"], c["code"]) for c in calls] == [
        ("GenerateImage", "OK"),
        ("GenerateImage", "INVALID_ARGUMENT"),
        ("GetDeferredVideo", "NOT_FOUND"),
        ("GenerateVideo", "OK"),
        ("UploadFile", "OK"),
        ("GetDeferredVideo", "UNAUTHENTICATED"),
    ]
    assert all(before <= c["time"] <= time.time() for c in calls)
    edit = calls[0]
    # Long data: URIs are shortened to a prefix and their length.
    recorded_ref = edit["request"]["image"]["image_url"]
    assert recorded_ref.startswith("data:image/png;base64,") and f"({len(reference)} chars)" in recorded_ref
    assert edit["request"]["prompt"] == "recorded edit" and edit["service"] == "xai_api.Image"
    assert edit["response"]["usage"]["cost_in_usd_ticks"] == "400000000"
    assert calls[1]["request"]["n"] == 0 and "n must be between" in calls[1]["details"]
    assert calls[3]["response"]["request_id"] == start.request_id
    assert calls[3]["request"]["duration"] == 1
    upload = calls[4]["request"]
    assert upload["init"]["name"] == "z.bin" and upload["data_bytes"] == 1000

    assert [c["code"] for c in emu.calls("GetDeferredVideo")] == ["NOT_FOUND", "UNAUTHENTICATED"]
    emu.clear_calls()
    assert emu.calls() == []

"""API keys and the three ways the SDK connects (local credentials, insecure, asyncio)."""

from __future__ import annotations

import asyncio
import datetime

import grpc
import pytest
import xai_sdk
from xai_sdk.proto.v6 import image_pb2, image_pb2_grpc

from .helpers import API_KEY, RPC_TIMEOUT_S, rpc_error


def test_wrong_key_is_unauthenticated_and_recorded(emu):
    with xai_sdk.Client(api_key="not-the-key", api_host=emu.grpc_target, timeout=RPC_TIMEOUT_S) as bad:
        err = rpc_error(grpc.StatusCode.UNAUTHENTICATED, bad.image.sample, "who am i", "grok-imagine-image")
    assert "Incorrect API key" in err.details()
    last = emu.calls("GenerateImage")[-1]
    assert last["code"] == "UNAUTHENTICATED"
    assert last["request"]["prompt"] == "who am i"


def test_missing_key_is_unauthenticated(emu):
    # The SDK refuses an empty key itself, so go under it with a bare stub.
    with grpc.insecure_channel(f"127.0.0.1:{emu.grpc_port}") as channel:
        stub = image_pb2_grpc.ImageStub(channel)
        request = image_pb2.GenerateImageRequest(prompt="no key", model="grok-imagine-image", n=1)
        err = rpc_error(grpc.StatusCode.UNAUTHENTICATED, stub.GenerateImage, request, timeout=10)
        assert "Missing API key" in err.details()
        # A key in the wrong scheme is as good as none.
        rpc_error(
            grpc.StatusCode.UNAUTHENTICATED,
            stub.GenerateImage,
            request,
            timeout=10,
            metadata=[("authorization", API_KEY)],
        )
        # And with the right header the same bare call works.
        response = stub.GenerateImage(request, timeout=10, metadata=[("authorization", f"Bearer {API_KEY}")])
        assert response.images[0].url


def test_localhost_client_uses_local_credentials(client):
    response = client.image.sample("over local credentials", "grok-imagine-image")
    assert response.url.startswith("http://127.0.0.1:")


def test_insecure_channel_client(insecure_client):
    response = insecure_client.image.sample("over an insecure channel", "grok-imagine-image")
    assert response.respect_moderation is True
    start = insecure_client.video.start("insecure video", "grok-imagine-video", duration=1)
    assert insecure_client.video.get(start.request_id).status in (1, 3)  # DONE or PENDING


def test_insecure_channel_upload_has_no_key_so_it_is_rejected(emu, insecure_client):
    """SDK quirk: with use_insecure_channel the auth interceptor has no stream-unary variant,
    so UploadFile goes out without the authorization header. The real API requires a key on
    every call, so the emulator rejects it; the SDK user sees UNAUTHENTICATED."""
    err = rpc_error(grpc.StatusCode.UNAUTHENTICATED, insecure_client.files.upload, b"hello", filename="a.txt")
    assert "Missing API key" in err.details()
    last = emu.calls("UploadFile")[-1]
    assert last["code"] == "UNAUTHENTICATED" and last["api_key"] is None


def test_non_localhost_host_without_insecure_speaks_tls_and_fails(emu):
    # "127.0.0.1:PORT" without use_insecure_channel makes the SDK use TLS, which the emulator
    # does not speak: the studio must use "localhost:PORT" or use_insecure_channel=True.
    with xai_sdk.Client(api_key=API_KEY, api_host=f"127.0.0.1:{emu.grpc_port}", timeout=5) as tls:
        rpc_error(grpc.StatusCode.UNAVAILABLE, tls.image.sample, "tls?", "grok-imagine-image")


@pytest.mark.parametrize("insecure", [False, True], ids=["local-credentials", "insecure"])
def test_async_client(emu, insecure):
    host = f"127.0.0.1:{emu.grpc_port}" if insecure else emu.grpc_target

    async def scenario():
        client = xai_sdk.AsyncClient(
            api_key=API_KEY, api_host=host, use_insecure_channel=insecure, timeout=RPC_TIMEOUT_S
        )
        try:
            images = await client.image.sample_batch("async cats", "grok-imagine-image", 2)
            video = await client.video.generate(
                "async video",
                "grok-imagine-video",
                duration=1,
                interval=datetime.timedelta(seconds=0.2),
            )
            if insecure:
                # Same quirk as the sync client: the aio auth interceptors skip stream-unary.
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await client.files.upload(b"x", filename="x.txt")
                assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
                uploaded = None
            else:
                uploaded = await client.files.upload(b"x", filename="x.txt")
            return images, video, uploaded
        finally:
            await client.close()

    images, video, uploaded = asyncio.run(scenario())
    assert [len(i.url) > 0 for i in images] == [True, True]
    assert video.duration == 1 and video.url.endswith(".mp4")
    assert insecure or uploaded.id.startswith("file_")

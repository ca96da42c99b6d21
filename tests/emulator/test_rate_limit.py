"""--rate-limit: per-key requests per second for image and video starts."""

from __future__ import annotations

import time

import grpc
import xai_sdk

from .helpers import RPC_TIMEOUT_S, rpc_error


def test_image_and_video_rates_per_key(open_emu):
    with (
        xai_sdk.Client(api_key="rl-a", api_host=open_emu.grpc_target, timeout=RPC_TIMEOUT_S) as a,
        xai_sdk.Client(api_key="rl-b", api_host=open_emu.grpc_target, timeout=RPC_TIMEOUT_S) as b,
    ):
        a.image.sample("warm the cache", "grok-imagine-image")
        time.sleep(1.1)
        started = time.monotonic()
        for _ in range(5):
            a.image.sample("warm the cache", "grok-imagine-image")
        err = rpc_error(
            grpc.StatusCode.RESOURCE_EXHAUSTED, a.image.sample, "warm the cache", "grok-imagine-image"
        )
        assert time.monotonic() - started < 1.0, "the test was too slow to hit the window"
        assert "rate limit of 5" in err.details()
        # Another key has its own budget.
        assert b.image.sample("warm the cache", "grok-imagine-image").url

        a.video.start("rate limited video", "grok-imagine-video", duration=1)
        err = rpc_error(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            a.video.start,
            "rate limited video",
            "grok-imagine-video",
            duration=1,
        )
        assert "per second" in err.details()
        time.sleep(1.1)
        again = a.video.start("rate limited video", "grok-imagine-video", duration=1)
        # Polls are not limited.
        for _ in range(10):
            assert a.video.get(again.request_id).status

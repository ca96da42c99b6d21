"""--rate-limit: per-key requests per second for image and video starts."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import xai_sdk

from grokstudio.emulator.testing import EmulatorProcess

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


def test_a_call_counts_when_it_arrives_not_when_a_busy_server_gets_to_it():
    """xAI counts a call at its door: a call that waits there for a free thread of the server
    still counts from when it came, so two calls that came more than a second apart are both
    accepted however close together the server ran them."""
    with (
        EmulatorProcess(
            ["--latency", "0", "--rate-limit", "--image-rps", "1", "--threads", "1"], require_key=False
        ) as emu,
        xai_sdk.Client(api_key="door-a", api_host=emu.grpc_target, timeout=RPC_TIMEOUT_S) as a,
        xai_sdk.Client(api_key="door-b", api_host=emu.grpc_target, timeout=RPC_TIMEOUT_S) as b,
    ):
        for client in (a, b):  # both channels connected, and out of the window, before the clock starts
            client.image.sample("warm", "grok-imagine-image")
        time.sleep(1.1)
        with ThreadPoolExecutor(max_workers=3) as pool:
            # Another key's slow call holds the server's only thread for 3 s.
            busy = pool.submit(b.image.sample, "busy [fault:slow:3]", "grok-imagine-image")
            time.sleep(0.5)
            first = pool.submit(a.image.sample, "first", "grok-imagine-image")  # waits for the thread
            time.sleep(1.6)
            second = pool.submit(a.image.sample, "second", "grok-imagine-image")  # 1.6 s after the first
            for future in (busy, first, second):
                assert future.result().url

        record = emu.calls("GenerateImage")
        assert [call["code"] for call in record] == ["OK"] * 5
        calls = {call["request"]["prompt"]: call for call in record}
        # Each is stamped when it came, not when it ran: the first came while the busy one ran.
        assert calls["first"]["time"] - calls["busy [fault:slow:3]"]["time"] < 2.0
        assert calls["second"]["time"] - calls["first"]["time"] >= 1.0
        assert calls["first"]["duration_s"] > 1.0  # it did wait for the thread

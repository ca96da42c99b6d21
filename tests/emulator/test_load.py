"""Load: one emulator holds 1,000 in-flight videos and answers 100 concurrent polls."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import xai_sdk
from xai_sdk.proto.v6 import deferred_pb2

from grokstudio.emulator.testing import EmulatorProcess

from .helpers import API_KEY, RPC_TIMEOUT_S, fetch, probe

VIDEOS = 1000
POLLERS = 100
LATENCY_S = 6.0


@pytest.fixture(scope="module")
def load_emu():
    with EmulatorProcess(["--latency", str(LATENCY_S)], api_key=API_KEY) as process:
        yield process


def test_thousand_in_flight_and_hundred_concurrent_polls(load_emu):
    with xai_sdk.Client(api_key=API_KEY, api_host=load_emu.grpc_target, timeout=RPC_TIMEOUT_S) as client:
        # Identical parameters, so the render cache encodes the clip once.
        def start(_: int) -> str:
            return client.video.start("load test clip", "grok-imagine-video", duration=1).request_id

        began = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(start, range(VIDEOS)))
        started_in = time.monotonic() - began
        assert len(set(ids)) == VIDEOS
        assert started_in < LATENCY_S, f"starting took {started_in:.1f}s: the videos were not all in flight"

        groups = [ids[i::POLLERS] for i in range(POLLERS)]
        barrier = threading.Barrier(POLLERS)

        def poll_once(group: list[str]) -> list[int]:
            barrier.wait()  # 100 pollers hit the server at the same moment
            return [client.video.get(rid).status for rid in group]

        with ThreadPoolExecutor(POLLERS) as pool:
            first = [s for statuses in pool.map(poll_once, groups) for s in statuses]
        assert len(first) == VIDEOS
        assert set(first) == {deferred_pb2.PENDING}  # all 1,000 in flight at once

        time.sleep(max(0.0, LATENCY_S - (time.monotonic() - began)))

        def poll_until_done(group: list[str]) -> list[str]:
            urls = []
            for rid in group:
                deadline = time.monotonic() + 60
                while (answer := client.video.get(rid)).status == deferred_pb2.PENDING:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
                assert answer.status == deferred_pb2.DONE
                urls.append(answer.response.video.url)
            return urls

        with ThreadPoolExecutor(POLLERS) as pool:
            urls = [u for group_urls in pool.map(poll_until_done, groups) for u in group_urls]
    assert len(set(urls)) == VIDEOS  # each request gets its own URL...
    stats = load_emu.stats()
    assert stats["video_renders"] == 1  # ...to the one cached render
    assert stats["video_cache_hits"] == VIDEOS - 1
    _, content_type, body = fetch(urls[-1])
    assert content_type == "video/mp4" and probe(body)["duration"] == pytest.approx(1, abs=0.1)
    # Nothing failed: every recorded call answered OK.
    assert {c["code"] for c in load_emu.calls()} == {"OK"}
    assert "cache hit" in load_emu.log()

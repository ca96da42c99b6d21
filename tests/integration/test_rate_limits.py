"""One xAI key, several worker processes: the shared limiter keeps the studio under xAI's rates.

The emulator here enforces xAI's per-key rates (`--rate-limit`: 5 image requests
and 1 video start a second) and answers RESOURCE_EXHAUSTED to anything faster.
Two real `manage.py qcluster` processes, four workers each, share one key.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django_q.models import Schedule

from grokstudio.emulator.testing import EmulatorProcess
from grokstudio.studio import services
from grokstudio.studio.generation import ratelimit
from grokstudio.studio.models import Generation, Status
from tests.workers import cluster_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def limited_emulator():
    with EmulatorProcess(api_key="test-key", extra_args=["--rate-limit", "--latency", "1"]) as process:
        yield process


@pytest.fixture
def clusters(limited_emulator, settings, tmp_path):
    settings.XAI_API_KEY = limited_emulator.api_key
    settings.XAI_API_HOST = limited_emulator.grpc_target
    settings.STUDIO_XAI_IMAGE_RPS, settings.STUDIO_XAI_VIDEO_RPS = 5.0, 1.0  # xAI's defaults
    limited_emulator.clear_calls()
    Schedule.objects.all().delete()
    env = cluster_env(settings, STUDIO_WORKERS="4")
    processes = []
    for index in range(2):
        log = (tmp_path / f"qcluster-{index}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=django_settings.BASE_DIR, env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        processes.append(process)
    yield processes
    for process in processes:
        process.terminate()
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_finished(ids: list[int], timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = list(Generation.objects.filter(pk__in=ids).values_list("status", flat=True))
        if all(s in (Status.COMPLETED, Status.FAILED, Status.TIMEOUT, Status.CANCELLED) for s in statuses):
            break
        time.sleep(0.5)
    return {s: statuses.count(s) for s in set(statuses)}


def test_fifty_images_from_two_clusters_never_hit_the_rate_limit(clusters, owner, limited_emulator):
    ids = [
        services.submit_image_generation(
            owner, {"prompt": f"A lighthouse, study {i}", "model": "grok-imagine-image",
                    "aspect_ratio": "1:1", "resolution": "1k", "n": 1, "references": []},
        ).pk
        for i in range(50)
    ]  # fmt: skip

    assert wait_until_finished(ids, timeout=150) == {Status.COMPLETED: 50}
    calls = limited_emulator.calls("GenerateImage")
    assert len(calls) == 50
    assert [c for c in calls if c["code"] != "OK"] == []
    # Two processes, eight workers, one key: never more than five in any second.
    times = sorted(c["time"] for c in calls)
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 5


def test_videos_from_two_clusters_start_at_most_one_a_second(clusters, owner, limited_emulator):
    ids = [
        services.submit_video_generation(
            owner, {"mode": "text", "prompt": f"Waves at night, take {i}", "model": "grok-imagine-video",
                    "duration": 1, "aspect_ratio": "16:9", "resolution": "480p", "audio": False},
        ).pk
        for i in range(6)
    ]  # fmt: skip

    assert wait_until_finished(ids, timeout=90) == {Status.COMPLETED: 6}
    starts = limited_emulator.calls("GenerateVideo")
    assert len(starts) == 6 and [c for c in starts if c["code"] != "OK"] == []
    times = sorted(c["time"] for c in starts)
    assert min(b - a for a, b in itertools.pairwise(times)) > 0.9


def test_slots_are_handed_out_in_order_and_never_twice(db, settings):
    settings.STUDIO_XAI_IMAGE_RPS, settings.STUDIO_XAI_RATE_HEADROOM = 5.0, 1.0

    first = ratelimit.reserve(ratelimit.IMAGE, 3)
    second = ratelimit.reserve(ratelimit.IMAGE, 2)

    waits = first + second
    assert waits == sorted(waits)
    assert all(abs((b - a) - 0.2) < 0.05 for a, b in itertools.pairwise(waits))
    # Only what starts within the horizon is taken.
    assert len(ratelimit.reserve(ratelimit.IMAGE, 50, within_s=0.5)) <= 3

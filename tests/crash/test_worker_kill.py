"""A worker SIGKILLed at the worst moments loses no video, stores none twice, and never pays twice.

Each test runs a real `manage.py qcluster` against the emulator, kills one of its worker
processes, and reads the outcome from the Generation table, the media storage and the
emulator's record of the calls it received.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from grokstudio.studio.generation import pipeline
from grokstudio.studio.models import Asset, Generation, PollerLease, Status
from tests.integration.videos import submit_video

pytestmark = pytest.mark.timeout(90)


def status_of(generation: Generation) -> str:
    generation.refresh_from_db()
    return generation.status


def stored_videos(media_root: Path) -> list[Path]:
    return sorted(media_root.rglob("*.mp4"))


def test_a_poller_killed_mid_render_resumes_and_stores_the_video_once(owner, cluster, xai, media_root):
    generation = submit_video(owner, prompt="a kite over the dunes", duration=1)

    def polling_lease():
        if status_of(generation) != Status.PROCESSING or not generation.request_id:
            return None
        lease = PollerLease.objects.filter(holder__gt="", expires_at__gt=timezone.now()).first()
        return lease

    lease = cluster.wait_for(polling_lease, 15, "a poller holding the lease on a processing video")
    poller_pid = int(lease.holder.split(":")[1])
    cluster.kill(poller_pid)
    assert status_of(generation) == Status.PROCESSING, "the poller must die while xAI is still rendering"

    # The guard replaces the worker; the new one queues a poller that waits out the
    # dead one's lease (15 s) and then finds the video done.
    cluster.wait_for(
        lambda: status_of(generation) not in (Status.PROCESSING, Status.DOWNLOADING),
        45,
        "the video to finish after its poller was killed",
    )
    assert generation.status == Status.COMPLETED, f"{generation.error_code}: {generation.message}"
    assert Asset.objects.filter(generation=generation, role=Asset.Role.OUTPUT).count() == 1
    assert len(stored_videos(media_root)) == 1, stored_videos(media_root)
    assert len(xai.calls("GenerateVideo")) == 1


def test_a_worker_killed_during_the_start_call_is_never_sent_again(owner, cluster, xai, settings):
    # xAI holds the start call for 4 s: the worker dies before the request_id comes back.
    generation = submit_video(owner, prompt="a lantern in the fog [fault:slow:4]", duration=1)

    cluster.wait_for(lambda: status_of(generation) == Status.SUBMITTING, 15, "the row to be claimed")
    calling = cluster.wait_for(
        lambda: cluster.pids_connected_to(xai.grpc_port), 2, "a worker connected to xAI with the start call"
    )
    assert len(calling) == 1, f"several processes talk to xAI: {calling}"
    # The connection comes a moment before the request on it; well within the call's deadline.
    time.sleep(0.5)
    cluster.kill(calling.pop())
    assert status_of(generation) == Status.SUBMITTING, "the worker must die with the call in flight"
    assert not generation.request_id

    cluster.wait_for(
        lambda: xai.calls("GenerateVideo"),
        10,
        "xAI to record the start call (did the worker die before sending it?)",
    )
    # The studio cannot know what xAI did. Once the call's deadline and grace have passed,
    # the sweep settles the row: django-q2 runs it every minute; here it is called directly.
    lost_after = generation.started_at + timedelta(seconds=settings.XAI_TIMEOUT_S) + pipeline.SUBMIT_GRACE
    time.sleep(max(0.0, (lost_after - timezone.now()).total_seconds()) + 0.5)
    assert pipeline.sweep() == 1

    cluster.wait_for(
        lambda: status_of(generation) not in (Status.SUBMITTING, Status.PENDING),
        15,
        "the lost call to be settled",
    )
    assert generation.status == Status.FAILED
    assert generation.error_code == "outcome_unknown"
    assert "not sent again" in generation.message
    assert not generation.outputs.exists()

    # Nothing sends it again, however often the sweep comes back.
    assert pipeline.sweep() == 0
    time.sleep(2)
    assert status_of(generation) == Status.FAILED
    assert len(xai.calls("GenerateVideo")) == 1

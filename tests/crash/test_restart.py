"""A cluster started after one was killed takes over the dead one's work within seconds.

Each worker writes its name (`host:pid:cluster id`) on a row it takes in hand. When a worker
starts, it compares the names on rows in flight with the clusters that report themselves
through django-q2's `Stat` (after letting a killed cluster's last report run out): a
downloading row of a cluster that is gone is let go and nudged at once (a waiting one is
in no worker's hands: the next cluster's poller starts it); a row whose paid
call was in flight is never sent again, and ends as `outcome_unknown` as soon as its worker's
process is seen to be gone, instead of after the call's deadline. With the ORM broker, a
cluster that finds itself alone also has the tasks the dead one had taken from the queue
delivered again at once, instead of after django-q2's `retry` (half an hour).

Without this, such rows waited for the sweep: five minutes, or the call's deadline.
"""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from grokstudio.studio.models import ACTIVE_STATUSES, Generation, PollerLease, Status
from tests import queue
from tests.crash.cluster import wait_for
from tests.integration.test_image_pipeline import submit

pytestmark = pytest.mark.timeout(120)

# Long enough that neither the call's deadline nor the sweep can explain what these tests see.
SLOW_CLUSTER = {"STUDIO_XAI_TIMEOUT_S": "60", "STUDIO_WORKERS": "3"}
# An image is some 35 kB: at this rate its download takes about six seconds.
SLOW_DOWNLOAD = "[fault:url_slow:6000]"
TAKEN_OVER_WITHIN_S = 30


def row(generation: Generation) -> Generation:
    generation.refresh_from_db()
    return generation


def poller_running() -> bool:
    return PollerLease.objects.filter(expires_at__gt=timezone.now()).exists()


def sent_prompts(xai) -> list[str]:
    return [call["request"]["prompt"] for call in xai.calls("GenerateImage")]


def test_a_restarted_cluster_takes_over_the_killed_ones_images_at_once(owner, start_cluster, xai):
    # One image call every 3.3 s, so that the third image is still waiting for its turn.
    first = start_cluster(**SLOW_CLUSTER, STUDIO_XAI_IMAGE_RPS="0.3")
    calling = submit(owner, prompt="a lantern in the fog [fault:slow:12]")
    first.wait_for(lambda: row(calling).status == Status.SUBMITTING, 15, "the first image's call")
    downloading = submit(owner, prompt=f"a heron in the reeds {SLOW_DOWNLOAD}")
    first.wait_for(lambda: row(downloading).status == Status.DOWNLOADING, 15, "the second image's download")
    waiting = submit(owner, prompt="a kite over the dunes")
    # Its turn comes seconds after the second image's call: until shortly before, it waits in
    # the table, in no worker's hands; the poller of the next cluster starts it.
    time.sleep(0.5)
    assert row(waiting).status == Status.PENDING and not row(waiting).worker
    assert row(calling).status == Status.SUBMITTING, "the call must still be in flight"

    first.kill_all()
    killed_at = time.monotonic()
    start_cluster(**SLOW_CLUSTER)

    wait_for(
        lambda: not Generation.objects.filter(status__in=ACTIVE_STATUSES).exists(),
        TAKEN_OVER_WITHIN_S - (time.monotonic() - killed_at),
        "every image to end after the restart",
        explain=lambda: "\n".join(f"{g}: {g.worker} {g.message}" for g in Generation.objects.all()),
    )
    assert row(downloading).status == Status.COMPLETED, row(downloading).message
    assert row(downloading).outputs.count() == 1
    assert row(waiting).status == Status.COMPLETED, row(waiting).message
    assert row(calling).status == Status.FAILED
    assert row(calling).error_code == "outcome_unknown"
    assert not row(calling).outputs.exists()
    # Each prompt reached xAI once: the call in flight when its worker died was not sent again.
    # (The emulator records a call when it answers: the slow one, some seconds from now.)
    wait_for(lambda: len(sent_prompts(xai)) >= 3, 15, "xAI to answer the slow call")
    prompts = sent_prompts(xai)
    assert sorted(prompts) == sorted(g.prompt for g in (calling, downloading, waiting)), prompts


@pytest.mark.skipif(
    not queue.orm_broker(), reason="Redis hands a task out once; a lost one waits for the sweep"
)
def test_tasks_a_killed_cluster_had_taken_from_the_queue_are_delivered_again_at_once(
    owner, start_cluster, xai
):
    first = start_cluster()  # two workers
    busy = []
    for i in range(2):
        # One after the other, so that each download is a task of its own, on a worker of its own.
        busy.append(submit(owner, prompt=f"a slow download {i} {SLOW_DOWNLOAD}"))
        first.wait_for(lambda: row(busy[-1]).status == Status.DOWNLOADING, 15, f"download {i}")
    assert all(row(g).status == Status.DOWNLOADING for g in busy), "both workers downloading"
    # The poller, which sent both calls, stops once nothing waits; its worker takes a download.
    first.wait_for(lambda: not poller_running(), 10, "the poller to stop")
    # Both workers are busy: the poller's task is taken from the queue into the cluster, not yet run.
    queued = [submit(owner, prompt=f"a queued image {i}") for i in range(3)]
    first.wait_for(
        lambda: not OrmQ.objects.filter(lock__lte=timezone.now()).exists(),
        10,
        "the cluster to take the tasks",
    )
    assert all(row(g).status == Status.PENDING and not g.worker for g in queued)

    first.kill_all()
    killed_at = time.monotonic()
    start_cluster()

    wait_for(
        lambda: not Generation.objects.filter(status__in=ACTIVE_STATUSES).exists(),
        TAKEN_OVER_WITHIN_S - (time.monotonic() - killed_at),
        "every image to end after the restart",
        explain=lambda: "\n".join(f"{g}: {g.worker} {g.message}" for g in Generation.objects.all()),
    )
    assert all(row(g).status == Status.COMPLETED for g in busy + queued)
    prompts = sent_prompts(xai)
    assert sorted(prompts) == sorted(g.prompt for g in busy + queued), prompts

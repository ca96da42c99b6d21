"""The only place that puts work on the django-q2 queue.

A task only nudges a row: the Generation table says what is left to do, so
a task that runs twice, late or never is safe (the sweep nudges rows whose
task was lost, and makes sure a poller runs while generations wait or videos are active).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from grokstudio.studio.models import Generation, PollerLease

# The poller's lease (poller.py): it runs out LEASE_TTL after its last renewal.
LEASE = "videos"
LEASE_TTL = timedelta(seconds=15)
# A poller not heard from for this long may be dead: queue another, which
# waits for the lease to run out before it starts.
HEARTBEAT = timedelta(seconds=5)


def nudge(generation_id: int) -> None:
    async_task(
        "grokstudio.studio.generation.tasks.run_generation",
        generation_id,
        task_name=f"generation-{generation_id}",
    )


def nudge_with_commit(generation_id: int) -> None:
    """Nudge a worker about a row being written in the current transaction.

    With the ORM broker the queue lives in the same database, so the task is
    written in the same transaction as the row (both or neither, and one
    write fewer). Another broker only hears of the row once it is committed.
    """
    if settings.Q_CLUSTER.get("orm") == "default":
        nudge(generation_id)
    else:
        transaction.on_commit(lambda: nudge(generation_id))


def release_leases(taken_before: datetime) -> int:
    """Have the ORM broker deliver again now the tasks taken from the queue before
    `taken_before`, by a cluster that is gone; answers how many.

    The broker leases a task it hands out until `retry` seconds later and delivers it
    again only then (half an hour here, as a task may run that long). Only a cluster
    that finds itself alone may call this: whose lease a task is, the queue does not say.
    """
    if not settings.Q_CLUSTER.get("orm"):
        return 0  # Redis hands a task out once: one lost with its cluster waits for the sweep
    now = timezone.now()
    return (
        OrmQ.objects.using(Conf.ORM)
        .filter(key=Conf.CLUSTER_NAME, lock__gt=now, lock__lt=taken_before + timedelta(seconds=Conf.RETRY))
        .update(lock=now)
    )


def nudge_poller() -> None:
    async_task("grokstudio.studio.generation.tasks.poll_videos", task_name="poll-videos")


def nudge_downloads(generation_ids: list[int]) -> None:
    async_task("grokstudio.studio.generation.tasks.run_generations", generation_ids, task_name="downloads")


def poller_lease() -> PollerLease:
    lease, _ = PollerLease.objects.get_or_create(name=LEASE, defaults={"expires_at": timezone.now()})
    return lease


def ensure_running(*, even_if_alive: bool = False) -> bool:
    """Queue a poller when generations wait to be started or videos are at xAI, and no live
    poller is on them.

    At most one poller waits in the queue at a time, however many callers ask.
    `even_if_alive` is for a freshly spawned worker, which cannot tell whether
    the poller it last heard of died with the worker it replaces.
    """
    now = timezone.now()
    lease = poller_lease()
    alive = lease.renewed_at is not None and lease.renewed_at >= now - HEARTBEAT
    if alive and not even_if_alive:
        return False  # the running poller picks up new rows on its next cycle
    if not Generation.objects.poller_work().exists():
        return False
    free_queue = Q(queued_at__isnull=True) | Q(queued_at__lt=now - LEASE_TTL * 2)
    quiet = Q(renewed_at__isnull=True) | Q(renewed_at__lt=now - HEARTBEAT)
    candidates = PollerLease.objects.filter(free_queue, name=LEASE)
    if not even_if_alive:
        candidates = candidates.filter(quiet)
    if candidates.update(queued_at=now) != 1:
        return False
    nudge_poller()
    return True


def ask_for_prompt_help(help_id: int) -> None:
    """Queue the worker's call to Grok for a PromptHelp row already committed (the sweep)."""
    async_task(
        "grokstudio.studio.generation.tasks.run_prompt_help", help_id, task_name=f"prompt-help-{help_id}"
    )


def nudge_prompt_help(help_id: int) -> None:
    """Queue the worker's call to Grok for a PromptHelp row being written now (see nudge_with_commit)."""
    if settings.Q_CLUSTER.get("orm") == "default":
        ask_for_prompt_help(help_id)
    else:
        transaction.on_commit(lambda: ask_for_prompt_help(help_id))

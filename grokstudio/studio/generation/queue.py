"""The only place that puts work on the django-q2 queue.

A task only nudges a row: the Generation table says what is left to do, so
a task that runs twice, late or never is safe (the sweep nudges rows whose
task was lost, and makes sure a video poller runs while videos are active).
"""

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task


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


def nudge_poller() -> None:
    async_task("grokstudio.studio.generation.tasks.poll_videos", task_name="poll-videos")


def nudge_downloads(generation_ids: list[int]) -> None:
    async_task(
        "grokstudio.studio.generation.tasks.run_generations", generation_ids, task_name="download-videos"
    )

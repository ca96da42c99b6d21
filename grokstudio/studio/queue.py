"""The only place that puts work on the django-q2 queue.

A task only nudges a row: the Generation table says what is left to do, so
a task that runs twice, late or never is safe (the sweep nudges lost rows).
"""

from django_q.tasks import async_task


def nudge(generation_id: int) -> None:
    async_task(
        "grokstudio.studio.tasks.run_generation", generation_id, task_name=f"generation-{generation_id}"
    )


def nudge_poller() -> None:
    async_task("grokstudio.studio.tasks.poll_videos", task_name="poll-videos")

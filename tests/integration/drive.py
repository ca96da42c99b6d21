"""Drive generations through the real pipeline in this process, for integration tests.

Images and videos are started by the poller, as in production: `drive` runs the
poller's own loop (`poller.run`) and then the download tasks it queued. The
poller starts generations on threads with their own database connections, so
tests that drive generations need `django_db(transaction=True)`.
"""

from __future__ import annotations

import time

from grokstudio.studio.generation import poller, tasks
from grokstudio.studio.models import Generation, Status
from tests import queue

DOWNLOAD_TASK = "grokstudio.studio.generation.tasks.run_generations"


def drive(generation: Generation, timeout: float = 30) -> Generation:
    """What the workers do: the poller starts the generation (and polls a video until xAI
    is done), then the download task it queued runs. Answers the row at its end."""
    deadline = time.monotonic() + timeout
    generation.refresh_from_db()
    while generation.is_active and time.monotonic() < deadline:
        if generation.status == Status.DOWNLOADING:
            if not run_queued_downloads():
                break  # its download task was lost: the sweep's business, not the poller's
        else:
            poller.run(run_for_s=1)
        generation.refresh_from_db()
    return generation


def run_queued_downloads() -> int:
    """Run the download tasks the poller queued, as a worker would; answers how many ran."""
    downloads = [task for task in queue.queued() if task["func"] == DOWNLOAD_TASK]
    queue.clear()
    for task in downloads:
        tasks.run_generations(*task["args"])
    return len(downloads)

"""Drive video generations through the real pipeline in this process, for integration tests."""

from __future__ import annotations

import time

from grokstudio.studio import services
from grokstudio.studio.generation import poller, tasks
from grokstudio.studio.models import Generation, Status


def submit_video(user, prompt="a paper boat drifting", **data) -> Generation:
    fields = {
        "prompt": prompt, "model": "grok-imagine-video", "mode": "text", "duration": 2,
        "aspect_ratio": "16:9", "resolution": "480p", "audio": True,
    }  # fmt: skip
    fields.update(data)
    return services.submit_video_generation(user, fields)


def drive(generation: Generation, timeout: float = 30) -> Generation:
    """What the workers do: start, poll until xAI is done, download. Answers the row at its end."""
    tasks.run_generation(generation.pk)
    deadline = time.monotonic() + timeout
    generation.refresh_from_db()
    while generation.status == Status.PROCESSING and time.monotonic() < deadline:
        poller.run(run_for_s=1)
        generation.refresh_from_db()
    if generation.status == Status.DOWNLOADING:
        tasks.run_generation(generation.pk)
        generation.refresh_from_db()
    return generation

"""Video generations for integration tests, driven as every generation is (tests/integration/drive.py)."""

from __future__ import annotations

from grokstudio.studio import services
from grokstudio.studio.models import Generation


def submit_video(user, prompt="a paper boat drifting", **data) -> Generation:
    fields = {
        "prompt": prompt, "model": "grok-imagine-video", "mode": "text", "duration": 2,
        "aspect_ratio": "16:9", "resolution": "480p", "audio": True,
    }  # fmt: skip
    fields.update(data)
    return services.submit_video_generation(user, fields)

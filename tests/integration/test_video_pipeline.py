"""Every video mode and fault through the real pipeline, the real xai-sdk and the emulator."""

from __future__ import annotations

import pytest

from grokstudio.studio.models import Status
from tests.integration.videos import drive, submit_video

pytestmark = pytest.mark.django_db


def test_text_to_video_completes_with_a_checked_mp4_and_a_poster(owner, xai):
    generation = drive(submit_video(owner, duration=2))

    assert generation.status == Status.COMPLETED, generation.message
    asset = generation.outputs.get()
    assert asset.kind == "video"
    assert asset.content_type == "video/mp4"
    assert asset.duration_s == pytest.approx(2, abs=0.1)
    assert (asset.width, asset.height) == (854, 480) or asset.width > asset.height
    assert asset.thumbnail.name.endswith(".webp")
    assert generation.cost_usd_ticks > 0
    assert generation.progress == 100
    assert len(xai.calls("GenerateVideo")) == 1

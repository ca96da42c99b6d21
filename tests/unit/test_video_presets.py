"""Extend starts the video form from a gallery clip; a clip it cannot take is said so, never silently."""

from __future__ import annotations

import pytest

from grokstudio.studio import services
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.models import Asset, Generation, Kind, Status
from tests.factories import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_second_video(owner) -> Asset:
    """A finished 1 s video: too short to extend (an extension starts from a 2 to 15 s clip)."""
    generation = Generation.objects.create(
        user=owner, kind=Kind.VIDEO, prompt="a short wave", model="grok-imagine-video",
        status=Status.COMPLETED, params={"mode": "text", "n": 1, "duration": 1, "resolution": "480p"},
    )  # fmt: skip
    clip = check_clip(make_clip(seconds=1.0))
    return services.store_clip(user=owner, role=Asset.Role.OUTPUT, clip=clip, generation=generation, index=0)


def test_extend_is_not_offered_for_a_clip_too_short_to_extend(owner_client, one_second_video):
    page = owner_client.get("/").content.decode()
    assert f"mode=extend&amp;video_asset={one_second_video.pk}" not in page


def test_a_refused_extension_says_why_on_the_page(owner_client, one_second_video):
    response = owner_client.post(
        "/generate/",
        {
            "kind": "video", "mode": "extend", "video_asset": one_second_video.pk, "prompt": "it breaks",
            "model": "grok-imagine-video", "duration": 4, "aspect_ratio": "16:9", "resolution": "480p",
        },
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert Generation.objects.count() == 1  # refused: nothing new
    # The message is attached to the clip upload field, which the preset form does not show.
    assert "an extension starts from 2" in response.content.decode()

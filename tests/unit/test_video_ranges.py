"""/a/<id>/file for a video answers byte ranges, as `<video>` players need.

Safari and iOS play an MP4 only from a server that answers `Range` with 206, and every
browser seeks past what it has buffered through ranges.
"""

from __future__ import annotations

import pytest

from grokstudio.studio import services
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.models import Asset
from tests.factories import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(owner):
    return services.store_clip(
        user=owner, role=Asset.Role.UPLOAD, clip=check_clip(make_clip()), original_name="clip.mp4"
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_says_it_accepts_byte_ranges(owner_client, video):
    response = owner_client.get(f"/a/{video.pk}/file")
    assert response.status_code == 200
    assert response.headers.get("Accept-Ranges") == "bytes"


def test_it_answers_a_byte_range_with_206_and_only_those_bytes(owner_client, video):
    response = owner_client.get(f"/a/{video.pk}/file", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{video.size_bytes}"
    with video.file.open("rb") as f:
        assert body(response) == f.read()[100:200]


def test_it_answers_an_open_ended_range_to_the_end_of_the_file(owner_client, video):
    response = owner_client.get(f"/a/{video.pk}/file", HTTP_RANGE="bytes=1000-")
    assert response.status_code == 206
    assert len(body(response)) == video.size_bytes - 1000


def test_other_user_gets_404_with_a_range_too(stranger_client, video):
    response = stranger_client.get(f"/a/{video.pk}/file", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 404

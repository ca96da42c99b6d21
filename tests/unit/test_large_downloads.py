"""Downloads at scale: a 200 MB file streams with flat memory, or nginx sends it (X-Accel-Redirect)."""

from __future__ import annotations

import tracemalloc

import pytest

from grokstudio.studio.models import Asset, Generation, Kind, Status

pytestmark = pytest.mark.django_db

SIZE = 200 * 1024 * 1024


@pytest.fixture
def big_clip(owner, media_root):
    """A 200 MB file in storage behind an owner's asset (its bytes need not decode: nothing here does)."""
    generation = Generation.objects.create(
        user=owner, kind=Kind.VIDEO, prompt="A very long take", model="grok-imagine-video",
        status=Status.COMPLETED, params={"n": 1, "mode": "text", "duration": 15},
    )  # fmt: skip
    name = f"output/{owner.pk}/big.mp4"
    path = media_root / name
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        f.truncate(SIZE)  # a sparse file: 200 MB to read, no time to write
    return Asset.objects.create(
        user=owner, generation=generation, role=Asset.Role.OUTPUT, kind=Kind.VIDEO, file=name,
        content_type="video/mp4", size_bytes=SIZE, width=1920, height=1080, duration_s=15,
    )  # fmt: skip


def peak_while_reading(response) -> tuple[int, int]:
    """(bytes received, peak Python memory allocated meanwhile)."""
    tracemalloc.start()
    try:
        received = sum(len(chunk) for chunk in response.streaming_content)
        return received, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        response.close()


def test_a_200_mb_download_streams_without_holding_the_file(owner_client, big_clip):
    response = owner_client.get(f"/a/{big_clip.pk}/download")

    assert response.status_code == 200 and response["Content-Length"] == str(SIZE)
    received, peak = peak_while_reading(response)
    assert received == SIZE
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while sending {SIZE / 1e6:.0f} MB"


def test_a_range_of_150_mb_streams_without_holding_it(owner_client, big_clip):
    response = owner_client.get(f"/a/{big_clip.pk}/file", headers={"Range": "bytes=50000000-"})

    assert response.status_code == 206
    received, peak = peak_while_reading(response)
    assert received == SIZE - 50_000_000
    assert peak < 8 * 1024 * 1024


def test_with_accel_on_the_owner_check_is_all_python_does(owner_client, big_clip, settings):
    settings.STUDIO_ACCEL_REDIRECT_PREFIX = "/protected-media/"

    response = owner_client.get(f"/a/{big_clip.pk}/download")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{big_clip.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Type"] == "video/mp4"


def test_with_accel_on_another_user_still_gets_404(stranger_client, big_clip, settings):
    settings.STUDIO_ACCEL_REDIRECT_PREFIX = "/protected-media/"

    response = stranger_client.get(f"/a/{big_clip.pk}/download")

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_accel_paths_are_url_quoted(owner_client, big_clip, settings, media_root):
    settings.STUDIO_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    (media_root / big_clip.file.name).rename(media_root / f"output/{big_clip.user_id}/big clip#1.mp4")
    Asset.objects.filter(pk=big_clip.pk).update(file=f"output/{big_clip.user_id}/big clip#1.mp4")

    response = owner_client.get(f"/a/{big_clip.pk}/file")

    assert response["X-Accel-Redirect"] == f"/protected-media/output/{big_clip.user_id}/big%20clip%231.mp4"

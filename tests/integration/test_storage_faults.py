"""A result the storage cannot keep: the generation fails as `storage_unavailable` with what xAI
charged, and "Retry download" fetches it again while xAI's link lasts. Through the real
pipeline and the emulator; the fault is a disk that fills up (tests/storage.py)."""

from __future__ import annotations

import pytest

from grokstudio.studio import services
from grokstudio.studio.generation import tasks
from grokstudio.studio.models import Asset, Generation, Status
from tests.integration.drive import drive

# The poller starts generations on its own threads, with their own connections: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def submit(user, n: int = 1) -> Generation:
    data = {"prompt": "a lighthouse at dusk", "model": "grok-imagine-image", "aspect_ratio": "1:1",
            "resolution": "1k", "n": n, "references": [], "reference_assets": []}  # fmt: skip
    return services.submit_image_generation(user, data)


def files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()]


def test_a_result_the_storage_refuses_fails_keeping_its_cost(owner, xai, full_disk, media_root):
    generation = submit(owner)
    full_disk.writes_left = 0

    generation = drive(generation)

    assert (generation.status, generation.error_code) == (Status.FAILED, "storage_unavailable")
    assert generation.cost_usd_ticks and generation.cost_usd > 0
    assert f"xAI charged ${generation.cost_usd:.4f} for it" in generation.message
    assert "Retry download" in generation.message
    assert generation.result_urls and generation.can_retry_download
    assert not Asset.objects.exists() and files(media_root) == []


def test_retry_download_stores_the_result_once_the_storage_is_back(
    owner, owner_client, xai, full_disk, media_root
):
    generation = submit(owner, n=2)
    full_disk.writes_left = 2  # the first image and its thumbnail fit, then the disk is full
    generation = drive(generation)
    assert generation.status == Status.FAILED and generation.outputs.count() == 1
    cost = generation.cost_usd_ticks

    full_disk.writes_left = None
    assert owner_client.post(f"/g/{generation.pk}/retry-download").status_code == 302
    tasks.run_generation(generation.pk)  # what the nudged worker does

    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED and generation.cost_usd_ticks == cost
    assert sorted(generation.outputs.values_list("index", flat=True)) == [0, 1]
    assert len(xai.calls("GenerateImage")) == 1  # fetched again, never generated again
    assert len(files(media_root)) == 4  # two images, two thumbnails


def test_a_retry_after_xais_link_expired_fails_again_and_says_so(owner, owner_client, xai, full_disk):
    generation = submit(owner)
    full_disk.writes_left = 0
    drive(generation)
    full_disk.writes_left = None
    # The emulator answers an expired link as it answers one it never made: 404.
    expired = [f"{xai.http_base}/results/expired0000.png"]
    Generation.objects.filter(pk=generation.pk).update(result_urls=expired)

    owner_client.post(f"/g/{generation.pk}/retry-download")
    tasks.run_generation(generation.pk)

    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == (Status.FAILED, "result_gone")
    assert generation.message.startswith("xAI's link to the result has expired")
    assert generation.cost_usd_ticks and not generation.can_retry_download

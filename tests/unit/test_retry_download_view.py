"""POST /g/<id>/retry-download: a result the storage could not keep is fetched again."""

from __future__ import annotations

import pytest

from grokstudio.studio import services
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.models import Asset, Generation, Status
from tests import queue
from tests.factories import make_clip, make_generation

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def not_stored(owner):
    return make_generation(
        owner, status=Status.FAILED, error_code="storage_unavailable", cost_usd_ticks=2 * 10**8,
        message="The result could not be stored", result_urls=["http://xai.example/r/1.png"],
    )  # fmt: skip


def url(generation) -> str:
    return f"/g/{generation.pk}/retry-download"


def test_it_moves_the_generation_back_to_downloading_and_queues_it(
    owner_client, not_stored, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url(not_stored), headers=HTMX)

    assert response.status_code == 200
    not_stored.refresh_from_db()
    assert (not_stored.status, not_stored.error_code, not_stored.message) == (Status.DOWNLOADING, "", "")
    assert not_stored.finished_at is None and not_stored.cost_usd_ticks == 2 * 10**8
    assert not_stored.result_urls == ["http://xai.example/r/1.png"]
    assert [task["args"] for task in queue.queued()] == [(not_stored.pk,)]
    assert 'data-status="downloading"' in response.text


def test_a_plain_post_goes_back_to_where_the_person_was(owner_client, not_stored):
    response = owner_client.post(url(not_stored), {"next": f"/g/{not_stored.pk}/"})

    assert response.status_code == 302 and response.url == f"/g/{not_stored.pk}/"


def test_it_is_404_for_another_user_and_changes_nothing(stranger_client, not_stored):
    assert stranger_client.post(url(not_stored)).status_code == 404

    not_stored.refresh_from_db()
    assert not_stored.status == Status.FAILED and not_stored.error_code == "storage_unavailable"


def test_it_refuses_get(owner_client, not_stored):
    assert owner_client.get(url(not_stored)).status_code == 405


@pytest.mark.parametrize(
    ("status", "code"),
    [(Status.FAILED, "moderated"), (Status.COMPLETED, ""), (Status.CANCELLED, "cancelled")],
)
def test_it_leaves_alone_a_generation_that_did_not_fail_to_store(owner_client, owner, status, code):
    generation = make_generation(owner, status=status, error_code=code)

    owner_client.post(url(generation), headers=HTMX)

    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == (status, code)
    assert queue.queued() == []


def test_the_button_shows_only_on_a_card_whose_result_was_not_stored(owner_client, owner, not_stored):
    other = make_generation(owner, status=Status.FAILED, error_code="moderated")

    page = owner_client.get("/").text

    assert f'action="{url(not_stored)}"' in page and "Retry download" in page
    assert url(other) not in page


def test_a_video_upload_the_storage_cannot_keep_leaves_nothing(owner, full_disk, media_root):
    full_disk.writes_left = 1  # the clip is written, its poster is not
    clip = check_clip(make_clip(), "a.mp4")
    data = {"mode": "video", "prompt": "Make it rain", "model": "grok-imagine-video", "duration": None,
            "aspect_ratio": "", "resolution": "", "audio": True, "video": clip}  # fmt: skip

    with pytest.raises(services.StorageUnavailable):
        services.submit_video_generation(owner, data)

    assert not Generation.objects.exists() and not Asset.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []

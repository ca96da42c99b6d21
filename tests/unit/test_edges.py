"""Edges: money that reached xAI, absurd ids, empty generations, unsafe `next`, the sweep."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from grokstudio.studio import budgets, selectors
from grokstudio.studio.generation import pipeline
from grokstudio.studio.models import Generation, Kind, Status
from tests import queue
from tests.factories import make_generation

pytestmark = pytest.mark.django_db


def test_a_cancelled_video_that_reached_xai_still_counts_at_its_estimate(owner, settings):
    settings.STUDIO_MONTHLY_BUDGET_USD = 5.0
    video = make_generation(owner, kind=Kind.VIDEO, status=Status.PROCESSING, model="grok-imagine-video",
                            params={"mode": "text", "n": 1, "duration": 8}, request_id="req-1")  # fmt: skip
    assert budgets.spent_usd(owner) == Decimal("0.40")

    video.cancel()

    assert budgets.spent_usd(owner) == Decimal("0.40")


def test_a_generation_refused_before_reaching_xai_costs_nothing(owner):
    make_generation(owner, status=Status.FAILED, error_code="invalid_argument")

    assert budgets.spent_usd(owner) == 0


def test_an_absurd_gallery_id_is_not_in_your_gallery_rather_than_an_error(owner_client):
    response = owner_client.post(
        "/generate/",
        {"prompt": "x", "model": "grok-imagine-image", "aspect_ratio": "1:1", "resolution": "1k", "n": "1",
         "reference_assets": "99999999999999999999"},
        headers={"HX-Request": "true"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "That image is not in your gallery." in response.text
    assert not Generation.objects.exists()


def test_the_lightbox_walks_past_a_generation_with_nothing_to_show(owner):
    now = timezone.now()
    newest = make_generation(owner, prompt="newest", created_at=now)
    make_generation(owner, prompt="all moderated", created_at=now - timedelta(minutes=1), outputs=0)
    oldest = make_generation(owner, prompt="oldest", created_at=now - timedelta(minutes=2))

    _, following = selectors.neighbours(owner, newest.outputs.get(), selectors.GalleryFilters())

    assert following == oldest.outputs.get()


def test_the_bulk_delete_confirmation_never_links_to_a_script(owner_client, owner):
    done = make_generation(owner)

    page = owner_client.post("/bulk/", {"action": "delete", "ids": [done.pk], "next": "javascript:alert(1)"})

    assert "javascript:" not in page.text
    assert 'href="/"' in page.text


def test_the_sweep_leaves_alone_a_pending_image_a_worker_holds_for_its_slot(
    owner, django_capture_on_commit_callbacks
):
    held = make_generation(owner, status=Status.PENDING, outputs=0)
    lost = make_generation(owner, status=Status.PENDING, outputs=0)
    old = timezone.now() - timedelta(minutes=10)
    Generation.objects.filter(pk=held.pk).update(
        updated_at=old, next_poll_at=timezone.now() + timedelta(minutes=1)
    )
    Generation.objects.filter(pk=lost.pk).update(updated_at=old, next_poll_at=None)
    queue.clear()

    pipeline.sweep()

    nudged = [task["args"] for task in queue.queued() if task["func"].endswith("run_generation")]
    assert nudged == [(lost.pk,)]

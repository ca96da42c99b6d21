"""GET /a/<id>/: one item in full, with the gallery's previous and next items beside it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Generation, Status
from tests.factories import make_generation, make_image


def url(asset_id: int, query: str = "") -> str:
    return f"/a/{asset_id}/" + (f"?{query}" if query else "")


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" class="button small" href="([^"]+)"', response.text)
    return match.group(1).replace("&amp;", "&") if match else None


def linked_id(response, rel: str) -> int | None:
    href = link(response, rel)
    return int(re.match(r"/a/(\d+)/", href).group(1)) if href else None


def walk(client, start: int, rel: str, query: str = "") -> list[int]:
    """The items met from `start` by following one arrow to its end."""
    seen = [start]
    response = client.get(url(start, query))
    while (href := link(response, rel)) is not None:
        assert len(seen) < 50, "the arrows go round in circles"
        response = client.get(href)
        seen.append(int(re.match(r"/a/(\d+)/", href).group(1)))
    return seen


def items(*generations: Generation) -> list[int]:
    """Gallery order: generations newest first, each one's outputs by index."""
    ordered = sorted(generations, key=lambda g: (g.created_at, g.pk), reverse=True)
    return [a.pk for g in ordered for a in g.outputs.order_by("index")]


@pytest.fixture
def gallery(owner, stranger) -> dict[str, Generation]:
    now = timezone.now()
    rows = {
        "a": make_generation(owner, prompt="Newest", created_at=now),
        "failed": make_generation(owner, status=Status.FAILED, created_at=now - timedelta(minutes=1)),
        "busy": make_generation(owner, status=Status.PROCESSING, created_at=now - timedelta(minutes=2)),
        "b": make_generation(
            owner, prompt="Three", outputs=3, favorite=True, created_at=now - timedelta(minutes=3)
        ),
        # Made at the same instant as "b": the order falls back on the id.
        "c": make_generation(owner, prompt="Plain", created_at=now - timedelta(minutes=3)),
        "d": make_generation(
            owner, prompt="Oldest", outputs=2, favorite=True, created_at=now - timedelta(hours=1)
        ),
    }
    # Someone else's work, in between in time: never a neighbour.
    for minutes in (0, 2, 3, 30):
        make_generation(stranger, favorite=True, created_at=now - timedelta(minutes=minutes, seconds=1))
    return rows


def test_it_shows_the_item_in_full_with_its_facts(owner_client, owner):
    generation = make_generation(
        owner, prompt="A red fox at dawn", model="grok-imagine-image-2.0", outputs=2,
        cost_usd_ticks=400_000_000, params={"aspect_ratio": "3:2", "resolution": "2k", "n": 2},
    )  # fmt: skip
    asset = generation.outputs.order_by("index").last()

    response = owner_client.get(url(asset.pk))

    assert response.status_code == 200
    assert "<html" in response.text
    assert f'<img src="/a/{asset.pk}/file"' in response.text
    assert '<p class="prompt-full" id="prompt-' in response.text
    assert "A red fox at dawn" in response.text
    assert "<dd>grok-imagine-image-2.0</dd>" in response.text
    assert "<dd>2 images, 3:2, 2k</dd>" in response.text
    assert "<dd>$0.0400</dd>" in response.text
    assert ">Copy prompt</button>" in response.text
    assert f'href="/a/{asset.pk}/download"' in response.text
    assert f'href="/?reference_asset={asset.pk}"' in response.text


def test_htmx_into_the_lightbox_answers_only_the_viewer(owner_client, gallery):
    asset = gallery["b"].outputs.order_by("index")[1]

    response = owner_client.get(url(asset.pk), headers={"HX-Request": "true", "HX-Target": "lightbox-body"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'class="topbar"' not in response.text
    assert response.text.lstrip().startswith(f'<article class="viewer" data-asset="{asset.pk}">')
    assert linked_id(response, "prev") is not None
    assert linked_id(response, "next") is not None


def test_next_follows_the_gallery_newest_first_and_each_generation_in_order(owner_client, gallery):
    expected = items(*gallery.values())
    assert len(expected) == 7

    assert walk(owner_client, expected[0], "next") == expected


def test_previous_walks_the_same_way_back(owner_client, gallery):
    expected = items(*gallery.values())

    assert walk(owner_client, expected[-1], "prev") == list(reversed(expected))


def test_the_first_item_has_no_previous_and_the_last_no_next(owner_client, gallery):
    expected = items(*gallery.values())

    first = owner_client.get(url(expected[0]))
    last = owner_client.get(url(expected[-1]))

    assert link(first, "prev") is None
    assert re.search(r'<span class="button small" aria-disabled="true">\W*Previous</span>', first.text)
    assert linked_id(first, "next") == expected[1]
    assert link(last, "next") is None
    assert re.search(r'<span class="button small" aria-disabled="true">Next\W*</span>', last.text)
    assert linked_id(last, "prev") == expected[-2]


def test_the_arrows_keep_the_filters_and_skip_what_they_leave_out(owner_client, gallery):
    expected = items(gallery["b"], gallery["d"])

    forward = walk(owner_client, expected[0], "next", "fav=1")

    assert forward == expected
    assert walk(owner_client, expected[-1], "prev", "fav=1") == list(reversed(expected))
    response = owner_client.get(url(expected[1], "fav=1"))
    assert link(response, "next") == f"/a/{expected[2]}/?fav=1"
    assert link(response, "prev") == f"/a/{expected[0]}/?fav=1"
    assert 'href="/?fav=1" data-close' in response.text


def test_the_arrows_follow_oldest_first_when_the_gallery_does(owner_client, gallery):
    # Generations oldest first; within one, its images still in index order.
    expected = [
        a.pk
        for g in sorted(gallery.values(), key=lambda g: (g.created_at, g.pk))
        for a in g.outputs.order_by("index")
    ]

    assert walk(owner_client, expected[0], "next", "sort=oldest") == expected
    assert walk(owner_client, expected[-1], "prev", "sort=oldest") == list(reversed(expected))


def test_the_arrows_keep_to_a_search(owner_client, gallery):
    assert walk(owner_client, gallery["b"].outputs.order_by("index")[0].pk, "next", "q=three") == items(
        gallery["b"]
    )


def test_an_uploaded_image_has_no_neighbours(owner_client, owner, gallery):
    upload = services.store_image(
        user=owner, role=Asset.Role.UPLOAD, image=check_reference(make_image()), original_name="cat.png"
    )

    response = owner_client.get(url(upload.pk))

    assert response.status_code == 200
    assert "An uploaded image: cat.png" in response.text
    assert link(response, "prev") is None
    assert link(response, "next") is None


def test_another_users_item_is_not_found(stranger_client, gallery):
    assert stranger_client.get(url(gallery["a"].outputs.get().pk)).status_code == 404

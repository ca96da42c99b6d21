"""POST /g/<id>/cancel: stop waiting for one's own pending or processing generation."""

from __future__ import annotations

import pytest

from grokstudio.studio.models import Generation, Kind, Status


def make_video(user, status: str = Status.PROCESSING, **fields) -> Generation:
    return Generation.objects.create(
        user=user, kind=Kind.VIDEO, prompt="A paper boat", model="grok-imagine-video", status=status,
        params={"mode": "text", "n": 1, "duration": 2, "aspect_ratio": "16:9", "resolution": "480p"},
        **fields,
    )  # fmt: skip


def url(generation: Generation) -> str:
    return f"/g/{generation.pk}/cancel"


def status_of(generation: Generation) -> str:
    generation.refresh_from_db()
    return generation.status


def test_it_requires_login(client, owner):
    generation = make_video(owner)

    response = client.post(url(generation))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert status_of(generation) == Status.PROCESSING


def test_it_refuses_get(owner_client, owner):
    generation = make_video(owner)

    assert owner_client.get(url(generation)).status_code == 405
    assert status_of(generation) == Status.PROCESSING


@pytest.mark.parametrize("status", [Status.PENDING, Status.PROCESSING])
def test_it_cancels_and_answers_htmx_with_the_card(owner_client, owner, status):
    generation = make_video(owner, status)

    response = owner_client.post(url(generation), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text  # only the card, swapped in place
    assert f'<article id="gen-{generation.pk}"' in response.text
    assert 'data-status="cancelled"' in response.text
    assert "Cancelled." in response.text
    assert ">Cancel</button>" not in response.text
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == (Status.CANCELLED, "cancelled")
    assert generation.finished_at is not None


def test_it_redirects_a_plain_post_to_the_gallery(owner_client, owner):
    generation = make_video(owner, Status.PENDING)

    response = owner_client.post(url(generation))

    assert response.status_code == 302
    assert response.url == "/"
    assert status_of(generation) == Status.CANCELLED


def test_another_users_generation_is_not_found_and_untouched(stranger_client, owner):
    generation = make_video(owner)

    response = stranger_client.post(url(generation), headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert status_of(generation) == Status.PROCESSING


def test_an_unknown_generation_is_not_found(owner_client, db):
    assert owner_client.post("/g/999999/cancel").status_code == 404


@pytest.mark.parametrize(
    "status",
    [
        Status.SUBMITTING,
        Status.DOWNLOADING,
        Status.COMPLETED,
        Status.FAILED,
        Status.TIMEOUT,
        Status.CANCELLED,
    ],
)
def test_a_generation_past_waiting_keeps_its_state(owner_client, owner, status):
    generation = make_video(owner, status, message="As it was.", error_code="")

    response = owner_client.post(url(generation), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert f'data-status="{status}"' in response.text
    generation.refresh_from_db()
    assert (generation.status, generation.message) == (status, "As it was.")


def test_only_waiting_cards_offer_cancel(owner_client, owner):
    waiting = [make_video(owner, Status.PENDING), make_video(owner, Status.PROCESSING)]
    finished = [make_video(owner, Status.COMPLETED), make_video(owner, Status.FAILED)]

    text = owner_client.get("/").text

    for generation in waiting:
        assert f'action="/g/{generation.pk}/cancel"' in text
    for generation in finished:
        assert f'action="/g/{generation.pk}/cancel"' not in text

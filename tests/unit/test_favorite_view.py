"""POST /g/<id>/favorite: star (value=1) or unstar (value=0) one's own generation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from grokstudio.studio.models import Generation
from tests.factories import make_generation


def url(generation: Generation) -> str:
    return f"/g/{generation.pk}/favorite"


def is_favorite(generation: Generation) -> bool:
    generation.refresh_from_db()
    return generation.favorite


def test_it_requires_login(client, owner):
    generation = make_generation(owner)

    response = client.post(url(generation), {"value": "1"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not is_favorite(generation)


def test_it_refuses_get(owner_client, owner):
    generation = make_generation(owner)

    assert owner_client.get(url(generation), {"value": "1"}).status_code == 405
    assert not is_favorite(generation)


def test_it_stars_and_goes_back_to_the_gallery(owner_client, owner):
    generation = make_generation(owner)

    response = owner_client.post(url(generation), {"value": "1"})

    assert response.status_code == 302
    assert response.url == "/"
    assert is_favorite(generation)


def test_it_unstars(owner_client, owner):
    generation = make_generation(owner, favorite=True)

    owner_client.post(url(generation), {"value": "0"})

    assert not is_favorite(generation)


@pytest.mark.parametrize("value", ["1", "0"])
def test_sending_the_same_value_twice_lands_where_meant(owner_client, owner, value):
    generation = make_generation(owner, favorite=value == "0")

    owner_client.post(url(generation), {"value": value})
    owner_client.post(url(generation), {"value": value})

    assert is_favorite(generation) is (value == "1")


def test_it_moves_updated_at_so_open_galleries_redraw_the_star(owner_client, owner):
    generation = make_generation(owner)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Generation.objects.filter(pk=generation.pk).update(updated_at=an_hour_ago)

    owner_client.post(url(generation), {"value": "1"})

    generation.refresh_from_db()
    assert generation.updated_at > an_hour_ago + timedelta(minutes=59)


def test_htmx_on_the_card_answers_the_card_pressed(owner_client, owner):
    generation = make_generation(owner)

    response = owner_client.post(
        url(generation), {"value": "1"}, headers={"HX-Request": "true", "HX-Target": f"gen-{generation.pk}"}
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    card = re.search(rf'<article id="gen-{generation.pk}"[^>]*>', response.text).group(0)
    assert "is-favorite" in card
    assert 'aria-pressed="true"' in response.text
    # The next press unstars.
    assert 'name="value" value="0"' in response.text
    assert is_favorite(generation)


def test_htmx_on_the_card_answers_the_card_unpressed_after_unstarring(owner_client, owner):
    generation = make_generation(owner, favorite=True)

    response = owner_client.post(
        url(generation), {"value": "0"}, headers={"HX-Request": "true", "HX-Target": f"gen-{generation.pk}"}
    )

    assert 'aria-pressed="false"' in response.text
    assert 'name="value" value="1"' in response.text
    assert not is_favorite(generation)


def test_htmx_from_elsewhere_refreshes_the_page(owner_client, owner):
    generation = make_generation(owner)

    response = owner_client.post(url(generation), {"value": "1"}, headers={"HX-Request": "true"})

    assert response.headers["HX-Refresh"] == "true"
    assert is_favorite(generation)


def test_a_plain_post_goes_back_to_the_page_it_came_from(owner_client, owner):
    generation = make_generation(owner)

    response = owner_client.post(url(generation), {"value": "1", "next": f"/g/{generation.pk}/"})

    assert response.url == f"/g/{generation.pk}/"


def test_it_never_sends_the_person_to_another_site(owner_client, owner):
    generation = make_generation(owner)

    response = owner_client.post(url(generation), {"value": "1", "next": "https://evil.example/"})

    assert response.url == "/"


def test_another_users_generation_is_not_found_and_untouched(stranger_client, owner):
    generation = make_generation(owner)

    response = stranger_client.post(
        url(generation), {"value": "1"}, headers={"HX-Request": "true", "HX-Target": f"gen-{generation.pk}"}
    )

    assert response.status_code == 404
    assert not is_favorite(generation)


def test_an_unknown_generation_is_not_found(owner_client, db):
    assert owner_client.post("/g/999999/favorite", {"value": "1"}).status_code == 404

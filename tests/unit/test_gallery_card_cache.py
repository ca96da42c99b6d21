"""A finished card is rendered once and then read from the cache (studio/web/card_cache.py):
what a person sees stays right whoever asks, however the row changes, and each page's forms
still carry that browser's own CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from grokstudio.studio import services
from grokstudio.studio.models import Collection, Generation, Status
from grokstudio.studio.web import card_cache
from tests.factories import make_generation


def card(response, generation: Generation) -> str:
    match = re.search(rf'<article id="gen-{generation.pk}".*?</article>', response.text, re.S)
    assert match, f"no card for #{generation.pk}"
    return match.group(0)


def change_behind_its_back(generation: Generation, **fields) -> None:
    """A write that leaves `updated_at` alone: only a card rendered afresh shows it."""
    Generation.objects.filter(pk=generation.pk).update(updated_at=generation.updated_at, **fields)


def csrf_client(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def test_a_finished_card_is_rendered_once(owner_client, owner):
    generation = make_generation(owner, prompt="A quiet harbour")
    owner_client.get("/")

    change_behind_its_back(generation, prompt="Something else")

    assert "A quiet harbour" in card(owner_client.get("/"), generation)


def test_a_card_at_work_is_rendered_every_time(owner_client, owner):
    generation = make_generation(owner, kind="video", status=Status.PROCESSING, progress=10)
    owner_client.get("/")

    change_behind_its_back(generation, progress=60)

    assert 'value="60"' in card(owner_client.get("/"), generation)


def test_starring_changes_the_card(owner_client, owner):
    generation = make_generation(owner)
    assert 'aria-pressed="false"' in card(owner_client.get("/"), generation)

    owner_client.post(f"/g/{generation.pk}/favorite", {"value": "1"})

    shown = card(owner_client.get("/"), generation)
    assert 'aria-pressed="true"' in shown and "is-favorite" in shown


def test_a_bulk_unstar_changes_the_card(owner_client, owner):
    generation = make_generation(owner, favorite=True)
    assert "is-favorite" in card(owner_client.get("/"), generation)

    owner_client.post("/bulk/", {"action": "unfavorite", "ids": [generation.pk], "next": "/"})

    assert "is-favorite" not in card(owner_client.get("/"), generation)


def test_a_deleted_card_is_gone(owner_client, owner):
    generation = make_generation(owner)
    owner_client.get("/")

    owner_client.post(f"/g/{generation.pk}/delete")

    assert f'id="gen-{generation.pk}"' not in owner_client.get("/").text


def test_a_failed_download_retried_and_completed_shows_its_new_state(owner_client, owner):
    generation = make_generation(owner, status=Status.FAILED, error_code="storage_unavailable")
    assert "Retry download" in card(owner_client.get("/"), generation)

    assert services.retry_download(generation)
    assert generation.complete()

    shown = card(owner_client.get("/"), generation)
    assert "Retry download" not in shown and 'data-status="completed"' in shown


def test_a_card_in_a_collection_view_keeps_that_view_in_its_links(owner_client, owner):
    generation = make_generation(owner)
    asset = generation.outputs.get()
    owner_client.get("/")
    collection = Collection.objects.create(user=owner, name="Harbours")
    services.add_to_collection(collection, [generation.pk])

    in_collection = card(owner_client.get("/", {"collection": collection.pk}), generation)
    everything = card(owner_client.get("/"), generation)

    assert f'href="/a/{asset.pk}/?collection={collection.pk}"' in in_collection
    assert f'href="/a/{asset.pk}/"' in everything


def test_two_people_each_see_only_their_own_cards(owner_client, owner, stranger_client, stranger):
    mine = make_generation(owner, prompt="The owner's harbour")
    theirs = make_generation(stranger, prompt="The stranger's garden")

    for _ in range(2):  # the second time, from the cache
        owner_page, stranger_page = owner_client.get("/").text, stranger_client.get("/").text
        assert "harbour" in owner_page and "garden" not in owner_page
        assert "garden" in stranger_page and "harbour" not in stranger_page
        assert f"gen-{theirs.pk}" not in owner_page and f"gen-{mine.pk}" not in stranger_page


def test_the_key_names_the_owner_and_the_moment(owner, stranger):
    generation = make_generation(owner)
    context = {"query": ""}
    key = card_cache.card_key(generation, context)

    other_owner = Generation(pk=generation.pk, user=stranger, updated_at=generation.updated_at)
    later = Generation(
        pk=generation.pk, user=owner, updated_at=generation.updated_at + timedelta(microseconds=1)
    )

    assert card_cache.card_key(other_owner, context) != key
    assert card_cache.card_key(later, context) != key
    assert card_cache.card_key(generation, {"query": "fav=1"}) != key
    assert card_cache.card_key(generation, {"query": "", "oob": True}) != key


def test_a_cached_card_carries_each_browsers_own_csrf_token(owner):
    generation = make_generation(owner)
    first, second = csrf_client(owner), csrf_client(owner)
    first.get("/")  # the card is kept, made for the first browser

    page = second.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card(page, generation)).group(1)

    response = second.post(f"/g/{generation.pk}/favorite", {"value": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    generation.refresh_from_db()
    assert generation.favorite


def test_a_cached_retry_form_carries_each_browsers_own_csrf_token(owner):
    generation = make_generation(owner, status=Status.FAILED, error_code="storage_unavailable")
    first, second = csrf_client(owner), csrf_client(owner)
    first.get("/")

    retry_form = re.search(r"<form[^>]*retry-download.*?</form>", card(second.get("/"), generation), re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', retry_form.group(0)).group(1)

    response = second.post(f"/g/{generation.pk}/retry-download", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_page_of_finished_cards_is_served_without_reading_its_rows(owner_client, owner):
    make_generation(owner)
    make_generation(owner, status=Status.FAILED)
    owner_client.get("/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    with CaptureQueriesContext(connection) as queries:
        owner_client.get("/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    reads = [
        q["sql"]
        for q in queries.captured_queries
        if "studio_generation" in q["sql"] or "studio_asset" in q["sql"]
    ]
    assert len(reads) == 1 and '"studio_generation"."prompt"' not in reads[0]


def test_a_new_card_shows_on_a_kept_page(owner_client, owner):
    first = make_generation(owner, prompt="A quiet harbour")
    owner_client.get("/")

    second = make_generation(owner, prompt="A busy market")

    page = owner_client.get("/")
    assert "A busy market" in card(page, second) and "A quiet harbour" in card(page, first)


def test_a_page_with_a_card_at_work_shows_its_progress(owner_client, owner):
    make_generation(owner)
    working = make_generation(owner, kind="video", status=Status.PROCESSING, progress=10)
    owner_client.get("/")

    change_behind_its_back(working, progress=60)

    assert 'value="60"' in card(owner_client.get("/"), working)


def test_a_card_sent_by_the_poll_swaps_itself_in_and_the_page_one_does_not(owner_client, owner):
    generation = make_generation(owner)
    since = (generation.updated_at - timedelta(seconds=1)).isoformat()

    page_card = card(owner_client.get("/"), generation)
    poll = owner_client.get("/poll/", {"since": since})
    again = card(owner_client.get("/"), generation)

    assert 'hx-swap-oob="true"' in card(poll, generation)
    assert 'hx-swap-oob="true"' not in page_card and 'hx-swap-oob="true"' not in again


@pytest.mark.parametrize(
    ("language", "zone", "shown"),
    [
        ("en", "UTC", "14 Mar 2025, 23:30"),
        ("de", "UTC", "14 Mär 2025, 23:30"),
        ("en", "Asia/Tokyo", "15 Mar 2025, 08:30"),
    ],
)
def test_a_cards_date_follows_the_language_and_time_zone_it_is_shown_in(owner, language, zone, shown):
    generation = make_generation(owner, created_at=datetime(2025, 3, 14, 23, 30, tzinfo=UTC))
    request = RequestFactory().get("/")
    request.user = owner
    # Each language and zone in turn, all after the first has filled the cache.
    render_to_string("studio/gallery.html#card", {"g": generation}, request=request)

    with translation.override(language), timezone.override(zone):
        html = render_to_string("studio/gallery.html#card", {"g": generation}, request=request)

    assert shown in html


def test_a_new_release_does_not_meet_an_older_ones_cards(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "card.html"
    template.write_text("<article>one</article>")
    settings.BASE_DIR = tmp_path
    card_cache.release.cache_clear()
    try:
        before = card_cache.release()
        template.write_text("<article>two, longer</article>")
        card_cache.release.cache_clear()
        assert card_cache.release() != before
    finally:
        card_cache.release.cache_clear()


def test_what_is_kept_holds_no_csrf_token(owner_client, owner):
    generation = make_generation(owner)
    page = owner_client.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card(page, generation)).group(1)

    kept = cache.get(card_cache.card_key(generation, {"query": ""}))

    assert kept is not None
    assert not any(token in part for part in kept)
    assert all("csrfmiddlewaretoken" in part for part in kept[:-1])

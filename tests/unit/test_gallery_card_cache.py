"""A finished card is rendered once and then read from the cache (the `{% cache %}` fragments of
studio/gallery.html): what a person sees stays right whoever asks, however the row changes. A
card holds no CSRF token: its buttons submit the page's #card-actions form, which does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from grokstudio.studio import selectors, services
from grokstudio.studio.models import Collection, Generation, Status
from grokstudio.studio.web import context_processors
from grokstudio.studio.web.release import release
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


def card_actions(page) -> dict[str, str]:
    """What the page's #card-actions form sends, as a browser would read it."""
    form = re.search(r'<form id="card-actions"[^>]*>(.*?)</form>', page.text, re.S)
    assert form, "no #card-actions form"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


def button(markup: str, label: str) -> str:
    """The <button> whose text is `label`."""
    match = re.search(rf"<button\b[^>]*>{re.escape(label)}</button>", markup, re.S)
    assert match, f"no {label!r} button"
    return match.group(0)


def attribute(tag: str, name: str) -> str:
    return re.search(rf'\s{name}="([^"]*)"', tag).group(1)


def submit(browser: Client, page, generation: Generation, label: str, **headers):
    """Presses a card's button: its form's fields, its own name and value, to its formaction."""
    pressed = button(card(page, generation), label)
    assert attribute(pressed, "form") == "card-actions"
    data = card_actions(page)
    if ' name="' in pressed:
        data[attribute(pressed, "name")] = attribute(pressed, "value")
    return browser.post(attribute(pressed, "formaction"), data, **headers)


def kept_card(generation: Generation, query: str = "", oob: str = "") -> str | None:
    """The markup kept for a card, under the values the gallery's `{% cache %}` names."""
    generation.refresh_from_db()
    g, language, zone = generation, "en-us", "UTC"
    vary_on = [g.pk, g.user_id, g.updated_at, query, oob, language, zone, release()]
    return cache.get(make_template_fragment_key("studio-card", vary_on))


def test_a_finished_card_is_rendered_once(owner_client, owner):
    generation = make_generation(owner, prompt="A quiet harbour")
    owner_client.get("/")

    change_behind_its_back(generation, prompt="Something else")

    assert "A quiet harbour" in card(owner_client.get("/"), generation)


@pytest.mark.parametrize("beside_a_finished_card", [False, True], ids=["alone", "beside-a-finished-card"])
def test_a_card_at_work_is_rendered_every_time(owner_client, owner, beside_a_finished_card):
    """Alone, and on a page that also shows a finished card (so the page is never kept whole)."""
    if beside_a_finished_card:
        make_generation(owner)
    working = make_generation(owner, kind="video", status=Status.PROCESSING, progress=10)
    owner_client.get("/")

    change_behind_its_back(working, progress=60)

    assert 'value="60"' in card(owner_client.get("/"), working)


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


def test_another_browser_stars_a_kept_card_without_javascript(owner):
    generation = make_generation(owner)
    first, second = csrf_client(owner), csrf_client(owner)
    first.get("/")  # the card is kept, rendered for the first browser

    response = submit(second, second.get("/"), generation, "☆")

    assert response.status_code == 302 and response.url == "/"
    generation.refresh_from_db()
    assert generation.favorite
    assert 'aria-pressed="true"' in card(second.get("/"), generation)


def test_another_browser_unstars_a_kept_card_with_htmx(owner):
    generation = make_generation(owner, favorite=True)
    first, second = csrf_client(owner), csrf_client(owner)
    first.get("/")
    page = second.get("/")
    token = re.search(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'', page.text).group(1)
    pressed = button(card(page, generation), "★")

    # htmx: the button's own name and value, the header from <body hx-headers>.
    response = second.post(
        attribute(pressed, "hx-post"),
        {attribute(pressed, "name"): attribute(pressed, "value")},
        HTTP_X_CSRFTOKEN=token,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=attribute(pressed, "hx-target").removeprefix("#"),
    )

    assert response.status_code == 200
    answered = card(response, generation)
    assert 'aria-pressed="false"' in answered and "is-favorite" not in answered
    generation.refresh_from_db()
    assert not generation.favorite


def test_another_browser_retries_a_kept_cards_download(owner):
    generation = make_generation(owner, status=Status.FAILED, error_code="storage_unavailable")
    first, second = csrf_client(owner), csrf_client(owner)
    first.get("/")

    response = submit(second, second.get("/"), generation, "Retry download")

    assert response.status_code == 302
    generation.refresh_from_db()
    assert generation.status == Status.DOWNLOADING


def test_a_retried_download_answers_htmx_with_its_card(owner_client, owner):
    generation = make_generation(owner, status=Status.FAILED, error_code="storage_unavailable")
    page = owner_client.get("/")

    response = submit(owner_client, page, generation, "Retry download", HTTP_HX_REQUEST="true",
                      HTTP_HX_TARGET=f"gen-{generation.pk}")  # fmt: skip

    shown = card(response, generation)
    assert 'data-status="downloading"' in shown and "Retry download" not in shown


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


def test_a_new_release_does_not_meet_an_older_ones_cards(owner_client, owner, monkeypatch):
    generation = make_generation(owner, prompt="A quiet harbour")
    owner_client.get("/")
    change_behind_its_back(generation, prompt="A busy market")

    monkeypatch.setattr(context_processors, "release", lambda: "the next one")

    assert "A busy market" in card(owner_client.get("/"), generation)


def test_a_release_changes_with_the_templates(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "card.html"
    template.write_text("<article>one</article>")
    settings.BASE_DIR = tmp_path
    release.cache_clear()
    try:
        before = release()
        template.write_text("<article>two, longer</article>")
        release.cache_clear()
        assert release() != before
    finally:
        release.cache_clear()


def test_what_is_kept_holds_no_csrf_token(owner_client, owner):
    generation = make_generation(owner, status=Status.FAILED, error_code="storage_unavailable")
    page = owner_client.get("/")
    token = card_actions(page)["csrfmiddlewaretoken"]

    kept = kept_card(generation)

    assert kept is not None and "Retry download" in kept
    assert token not in kept and "csrfmiddlewaretoken" not in kept


def test_a_page_reads_only_its_owners_rows(owner, stranger):
    make_generation(owner)
    page = selectors.gallery_page(owner)

    assert len(page.generations) == 1
    assert selectors.GalleryPage(stranger, page.stamps, page.next_cursor).generations == []

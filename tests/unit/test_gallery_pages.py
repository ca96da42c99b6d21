"""GET /: the gallery in pages (a keyset cursor behind an "Older" link) and its filters."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grokstudio.studio import selectors
from grokstudio.studio.models import Collection, Generation, Status
from tests.factories import make_generation

URL = "/"


@pytest.fixture
def page_size(monkeypatch):
    def set_size(size: int) -> None:
        monkeypatch.setattr(selectors, "GALLERY_PAGE_SIZE", size)

    set_size(3)
    return set_size


def card_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="gen-(\d+)"', response.text)]


def older_href(response) -> str | None:
    """The "Older" link's real href (what a browser without JavaScript follows), or None."""
    match = re.search(r'<a id="older-[^"]+"[^>]*\shref="([^"]*)"', response.text)
    return html.unescape(match.group(1)) if match else None


def walk(client, query: str = "") -> tuple[list[list[int]], list[str]]:
    """Every page from the first, following the Older links: the ids on each page and the links."""
    pages, links = [], []
    response = client.get(f"{URL}?{query}" if query else URL)
    while True:
        assert response.status_code == 200
        pages.append(card_ids(response))
        href = older_href(response)
        if href is None:
            return pages, links
        links.append(href)
        assert len(links) < 50, "the Older links never end"
        response = client.get(URL + href)


def newest_first(generations) -> list[int]:
    return [g.pk for g in sorted(generations, key=lambda g: (g.created_at, g.pk), reverse=True)]


def alert_text(response) -> str:
    match = re.search(r'<div class="errors" role="alert">(.*?)</div>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def eight(user) -> list[Generation]:
    now = timezone.now()
    return [make_generation(user, prompt=f"Fox {i}", created_at=now - timedelta(minutes=i)) for i in range(8)]


# --- pages ------------------------------------------------------------------------------------


def test_it_shows_the_newest_page_first_with_an_older_link(owner_client, owner, page_size):
    generations = eight(owner)

    response = owner_client.get(URL)

    assert card_ids(response) == [g.pk for g in generations[:3]]
    href = older_href(response)
    assert href.startswith("?cursor=")
    assert re.search(r'<a id="older-[^"]+"[^>]*hx-get="/\?cursor=', response.text)


def test_the_older_links_walk_every_page_without_gap_or_overlap(owner_client, owner, page_size):
    generations = eight(owner)

    pages, links = walk(owner_client)

    assert [len(page) for page in pages] == [3, 3, 2]
    assert [pk for page in pages for pk in page] == [g.pk for g in generations]
    assert len(links) == 2  # the last page has no Older link


def test_a_gallery_that_fits_one_page_has_no_older_link(owner_client, owner, page_size):
    page_size(8)
    generations = eight(owner)

    response = owner_client.get(URL)

    assert card_ids(response) == [g.pk for g in generations]
    assert older_href(response) is None
    assert 'id="older-' not in response.text


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_rows_made_at_the_same_instant_are_neither_skipped_nor_repeated(owner_client, owner, page_size, size):
    page_size(size)
    now = timezone.now().replace(microsecond=500000)
    instant = now - timedelta(minutes=5)
    generations = [
        make_generation(owner, prompt="newest", created_at=now),
        *[make_generation(owner, prompt=f"tie {i}", created_at=instant) for i in range(5)],
        make_generation(owner, prompt="oldest", created_at=now - timedelta(minutes=9)),
        make_generation(owner, prompt="between", created_at=now - timedelta(minutes=1)),
    ]

    pages, _ = walk(owner_client)

    shown = [pk for page in pages for pk in page]
    assert shown == newest_first(generations)
    assert all(len(page) == size for page in pages[:-1])


def test_oldest_first_walks_the_other_way(owner_client, owner, page_size):
    generations = eight(owner)
    instant = generations[4].created_at
    generations += [make_generation(owner, prompt=f"tie {i}", created_at=instant) for i in range(3)]

    pages, links = walk(owner_client, "sort=oldest")

    assert [pk for page in pages for pk in page] == list(reversed(newest_first(generations)))
    assert all("sort=oldest" in link for link in links)


def test_an_htmx_request_from_the_older_link_answers_just_the_next_page(owner_client, owner, page_size):
    generations = eight(owner)
    href = older_href(owner_client.get(URL))
    target = re.search(r"cursor=([^&]+)", href).group(1)

    response = owner_client.get(URL + href, headers={"HX-Request": "true", "HX-Target": f"older-{target}"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert '<form id="create"' not in response.text
    assert 'id="results"' not in response.text
    assert card_ids(response) == [g.pk for g in generations[3:6]]
    assert older_href(response) is not None  # the next page's link replaces this one


def test_an_htmx_request_from_the_filters_answers_the_results(owner_client, owner, page_size):
    fox = make_generation(owner, prompt="A fox")
    make_generation(owner, prompt="A whale")

    response = owner_client.get(URL, {"q": "fox"}, headers={"HX-Request": "true", "HX-Target": "results"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert '<form id="create"' not in response.text
    assert response.text.lstrip().startswith('<div id="results">')
    assert card_ids(response) == [fox.pk]


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
def mixed(owner, stranger) -> dict:
    """Owner's generations, newest first, with a collection; a stranger's look-alikes beside them."""
    now = timezone.now()
    specs = {
        "a": {"prompt": "A Red fox at dawn", "status": Status.COMPLETED, "favorite": True},
        "b": {"prompt": "red FOX in snow", "status": Status.FAILED, "model": "grok-imagine-image-2.0"},
        "c": {"prompt": "fox cub sleeping", "kind": "video", "status": Status.PROCESSING},
        "d": {"prompt": "Red panda", "kind": "video", "status": Status.COMPLETED, "favorite": True,
              "model": "grok-imagine-video-1.5", "outputs": 0},
        "e": {"prompt": "blue whale", "status": Status.PENDING, "model": "grok-imagine-image-quality"},
        "f": {"prompt": "red fox", "status": Status.CANCELLED},
        "g": {"prompt": "red fox on a hill", "status": Status.SUBMITTING},
    }  # fmt: skip
    rows = {
        key: make_generation(owner, created_at=now - timedelta(minutes=i), **spec)
        for i, (key, spec) in enumerate(specs.items())
    }
    collection = Collection.objects.create(user=owner, name="Foxes")
    collection.generations.add(rows["a"], rows["c"], rows["f"])
    theirs = Collection.objects.create(user=stranger, name="Foxes")
    for i in range(3):
        stolen = make_generation(
            stranger, prompt="red fox", favorite=True, created_at=now - timedelta(seconds=i)
        )
        theirs.generations.add(stolen)
    return {"rows": rows, "collection": collection, "theirs": theirs}


FILTERS = [
    pytest.param({"q": "red fox"}, "abfg", id="q-every-word"),
    pytest.param({"q": "FOX"}, "abcfg", id="q-case-insensitive"),
    pytest.param({"q": "  dawn   RED "}, "a", id="q-words-in-any-order"),
    pytest.param({"kind": "video"}, "cd", id="kind-video"),
    pytest.param({"kind": "image"}, "abefg", id="kind-image"),
    pytest.param({"status": "completed"}, "ad", id="status-completed"),
    pytest.param({"status": "active"}, "ceg", id="status-active"),
    pytest.param({"status": "failed"}, "b", id="status-failed"),
    pytest.param({"model": "grok-imagine-video-1.5"}, "d", id="model"),
    pytest.param({"fav": "1"}, "ad", id="favourites"),
    pytest.param({"collection": "{collection}"}, "acf", id="collection"),
    pytest.param({"q": "red", "kind": "image", "status": "completed"}, "a", id="combined"),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_a_filter_narrows_every_page_and_is_kept_in_the_older_link(
    owner_client, mixed, page_size, params, expected
):
    page_size(1)
    params = {k: v.format(collection=mixed["collection"].pk) for k, v in params.items()}

    pages, links = walk(owner_client, urlencode(params))

    assert [pk for page in pages for pk in page] == [mixed["rows"][key].pk for key in expected]
    assert len(links) == len(expected) - 1
    for link in links:
        for key, value in params.items():
            assert urlencode({key: value.strip()}) in link


def test_a_search_matching_nothing_says_so(owner_client, mixed):
    response = owner_client.get(URL, {"q": "zebra"})

    assert card_ids(response) == []
    assert "Nothing matches these filters." in response.text


NO_COLLECTION = "Collection: That collection does not exist."
UNKNOWN = [
    pytest.param({"kind": "banana"}, "Kind: Select a valid choice. banana is not one", id="kind"),
    pytest.param({"status": "exploded"}, "Status: Select a valid choice. exploded is not one", id="status"),
    pytest.param({"model": "dall-e-3"}, "Model: Select a valid choice. dall-e-3 is not one", id="model"),
    pytest.param({"collection": "{theirs}"}, NO_COLLECTION, id="their-collection"),
    pytest.param({"collection": "987654"}, NO_COLLECTION, id="no-collection"),
    pytest.param({"collection": "foxes"}, NO_COLLECTION, id="collection-word"),
    pytest.param({"sort": "random"}, "Order: Select a valid choice. random is not one", id="sort"),
    pytest.param({"q": "fox " * 60}, "Search the gallery: 39 characters over the 200 limit.", id="long-q"),
]  # fmt: skip


@pytest.mark.parametrize(("params", "message"), UNKNOWN)
def test_a_filter_value_that_makes_no_sense_is_reported_and_left_out(owner_client, mixed, params, message):
    params = {k: v.format(theirs=mixed["theirs"].pk) for k, v in params.items()}

    response = owner_client.get(URL, params)

    assert response.status_code == 200
    assert message in alert_text(response)
    # The rest of the gallery is shown as if the value had not been sent: the owner's, only.
    assert sorted(card_ids(response)) == sorted(g.pk for g in mixed["rows"].values())


@pytest.mark.parametrize(
    "cursor",
    [
        "banana",
        "-",
        "20250101000000000000-",
        "-12",
        "20251399000000000000-5",
        "99999999999999999999-5",
        "20250101000000000000-99999999999999999999",
        "20250101000000000000-²",
        "2025010100000000000-5",  # a digit short: strptime alone would take it
        "\uff12\uff10\uff12\uff150101000000000000-5",  # fullwidth digits, not 0-9
        "x" * 80,
    ],
)
def test_a_cursor_that_makes_no_sense_shows_the_first_page(owner_client, owner, page_size, cursor):
    generations = eight(owner)

    response = owner_client.get(URL, {"cursor": cursor})

    assert response.status_code == 200
    assert card_ids(response) == [g.pk for g in generations[:3]]


def test_a_cursor_from_long_ago_shows_nothing_older(owner_client, owner, page_size):
    eight(owner)

    response = owner_client.get(URL, {"cursor": "00010101000000000000-1"})

    assert response.status_code == 200
    assert card_ids(response) == []


def test_another_users_generations_never_appear_on_any_page(owner_client, owner, stranger, page_size):
    page_size(2)
    now = timezone.now()
    mine, theirs = [], []
    for i in range(10):
        # Interleaved in time and sharing instants, so a leak would land inside the owner's pages.
        instant = now - timedelta(minutes=i // 2)
        (mine if i % 3 else theirs).append(make_generation(owner if i % 3 else stranger, created_at=instant))

    for query in ["", "sort=oldest", "q=fox", "kind=image"]:
        pages, _ = walk(owner_client, query)
        shown = [pk for page in pages for pk in page]
        assert sorted(shown) == sorted(g.pk for g in mine), query


# --- cost -------------------------------------------------------------------------------------


def test_the_first_pages_query_count_does_not_grow_with_the_page_size(owner_client, owner, page_size):
    for i in range(31):
        make_generation(owner, kind="image", outputs=1 + i % 3, favorite=bool(i % 2))
    Collection.objects.create(user=owner, name="Foxes")
    owner_client.get(URL)  # the session is read once and cached, as in a real visit

    counts = {}
    for size in (3, 30):
        page_size(size)
        cache.clear()  # its cards rendered afresh, then read from the cache (gallery.html's `{% cache %}`)
        for state in ("rendered", "kept"):
            with CaptureQueriesContext(connection) as queries:
                response = owner_client.get(URL)
            assert len(card_ids(response)) == size
            counts[size, state] = len(queries)

    assert counts[3, "rendered"] == counts[30, "rendered"]
    assert counts[3, "kept"] == counts[30, "kept"]
    assert counts[30, "kept"] <= 8

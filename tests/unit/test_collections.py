"""/collections/: named sets of one's own generations, and the bulk actions that fill them."""

from __future__ import annotations

import html
import re

import pytest

from grokstudio.studio.models import Collection, Generation
from tests.factories import make_generation

URL = "/collections/"


def messages(response) -> str:
    match = re.search(r'<ul class="messages">(.*?)</ul>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def name_error(response) -> str:
    match = re.search(r'<div class="error" id="id_name-error"[^>]*>(.*?)</div>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def names(user) -> list[str]:
    return list(Collection.objects.filter(user=user).values_list("name", flat=True))


def members(collection: Collection) -> list[int]:
    return sorted(collection.generations.values_list("pk", flat=True))


def card_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="gen-(\d+)"', response.text)]


# --- the list and creating ----------------------------------------------------------------------


def test_it_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_lists_the_users_own_collections_with_their_sizes(owner_client, owner, stranger):
    foxes = Collection.objects.create(user=owner, name="Foxes")
    foxes.generations.add(*(make_generation(owner, outputs=0) for _ in range(3)))
    whales = Collection.objects.create(user=owner, name="Whales")
    whales.generations.add(make_generation(owner, outputs=0))
    empty = Collection.objects.create(user=owner, name="Empty")
    secret = Collection.objects.create(user=stranger, name="Their secret board")
    secret.generations.add(make_generation(stranger, outputs=0))

    response = owner_client.get(URL)

    assert response.status_code == 200
    rows = re.findall(
        r'<a class="name" href="/\?collection=(\d+)">([^<]+)</a>\s*<span class="hint">([^<]+)</span>',
        response.text,
    )
    assert sorted(rows) == sorted(
        [
            (str(foxes.pk), "Foxes", "3 items"),
            (str(whales.pk), "Whales", "1 item"),
            (str(empty.pk), "Empty", "0 items"),
        ]
    )
    assert "Their secret board" not in response.text


def test_it_lists_collections_by_name(owner_client, owner):
    for name in ["Whales", "Foxes", "Boats", "Alpine"]:
        Collection.objects.create(user=owner, name=name).generations.add(make_generation(owner, outputs=0))

    response = owner_client.get(URL)

    shown = re.findall(r'<a class="name" href="/\?collection=\d+">([^<]+)</a>', response.text)
    assert shown == ["Alpine", "Boats", "Foxes", "Whales"]  # the model's order, as in the gallery's menus


def test_it_creates_a_collection(owner_client, owner):
    response = owner_client.post(URL, {"name": "  Foxes at dawn "}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert names(owner) == ["Foxes at dawn"]
    assert "Created “Foxes at dawn”." in messages(response)


def test_a_name_is_required(owner_client, owner):
    response = owner_client.post(URL, {"name": "   "})

    assert response.status_code == 400
    assert name_error(response) == "Give the collection a name."
    assert names(owner) == []


def test_a_name_already_taken_in_another_case_is_refused(owner_client, owner):
    Collection.objects.create(user=owner, name="Foxes")

    response = owner_client.post(URL, {"name": "FOXES"})

    assert response.status_code == 400
    assert name_error(response) == "You already have a collection called “FOXES”."
    assert names(owner) == ["Foxes"]


def test_another_users_name_is_free_to_take(owner_client, owner, stranger):
    Collection.objects.create(user=stranger, name="Foxes")

    owner_client.post(URL, {"name": "Foxes"})

    assert names(owner) == ["Foxes"]


def test_a_name_may_have_80_characters_not_81(owner_client, owner):
    response = owner_client.post(URL, {"name": "f" * 81})

    assert response.status_code == 400
    assert "1 character over the 80 limit." in name_error(response)
    assert names(owner) == []

    owner_client.post(URL, {"name": "f" * 80})

    assert names(owner) == ["f" * 80]


# --- renaming and deleting ----------------------------------------------------------------------


def test_it_renames(owner_client, owner):
    collection = Collection.objects.create(user=owner, name="Foxes")

    response = owner_client.post(f"/collections/{collection.pk}/rename", {"name": "Red foxes"}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert names(owner) == ["Red foxes"]
    assert "Renamed to “Red foxes”." in messages(response)


def test_a_collection_may_be_renamed_to_its_own_name_in_another_case(owner_client, owner):
    collection = Collection.objects.create(user=owner, name="foxes")

    owner_client.post(f"/collections/{collection.pk}/rename", {"name": "Foxes"})

    assert names(owner) == ["Foxes"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("WHALES", "You already have a collection called “WHALES”."),
        ("", "Give the collection a name."),
        ("w" * 81, "1 character over the 80 limit."),
    ],
)
def test_a_rename_that_cannot_be_done_says_why(owner_client, owner, name, message):
    collection = Collection.objects.create(user=owner, name="Foxes")
    Collection.objects.create(user=owner, name="Whales")

    response = owner_client.post(f"/collections/{collection.pk}/rename", {"name": name}, follow=True)

    assert message in messages(response)
    assert names(owner) == ["Foxes", "Whales"]


def test_deleting_a_collection_keeps_its_items(owner_client, owner):
    collection = Collection.objects.create(user=owner, name="Foxes")
    items = [make_generation(owner) for _ in range(2)]
    collection.generations.add(*items)

    response = owner_client.post(f"/collections/{collection.pk}/delete", follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Deleted the collection “Foxes”; its items stay in your gallery." in messages(response)
    assert names(owner) == []
    assert Generation.objects.filter(pk__in=[g.pk for g in items]).count() == 2


@pytest.mark.parametrize("action", ["rename", "delete"])
def test_a_stranger_cannot_rename_or_delete_the_owners_collection(stranger_client, owner, action):
    collection = Collection.objects.create(user=owner, name="Foxes")

    response = stranger_client.post(f"/collections/{collection.pk}/{action}", {"name": "Mine now"})

    assert response.status_code == 404
    assert names(owner) == ["Foxes"]


@pytest.mark.parametrize("action", ["rename", "delete"])
def test_rename_and_delete_refuse_get(owner_client, owner, action):
    collection = Collection.objects.create(user=owner, name="Foxes")

    assert owner_client.get(f"/collections/{collection.pk}/{action}").status_code == 405
    assert names(owner) == ["Foxes"]


# --- filling them from the gallery --------------------------------------------------------------


def test_bulk_add_puts_the_owners_items_in_once(owner_client, owner, stranger):
    collection = Collection.objects.create(user=owner, name="Foxes")
    mine = [make_generation(owner, outputs=0) for _ in range(3)]
    theirs = make_generation(stranger, outputs=0)
    form = {"action": "add", "collection": collection.pk, "ids": [mine[0].pk, mine[1].pk, theirs.pk]}

    first = owner_client.post("/bulk/", form, follow=True)
    second = owner_client.post("/bulk/", {**form, "ids": [mine[1].pk, mine[2].pk]}, follow=True)

    assert "Added 2 items to “Foxes”." in messages(first)
    assert "Added 1 item to “Foxes”." in messages(second)
    assert members(collection) == sorted(g.pk for g in mine)
    assert Collection.generations.through.objects.filter(collection=collection).count() == 3
    assert not theirs.collections.exists()


def test_bulk_add_into_a_strangers_collection_is_refused(owner_client, owner, stranger):
    theirs = Collection.objects.create(user=stranger, name="Their board")
    mine = make_generation(owner, outputs=0)

    response = owner_client.post(
        "/bulk/", {"action": "add", "collection": theirs.pk, "ids": [mine.pk]}, follow=True
    )

    assert "Select a valid choice." in messages(response)
    assert members(theirs) == []


def test_bulk_add_needs_a_collection(owner_client, owner):
    mine = make_generation(owner, outputs=0)

    response = owner_client.post("/bulk/", {"action": "add", "ids": [mine.pk]}, follow=True)

    assert "Choose a collection." in messages(response)
    assert not mine.collections.exists()


def test_bulk_remove_takes_items_out_and_keeps_them(owner_client, owner):
    collection = Collection.objects.create(user=owner, name="Foxes")
    items = [make_generation(owner, outputs=0) for _ in range(3)]
    collection.generations.add(*items)

    response = owner_client.post(
        "/bulk/",
        {"action": "remove", "collection": collection.pk, "ids": [items[0].pk, items[1].pk]},
        follow=True,
    )

    assert "Removed 2 items from “Foxes”." in messages(response)
    assert members(collection) == [items[2].pk]
    assert Generation.objects.count() == 3


def test_bulk_remove_leaves_other_collections_alone(owner_client, owner):
    foxes = Collection.objects.create(user=owner, name="Foxes")
    best = Collection.objects.create(user=owner, name="Best")
    item = make_generation(owner, outputs=0)
    foxes.generations.add(item)
    best.generations.add(item)

    owner_client.post("/bulk/", {"action": "remove", "collection": foxes.pk, "ids": [item.pk]})

    assert members(foxes) == []
    assert members(best) == [item.pk]


def test_the_gallery_filtered_by_a_collection_shows_only_its_items(owner_client, owner):
    collection = Collection.objects.create(user=owner, name="Foxes")
    inside = [make_generation(owner, prompt="fox") for _ in range(2)]
    outside = make_generation(owner, prompt="fox too")
    collection.generations.add(*inside)

    response = owner_client.get("/", {"collection": collection.pk})

    assert sorted(card_ids(response)) == sorted(g.pk for g in inside)
    assert f'<option value="{collection.pk}" selected>Foxes</option>' in response.text
    assert f"gen-{outside.pk}" not in response.text


def test_the_bulk_bar_offers_only_the_users_own_collections(owner_client, owner, stranger):
    Collection.objects.create(user=owner, name="Foxes")
    Collection.objects.create(user=stranger, name="Their board")

    response = owner_client.get("/")

    assert ">Foxes</option>" in response.text
    assert "Their board" not in response.text

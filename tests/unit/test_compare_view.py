"""/compare/?ids=…: two to four of the person's own items side by side."""

from __future__ import annotations

import pytest

from tests.factories import make_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(owner):
    return [make_generation(owner, prompt=f"Fox number {i}").outputs.get() for i in range(3)]


def test_it_shows_the_items_in_the_order_given(owner_client, items):
    ids = [items[2].pk, items[0].pk]
    page = owner_client.get(f"/compare/?ids={ids[0]},{ids[1]}").content.decode()
    assert page.index("Fox number 2") < page.index("Fox number 0") and "Fox number 1" not in page
    assert 'data-count="2"' in page and "js/compare.js" in page


def test_other_user_gets_404_when_any_item_is_not_theirs(stranger_client, stranger, items):
    own = make_generation(stranger).outputs.get()
    assert stranger_client.get(f"/compare/?ids={own.pk},{items[0].pk}").status_code == 404


def test_fewer_than_two_or_more_than_four_items_are_refused_with_a_page(owner_client, owner, items):
    more = [make_generation(owner).outputs.get() for _ in range(2)]
    ids = ",".join(str(a.pk) for a in [*items, *more])
    assert owner_client.get(f"/compare/?ids={items[0].pk}").status_code == 400
    assert owner_client.get(f"/compare/?ids={ids}").status_code == 400
    assert owner_client.get("/compare/?ids=1,x").status_code == 400


def test_it_asks_for_sign_in(client, items):
    assert client.get(f"/compare/?ids={items[0].pk},{items[1].pk}").status_code == 302


def test_the_item_page_offers_to_compare_with_its_neighbour(owner_client, items):
    page = owner_client.get(f"/a/{items[1].pk}/").content.decode()
    assert f"/compare/?ids={items[1].pk},{items[0].pk}" in page

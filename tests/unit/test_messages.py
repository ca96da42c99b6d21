"""Messages reach the person: in a live region on every page, and at once from htmx answers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from grokstudio.accounts.models import Budget
from grokstudio.studio.models import Generation
from tests.factories import make_generation

HTMX = {"HX-Request": "true"}


def messages_area(response) -> str:
    match = re.search(r'<div id="messages"[^>]*>.*?</div>', response.content.decode(), re.S)
    assert match, "no messages area"
    return match.group(0)


@pytest.mark.parametrize("path", ["/", "/collections/", "/usage/", "/accounts/api-tokens/"])
def test_every_page_has_a_polite_live_messages_area(owner_client, path):
    area = messages_area(owner_client.get(path))

    assert 'role="status"' in area and 'aria-live="polite"' in area


def test_the_sign_in_page_has_it_too(client, db):
    assert 'aria-live="polite"' in messages_area(client.get("/accounts/login/"))


def test_a_reroll_over_budget_answers_htmx_with_the_message_out_of_band(owner_client, owner):
    generation = make_generation(owner, prompt="A fox")
    Budget.objects.create(user=owner, monthly_usd=Decimal("0"))

    response = owner_client.post(f"/g/{generation.pk}/reroll", headers=HTMX)

    assert response.status_code == 200
    area = messages_area(response)
    assert 'hx-swap-oob="innerHTML"' in area and "budget" in area
    assert Generation.objects.count() == 1
    # Shown once: the next page does not repeat it.
    assert "budget" not in messages_area(owner_client.get("/"))


def test_deleting_work_in_flight_answers_htmx_with_the_card_and_the_reason(owner_client, owner):
    generation = make_generation(owner, status="processing")

    response = owner_client.post(f"/g/{generation.pk}/delete", headers=HTMX)

    assert f'id="gen-{generation.pk}"' in response.content.decode()
    assert "cancel it first" in messages_area(response)
    assert Generation.objects.filter(pk=generation.pk).exists()


def test_a_plain_post_still_leaves_its_message_for_the_next_page(owner_client, owner):
    generation = make_generation(owner, status="processing")

    response = owner_client.post(f"/g/{generation.pk}/delete", follow=True)

    assert "cancel it first" in messages_area(response)


def test_a_retry_with_nothing_to_fetch_says_so_at_once_over_htmx(owner_client, owner):
    finished = make_generation(owner)  # completed: there is nothing to fetch again

    response = owner_client.post(f"/g/{finished.pk}/retry-download", headers=HTMX)

    assert f'id="gen-{finished.pk}"' in response.content.decode()
    assert "nothing to fetch again" in messages_area(response)
    assert "nothing to fetch again" not in messages_area(owner_client.get("/"))


def test_a_poll_from_the_page_being_left_leaves_the_message_for_the_next_page(owner_client, owner):
    """A plain form redirects with a message; the old page's poll can arrive before the next
    page is asked for, and must not take the message into a page about to be replaced."""
    at_work = make_generation(owner, status="processing")  # so the old page polls
    redirect = owner_client.post(f"/g/{at_work.pk}/delete")  # refused: still at work

    poll = owner_client.get("/poll/", headers=HTMX)
    next_page = owner_client.get(redirect.url)

    assert poll.status_code == 200
    assert "cancel it first" not in poll.content.decode()
    assert "cancel it first" in messages_area(next_page)


def test_an_htmx_answer_carries_its_own_message_and_leaves_the_waiting_one(owner_client, owner):
    at_work = make_generation(owner, status="processing")
    owner_client.post(f"/g/{at_work.pk}/delete")  # a plain post: its message is for the next page
    finished = make_generation(owner)

    response = owner_client.post(f"/g/{finished.pk}/retry-download", headers=HTMX)

    area = messages_area(response)
    assert "nothing to fetch again" in area and "cancel it first" not in area
    next_page = messages_area(owner_client.get("/"))
    assert "cancel it first" in next_page and "nothing to fetch again" not in next_page


def test_the_image_video_switch_answers_the_form_alone_and_loses_no_message(owner_client, owner):
    """The switch swaps in the create form: a whole page would show the waiting message in a
    messages area the swap leaves out, and the message would be gone."""
    at_work = make_generation(owner, status="processing")
    owner_client.post(f"/g/{at_work.pk}/delete")  # a plain post: its message is for the next page

    switch = owner_client.get("/", {"kind": "video"}, headers={**HTMX, "HX-Target": "create"})

    text = switch.content.decode()
    assert text.lstrip().startswith('<form id="create"') and 'name="mode"' in text
    assert 'id="gallery"' not in text and "cancel it first" not in text
    assert switch["HX-Replace-Url"] == "/?kind=video"
    assert "cancel it first" in messages_area(owner_client.get("/"))


def test_an_htmx_answer_with_no_message_waiting_carries_no_messages_area(owner_client, owner):
    generation = make_generation(owner)

    response = owner_client.get(f"/g/{generation.pk}/menu", headers=HTMX)

    assert 'id="messages"' not in response.content.decode()


def test_every_studio_route_carries_its_messages_to_htmx():
    """One decorator, on every view the studio routes to: a new view cannot forget it."""
    from grokstudio.studio.web.urls import urlpatterns

    bare = [p.name for p in urlpatterns if not getattr(p.callback, "carries_messages", False)]

    assert bare == []

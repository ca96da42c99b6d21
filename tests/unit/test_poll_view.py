"""GET /poll/: the cards that changed since the last poll, and whether to poll again."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import HASH_SESSION_KEY
from django.test import Client
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.media.images import check_result
from grokstudio.studio.models import Asset, Generation, Reference, Status
from tests.factories import make_image

URL = "/poll/"
HTMX = {"HX-Request": "true"}


def make_generation(user, status: str = Status.COMPLETED, *, age_s: float = 0, **fields) -> Generation:
    generation = Generation.objects.create(
        user=user, prompt=fields.pop("prompt", "A red fox"), model="grok-imagine-image", status=status,
        params={"aspect_ratio": "1:1", "resolution": "1k", "n": 1}, **fields,
    )  # fmt: skip
    if age_s:
        # updated_at is auto_now: only an UPDATE can set it in the past.
        Generation.objects.filter(pk=generation.pk).update(
            updated_at=timezone.now() - timedelta(seconds=age_s)
        )
        generation.refresh_from_db()
    return generation


def poller(response) -> str:
    return re.search(r'<div id="poller"[^>]*>', response.text).group(0)


def since(seconds_ago: float) -> str:
    return (timezone.now() - timedelta(seconds=seconds_ago)).isoformat()


def test_it_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_refuses_post(owner_client):
    assert owner_client.post(URL).status_code == 405


# studio.js sends `idle-poll` on this interval while the tab is visible (see test_every_page.py).
IDLE_TRIGGER = 'hx-trigger="idle-poll" data-interval="15.0"'


def test_with_nothing_active_it_slows_to_the_idle_interval(owner_client, owner):
    make_generation(owner, Status.COMPLETED, age_s=60)

    response = owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    assert response.status_code == 200
    assert IDLE_TRIGGER in poller(response) and 'data-polling="idle"' in poller(response)
    assert 'hx-get="/poll/?since=' in poller(response)


def test_the_idle_answer_asks_from_about_now_each_time(owner_client, owner):
    first = owner_client.get(URL, {"since": since(5)}, headers=HTMX)
    later = owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    stamps = [re.search(r"since=([^\"]+)", poller(r)).group(1) for r in (first, later)]
    assert stamps[0] != stamps[1]


def test_the_idle_interval_is_a_setting(owner_client, settings):
    settings.STUDIO_IDLE_POLL_INTERVAL_S = 42

    assert 'data-interval="42"' in poller(owner_client.get(URL, headers=HTMX))


def test_it_slows_down_for_a_user_with_no_generations(owner_client):
    response = owner_client.get(URL, headers=HTMX)

    assert response.status_code == 200 and IDLE_TRIGGER in poller(response)


@pytest.mark.parametrize("status", [Status.PENDING, Status.SUBMITTING, Status.PROCESSING, Status.DOWNLOADING])
def test_it_keeps_polling_while_a_generation_is_active(owner_client, owner, status):
    make_generation(owner, status, age_s=60)

    response = owner_client.get(URL, {"since": since(5)}, headers=HTMX)

    assert response.status_code == 200
    assert 'hx-get="/poll/?since=' in poller(response)
    assert 'hx-trigger="every 2.0s"' in poller(response)


def test_its_next_poll_asks_from_about_now(owner_client, owner):
    make_generation(owner, Status.PENDING)
    before = timezone.now()

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    next_since = re.search(r'hx-get="/poll/\?since=([^"]+)"', response.text).group(1)
    from urllib.parse import unquote

    from django.utils.dateparse import parse_datetime

    parsed = parse_datetime(unquote(next_since))
    # A little overlap with the past, so that a row committed during this poll is not missed.
    assert before - timedelta(seconds=5) < parsed <= timezone.now()


def test_it_sends_the_cards_changed_since_the_last_poll_out_of_band(owner_client, owner):
    old = make_generation(owner, Status.COMPLETED, age_s=600, prompt="An old lighthouse")
    changed = make_generation(owner, Status.PENDING, prompt="A new fox")

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    card = re.search(rf'<article id="gen-{changed.pk}"[^>]*>', response.text).group(0)
    assert 'hx-swap-oob="true"' in card
    assert 'data-status="pending"' in card
    assert f'id="gen-{old.pk}"' not in response.text
    assert "An old lighthouse" not in response.text


def test_it_sends_a_card_that_just_finished_and_slows_down(owner_client, owner):
    finished = make_generation(
        owner, Status.FAILED, message="The prompt was refused.", error_code="moderated"
    )

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert IDLE_TRIGGER in poller(response)
    assert f'<article id="gen-{finished.pk}"' in response.text
    assert "The prompt was refused." in response.text
    assert "<code>moderated</code>" in response.text


def test_it_sends_no_cards_without_since(owner_client, owner):
    # Without a starting point the answer would be the whole gallery: a poll stays small.
    generations = [make_generation(owner, age_s=3600) for _ in range(3)]

    response = owner_client.get(URL, headers=HTMX)

    for generation in generations:
        assert f'<article id="gen-{generation.pk}"' not in response.text


def test_it_never_sends_another_users_cards(owner_client, stranger):
    theirs = make_generation(stranger, Status.PENDING, prompt="Someone else's secret")

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert IDLE_TRIGGER in poller(response)  # their active work does not speed our poller up
    assert f"gen-{theirs.pk}" not in response.text
    assert "secret" not in response.text


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2025-13-45T99:99:99",
        "2025-02-30T10:00:00+00:00",
        "9999-12-31T23:59:59-10:00",
        "0001-01-01T00:00:00+10:00",
        "2025-01-01T00:00:00",  # naive
    ],
)
def test_it_survives_a_malformed_since(owner_client, owner, value):
    make_generation(owner, Status.PENDING)

    response = owner_client.get(URL, {"since": value}, headers=HTMX)

    assert response.status_code == 200
    assert "hx-get" in poller(response)


def test_it_clamps_an_ancient_since_to_a_day(owner_client, owner):
    old = make_generation(owner, age_s=3 * 86400)
    recent = make_generation(owner, age_s=3600)

    response = owner_client.get(URL, {"since": "2001-01-01T00:00:00+00:00"}, headers=HTMX)

    assert f'id="gen-{recent.pk}"' in response.text
    assert f'id="gen-{old.pk}"' not in response.text


def test_it_makes_few_queries_for_a_user_with_30_generations(
    owner_client, owner, django_assert_max_num_queries
):
    for i in range(30):
        make_generation(owner, Status.PENDING if i % 10 == 0 else Status.COMPLETED, age_s=5 + i)

    with django_assert_max_num_queries(5):
        response = owner_client.get(URL, {"since": since(1)}, headers=HTMX)

    assert response.status_code == 200


def test_its_query_count_does_not_grow_with_changed_cards(owner_client, owner, django_assert_max_num_queries):
    # The worst case: every card changed, each with results and a reference to show.
    for i in range(30):
        generation = make_generation(owner, Status.PENDING if i % 2 else Status.COMPLETED)
        services.store_image(user=owner, role=Asset.Role.OUTPUT, image=check_result(make_image()),
                             generation=generation)  # fmt: skip
        reference = services.store_image(user=owner, role=Asset.Role.UPLOAD, image=check_result(make_image()))
        Reference.objects.create(generation=generation, asset=reference, position=0)

    with django_assert_max_num_queries(6):
        response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert response.text.count("<article ") == 30


def test_a_card_newer_than_any_the_page_shows_goes_on_top_of_a_live_gallery(owner_client, owner):
    shown = make_generation(owner, Status.PENDING, prompt="On the page")
    arrived = [make_generation(owner, Status.PENDING, prompt=f"From a script {i}") for i in range(2)]

    response = owner_client.get(URL, {"since": since(60), "newest": shown.pk, "live": "1"}, headers=HTMX)

    assert re.search(rf'<article id="gen-{shown.pk}"[^>]*hx-swap-oob="true"', response.text)
    tops = re.findall(r'<div hx-swap-oob="afterbegin:#gallery">\s*<article id="gen-(\d+)"', response.text)
    # Each goes on top in turn: the oldest first, so that the newest ends up first.
    assert tops == [str(arrived[0].pk), str(arrived[1].pk)]
    assert response.text.count("<article ") == 3


def test_a_filtered_gallery_is_not_sent_cards_it_does_not_show(owner_client, owner):
    shown = make_generation(owner, Status.PENDING, prompt="On the page")
    arrived = make_generation(owner, Status.PENDING, prompt="From a script")

    response = owner_client.get(URL, {"since": since(60), "newest": shown.pk}, headers=HTMX)

    assert f'id="gen-{shown.pk}"' in response.text
    assert f'id="gen-{arrived.pk}"' not in response.text and "afterbegin" not in response.text


def test_an_idle_poller_with_nothing_new_gets_204_and_keeps_asking_as_it_is(owner_client, owner):
    make_generation(owner, Status.COMPLETED, age_s=60)

    response = owner_client.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 204 and response.content == b""


def test_the_idle_poller_says_it_is_idle_in_its_url(owner_client):
    assert "&amp;idle=1" in poller(owner_client.get(URL, headers=HTMX))


def test_an_idle_poller_still_gets_what_changed_and_speeds_up(owner_client, owner):
    arrived = make_generation(owner, Status.PENDING, prompt="From a script")

    response = owner_client.get(URL, {"since": since(60), "idle": "1"}, headers=HTMX)

    assert response.status_code == 200 and f'id="gen-{arrived.pk}"' in response.text
    assert 'data-polling="active"' in poller(response) and "idle=1" not in poller(response)


def test_an_idle_poll_is_not_woken_by_another_users_work(owner_client, owner, stranger):
    make_generation(owner, Status.COMPLETED, age_s=60)
    make_generation(stranger, Status.PROCESSING)

    response = owner_client.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 204
    assert response["Vary"] == "Cookie"  # a shared cache must not answer one person's poll with another's


def test_a_head_request_of_an_idle_poll_gets_the_same_204(owner_client, owner):
    make_generation(owner, Status.COMPLETED, age_s=60)

    assert owner_client.head(URL, {"since": since(5), "idle": "1"}, headers=HTMX).status_code == 204


@pytest.mark.parametrize("status", [Status.PENDING, Status.PROCESSING])
def test_an_idle_poller_speeds_up_for_work_started_elsewhere(owner_client, owner, status):
    make_generation(owner, status, age_s=60)  # started before the poller's `since`: unchanged, but at work

    response = owner_client.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 200 and 'data-polling="active"' in poller(response)


def session_of(client) -> dict:
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    return store(client.cookies[django_settings.SESSION_COOKIE_NAME].value).load()


def test_a_session_signed_with_a_retired_secret_keeps_polling_and_moves_to_the_new_one(settings, owner):
    settings.SECRET_KEY = "the-old-secret-" + "x" * 40
    browser = Client()
    browser.force_login(owner)
    old_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-new-secret-" + "y" * 40, [settings.SECRET_KEY]

    response = browser.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 204  # still signed in
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value != old_key
    assert session_of(browser)[HASH_SESSION_KEY] == owner.get_session_auth_hash()


def test_an_idle_poll_from_a_host_not_allowed_is_refused(owner_client):
    headers = {**HTMX, "Host": "evil.example"}

    response = owner_client.get(URL, {"since": since(5), "idle": "1"}, headers=headers)

    assert response.status_code == 400


def test_an_idle_poll_is_sent_to_https_when_the_site_is(settings, owner_client):
    settings.SECURE_SSL_REDIRECT = True

    response = owner_client.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_a_session_whose_password_changed_elsewhere_is_signed_out_of_the_poll(owner_client, owner):
    make_generation(owner, Status.PENDING)
    owner.set_password("changed-somewhere-else-42")
    owner.save()

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert response["HX-Refresh"] == "true"  # the page reloads into the sign-in page
    assert "<article" not in response.text
    # Django's check flushed the session: the next request is signed out too.
    assert owner_client.get("/").status_code == 302


@pytest.mark.parametrize("change", ["inactive", "deleted"])
def test_an_account_switched_off_or_deleted_gets_no_poll(owner_client, owner, change):
    make_generation(owner, Status.PENDING)
    if change == "inactive":
        owner.is_active = False
        owner.save()
    else:
        owner.delete()

    response = owner_client.get(URL, {"since": since(60)}, headers=HTMX)

    assert response["HX-Refresh"] == "true" and "<article" not in response.text


def test_a_signed_out_gallery_reloads_into_sign_in_instead_of_swapping_it_into_the_page(client, db):
    response = client.get(URL, {"since": since(5), "idle": "1"}, headers=HTMX)

    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert client.get(URL).status_code == 302  # without htmx, the usual redirect

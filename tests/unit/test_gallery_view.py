"""GET /: the person's own generations, newest first, with the create form and a poller."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.media.images import check_result
from grokstudio.studio.models import Asset, Generation, Status
from tests.factories import make_clip, make_image

URL = "/"


def make_generation(
    user, status: str = Status.COMPLETED, *, prompt: str = "A red fox", **fields
) -> Generation:
    return Generation.objects.create(
        user=user, prompt=prompt, model="grok-imagine-image", status=status,
        params={"aspect_ratio": "1:1", "resolution": "1k", "n": 1}, **fields,
    )  # fmt: skip


def card_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="gen-(\d+)"', response.text)]


def poller(response) -> str:
    return re.search(r'<div id="poller"[^>]*>', response.text).group(0)


def test_it_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    ("query", "target"), [({"kind": "video"}, "create"), ({"q": "fox"}, "results"), ({}, "older-2")]
)
def test_a_signed_out_page_asking_for_a_part_reloads_into_sign_in(client, db, query, target):
    """The Image / Video switch, a filter, the next page: the sign-in page is not swapped into them."""
    response = client.get(URL, query, headers={"HX-Request": "true", "HX-Target": target})

    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_it_refuses_post(owner_client):
    assert owner_client.post(URL).status_code == 405


def test_it_shows_the_create_form(owner_client):
    response = owner_client.get(URL)

    assert response.status_code == 200
    assert '<form id="create"' in response.text
    assert 'hx-post="/generate/"' in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert '<textarea name="prompt"' in response.text


def test_it_shows_only_the_users_own_generations_newest_first(owner_client, owner, stranger):
    now = timezone.now()
    oldest = make_generation(owner, prompt="First light", created_at=now - timedelta(hours=2))
    newest = make_generation(owner, prompt="Last light", created_at=now)
    middle = make_generation(owner, prompt="Noon", created_at=now - timedelta(hours=1))
    theirs = make_generation(stranger, prompt="Someone else's secret", created_at=now)

    response = owner_client.get(URL)

    assert card_ids(response) == [newest.pk, middle.pk, oldest.pk]
    assert f"gen-{theirs.pk}" not in response.text
    assert "secret" not in response.text


def test_it_shows_results_as_thumbnails_with_a_download_link(owner_client, owner):
    generation = make_generation(owner)
    asset = services.store_image(user=owner, role=Asset.Role.OUTPUT, image=check_result(make_image()),
                                 generation=generation)  # fmt: skip

    response = owner_client.get(URL)

    assert f'src="/a/{asset.pk}/thumb"' in response.text
    assert f'href="/a/{asset.pk}/download"' in response.text
    assert f'href="/a/{asset.pk}/"' in response.text


def test_it_shows_a_failed_cards_message_and_code(owner_client, owner):
    make_generation(
        owner, Status.FAILED, message="xAI refused the prompt under its content policy.",
        error_code="content_moderated",
    )  # fmt: skip

    response = owner_client.get(URL)

    assert 'data-status="failed"' in response.text
    assert "xAI refused the prompt under its content policy." in response.text
    assert "<code>content_moderated</code>" in response.text


def test_it_escapes_the_prompt(owner_client, owner):
    make_generation(owner, prompt="<script>alert('fox')</script>")

    response = owner_client.get(URL)

    assert "<script>alert(" not in response.text
    assert "&lt;script&gt;" in response.text


def test_it_polls_while_something_is_active(owner_client, owner):
    make_generation(owner, Status.PENDING)

    response = owner_client.get(URL)

    assert 'hx-get="/poll/?since=' in poller(response)


def test_it_only_checks_now_and_then_when_nothing_is_active(owner_client, owner):
    make_generation(owner, Status.COMPLETED)

    response = owner_client.get(URL)

    assert 'data-polling="idle"' in poller(response) and 'data-interval="15.0"' in poller(response)


def test_another_users_active_work_does_not_speed_up_our_poller(owner_client, stranger):
    make_generation(stranger, Status.PENDING)

    assert 'data-polling="idle"' in poller(owner_client.get(URL))


def test_only_the_unfiltered_newest_first_gallery_takes_new_cards(owner_client, owner):
    make_generation(owner, Status.COMPLETED)

    assert re.search(r'<div id="gallery"[^>]* data-live', owner_client.get(URL).text)
    for query in ({"kind": "video"}, {"fav": "1"}, {"sort": "oldest"}, {"q": "fox"}):
        assert not re.search(r'<div id="gallery"[^>]* data-live', owner_client.get(URL, query).text), query


@pytest.mark.parametrize("emulator", [True, False])
def test_it_shows_the_emulator_banner_only_in_offline_mode(owner_client, settings, emulator):
    settings.XAI_EMULATOR = emulator

    response = owner_client.get(URL)

    assert ('class="banner"' in response.text) is emulator
    assert ("built-in xAI emulator" in response.text) is emulator


def test_it_makes_few_queries_for_a_full_gallery(owner_client, owner, django_assert_max_num_queries):
    for _ in range(30):
        generation = make_generation(owner)
        services.store_image(user=owner, role=Asset.Role.OUTPUT, image=check_result(make_image()),
                             generation=generation)  # fmt: skip

    with django_assert_max_num_queries(8):
        response = owner_client.get(URL)

    assert len(card_ids(response)) == 30


# --- presets: "Animate" on an image card, "Extend" on a video card ---------------------------


def own_image(user) -> Asset:
    return services.store_image(user=user, role=Asset.Role.OUTPUT, image=check_result(make_image()))


def own_video(user, seconds: float = 3.0) -> Asset:
    return services.store_clip(user=user, role=Asset.Role.OUTPUT, clip=check_clip(make_clip(seconds)))


def hidden_input(response, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}"[^>]*>', response.text)
    return match.group(0) if match else ""


def test_animate_opens_the_video_form_on_the_users_own_image(owner_client, owner):
    still = own_image(owner)

    response = owner_client.get(f"{URL}?kind=video&mode=image&image_asset={still.pk}")

    assert response.status_code == 200
    assert 'name="kind" value="video"' in response.text
    assert re.search(r'<option value="image"[^>]* selected>', response.text)
    assert f'<li class="asset"><img src="/a/{still.pk}/thumb" alt="The image to animate"' in response.text
    assert f'value="{still.pk}"' in hidden_input(response, "image_asset")
    assert 'aria-label="Remove the image to animate"' in response.text  # it comes off in place


def test_extend_opens_the_video_form_on_the_users_own_video(owner_client, owner):
    clip = own_video(owner, seconds=3.0)

    response = owner_client.get(f"{URL}?kind=video&mode=extend&video_asset={clip.pk}")

    assert response.status_code == 200
    assert '<option value="extend" selected>' in response.text
    assert f'<img src="/a/{clip.pk}/thumb"' in response.text
    assert "(3.0 s)" in response.text
    assert f'value="{clip.pk}"' in hidden_input(response, "video_asset")


@pytest.mark.parametrize("field", ["image_asset", "video_asset"])
def test_a_preset_naming_another_users_item_is_not_found(owner_client, stranger, field):
    theirs = own_image(stranger) if field == "image_asset" else own_video(stranger)

    response = owner_client.get(f"{URL}?kind=video&mode=image&{field}={theirs.pk}")

    assert response.status_code == 404
    assert f"/a/{theirs.pk}/thumb" not in response.text


def test_a_preset_naming_no_item_is_not_found(owner_client, db):
    assert owner_client.get(f"{URL}?kind=video&mode=image&image_asset=999999").status_code == 404


def test_a_preset_that_is_not_an_id_is_ignored(owner_client, db):
    response = owner_client.get(f"{URL}?kind=video&mode=image&image_asset=seven")

    assert response.status_code == 200
    assert hidden_input(response, "image_asset") == ""
    assert 'class="asset"' not in response.text


def test_a_refused_submit_keeps_the_preset(owner_client, owner):
    still = own_image(owner)

    response = owner_client.post(
        "/generate/",
        {"kind": "video", "mode": "image", "prompt": "", "model": "grok-imagine-video", "duration": "2",
         "aspect_ratio": "16:9", "resolution": "480p", "image_asset": str(still.pk)},
        headers={"HX-Request": "true"},
    )  # fmt: skip

    assert "Write a prompt first." in response.text
    assert f'<img src="/a/{still.pk}/thumb"' in response.text
    assert f'value="{still.pk}"' in hidden_input(response, "image_asset")
    assert not Generation.objects.exists()


def test_a_preset_of_the_wrong_kind_is_ignored(owner_client, owner):
    clip = own_video(owner)

    response = owner_client.get(f"{URL}?kind=video&mode=image&image_asset={clip.pk}")

    assert response.status_code == 200
    assert hidden_input(response, "image_asset") == ""
    assert f"/a/{clip.pk}/thumb" not in response.text


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1e3"])
def test_a_preset_id_that_is_not_a_plain_number_is_ignored(owner_client, value):
    response = owner_client.get("/", {"kind": "video", "mode": "image", "image_asset": value})

    assert response.status_code == 200
    assert "Animating this image" not in response.text

"""POST /g/<id>/reroll: the same request once more, as a new card at the top of the gallery."""

from __future__ import annotations

import html
import re

import pytest

from grokstudio.studio import services
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Generation, Kind, Reference, Status
from tests import queue
from tests.factories import make_generation, make_image


def url(generation: Generation) -> str:
    return f"/g/{generation.pk}/reroll"


def upload(user, color) -> Asset:
    return services.store_image(
        user=user, role=Asset.Role.UPLOAD, image=check_reference(make_image(color=color))
    )


def inputs(generation: Generation) -> list[tuple[int, str, int]]:
    return list(generation.references.order_by("position").values_list("asset_id", "role", "position"))


def messages(response) -> str:
    match = re.search(r'<ul class="messages">(.*?)</ul>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


@pytest.fixture
def edit(owner) -> Generation:
    """A finished image edit that combined two uploads and an earlier result."""
    earlier = make_generation(owner, prompt="An earlier fox").outputs.get()
    generation = make_generation(
        owner, prompt="Put the fox in the snow", model="grok-imagine-image-2.0", outputs=2,
        params={"aspect_ratio": "3:2", "resolution": "2k", "n": 2, "mode": "compose"},
    )  # fmt: skip
    for position, asset in enumerate([upload(owner, (9, 9, 9)), earlier, upload(owner, (7, 7, 7))]):
        Reference.objects.create(generation=generation, asset=asset, position=position)
    return generation


def the_reroll() -> Generation:
    return Generation.objects.filter(status=Status.PENDING).get()


def test_it_requires_login(client, edit):
    response = client.post(url(edit))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not Generation.objects.filter(status=Status.PENDING).exists()


def test_it_refuses_get(owner_client, edit):
    assert owner_client.get(url(edit)).status_code == 405
    assert not Generation.objects.filter(status=Status.PENDING).exists()


def test_it_sends_the_same_request_again_as_a_new_generation(owner_client, owner, edit):
    count = Generation.objects.count()

    response = owner_client.post(url(edit), follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Sent again with the same settings." in messages(response)
    assert Generation.objects.count() == count + 1
    again = the_reroll()
    assert again.pk != edit.pk
    assert (again.user, again.kind, again.prompt, again.model) == (owner, Kind.IMAGE, edit.prompt, edit.model)
    assert again.params == {"aspect_ratio": "3:2", "resolution": "2k", "n": 2, "mode": "compose"}
    assert again.outputs.count() == 0
    assert again.created_at > edit.created_at


def test_it_takes_the_same_inputs_in_the_same_order_and_roles(owner_client, edit):
    before = Asset.objects.count()

    owner_client.post(url(edit))

    assert inputs(the_reroll()) == inputs(edit)
    assert len(inputs(edit)) == 3
    assert Asset.objects.count() == before  # the same files, not copies


def test_it_leaves_the_original_as_it_was(owner_client, edit):
    owner_client.post(url(edit))

    edit.refresh_from_db()
    assert edit.status == Status.COMPLETED
    assert edit.outputs.count() == 2
    assert len(inputs(edit)) == 3


def test_an_image_reroll_queues_the_poller_for_the_new_row(
    owner_client, edit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url(edit))

    (task,) = queue.queued()
    assert task["func"] == "grokstudio.studio.generation.tasks.poll_videos"  # which starts it


def test_a_failed_generation_can_be_tried_again(owner_client, owner):
    failed = make_generation(owner, prompt="A refused fox", status=Status.FAILED, error_code="rate_limited")

    owner_client.post(url(failed))

    again = the_reroll()
    assert (again.prompt, again.message, again.error_code) == ("A refused fox", "", "")


def test_a_video_reroll_is_pending_with_its_inputs_and_queues_no_image_task(owner_client, owner):
    first = upload(owner, (1, 1, 1))
    last = upload(owner, (2, 2, 2))
    params = {"mode": "image", "n": 1, "duration": 6, "aspect_ratio": "", "resolution": "720p",
              "audio": False, "shape": "64:48"}  # fmt: skip
    video = make_generation(owner, kind="video", model="grok-imagine-video-1.5", outputs=0, params=params)
    Reference.objects.create(generation=video, asset=first, position=0, role=Reference.Role.FIRST_FRAME)
    Reference.objects.create(generation=video, asset=last, position=1, role=Reference.Role.LAST_FRAME)

    owner_client.post(url(video))

    again = the_reroll()
    assert (again.kind, again.model, again.params) == (Kind.VIDEO, "grok-imagine-video-1.5", params)
    assert inputs(again) == [(first.pk, "first_frame", 0), (last.pk, "last_frame", 1)]
    assert not queue.queued()  # the poller starts waiting videos, not a task per row


def test_htmx_prepends_the_new_card_and_starts_polling(owner_client, edit):
    response = owner_client.post(url(edit), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    again = the_reroll()
    prepended = re.search(
        r'<div hx-swap-oob="afterbegin:#gallery">(.*?)</div>\s*<div id="poller"', response.text, re.S
    )
    assert prepended is not None
    assert f'<article id="gen-{again.pk}"' in prepended.group(1)
    assert 'data-status="pending"' in prepended.group(1)
    poller = re.search(r'<div id="poller"[^>]*>', response.text).group(0)
    assert 'hx-get="/poll/?since=' in poller
    assert 'hx-swap-oob="true"' in poller


def test_another_users_generation_is_not_found_and_not_sent(stranger_client, edit):
    count = Generation.objects.count()

    response = stranger_client.post(url(edit), headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert Generation.objects.count() == count
    assert not queue.queued()

"""Prompt help end to end: the service the views use, the worker's task, the real SDK, the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.attribution import xai_user_id
from grokstudio.studio.generation import tasks
from grokstudio.studio.media.images import check_result
from grokstudio.studio.models import Asset, PromptHelp
from tests import queue
from tests.factories import make_image
from tests.integration.drive import drive

pytestmark = pytest.mark.django_db


def run(help: PromptHelp) -> PromptHelp:
    tasks.run_prompt_help(help.pk)
    help.refresh_from_db()
    return help


def picture(user, colour=(30, 160, 40), size=(160, 90), fmt="WEBP") -> Asset:
    image = check_result(make_image(fmt, size, color=colour))
    return services.store_image(user=user, role=Asset.Role.UPLOAD, image=image)


def improve(user, prompt="a lighthouse at dusk", **target) -> PromptHelp:
    target = {"kind": "image", "model": "grok-imagine-image", "mode": "", **target}
    return services.request_prompt_help(user, PromptHelp.Kind.IMPROVE, prompt=prompt, target=target)


def test_improve_ends_with_a_suggestion_built_on_the_prompt_and_its_cost(owner, xai, settings):
    help = run(improve(owner))

    assert help.status == "completed", help.message
    [suggestion] = help.suggestions
    assert suggestion.startswith("a lighthouse at dusk, ") and len(suggestion) <= 1000
    assert help.cost_usd_ticks and help.cost_usd_ticks > 0
    [call] = xai.calls("GetCompletion")
    request = call["request"]
    assert request["model"] == settings.STUDIO_PROMPT_MODEL
    assert "grok-imagine-image" in request["messages"][0]["content"][0]["text"]
    assert call["user"] == xai_user_id(owner.pk)


def test_improve_for_a_video_mode_asks_for_motion(owner, xai):
    run(improve(owner, "a dog on a beach", kind="video", model="grok-imagine-video", mode="image"))

    system = xai.calls("GetCompletion")[0]["request"]["messages"][0]["content"][0]["text"]
    assert "videos (image to video)" in system.lower() and "camera movement" in system


def test_gallery_images_go_along_as_jpeg_whatever_they_are_stored_as(owner, xai):
    reference = picture(owner, colour=(20, 40, 220))
    help = services.request_prompt_help(
        owner, PromptHelp.Kind.IMPROVE, prompt="a castle", target={"kind": "image"}, assets=[reference]
    )
    help = run(help)

    assert help.status == "completed", help.message
    assert "blue" in help.suggestions[0]
    user_parts = xai.calls("GetCompletion")[0]["request"]["messages"][1]["content"]
    assert user_parts[1]["image_url"]["image_url"].startswith("data:image/jpeg;base64,")


def test_describe_offers_up_to_four_prompts_naming_the_pictures_colour_and_shape(owner, xai):
    asset = picture(owner, colour=(200, 30, 30), size=(200, 100))
    help = run(services.request_prompt_help(owner, PromptHelp.Kind.DESCRIBE, assets=[asset]))

    assert help.status == "completed", help.message
    assert 1 <= len(help.suggestions) <= 4
    assert all("red" in s and "landscape" in s for s in help.suggestions)
    assert xai.calls("GetCompletion")[0]["request"]["messages"][1]["content"][0]["image_url"]


def test_moderation_ends_the_help_failed_and_says_so(owner, xai):
    help = run(improve(owner, "something forbidden [fault:moderation]"))

    assert help.status == "failed"
    assert help.error_code == "moderated"
    assert "moderation" in help.message
    assert help.suggestions == []


def test_an_empty_answer_ends_the_help_failed_and_its_cost_still_counts(owner, xai):
    help = run(improve(owner, "a lighthouse [fault:empty_answer]"))

    assert help.status == "failed"
    assert help.error_code == "bad_response"
    assert "without a usable prompt" in help.message
    assert help.cost_usd_ticks and help.cost_usd_ticks > 0


@pytest.mark.parametrize(
    ("fault", "times", "code", "says"),
    [
        ("unavailable", 5, "unavailable", "Try again in a moment"),
        ("permission_denied", 1, "permission_denied", "not allowed"),
        ("rate_limit", 1, "rate_limited", "Try again in a moment"),
    ],
)
def test_an_outage_or_refusal_ends_the_help_failed_with_a_message(owner, xai, fault, times, code, says):
    xai.add_fault("GetCompletion", fault, times=times)
    help = run(improve(owner))

    assert help.status == "failed"
    assert help.error_code == code
    assert says in help.message
    assert len(xai.calls("GetCompletion")) == times  # the SDK's own retries, and nothing more


def test_a_help_is_asked_once_however_often_its_task_runs(owner, xai):
    help = improve(owner)
    run(help)
    run(help)

    assert len(xai.calls("GetCompletion")) == 1


@pytest.mark.django_db(transaction=True)  # the poller starts the image on its own thread
def test_one_account_sends_one_id_to_images_and_chat_alike(owner, stranger, xai):
    run(improve(owner))
    run(improve(stranger))
    generation = services.submit_image_generation(
        owner,
        {"prompt": "a fox", "model": "grok-imagine-image", "aspect_ratio": "1:1", "resolution": "1k", "n": 1},
    )
    drive(generation)

    chat = [c["user"] for c in xai.calls("GetCompletion")]
    assert chat[0] != chat[1]
    assert xai.calls("GenerateImage")[0]["user"] == chat[0]


def test_the_sweep_asks_again_for_help_whose_task_was_lost_and_ends_help_lost_asking(owner, xai):
    from grokstudio.studio.generation import prompt_help

    waiting, fresh, asking = improve(owner, "lost"), improve(owner, "just asked"), improve(owner, "asking")
    long_ago = timezone.now() - timedelta(hours=1)
    PromptHelp.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    asking.claim()
    PromptHelp.objects.filter(pk=asking.pk).update(created_at=long_ago, started_at=long_ago)
    queue.clear()  # the tasks queued with the rows were lost

    assert prompt_help.sweep() == 2
    assert [task["args"] for task in queue.queued()] == [(waiting.pk,)]
    assert PromptHelp.objects.get(pk=fresh.pk).status == "pending"
    asking.refresh_from_db()
    assert (asking.status, asking.error_code) == ("failed", "outcome_unknown")
    assert xai.calls("GetCompletion") == []  # never sent again

    assert run(waiting).status == "completed"  # what the nudged task does

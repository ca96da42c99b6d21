"""Presets: saved from the create form, applied in one click, used by name through the task API."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from grokstudio.api.models import ApiToken
from grokstudio.studio import validation
from grokstudio.studio.models import Generation, Preset
from tests.factories import make_generation

pytestmark = pytest.mark.django_db

FORM = {"kind": "image", "prompt": "a fox", "model": "grok-imagine-image", "aspect_ratio": "16:9",
        "resolution": "2k", "n": "3"}  # fmt: skip


@pytest.fixture
def house_style(owner):
    return Preset.objects.create(
        user=owner, name="House style", kind="image", prompt_prefix="A cinematic photo of",
        prompt_suffix=", 35mm film", options={"model": "grok-imagine-image", "aspect_ratio": "16:9",
                                                "resolution": "2k", "n": 3},
    )  # fmt: skip


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user, 'script')[1]}"})


def test_it_saves_the_create_form_as_a_preset(owner_client, owner):
    response = owner_client.post(
        "/presets/save",
        {**FORM, "preset-name": "Wide", "preset-prompt_prefix": "Moody", "preset-prompt_suffix": ""},
    )
    preset = Preset.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"].endswith(f"?preset={preset.pk}")
    assert preset.name == "Wide" and preset.kind == "image" and preset.prompt_prefix == "Moody"
    assert preset.options == {
        "model": "grok-imagine-image",
        "aspect_ratio": "16:9",
        "resolution": "2k",
        "n": 3,
        "quality": "",
    }


def test_saving_under_a_name_in_use_updates_that_preset(owner_client, owner, house_style):
    owner_client.post("/presets/save", {**FORM, "n": "1", "preset-name": "house style"})
    house_style.refresh_from_db()
    assert Preset.objects.count() == 1 and house_style.options["n"] == 1


def test_options_a_model_does_not_offer_are_refused_when_saved(owner_client):
    response = owner_client.post("/presets/save", {**FORM, "n": "99", "preset-name": "Too many"})
    assert response.status_code == 302 and not Preset.objects.exists()


def test_check_preset_refuses_what_the_model_table_refuses():
    with pytest.raises(ValidationError) as caught:
        validation.check_preset("video", {"model": "grok-imagine-video", "mode": "text", "duration": 99})
    assert "duration" in caught.value.error_dict


def test_applying_a_preset_fills_the_create_form(owner_client, house_style):
    page = owner_client.get(f"/?preset={house_style.pk}&prompt=a+heron").content.decode()
    assert 'value="16:9" selected' in page and 'value="2k" selected' in page
    assert 'name="n" value="3"' in page and "a heron</textarea>" in page
    assert "wraps your prompt" in page


def test_a_generation_made_with_a_preset_has_its_prompt_wrapped(owner_client, owner, house_style):
    owner_client.post("/generate/", {**FORM, "prompt": "a heron", "preset": house_style.pk})
    assert Generation.objects.get(user=owner).prompt == "A cinematic photo of a heron, 35mm film"


def test_other_user_gets_404_applying_my_preset(stranger_client, house_style):
    assert stranger_client.get(f"/?preset={house_style.pk}").status_code == 404


def test_other_user_gets_404_editing_or_deleting_my_preset(stranger_client, house_style):
    assert (
        stranger_client.post(f"/presets/{house_style.pk}/edit", {f"p{house_style.pk}-name": "x"}).status_code
        == 404
    )
    assert stranger_client.post(f"/presets/{house_style.pk}/delete").status_code == 404
    assert Preset.objects.get().name == "House style"


def test_a_published_preset_is_offered_to_everyone_but_only_staff_change_it(
    stranger_client, stranger, house_style
):
    house_style.shared = True
    house_style.save()
    assert stranger_client.get(f"/?preset={house_style.pk}").status_code == 200
    assert "House style" in stranger_client.get("/presets/").content.decode()
    assert stranger_client.post(f"/presets/{house_style.pk}/delete").status_code == 404
    stranger.is_staff = True
    stranger.save()
    assert stranger_client.post(f"/presets/{house_style.pk}/delete").status_code == 302
    assert not Preset.objects.exists()


def test_renaming_and_rewording_on_the_presets_page(owner_client, house_style):
    prefix = f"p{house_style.pk}-"
    edit = {prefix + "name": "Film", prefix + "prompt_prefix": "", prefix + "prompt_suffix": ", grain"}
    owner_client.post(f"/presets/{house_style.pk}/edit", edit)
    house_style.refresh_from_db()
    assert (house_style.name, house_style.prompt_prefix, house_style.prompt_suffix) == ("Film", "", ", grain")


def test_only_staff_may_publish(owner_client, house_style):
    prefix = f"p{house_style.pk}-"
    owner_client.post(
        f"/presets/{house_style.pk}/edit", {prefix + "name": "House style", prefix + "shared": "on"}
    )
    house_style.refresh_from_db()
    assert not house_style.shared


def test_the_api_takes_a_preset_by_name_and_explicit_fields_win(owner, house_style):
    answer = api(owner).post(
        "/xai/images", {"prompt": "a heron", "preset": "House style", "n": 1}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    generation = Generation.objects.get(pk=int(answer.json()["taskId"]))
    assert generation.prompt == "A cinematic photo of a heron, 35mm film"
    assert generation.params["n"] == 1 and generation.params["aspect_ratio"] == "16:9"
    assert generation.params["resolution"] == "2k"


def test_the_api_refuses_an_unknown_preset_naming_the_field(owner):
    answer = api(owner).post(
        "/xai/images", {"prompt": "a heron", "preset": "Nope"}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "preset"
    assert not Generation.objects.exists()


def test_the_api_does_not_use_another_users_preset(stranger, house_style):
    answer = api(stranger).post(
        "/xai/images", {"prompt": "a heron", "preset": "House style"}, content_type="application/json"
    )
    assert answer.status_code == 422


VIDEO_FORM = {"kind": "video", "prompt": "a fox", "mode": "text", "model": "grok-imagine-video-1.5",
              "duration": "6", "aspect_ratio": "16:9", "resolution": "1080p", "audio": "on"}  # fmt: skip


def test_a_preset_keeps_quality_and_voices_and_the_api_applies_them(owner_client, owner):
    owner_client.post(
        "/presets/save",
        {**FORM, "model": "grok-imagine-image-2.0", "resolution": "1k", "quality": "medium",
         "preset-name": "Sharp"},
    )  # fmt: skip
    owner_client.post("/presets/save", {**VIDEO_FORM, "voices": ["eve", "rex"], "preset-name": "Voiced"})

    sharp, voiced = Preset.objects.get(name="Sharp"), Preset.objects.get(name="Voiced")
    assert sharp.options["quality"] == "medium"
    assert voiced.options["voices"] == ["eve", "rex"] and voiced.options["resolution"] == "1080p"
    assert "eve, rex" in voiced.summary()
    page = owner_client.get(f"/?kind=video&preset={voiced.pk}").content.decode()
    checked = re.findall(r'<input type="checkbox" name="voices" value="(\w+)"[^>]*checked', page)
    assert checked == ["eve", "rex"]

    client, json = api(owner), "application/json"
    image = client.post("/xai/images", {"prompt": "a heron", "preset": "Sharp"}, content_type=json)
    video = client.post("/xai/videos", {"prompt": "a heron", "preset": "Voiced"}, content_type=json)
    assert image.status_code == 200 and video.status_code == 200, (image.content, video.content)
    assert Generation.objects.get(pk=int(image.json()["taskId"])).params["quality"] == "medium"
    assert Generation.objects.get(pk=int(video.json()["taskId"])).params["voices"] == ["eve", "rex"]


@pytest.mark.parametrize(
    ("kind", "options", "field"),
    [
        ("image", {"model": "grok-imagine-image", "quality": "low"}, "quality"),
        ("video", {"model": "grok-imagine-video", "mode": "text", "voices": ["eve"]}, "voices"),
        ("video", {"model": "grok-imagine-video-1.5", "mode": "text", "voices": ["nobody"]}, "voices"),
    ],
)
def test_check_preset_refuses_quality_or_voices_the_model_does_not_take(kind, options, field):
    with pytest.raises(ValidationError) as caught:
        validation.check_preset(kind, options)
    assert field in caught.value.error_dict


V15 = "grok-imagine-video-1.5"


@pytest.mark.parametrize("voices", [5, "eve", [["eve"]], [None]])
def test_voices_that_are_not_a_list_of_ids_are_refused_not_an_error(voices):
    with pytest.raises(ValidationError) as caught:
        validation.check_preset("video", {"model": V15, "mode": "text", "voices": voices})
    assert caught.value.error_dict["voices"][0].message == "Voices are a list of voice ids."


@pytest.fixture
def voiced(owner):
    """A preset saved on 1.5 with voices: they speak whenever a task's model and mode take them."""
    return Preset.objects.create(
        user=owner, name="Voiced", kind="video",
        options={"model": V15, "mode": "text", "duration": 6, "aspect_ratio": "16:9", "resolution": "720p",
                 "audio": True, "voices": ["eve"]},
    )  # fmt: skip


def post_video(user, body: dict):
    return api(user).post("/xai/videos", {"prompt": "a heron", **body}, content_type="application/json")


@pytest.mark.parametrize(
    "changes",
    [{"mode": "video"}, {"mode": "extend", "duration": 4}, {"model": "grok-imagine-video"}, {"audio": False}],
    ids=["edit", "extend", "model without voices", "no sound"],
)
def test_voices_a_preset_brings_to_a_task_that_takes_none_are_left_out(owner, voiced, changes):
    clip = make_generation(owner, kind="video").outputs.get()

    answer = post_video(owner, {"preset": "Voiced", "videoAssetId": clip.pk, **changes})

    assert answer.status_code == 200, answer.content
    assert Generation.objects.get(pk=int(answer.json()["taskId"])).params.get("voices", []) == []


def test_a_preset_saved_with_a_mode_that_takes_no_voices_is_used_as_the_form_uses_it(
    owner, owner_client, voiced
):
    voiced.options = {**voiced.options, "mode": "extend", "duration": 4}
    voiced.save()
    clip = make_generation(owner, kind="video").outputs.get()

    page = owner_client.get(f"/?kind=video&preset={voiced.pk}").content.decode()
    answer = post_video(owner, {"preset": "Voiced", "videoAssetId": clip.pk})

    assert not re.findall(r'<input type="checkbox" name="voices" value="(\w+)"[^>]*checked', page)
    assert answer.status_code == 200, answer.content
    assert Generation.objects.get(pk=int(answer.json()["taskId"])).params.get("voices", []) == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"mode": "extend", "duration": 4}, "not_for_mode"),
        ({"model": "grok-imagine-video"}, "no_voices"),
        ({"audio": False}, "voices_without_audio"),
    ],
)
def test_voices_the_request_names_for_a_task_that_takes_none_are_refused(owner, voiced, changes, code):
    clip = make_generation(owner, kind="video").outputs.get()

    answer = post_video(owner, {"preset": "Voiced", "videoAssetId": clip.pk, "voices": ["eve"], **changes})

    assert answer.status_code == 422, answer.content
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("voices", code)]
    assert "voices" in answer.json()["message"]
    assert Generation.objects.filter(prompt__contains="heron").count() == 0


def test_fitting_a_preset_leaves_out_voices_where_the_task_cannot_speak_them():
    options = {"model": V15, "duration": 6, "resolution": "1080p", "voices": ["eve"]}
    without = {"model": V15, "duration": 6, "resolution": "1080p"}

    assert validation.fit_preset(options, V15, "text") == options
    assert validation.fit_preset(options, V15, "reference") == options
    assert validation.fit_preset(options, V15, "extend") == without
    assert validation.fit_preset(options, "grok-imagine-video", "text") == without
    assert validation.fit_preset(options, V15, "text", audio=False) == without

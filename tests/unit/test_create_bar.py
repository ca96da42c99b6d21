"""The create bar's "More options": closed unless it holds something the person must see."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grokstudio.studio import catalog
from tests.factories import make_generation


def more_options(html: str) -> str:
    return re.search(r"<details class=\"advanced\"[^>]*>", html).group(0)


def test_more_options_starts_closed(owner_client):
    assert " open" not in more_options(owner_client.get("/").content.decode())


def test_more_options_is_open_with_an_image_from_the_gallery_attached(owner_client, owner):
    asset = make_generation(owner).outputs.get()

    html = owner_client.get("/", {"reference_asset": asset.pk}).content.decode()

    assert " open data-keep-open" in more_options(html)


def test_more_options_is_open_when_a_reference_was_refused(owner_client):
    data = {"kind": "image", "prompt": "a fox", "model": "grok-imagine-image", "resolution": "1k", "n": "1",
            "references": [SimpleUploadedFile("notes.png", b"not a picture")]}  # fmt: skip

    html = owner_client.post("/generate/", data, HTTP_HX_REQUEST="true").content.decode()

    assert " open data-keep-open" in more_options(html)
    assert "notes.png" in html


# --- The Image / Video switch keeps what was put in the form --------------------------------


def hidden_values(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{name}" value="(\d+)"', html)


def test_switching_to_video_keeps_the_prompt_and_makes_the_references_a_reference_video(owner_client, owner):
    first, second = (make_generation(owner).outputs.get() for _ in range(2))

    html = owner_client.get(
        "/", {"kind": "video", "prompt": "A fox at dawn", "reference_assets": [first.pk, second.pk]}
    ).content.decode()

    assert 'name="kind" value="video"' in html
    assert "A fox at dawn</textarea>" in html
    assert re.search(r'<option value="reference"[^>]* selected>', html)
    assert hidden_values(html, "reference_assets") == [str(first.pk), str(second.pk)]


def test_switching_to_image_makes_a_videos_starting_picture_a_reference(owner_client, owner):
    still = make_generation(owner).outputs.get()

    html = owner_client.get("/", {"prompt": "A fox at dawn", "image_asset": still.pk}).content.decode()

    assert "A fox at dawn</textarea>" in html
    assert hidden_values(html, "reference_assets") == [str(still.pk)]


def test_switching_with_another_persons_picture_is_not_found(owner_client, stranger):
    theirs = make_generation(stranger).outputs.get()

    assert owner_client.get("/", {"kind": "video", "reference_assets": theirs.pk}).status_code == 404


# --- A keyframe row keeps its gallery picture in sight --------------------------------------


def keyframe_row(html: str, n: int) -> str:
    return re.search(
        rf'<div class="keyframe" data-keyframe="{n}">.*?<div class="field keyframe-time', html, re.S
    ).group(0)


# A video from a prompt on a model that takes keyframes.
KEYFRAMES_VIDEO = {
    "kind": "video", "mode": "text", "duration": "8", "aspect_ratio": "16:9", "resolution": "480p",
    "model": next(m.name for m in catalog.VIDEO_MODELS.values() if m.max_keyframes),
}  # fmt: skip


def test_a_refused_form_shows_a_keyframe_rows_gallery_picture_with_its_remove_button(owner_client, owner):
    still = make_generation(owner).outputs.get()
    data = {**KEYFRAMES_VIDEO, "prompt": "", "keyframe_2_asset": still.pk, "keyframe_2_time": "2"}

    html = owner_client.post("/generate/", data, HTTP_HX_REQUEST="true").content.decode()

    assert "Write a prompt first." in html
    row = keyframe_row(html, 2)
    assert f'<img src="/a/{still.pk}/thumb" alt="Keyframe 2"' in row
    assert 'data-remove-attachment aria-label="Remove keyframe 2"' in row
    # The picture goes again with the next submit, once.
    assert hidden_values(html, "keyframe_2_asset") == [str(still.pk)]
    assert "<img" not in keyframe_row(html, 1)


def test_a_keyframe_row_shows_no_picture_of_another_person(owner_client, stranger):
    theirs = make_generation(stranger).outputs.get()
    data = {**KEYFRAMES_VIDEO, "prompt": "a kite", "keyframe_1_asset": theirs.pk, "keyframe_1_time": "2"}

    html = owner_client.post("/generate/", data, HTTP_HX_REQUEST="true").content.decode()

    assert "That image is not in your gallery." in html
    assert f"/a/{theirs.pk}/thumb" not in html


def test_a_keyframe_row_shows_no_video_of_ones_own(owner_client, owner):
    clip = make_generation(owner, kind="video").outputs.get()
    data = {**KEYFRAMES_VIDEO, "prompt": "a kite", "keyframe_1_asset": clip.pk, "keyframe_1_time": "2"}

    html = owner_client.post("/generate/", data, HTTP_HX_REQUEST="true").content.decode()

    assert "That image is not in your gallery." in html
    assert f"/a/{clip.pk}/thumb" not in html and hidden_values(html, "keyframe_1_asset") == []


@pytest.mark.parametrize("field", ["keyframe_1_asset", "image_asset", "video_asset", "reference_assets"])
def test_an_absurd_gallery_id_on_a_refused_form_is_refused_not_an_error(owner_client, field):
    data = {**KEYFRAMES_VIDEO, "prompt": "", field: "9" * 5000, "keyframe_1_time": "2"}

    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = owner_client.post("/generate/", data, **headers)

        assert response.status_code in (200, 400) and "Write a prompt first." in response.content.decode()

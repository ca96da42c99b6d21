"""The create bar's "More options": closed unless it holds something the person must see."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

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

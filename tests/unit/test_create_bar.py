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

"""Controls only some models take (keyframes, voices, a last frame, image quality) follow the model
table: each model and mode option says what it takes, and the stylesheet names no model."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from grokstudio.studio import catalog, validation

MODELS = [*catalog.IMAGE_MODELS.values(), *catalog.VIDEO_MODELS.values()]


def takes(html: str, select: str) -> dict[str, set[str]]:
    """Each option of the select with id `select`: its value and what its `data-takes` names."""
    body = re.search(rf'<select[^>]*id="{select}"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = {}
    for attrs in re.findall(r"<option([^>]*)>", body):
        value = re.search(r'value="([^"]*)"', attrs).group(1)
        named = re.search(r'data-takes="([^"]*)"', attrs)
        found[value] = set(named.group(1).split()) if named else set()
    return found


@pytest.mark.parametrize(
    "path",
    [
        "static/css/studio.css",
        "static/js/composer.js",
        "static/js/studio.js",
        "templates/studio/gallery.html",
    ],
)
def test_the_pages_own_files_name_no_model(path):
    text = (settings.BASE_DIR / path).read_text()
    named = [m.name for m in MODELS if m.name in text or m.label in text]
    assert not named, f"{path} names {named}: read what a model takes from its option's data-takes"


def test_each_image_model_option_says_what_it_takes(owner_client):
    options = takes(owner_client.get("/").content.decode(), "id_model")

    assert options == {m.name: set(m.takes) for m in catalog.IMAGE_MODELS.values()}
    assert any("quality" in taken for taken in options.values())


def test_each_video_model_and_mode_option_says_what_it_takes(owner_client):
    html = owner_client.get("/", {"kind": "video"}).content.decode()

    assert takes(html, "id_model") == {m.name: set(m.takes) for m in catalog.VIDEO_MODELS.values()}
    modes = takes(html, "id_mode")
    for control in ("last_frame", "keyframes", "voices"):
        assert {mode for mode, taken in modes.items() if control in taken} == set(
            validation.VIDEO_INPUTS[control]
        )


def test_what_a_model_takes_comes_from_its_limits():
    plain = catalog.VideoModel("grok-imagine-video-next", "Next")
    speaking = catalog.VideoModel("grok-imagine-video-next", "Next", voices=("eve",), max_voices=1)

    assert plain.takes == ()
    assert speaking.takes == ("voices",)
    assert catalog.ImageModel("grok-imagine-image-next", "Next", qualities=("low",)).takes == ("quality",)


def test_the_help_beside_a_control_names_the_models_that_take_it(owner_client):
    html = owner_client.get("/", {"kind": "video"}).content.decode()
    takers = {
        control: " and ".join(m.label for m in catalog.VIDEO_MODELS.values() if control in m.takes)
        for control in ("last_frame", "voices", "keyframes")
    }

    assert all(takers.values())
    assert f"{takers['last_frame']} only: the clip ends on it." in html
    assert f"{takers['voices']}: up to {catalog.max_voices()} of xAI&#x27;s preset voices" in html
    assert f'id="keyframes-help">{takers["keyframes"]}: up to {catalog.max_keyframes()} pictures' in html

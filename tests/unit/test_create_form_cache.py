"""A plain create form's options (the `create-options` fragment of studio/gallery.html) are
rendered once per person, kind and set of presets, then read from the cache: rendering their
widgets was most of a gallery page's work. A form that starts from something (a preset, a
picture, a prompt) is rendered afresh every time."""

from __future__ import annotations

import re

from grokstudio.studio.models import Preset


def options(response) -> str:
    match = re.search(r'<div class="options">.*?</form>', response.text, re.S)
    assert match, "no create form options"
    return match.group(0)


def make_preset(user, name: str = "Dusk palette", kind: str = "image") -> Preset:
    return Preset.objects.create(
        user=user, name=name, kind=kind,
        options={"model": "grok-imagine-image", "aspect_ratio": "16:9", "resolution": "1k", "n": 2},
    )  # fmt: skip


def rename_behind_its_back(preset: Preset, name: str) -> None:
    """A write that leaves `updated_at` alone: only options rendered afresh show it."""
    Preset.objects.filter(pk=preset.pk).update(name=name, updated_at=preset.updated_at)


def test_the_plain_form_is_rendered_once_and_shown_the_same(owner_client, owner):
    preset = make_preset(owner)
    first = options(owner_client.get("/"))
    rename_behind_its_back(preset, "Renamed quietly")

    again = owner_client.get("/")

    assert options(again) == first
    assert "Dusk palette" in first


def test_a_preset_saved_changes_the_form_at_once(owner_client, owner):
    preset = make_preset(owner)
    owner_client.get("/")

    preset.name = "Night shots"
    preset.save()

    page = options(owner_client.get("/"))
    assert "Night shots" in page and "Dusk palette" not in page


def test_a_preset_added_or_deleted_changes_the_form_at_once(owner_client, owner):
    owner_client.get("/")
    added = make_preset(owner, name="Added")
    assert "Added" in options(owner_client.get("/"))

    added.delete()

    assert "Added" not in options(owner_client.get("/"))


def test_each_kind_has_its_own_form(owner_client):
    owner_client.get("/")

    video = options(owner_client.get("/", {"kind": "video"}))

    assert 'name="mode"' in video and 'name="duration"' in video
    assert 'name="n"' in options(owner_client.get("/"))


def test_a_form_that_starts_from_a_preset_is_rendered_afresh(owner_client, owner):
    preset = make_preset(owner)
    owner_client.get("/", {"preset": preset.pk})
    rename_behind_its_back(preset, "Renamed quietly")

    page = options(owner_client.get("/", {"preset": preset.pk}))

    assert "Renamed quietly" in page


def test_one_persons_presets_never_reach_anothers_form(owner_client, owner, stranger_client):
    make_preset(owner, name="Only mine")
    assert "Only mine" in options(owner_client.get("/"))

    assert "Only mine" not in options(stranger_client.get("/"))

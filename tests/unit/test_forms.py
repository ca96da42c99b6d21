"""The create form checks every option against the model table, and every file."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from grokstudio.studio import catalog
from grokstudio.studio.media.images import CheckedImage
from grokstudio.studio.web.forms import ImageGenerationForm
from tests.factories import make_image

VALID = {"prompt": "A red fox at dawn", "model": "grok-imagine-image", "aspect_ratio": "16:9",
         "resolution": "1k", "n": "2"}  # fmt: skip


def upload(name: str = "fox.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image("PNG") if data is None else data, content_type="image/png")


def make_form(files: list[SimpleUploadedFile] | None = None, **changes) -> ImageGenerationForm:
    data = {**VALID, **changes}
    return ImageGenerationForm(
        {k: v for k, v in data.items() if v is not None},
        MultiValueDict({"references": files or []}),
    )


def test_it_accepts_valid_data():
    form = make_form()

    assert form.is_valid(), form.errors
    assert form.cleaned_data["prompt"] == "A red fox at dawn"
    assert form.cleaned_data["n"] == 2
    assert form.cleaned_data["references"] == []


def test_its_cleaned_references_are_checked_images_in_order():
    form = make_form([upload("a.png", make_image("PNG", size=(10, 20))), upload("b.jpg", make_image("JPEG"))])

    assert form.is_valid(), form.errors
    first, second = form.cleaned_data["references"]
    assert isinstance(first, CheckedImage)
    assert isinstance(second, CheckedImage)
    assert (first.format, first.width, first.height) == ("PNG", 10, 20)
    assert second.format == "JPEG"


def test_it_requires_a_prompt():
    form = make_form(prompt=None)

    assert form.errors["prompt"] == ["Write a prompt first."]


def test_it_treats_a_blank_prompt_as_missing():
    form = make_form(prompt="   \n ")

    assert form.errors["prompt"] == ["Write a prompt first."]


def test_it_accepts_a_prompt_of_1000_characters():
    assert make_form(prompt="x" * catalog.PROMPT_MAX_CHARS).is_valid()


def test_it_refuses_a_prompt_over_1000_characters():
    form = make_form(prompt="x" * (catalog.PROMPT_MAX_CHARS + 1))

    assert form.errors["prompt"] == ["1 character over the 1,000 limit."]


def test_it_says_how_far_a_long_prompt_is_over_the_limit():
    form = make_form(prompt="x" * 2234)

    assert form.errors["prompt"] == ["1,234 characters over the 1,000 limit."]


def test_the_prompt_box_gets_the_limit_to_count_against_but_no_maxlength_to_cut_with():
    html = str(make_form()["prompt"])

    assert f'data-limit="{catalog.PROMPT_MAX_CHARS}"' in html
    assert "maxlength" not in html


def test_a_line_break_counts_as_one_character_as_in_the_browser():
    form = make_form(prompt="x\r\n" * 500)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["prompt"] == ("x\n" * 500).strip()


def test_it_refuses_a_model_not_in_the_catalog():
    form = make_form(model="dall-e-3")

    assert "model" in form.errors
    assert "dall-e-3" in form.errors["model"][0]


@pytest.mark.parametrize("model", list(catalog.IMAGE_MODELS))
def test_it_accepts_every_catalog_model(model):
    assert make_form(model=model).is_valid()


def test_it_refuses_an_aspect_ratio_no_model_offers():
    form = make_form(aspect_ratio="5:4")

    assert "5:4" in form.errors["aspect_ratio"][0]


def test_it_allows_auto_aspect_ratio():
    form = make_form(aspect_ratio="")

    assert form.is_valid()
    assert form.cleaned_data["aspect_ratio"] == ""


def test_it_refuses_an_aspect_ratio_the_chosen_model_does_not_offer(monkeypatch):
    square_only = dataclasses.replace(catalog.IMAGE_MODELS["grok-imagine-image"], aspect_ratios=("1:1",))
    monkeypatch.setitem(catalog.IMAGE_MODELS, "grok-imagine-image", square_only)

    form = make_form(aspect_ratio="16:9")

    assert form.errors["aspect_ratio"] == ["Grok Imagine does not offer 16:9."]
    assert make_form(aspect_ratio="1:1").is_valid()


def test_it_refuses_a_resolution_the_chosen_model_does_not_offer(monkeypatch):
    small_only = dataclasses.replace(catalog.IMAGE_MODELS["grok-imagine-image"], resolutions=("1k",))
    monkeypatch.setitem(catalog.IMAGE_MODELS, "grok-imagine-image", small_only)

    form = make_form(resolution="2k")

    assert form.errors["resolution"] == ["Grok Imagine does not offer 2k."]


def test_it_refuses_more_images_than_the_chosen_model_makes(monkeypatch):
    four_at_most = dataclasses.replace(catalog.IMAGE_MODELS["grok-imagine-image"], max_images=4)
    monkeypatch.setitem(catalog.IMAGE_MODELS, "grok-imagine-image", four_at_most)

    form = make_form(n="5")

    assert form.errors["n"] == ["Grok Imagine makes at most 4 images at once."]


def test_it_refuses_more_references_than_the_chosen_model_takes(monkeypatch):
    one_at_most = dataclasses.replace(catalog.IMAGE_MODELS["grok-imagine-image"], max_references=1)
    monkeypatch.setitem(catalog.IMAGE_MODELS, "grok-imagine-image", one_at_most)

    form = make_form([upload("a.png"), upload("b.png")])

    assert form.errors["references"] == ["Grok Imagine takes at most 1 reference images."]


@pytest.mark.parametrize("n", ["1", "10"])
def test_it_accepts_n_from_1_to_10(n):
    assert make_form(n=n).is_valid()


@pytest.mark.parametrize(
    ("n", "message"),
    [
        ("0", "The number of images must be between 1 and 10."),
        ("11", "The number of images must be between 1 and 10."),
        ("-3", "The number of images must be between 1 and 10."),
        ("abc", "Enter a whole number."),
        ("2.5", "Enter a whole number."),
    ],
)
def test_it_refuses_n_outside_1_to_10(n, message):
    assert make_form(n=n).errors["n"] == [message]


def test_it_refuses_more_reference_files_than_any_model_takes():
    too_many = catalog.max_references() + 1
    form = make_form([upload(f"ref-{i}.png") for i in range(too_many)])

    assert form.errors["references"] == [
        f"Attach at most {catalog.max_references()} reference images; you attached {too_many}."
    ]


def test_it_names_the_bad_file_among_good_ones():
    form = make_form([upload("good.png"), upload("notes.png", b"just some text"), upload("fine.png")])

    assert form.errors["references"] == [
        "“notes.png”: This file is not an image the studio can read (PNG, JPEG or WebP)."
    ]


def test_it_reports_every_bad_file():
    form = make_form([upload("notes.png", b"just some text"), upload("anim.gif", make_image("GIF"))])

    errors = form.errors["references"]
    assert len(errors) == 2
    assert errors[0].startswith("“notes.png”")
    assert errors[1] == "“anim.gif”: GIF images are not supported; use PNG, JPEG, WebP."


def test_it_ignores_a_clear_checkbox_posted_with_a_file():
    # A hand-made post can carry a `-clear` checkbox next to a file; there is
    # nothing to clear on a create form, so the file is simply taken.
    form = ImageGenerationForm(
        {**VALID, "references-clear": "on"}, MultiValueDict({"references": [upload("a.png")]})
    )

    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["references"]) == 1

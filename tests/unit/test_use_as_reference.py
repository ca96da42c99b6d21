""" "Use as reference": start a new image from an image already in one's gallery."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grokstudio.studio.models import Asset, Generation, Reference
from grokstudio.studio.validation import MAX_IMAGE_REFERENCES, MAX_VIDEO_REFERENCES
from tests import queue
from tests.factories import make_generation, make_image

GENERATE = "/generate/"
HTMX = {"HX-Request": "true"}
VALID = {"prompt": "The same fox, in the snow", "model": "grok-imagine-image", "aspect_ratio": "1:1",
         "resolution": "1k", "n": "1"}  # fmt: skip


def own_image(user) -> Asset:
    return make_generation(user, prompt="A red fox").outputs.get()


def upload(name: str = "cat.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image("PNG", color=(5, 5, 5)), content_type="image/png")


def attached(response) -> list[str]:
    """The gallery items the create form carries, from its hidden inputs."""
    return re.findall(r'<input type="hidden" name="reference_assets" value="(\d+)"', response.text)


def form_errors(response) -> str:
    found = re.findall(r'<div class="errors?"[^>]*role="alert">(.*?)</div>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(found)))


def test_it_opens_the_create_form_with_the_image_attached(owner_client, owner):
    image = own_image(owner)

    response = owner_client.get("/", {"reference_asset": image.pk})

    assert response.status_code == 200
    assert '<form id="create"' in response.text
    assert attached(response) == [str(image.pk)]


def test_submitting_with_the_image_makes_an_edit_of_it(
    owner_client, owner, django_capture_on_commit_callbacks
):
    image = own_image(owner)
    assets = Asset.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(GENERATE, {**VALID, "reference_assets": image.pk}, headers=HTMX)

    assert response.status_code == 200
    generation = Generation.objects.get(prompt=VALID["prompt"])
    assert generation.params["mode"] == "edit"
    assert list(generation.references.values_list("asset_id", "role", "position")) == [
        (image.pk, Reference.Role.REFERENCE, 0)
    ]
    assert Asset.objects.count() == assets  # the gallery file itself, not a copy
    assert [task["func"] for task in queue.queued()] == ["grokstudio.studio.generation.tasks.poll_videos"]


def test_gallery_images_come_before_fresh_uploads(owner_client, owner):
    first, second = own_image(owner), own_image(owner)

    owner_client.post(
        GENERATE, {**VALID, "reference_assets": [second.pk, first.pk], "references": [upload()]}, headers=HTMX
    )

    generation = Generation.objects.get(prompt=VALID["prompt"])
    assert generation.params["mode"] == "compose"
    references = list(generation.references.select_related("asset"))
    assert [r.asset_id for r in references[:2]] == [second.pk, first.pk]
    assert (references[2].asset.role, references[2].asset.original_name) == (Asset.Role.UPLOAD, "cat.png")


def test_another_users_image_is_not_found(owner_client, stranger):
    theirs = own_image(stranger)

    response = owner_client.get("/", {"reference_asset": theirs.pk})

    assert response.status_code == 404
    assert f"/a/{theirs.pk}/" not in response.text


def theirs_video(user) -> Asset:
    return make_generation(user, kind="video").outputs.get()


@pytest.mark.parametrize(
    "asset",
    [
        pytest.param(lambda owner, stranger: own_image(stranger).pk, id="another-users-image"),
        pytest.param(lambda owner, stranger: theirs_video(owner).pk, id="own-video"),
        pytest.param(lambda owner, stranger: 987654, id="no-such-asset"),
    ],
)
def test_a_reference_that_is_not_ones_own_image_is_refused_and_nothing_stored(
    owner_client, owner, stranger, media_root, asset
):
    asset_id = asset(owner, stranger)
    generations, assets = Generation.objects.count(), Asset.objects.count()
    files = sorted(media_root.rglob("*"))

    for headers in (HTMX, {}):
        response = owner_client.post(
            GENERATE, {**VALID, "reference_assets": asset_id, "references": [upload()]}, headers=headers
        )

        assert response.status_code == (200 if headers else 400)
        assert "That image is not in your gallery." in form_errors(response)
    assert Generation.objects.count() == generations
    assert Asset.objects.count() == assets
    assert sorted(media_root.rglob("*")) == files
    assert not queue.queued()


def test_a_video_named_as_a_reference_is_left_out_of_the_form(owner_client, owner):
    clip = theirs_video(owner)

    response = owner_client.get("/", {"reference_asset": clip.pk})

    assert response.status_code == 200
    assert attached(response) == []


@pytest.mark.parametrize(
    ("uploads", "own", "message"),
    [
        (2, 2, "Grok Imagine takes at most 3 reference images."),
        (3, 1, "Grok Imagine takes at most 3 reference images."),
        (0, 4, "Attach at most 3 reference images."),
    ],
)
def test_more_references_than_the_model_takes_are_refused(owner_client, owner, uploads, own, message):
    images = [own_image(owner).pk for _ in range(own)]
    generations, assets = Generation.objects.count(), Asset.objects.count()

    response = owner_client.post(
        GENERATE,
        {**VALID, "reference_assets": images, "references": [upload(f"{i}.png") for i in range(uploads)]},
        headers=HTMX,
    )

    assert message in form_errors(response)
    assert Generation.objects.count() == generations
    assert Asset.objects.count() == assets


def test_a_refused_submit_keeps_the_image_attached(owner_client, owner):
    image = own_image(owner)

    response = owner_client.post(
        GENERATE, {**VALID, "prompt": "", "reference_assets": image.pk}, headers=HTMX
    )

    assert "Write a prompt first." in response.text
    assert attached(response) == [str(image.pk)]


def test_pictures_too_large_together_for_one_request_to_xai_are_refused_before_anything_is_stored(
    owner_client, owner
):
    big = [own_image(owner), own_image(owner)]
    Asset.objects.filter(pk__in=[a.pk for a in big]).update(size_bytes=8 * 1024 * 1024)
    generations = Generation.objects.count()

    response = owner_client.post(GENERATE, {**VALID, "reference_assets": [a.pk for a in big]}, headers=HTMX)

    assert "too large for one request to xAI (21.3 MB once encoded; it takes 20 MB)" in form_errors(response)
    assert Generation.objects.count() == generations
    # One of them alone fits.
    owner_client.post(GENERATE, {**VALID, "reference_assets": [big[0].pk]}, headers=HTMX)
    assert Generation.objects.count() == generations + 1


def test_a_video_whose_pictures_are_too_large_together_is_refused_too(owner_client, owner):
    big = [own_image(owner) for _ in range(3)]
    Asset.objects.filter(pk__in=[a.pk for a in big]).update(size_bytes=6 * 1024 * 1024)
    video = {"kind": "video", "mode": "reference", "prompt": "The fox runs", "model": "grok-imagine-video",
             "duration": "6", "aspect_ratio": "16:9", "resolution": "480p"}  # fmt: skip

    response = owner_client.post(GENERATE, {**video, "reference_assets": [a.pk for a in big]}, headers=HTMX)

    assert "too large for one request to xAI (24.0 MB once encoded" in form_errors(response)
    assert not Generation.objects.filter(kind="video").exists()


def test_an_address_naming_many_pictures_looks_up_no_more_than_a_mode_takes(owner_client, owner):
    images = [own_image(owner) for _ in range(10)]
    most = max(MAX_IMAGE_REFERENCES, MAX_VIDEO_REFERENCES)

    response = owner_client.get("/", {"reference_asset": [image.pk for image in images] * 50})

    assert response.status_code == 200
    assert attached(response) == [str(image.pk) for image in images[:most]]

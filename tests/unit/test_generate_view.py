"""POST /generate/: bad input is answered at the field and stores nothing; good input starts a job."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grokstudio.studio import catalog
from grokstudio.studio.models import Asset, Generation, Reference, Status
from tests import queue
from tests.factories import make_image

URL = "/generate/"
HTMX = {"HX-Request": "true"}
VALID = {"prompt": "A red fox at dawn", "model": "grok-imagine-image", "aspect_ratio": "16:9",
         "resolution": "1k", "n": "2"}  # fmt: skip


def upload(name: str = "fox.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image("PNG") if data is None else data, content_type="image/png")


def field_error(response, field: str) -> str:
    """The text of the error shown beside one field, or "" if there is none."""
    match = re.search(rf'<div class="error" id="id_{field}-error"[^>]*>(.*?)</div>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()]


def test_it_requires_login(client, db):
    response = client.post(URL, VALID)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={URL}"
    assert not Generation.objects.exists()


def test_it_refuses_get(owner_client):
    assert owner_client.get(URL).status_code == 405


# --- valid input ------------------------------------------------------------------------------


def test_it_stores_a_pending_generation_with_its_options(owner_client, owner):
    owner_client.post(URL, VALID, headers=HTMX)

    generation = Generation.objects.get()
    assert generation.user == owner
    assert generation.status == Status.PENDING
    assert generation.prompt == "A red fox at dawn"
    assert generation.model == "grok-imagine-image"
    assert generation.params == {"aspect_ratio": "16:9", "resolution": "1k", "n": 2, "mode": "text"}


def test_it_queues_the_poller_once_the_new_row_is_committed(owner_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        owner_client.post(URL, VALID, headers=HTMX)

    # The poller starts every waiting generation, paced under xAI's rates: no task per row,
    # and the poller is asked for only once the row is there for it to find.
    (task,) = queue.queued()
    assert task["func"] == "grokstudio.studio.generation.tasks.poll_videos"
    assert len(callbacks) == 1


def test_it_stores_references_in_order(owner_client, owner):
    files = [
        upload("wide.png", make_image("PNG", size=(60, 30))),
        upload("tall.jpg", make_image("JPEG", (20, 40))),
    ]

    owner_client.post(URL, {**VALID, "references": files}, headers=HTMX)

    generation = Generation.objects.get()
    assert generation.params["mode"] == "compose"
    references = list(Reference.objects.filter(generation=generation).select_related("asset"))
    assert [r.position for r in references] == [0, 1]
    first, second = (r.asset for r in references)
    assert (first.role, first.user) == (Asset.Role.UPLOAD, owner)
    assert (first.width, first.height, first.content_type) == (60, 30, "image/png")
    assert (second.width, second.height, second.content_type) == (20, 40, "image/jpeg")
    assert first.file.storage.exists(first.file.name)
    assert first.thumbnail.storage.exists(first.thumbnail.name)
    assert Asset.objects.filter(role=Asset.Role.OUTPUT).count() == 0


def test_it_keeps_the_reference_file_names(owner_client):
    owner_client.post(URL, {**VALID, "references": [upload("my cat.png"), upload("dog.png")]}, headers=HTMX)

    names = [r.asset.original_name for r in Generation.objects.get().references.all()]
    assert names == ["my cat.png", "dog.png"]


def test_one_reference_makes_an_edit(owner_client):
    owner_client.post(URL, {**VALID, "references": [upload()]}, headers=HTMX)

    assert Generation.objects.get().params["mode"] == "edit"


def test_it_answers_htmx_with_the_new_card_and_an_active_poller(owner_client):
    response = owner_client.post(URL, VALID, headers=HTMX)

    assert response.status_code == 200
    generation = Generation.objects.get()
    text = response.text
    assert '<div hx-swap-oob="afterbegin:#gallery">' in text
    assert f'id="gen-{generation.pk}"' in text
    assert 'data-status="pending"' in text
    poller = re.search(r'<div id="poller"[^>]*>', text).group(0)
    assert 'hx-get="/poll/?since=' in poller
    assert 'hx-swap-oob="true"' in poller


def test_it_gives_back_an_empty_prompt_with_the_chosen_options(owner_client):
    response = owner_client.post(URL, {**VALID, "model": "grok-imagine-image-2.0", "n": "3"}, headers=HTMX)

    text = response.text
    assert '<form id="create"' in text
    assert "A red fox at dawn</textarea>" not in text
    assert re.search(r'<option value="grok-imagine-image-2.0"[^>]* selected>', text)
    assert '<option value="16:9" selected>' in text
    assert 'name="n" value="3"' in text


def test_it_redirects_a_plain_post_to_the_gallery(owner_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, VALID)

    assert response.status_code == 302
    assert response.url == "/"
    assert Generation.objects.count() == 1
    assert len(queue.queued()) == 1


# --- bad input: a message beside the field, nothing stored, never a 500 -----------------------


def files(*named: tuple[str, bytes]) -> dict:
    return {"references": named}


# Files are given as (name, bytes) and uploaded fresh by each test: an upload is read only once.
BAD_INPUT = [
    pytest.param({"prompt": ""}, "prompt", "Write a prompt first.", id="missing-prompt"),
    pytest.param({"prompt": "x" * 1001}, "prompt", "1 character over the 1,000 limit", id="1001-prompt"),
    pytest.param({"prompt": "a fox\x00"}, "prompt", "Null characters are not allowed.", id="nul-in-prompt"),
    pytest.param({"n": "0"}, "n", "The number of images must be between 1 and 10.", id="n=0"),
    pytest.param({"n": "11"}, "n", "The number of images must be between 1 and 10.", id="n=11"),
    pytest.param({"n": "abc"}, "n", "Enter a whole number.", id="n=abc"),
    pytest.param({"model": "grok-2-image-9000"}, "model", "Select a valid choice.", id="unknown-model"),
    pytest.param({"aspect_ratio": "5:4"}, "aspect_ratio", "Select a valid choice.", id="unknown-ratio"),
    pytest.param({"resolution": "8k"}, "resolution", "Select a valid choice.", id="unknown-resolution"),
    pytest.param(
        files(("notes.png", b"Dear diary, not a picture.")),
        "references", "“notes.png”: This file is not an image", id="renamed-text-file",
    ),
    pytest.param(
        files(("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>')),
        "references", "“logo.svg”: This file is not an image", id="svg",
    ),
    pytest.param(
        files(("cut.jpg", make_image("JPEG", size=(300, 300), quality=100)[:900])),
        "references", "“cut.jpg”: The image is damaged or incomplete", id="truncated-image",
    ),
    pytest.param(
        files(("anim.gif", make_image("GIF"))),
        "references", "GIF images are not supported; use PNG, JPEG, WebP.", id="gif",
    ),
    pytest.param(files(("empty.png", b"")), "references", "empty", id="empty-file"),
    pytest.param(
        files(("bad-exif.webp", make_image("WEBP", exif=b"garbage-not-exif"))),
        "references", "“bad-exif.webp”: the image's metadata is damaged", id="corrupt-exif",
    ),
    pytest.param(
        files(*[(f"r{i}.png", make_image("PNG")) for i in range(catalog.max_references() + 1)]),
        "references", "Attach at most 3 reference images; you attached 4.", id="too-many-files",
    ),
    pytest.param(
        files(("good.png", make_image("PNG")), ("bad.png", b"nope"), ("fine.png", make_image("PNG"))),
        "references", "“bad.png”", id="one-bad-file-among-good",
    ),
]  # fmt: skip


def post_data(changes: dict) -> dict:
    data = {**VALID, **changes}
    if "references" in data:
        data["references"] = [upload(name, content) for name, content in data["references"]]
    return data


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
def test_it_answers_bad_htmx_input_at_the_field(
    owner_client, media_root, django_capture_on_commit_callbacks, changes, field, message
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(URL, post_data(changes), headers=HTMX)

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert '<form id="create"' in response.text
    assert "<html" not in response.text  # only the form is swapped back
    assert not Generation.objects.exists()
    assert not Asset.objects.exists()
    assert callbacks == []  # no task queued
    assert stored_files(media_root) == []


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
def test_it_answers_bad_plain_input_with_the_page(
    owner_client, media_root, django_capture_on_commit_callbacks, changes, field, message
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(URL, post_data(changes))

    assert response.status_code == 400
    assert message in field_error(response, field)
    assert "<html" in response.text
    assert not Generation.objects.exists()
    assert not Asset.objects.exists()
    assert callbacks == []  # no task queued
    assert stored_files(media_root) == []


def test_it_refuses_an_oversize_file(owner_client, settings, media_root):
    settings.STUDIO_MAX_UPLOAD_MB = 1
    big = upload("big.png", make_image("PNG") + b"\0" * (1024 * 1024))

    response = owner_client.post(URL, {**VALID, "references": [big]}, headers=HTMX)

    assert field_error(response, "references") == "“big.png”: the file is larger than 1 MB."
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_it_refuses_a_decompression_bomb(owner_client, settings, media_root):
    settings.STUDIO_MAX_IMAGE_PIXELS = 1000

    response = owner_client.post(URL, {**VALID, "references": [upload("bomb.png")]}, headers=HTMX)

    assert "the limit is 1,000 pixels" in field_error(response, "references")
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_it_keeps_what_was_typed_when_refusing(owner_client):
    response = owner_client.post(URL, {**VALID, "n": "11"}, headers=HTMX)

    assert "A red fox at dawn</textarea>" in response.text


def test_it_survives_a_hand_made_clear_checkbox(owner_client, media_root):
    # The file widget's `-clear` checkbox, sent beside a file by a hand-made post.
    response = owner_client.post(
        URL, {**VALID, "references": [upload()], "references-clear": "on"}, headers=HTMX
    )

    assert response.status_code == 200
    assert Generation.objects.get().references.count() == 1


# --- text that is not text, and a storage that cannot keep the uploads -------------------------

FORM_BODY = "model=grok-imagine-image&aspect_ratio=16%3A9&resolution=1k&n=1&prompt="


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_it_refuses_a_prompt_whose_bytes_are_not_utf8(owner_client, settings, media_root, headers):
    # %ED%A0%80 is a lone surrogate written as UTF-8: Django reads it as U+FFFD, a character lost.
    settings.DEBUG = False
    owner_client.raise_request_exception = False

    response = owner_client.post(
        URL, FORM_BODY + "a%ED%A0%80b", content_type="application/x-www-form-urlencoded", headers=headers
    )

    assert response.status_code == (200 if headers else 400)
    assert "where characters were lost to a wrong encoding" in field_error(response, "prompt")
    assert not Generation.objects.exists()
    assert stored_files(media_root) == []


def test_a_declared_charset_cannot_turn_bytes_into_a_lone_surrogate(owner_client, settings):
    # Django would decode with any codec a request names; unicode_escape makes "\ud800" a surrogate.
    settings.DEBUG = False
    owner_client.raise_request_exception = False
    form = "application/x-www-form-urlencoded; charset=unicode_escape"

    created = owner_client.post(URL, FORM_BODY + "a%5Cud800b", content_type=form)
    gallery = owner_client.get(
        "/?q=a%5Cud800b", headers={"Content-Type": "text/plain; charset=unicode_escape"}
    )

    assert created.status_code == 302
    assert Generation.objects.get().prompt == "a\\ud800b"  # read as UTF-8: the text as typed
    assert gallery.status_code == 200


@pytest.mark.parametrize("writes_before_full", [0, 1, 2, 3])
def test_a_full_disk_keeps_what_was_typed_and_leaves_nothing(
    owner_client, full_disk, media_root, writes_before_full
):
    full_disk.writes_left = writes_before_full
    data = post_data({"references": [("a.png", make_image("PNG")), ("b.png", make_image("PNG"))]})

    response = owner_client.post(URL, data, headers=HTMX)

    assert response.status_code == 200
    assert "storage is unavailable right now, so nothing was saved" in response.text
    assert "A red fox at dawn</textarea>" in response.text
    assert not Generation.objects.exists() and not Asset.objects.exists()
    assert stored_files(media_root) == []  # not even an empty file


def test_a_full_disk_answers_a_plain_post_with_503(owner_client, full_disk, media_root):
    full_disk.writes_left = 0

    response = owner_client.post(URL, post_data({"references": [("a.png", make_image("PNG"))]}))

    assert response.status_code == 503
    assert "storage is unavailable" in response.text
    assert not Generation.objects.exists() and stored_files(media_root) == []

"""POST /bulk/ with action=zip: the selected results as one ZIP, streamed as it is read."""

from __future__ import annotations

import html
import io
import os
import re
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from grokstudio.studio.models import Asset, Status
from grokstudio.studio.web import archives, forms
from tests.factories import make_generation

URL = "/bulk/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def open_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None  # every member's CRC matches its bytes
    return archive


def stored(asset: Asset) -> bytes:
    with default_storage.open(asset.file.name, "rb") as handle:
        return handle.read()


def messages(response) -> str:
    match = re.search(r'<ul class="messages">(.*?)</ul>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def test_it_requires_login(client, owner):
    generation = make_generation(owner)

    response = client.post(URL, {"action": "zip", "ids": [generation.pk]})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_refuses_get(owner_client):
    assert owner_client.get(URL, {"action": "zip"}).status_code == 405


def test_it_streams_the_selected_results_with_their_download_names(owner_client, owner):
    pair = make_generation(owner, prompt="A red fox at dawn", outputs=2)
    clip = make_generation(owner, prompt="A paper boat!", kind="video")
    make_generation(owner, prompt="Not selected")

    response = owner_client.post(URL, {"action": "zip", "ids": [pair.pk, clip.pk]})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert re.fullmatch(
        r'attachment; filename="grok-studio-\d{8}-\d{6}\.zip"', response["Content-Disposition"]
    )
    archive = open_zip(body(response))
    first, second = pair.outputs.order_by("index")
    expected = {
        f"grok-a-red-fox-at-dawn-{pair.pk}-1.png": stored(first),
        f"grok-a-red-fox-at-dawn-{pair.pk}-2.png": stored(second),
        f"grok-a-paper-boat-{clip.pk}.mp4": stored(clip.outputs.get()),
    }
    assert archive.namelist() == list(expected)  # in the order selected, no SKIPPED.txt
    for name, data in expected.items():
        assert archive.read(name) == data
    assert stored(first) != stored(second)


def test_its_content_length_is_the_body_length(owner_client, owner, stranger):
    done = make_generation(owner, outputs=3)
    failed = make_generation(owner, status=Status.FAILED)
    theirs = make_generation(stranger)

    response = owner_client.post(URL, {"action": "zip", "ids": [done.pk, failed.pk, theirs.pk]})

    assert int(response["Content-Length"]) == len(body(response))


def test_items_without_results_and_a_strangers_are_listed_in_skipped(owner_client, owner, stranger):
    done = make_generation(owner, prompt="A red fox")
    failed = make_generation(owner, prompt="A refused fox", status=Status.FAILED)
    busy = make_generation(owner, prompt="A fox on its way", status=Status.PROCESSING)
    theirs = make_generation(stranger, prompt="Someone else's secret")

    response = owner_client.post(URL, {"action": "zip", "ids": [done.pk, failed.pk, busy.pk, theirs.pk]})

    assert response.status_code == 200
    archive = open_zip(body(response))
    assert archive.namelist() == [f"grok-a-red-fox-{done.pk}.png", "SKIPPED.txt"]
    skipped = archive.read("SKIPPED.txt").decode()
    assert f"#{failed.pk} “A refused fox”: failed, no result." in skipped
    assert f"#{busy.pk} “A fox on its way”: processing, no result." in skipped
    assert f"#{theirs.pk}: not in your gallery." in skipped
    assert "secret" not in skipped
    assert f"#{done.pk}" not in skipped


def test_a_file_missing_from_storage_is_listed_in_skipped(owner_client, owner):
    generation = make_generation(owner, prompt="A red fox", outputs=2)
    lost, kept = generation.outputs.order_by("index")
    default_storage.delete(lost.file.name)

    response = owner_client.post(URL, {"action": "zip", "ids": [generation.pk]})

    archive = open_zip(body(response))
    assert archive.namelist() == [f"grok-a-red-fox-{generation.pk}-2.png", "SKIPPED.txt"]
    assert archive.read(f"grok-a-red-fox-{generation.pk}-2.png") == stored(kept)
    skipped = archive.read("SKIPPED.txt").decode()
    assert f"grok-a-red-fox-{generation.pk}-1.png: the file is missing from storage." in skipped
    assert int(response["Content-Length"]) == len(archive.fp.getvalue())


def test_nothing_selected_goes_back_with_a_message(owner_client, owner):
    make_generation(owner)

    response = owner_client.post(URL, {"action": "zip", "next": "/?fav=1"}, follow=True)

    assert response.redirect_chain == [("/?fav=1", 302)]
    assert "Select at least one item first." in messages(response)


def test_too_many_items_are_refused_with_a_message(owner_client, owner, monkeypatch):
    monkeypatch.setattr(forms, "BULK_MAX_ITEMS", 5)
    ids = [make_generation(owner, outputs=0, status=Status.FAILED).pk for _ in range(6)]

    response = owner_client.post(URL, {"action": "zip", "ids": ids}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Select at most 5 items at a time." in messages(response)


def bulk_form(ids) -> dict:
    """What the gallery's bulk bar sends, hidden fields included."""
    return {"csrfmiddlewaretoken": "x" * 64, "next": "/", "action": "zip", "collection": "", "ids": ids}


def test_one_item_over_the_limit_is_refused_with_a_message_not_an_error_page(owner_client, owner):
    ids = [make_generation(owner).pk, *range(10**6, 10**6 + forms.BULK_MAX_ITEMS)]

    response = owner_client.post(URL, bulk_form(ids))

    assert response.status_code == 302
    assert f"Select at most {forms.BULK_MAX_ITEMS} items at a time." in messages(owner_client.get("/"))


def test_as_many_items_as_the_limit_allows_are_accepted(owner_client, owner):
    done = make_generation(owner, prompt="A red fox")
    ids = [done.pk, *range(10**6, 10**6 + forms.BULK_MAX_ITEMS - 1)]

    response = owner_client.post(URL, bulk_form(ids))

    assert response.status_code == 200
    assert open_zip(body(response)).namelist() == [f"grok-a-red-fox-{done.pk}.png", "SKIPPED.txt"]


# --- streaming --------------------------------------------------------------------------------


def test_files_are_read_while_the_archive_is_sent_not_when_it_is_built(owner, media_root):
    generation = make_generation(owner, prompt="A red fox")
    asset = generation.outputs.get()
    before = stored(asset)

    archive = archives.gallery_zip(owner, [generation.pk])
    # Same size, other bytes: only a read that happens now can see them.
    after = bytes(b ^ 0xFF for b in before)
    (media_root / asset.file.name).write_bytes(after)
    data = b"".join(archive.stream)

    assert open_zip(data).read(f"grok-a-red-fox-{generation.pk}.png") == after


def test_streaming_a_large_file_holds_a_chunk_not_the_file(owner_client, owner):
    size = 12 * 1024 * 1024
    generation = make_generation(owner, prompt="A big fox", outputs=0)
    name = default_storage.save(f"output/{owner.pk}/big.png", ContentFile(os.urandom(size)))
    Asset.objects.create(
        user=owner, generation=generation, role=Asset.Role.OUTPUT, file=name, content_type="image/png",
        size_bytes=size,
    )  # fmt: skip
    response = owner_client.post(URL, {"action": "zip", "ids": [generation.pk]})

    tracemalloc.start()
    try:
        total, largest = 0, 0
        for chunk in response.streaming_content:
            total += len(chunk)
            largest = max(largest, len(chunk))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total == int(response["Content-Length"]) > size
    assert largest <= archives.CHUNK_BYTES
    assert peak < size / 8, f"peak {peak:,} bytes while sending a {size:,} byte file"


@pytest.mark.parametrize("status", [Status.FAILED, Status.CANCELLED, Status.TIMEOUT])
def test_an_archive_of_nothing_but_skipped_items_is_still_a_zip(owner_client, owner, status):
    generation = make_generation(owner, prompt="Gone", status=status)

    response = owner_client.post(URL, {"action": "zip", "ids": [generation.pk]})

    archive = open_zip(body(response))
    assert archive.namelist() == ["SKIPPED.txt"]
    assert f"#{generation.pk} “Gone”" in archive.read("SKIPPED.txt").decode()

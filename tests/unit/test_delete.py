"""/g/<id>/delete and the bulk "Delete": rows and files go; inputs still in use stay."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.storage import default_storage

from grokstudio.studio import services
from grokstudio.studio.media.images import check_reference
from grokstudio.studio.models import Asset, Collection, Generation, Reference, Status
from tests.factories import make_generation, make_image


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Files leave storage on commit: run the callbacks the test transaction would hold back."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def url(generation: Generation) -> str:
    return f"/g/{generation.pk}/delete"


def files_of(*assets: Asset) -> list[str]:
    return [name for a in assets for name in (a.file.name, a.thumbnail.name)]


def in_storage(names: list[str]) -> list[bool]:
    return [default_storage.exists(name) for name in names]


def messages(response) -> str:
    match = re.search(r'<ul class="messages">(.*?)</ul>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def upload(user) -> Asset:
    return services.store_image(
        user=user, role=Asset.Role.UPLOAD, image=check_reference(make_image(color=(1, 2, 3))),
        original_name="cat.png",
    )  # fmt: skip


def uses(generation: Generation, *assets: Asset) -> Generation:
    for position, asset in enumerate(assets):
        Reference.objects.create(generation=generation, asset=asset, position=position)
    return generation


# --- the confirmation page --------------------------------------------------------------------


def test_it_requires_login(client, owner):
    generation = make_generation(owner)

    response = client.post(url(generation))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert Generation.objects.filter(pk=generation.pk).exists()


def test_it_asks_to_confirm_first(owner_client, owner):
    generation = make_generation(owner, prompt="A red fox at dawn", outputs=2)

    response = owner_client.get(url(generation))

    assert response.status_code == 200
    assert "Delete this generation?" in response.text
    assert "A red fox at dawn" in response.text
    assert "Its 2 result files will be removed from storage." in response.text
    assert f'<form method="post" action="/g/{generation.pk}/delete"' in response.text
    assert Generation.objects.filter(pk=generation.pk).exists()
    assert Asset.objects.filter(generation=generation).count() == 2


def test_the_confirmation_of_work_under_way_says_to_cancel_first(owner_client, owner):
    generation = make_generation(owner, status=Status.PROCESSING)

    response = owner_client.get(url(generation))

    assert "It is still at work: cancel it first." in response.text
    assert re.search(r'<button type="submit" class="danger primary" disabled>', response.text)


def test_it_refuses_other_methods(owner_client, owner):
    generation = make_generation(owner)

    assert owner_client.put(url(generation)).status_code == 405
    assert Generation.objects.filter(pk=generation.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_generation_is_not_found_and_kept(stranger_client, owner, commit, method):
    generation = make_generation(owner)
    names = files_of(*generation.outputs.all())

    with commit():
        response = getattr(stranger_client, method)(url(generation))

    assert response.status_code == 404
    assert Generation.objects.filter(pk=generation.pk).exists()
    assert in_storage(names) == [True, True]


# --- deleting one -----------------------------------------------------------------------------


def test_it_deletes_the_row_its_outputs_and_their_files(owner_client, owner, commit):
    generation = make_generation(owner, outputs=3)
    kept = make_generation(owner, prompt="Keep me")
    outputs = list(generation.outputs.all())
    names = files_of(*outputs)

    with commit():
        response = owner_client.post(url(generation), follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Deleted." in messages(response)
    assert not Generation.objects.filter(pk=generation.pk).exists()
    assert not Asset.objects.filter(pk__in=[a.pk for a in outputs]).exists()
    assert in_storage(names) == [False] * 6
    assert in_storage(files_of(*kept.outputs.all())) == [True, True]
    assert f'id="gen-{generation.pk}"' not in response.text


def test_htmx_answers_nothing_so_the_card_goes(owner_client, owner, commit):
    generation = make_generation(owner)

    with commit():
        response = owner_client.post(url(generation), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content == b""
    assert not Generation.objects.filter(pk=generation.pk).exists()


def test_it_leaves_the_collections_the_generation_was_in(owner_client, owner, commit):
    generation = make_generation(owner)
    collection = Collection.objects.create(user=owner, name="Foxes")
    collection.generations.add(generation)

    with commit():
        owner_client.post(url(generation))

    assert Collection.objects.filter(pk=collection.pk).exists()
    assert collection.generations.count() == 0


@pytest.mark.parametrize("status", [Status.PENDING, Status.SUBMITTING, Status.PROCESSING, Status.DOWNLOADING])
def test_work_under_way_is_not_deleted_and_says_so(owner_client, owner, commit, status):
    generation = make_generation(owner, status=status)

    with commit():
        response = owner_client.post(url(generation), follow=True)

    assert "This generation is still at work: cancel it first, then delete it." in messages(response)
    generation.refresh_from_db()
    assert generation.status == status


def test_work_under_way_answers_htmx_with_its_card(owner_client, owner, commit):
    generation = make_generation(owner, status=Status.PROCESSING)

    with commit():
        response = owner_client.post(url(generation), headers={"HX-Request": "true"})

    assert f'<article id="gen-{generation.pk}"' in response.text
    assert Generation.objects.filter(pk=generation.pk).exists()


# --- inputs and shared files ------------------------------------------------------------------


def test_an_output_used_as_another_generations_input_survives(owner_client, owner, commit):
    source = make_generation(owner, prompt="The original")
    output = source.outputs.get()
    edit = uses(make_generation(owner, prompt="An edit of it"), output)

    with commit():
        owner_client.post(url(source))

    assert not Generation.objects.filter(pk=source.pk).exists()
    assert Asset.objects.filter(pk=output.pk).exists()
    assert in_storage(files_of(output)) == [True, True]
    # The edit still shows its input, and the input still opens.
    assert f'src="/a/{output.pk}/thumb"' in owner_client.get(f"/g/{edit.pk}/").text
    response = owner_client.get(f"/a/{output.pk}/file")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == default_storage.open(output.file.name).read()


def test_that_output_goes_once_the_generation_using_it_goes_too(owner_client, owner, commit):
    source = make_generation(owner)
    output = source.outputs.get()
    edit = uses(make_generation(owner), output)
    with commit():
        owner_client.post(url(source))

    with commit():
        owner_client.post(url(edit))

    assert not Asset.objects.filter(pk=output.pk).exists()
    assert in_storage(files_of(output)) == [False, False]
    assert not Asset.objects.exists()


def test_an_output_and_the_generation_using_it_can_go_together(owner_client, owner, commit):
    source = make_generation(owner)
    output = source.outputs.get()
    edit = uses(make_generation(owner), output)
    names = files_of(output, *edit.outputs.all())

    with commit():
        response = owner_client.post(
            "/bulk/", {"action": "delete", "confirmed": "1", "ids": [source.pk, edit.pk]}
        )

    assert response.status_code == 302
    assert not Generation.objects.exists()
    assert not Asset.objects.exists()
    assert in_storage(names) == [False] * 4


def test_deleting_the_generation_that_used_an_output_keeps_the_output(owner_client, owner, commit):
    source = make_generation(owner)
    output = source.outputs.get()
    edit = uses(make_generation(owner), output)

    with commit():
        owner_client.post(url(edit))

    output.refresh_from_db()
    assert output.generation_id == source.pk
    assert in_storage(files_of(output)) == [True, True]


def test_uploads_used_only_by_the_deleted_generation_are_removed(owner_client, owner, commit):
    first, second = upload(owner), upload(owner)
    generation = uses(make_generation(owner), first, second)
    names = files_of(first, second)

    with commit():
        owner_client.post(url(generation))

    assert not Asset.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert in_storage(names) == [False] * 4


def test_an_upload_another_generation_still_uses_stays(owner_client, owner, commit):
    shared = upload(owner)
    generation = uses(make_generation(owner), shared)
    other = uses(make_generation(owner), shared)

    with commit():
        owner_client.post(url(generation))

    assert Asset.objects.filter(pk=shared.pk).exists()
    assert in_storage(files_of(shared)) == [True, True]
    assert list(other.references.values_list("asset_id", flat=True)) == [shared.pk]


def test_a_file_two_assets_name_stays_while_one_still_names_it(owner_client, owner, commit):
    # Seeded galleries point many rows at the same few files.
    first = make_generation(owner)
    original = first.outputs.get()
    second = make_generation(owner, outputs=0)
    Asset.objects.create(
        user=owner, generation=second, role=Asset.Role.OUTPUT, kind=original.kind, file=original.file.name,
        thumbnail=original.thumbnail.name, content_type=original.content_type, width=original.width,
        height=original.height, size_bytes=original.size_bytes,
    )  # fmt: skip
    names = files_of(original)

    with commit():
        owner_client.post(url(first))

    assert in_storage(names) == [True, True]
    assert owner_client.get(f"/a/{second.outputs.get().pk}/file").status_code == 200

    with commit():
        owner_client.post(url(second))

    assert in_storage(names) == [False, False]


# --- bulk delete ------------------------------------------------------------------------------


def test_bulk_delete_asks_to_confirm_and_deletes_nothing(owner_client, owner, commit):
    generations = [make_generation(owner) for _ in range(2)]
    names = files_of(*Asset.objects.all())

    with commit():
        response = owner_client.post(
            "/bulk/", {"action": "delete", "ids": [g.pk for g in generations], "next": "/?fav=1"}
        )

    assert response.status_code == 200
    assert "Delete 2 items?" in response.text
    for generation in generations:
        assert f'<input type="hidden" name="ids" value="{generation.pk}">' in response.text
    assert '<input type="hidden" name="confirmed" value="1">' in response.text
    assert '<input type="hidden" name="next" value="/?fav=1">' in response.text
    assert Generation.objects.count() == 2
    assert in_storage(names) == [True] * 4


def test_bulk_delete_confirmed_deletes_the_owners_items_only(owner_client, owner, stranger, commit):
    mine = [make_generation(owner, outputs=2) for _ in range(2)]
    kept = make_generation(owner, prompt="Not selected")
    theirs = make_generation(stranger)
    mine_files = files_of(*Asset.objects.filter(generation__in=mine))
    other_files = files_of(*Asset.objects.filter(generation__in=[kept, theirs]))

    with commit():
        response = owner_client.post(
            "/bulk/", {"action": "delete", "confirmed": "1", "ids": [*(g.pk for g in mine), theirs.pk]},
            follow=True,
        )  # fmt: skip

    assert "Deleted 2 items." in messages(response)
    assert set(Generation.objects.values_list("pk", flat=True)) == {kept.pk, theirs.pk}
    assert in_storage(mine_files) == [False] * 8
    assert in_storage(other_files) == [True] * 4


def test_bulk_delete_keeps_work_under_way_and_says_so(owner_client, owner, commit):
    done = make_generation(owner)
    busy = make_generation(owner, status=Status.PROCESSING)

    with commit():
        response = owner_client.post(
            "/bulk/", {"action": "delete", "confirmed": "1", "ids": [done.pk, busy.pk]}, follow=True
        )

    text = messages(response)
    assert "Deleted 1 item." in text
    assert "1 item still at work kept: cancel them first." in text
    assert list(Generation.objects.values_list("pk", flat=True)) == [busy.pk]


def test_bulk_delete_of_only_a_strangers_items_deletes_nothing(owner_client, stranger, commit):
    theirs = make_generation(stranger)

    with commit():
        response = owner_client.post(
            "/bulk/", {"action": "delete", "confirmed": "1", "ids": [theirs.pk]}, follow=True
        )

    assert "Deleted 0 items." in messages(response)
    assert Generation.objects.filter(pk=theirs.pk).exists()
    assert in_storage(files_of(theirs.outputs.get())) == [True, True]

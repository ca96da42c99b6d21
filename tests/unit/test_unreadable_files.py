"""A file the storage cannot give (a disk error, a bucket that lost it) answers 503 with a plain
message on every route that serves files, whole or by range: the studio's fault, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from grokstudio.studio import services
from grokstudio.studio.web.downloads import Unreadable
from tests.factories import make_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost(owner):
    """A result whose file and thumbnail the storage no longer has."""
    asset = make_generation(owner, prompt="A lighthouse in a storm").outputs.get()
    for field in (asset.file, asset.thumbnail):
        if field:
            field.storage.delete(field.name)
    return asset


def assert_unreadable(response) -> None:
    assert response.status_code == 503
    assert response.content.decode() == Unreadable.message
    assert response.headers["Content-Type"].startswith("text/plain")
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("route", ["file", "thumb", "download"])
@pytest.mark.parametrize("headers", [{}, {"HTTP_RANGE": "bytes=0-99"}], ids=["whole", "range"])
def test_the_owners_routes_answer_503(owner_client, lost, route, headers):
    assert_unreadable(owner_client.get(f"/a/{lost.pk}/{route}", **headers))


@pytest.mark.parametrize("route", ["file", "download"])
@pytest.mark.parametrize("headers", [{}, {"HTTP_RANGE": "bytes=0-99"}], ids=["whole", "range"])
def test_a_share_links_routes_answer_503(owner, lost, route, headers):
    link = services.share(owner, lost, "week", show_prompt=True)

    assert_unreadable(Client().get(f"/s/{link.token}/{route}", **headers))


def test_another_persons_lost_file_is_still_not_found(stranger_client, lost):
    assert stranger_client.get(f"/a/{lost.pk}/file").status_code == 404


def test_a_range_is_read_from_a_file_opened_before_the_answer_and_closed_after(owner_client, owner):
    asset = make_generation(owner).outputs.get()
    with asset.file.open("rb") as f:
        expected = f.read()[10:20]

    response = owner_client.get(f"/a/{asset.pk}/file", HTTP_RANGE="bytes=10-19")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == expected
    response.close()

"""A file the storage cannot give (a disk error, a bucket that lost it, a fetch that fails) answers
503 with a plain message on every route that serves files, whole or by range: the studio's fault,
never a 500, and never an answer that breaks off once begun."""

from __future__ import annotations

import io

import pytest
from django.core.files import File
from django.test import Client

from grokstudio.studio import services
from grokstudio.studio.web.downloads import Unreadable
from tests.factories import make_generation

pytestmark = pytest.mark.django_db

RANGES = pytest.mark.parametrize("headers", [{}, {"HTTP_RANGE": "bytes=0-99"}], ids=["whole", "range"])


class FailingFetch(io.BytesIO):
    """A handle that opens but fails on its first seek or read, as S3's does when the object
    it found cannot be fetched."""

    def seek(self, *args):
        raise OSError("connection reset while fetching the object")

    read = seek


@pytest.fixture
def result(owner):
    return make_generation(owner, prompt="A lighthouse in a storm").outputs.get()


@pytest.fixture(params=["lost", "open fails", "fetch fails"])
def unreadable(request, result, monkeypatch):
    """A result the storage has lost, cannot open, or opens but cannot fetch."""
    storage = result.file.storage
    if request.param == "lost":
        for field in (result.file, result.thumbnail):
            if field:
                storage.delete(field.name)
    elif request.param == "open fails":
        monkeypatch.setattr(storage, "_open", lambda name, mode="rb": (_ for _ in ()).throw(OSError("EIO")))
    else:
        monkeypatch.setattr(storage, "_open", lambda name, mode="rb": File(FailingFetch(b"x" * 200), name))
    return result


def assert_unreadable(response) -> None:
    assert response.status_code == 503
    assert response.content.decode() == Unreadable.message
    assert response.headers["Content-Type"].startswith("text/plain")
    assert int(response.headers["Retry-After"]) > 0


@RANGES
@pytest.mark.parametrize("route", ["file", "thumb", "download"])
def test_the_owners_routes_answer_503(owner_client, unreadable, route, headers):
    assert_unreadable(owner_client.get(f"/a/{unreadable.pk}/{route}", **headers))


@RANGES
@pytest.mark.parametrize("route", ["file", "download"])
def test_a_share_links_routes_answer_503_and_stay_out_of_search_engines(owner, unreadable, route, headers):
    link = services.share(owner, unreadable, "week", show_prompt=True)

    response = Client().get(f"/s/{link.token}/{route}", **headers)

    assert_unreadable(response)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_another_persons_unreadable_file_is_still_not_found(stranger_client, unreadable):
    assert stranger_client.get(f"/a/{unreadable.pk}/file").status_code == 404


@RANGES
def test_a_file_is_opened_before_the_answer_and_closed_with_it(owner_client, result, monkeypatch, headers):
    storage = result.file.storage
    opened = []
    real_open = storage._open
    monkeypatch.setattr(storage, "_open", lambda *args: opened.append(real_open(*args)) or opened[-1])
    with result.file.open("rb") as f:
        expected = f.read()
    opened.clear()

    response = owner_client.get(f"/a/{result.pk}/file", **headers)

    assert len(opened) == 1 and not opened[0].closed  # open, before a byte of the answer was read
    assert response.status_code == (206 if headers else 200)
    assert b"".join(response.streaming_content) == (expected[:100] if headers else expected)
    response.close()
    assert opened[0].closed

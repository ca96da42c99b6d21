"""`manage.py seed_gallery`: completed generations whose shared files are real and readable."""

from __future__ import annotations

import io

import av
import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from grokstudio.studio.models import Asset, Collection, Generation, Status


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_gallery", stdout=out, **options)
    return out.getvalue()


def decodes(asset: Asset) -> bool:
    with default_storage.open(asset.file.name, "rb") as f:
        data = f.read()
    if asset.kind == "video":
        with av.open(io.BytesIO(data)) as container:
            return next(container.decode(video=0)).width == asset.width
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size == (asset.width, asset.height)


@pytest.mark.django_db
def test_it_seeds_completed_generations_with_readable_files():
    summary = seed(username="demo", count=50, seed=7)

    user = get_user_model().objects.get(username="demo")
    generations = list(Generation.objects.filter(user=user).order_by("id"))
    assert len(generations) == 50
    assert "50" in summary
    assert {g.status for g in generations} == {Status.COMPLETED}
    assert all(g.finished_at > g.created_at and g.cost_usd_ticks > 0 for g in generations)
    # Oldest first: ids ascend with creation time, as in a gallery people filled by hand.
    assert [g.created_at for g in generations] == sorted(g.created_at for g in generations)
    assets = list(Asset.objects.filter(user=user))
    assert len(assets) == sum(g.params["n"] for g in generations)
    checked = {}
    for asset in assets:
        assert asset.file.name.startswith("seed/")
        assert default_storage.exists(asset.thumbnail.name)
        if asset.file.name not in checked:
            checked[asset.file.name] = decodes(asset)
    assert all(checked.values())


@pytest.mark.django_db
def test_it_makes_videos_that_decode():
    seed(username="demo", count=60, seed=1)

    videos = Asset.objects.filter(kind="video")
    assert videos.exists()
    assert decodes(videos.first())


@pytest.mark.django_db
def test_a_second_run_adds_to_an_existing_user():
    seed(username="demo", count=20, collections=2)
    seed(username="demo", count=30, collections=2)

    user = get_user_model().objects.get(username="demo")
    assert Generation.objects.filter(user=user).count() == 50
    assert not user.has_usable_password()
    assert Collection.objects.filter(user=user).count() == 2
    assert all(c.generations.exists() for c in Collection.objects.filter(user=user))
    newest_first = list(Generation.objects.filter(user=user).values_list("id", flat=True))
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.django_db
def test_the_password_is_set_when_given():
    seed(username="demo", count=1, password="a-long-demo-password")

    assert get_user_model().objects.get(username="demo").check_password("a-long-demo-password")

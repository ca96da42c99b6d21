"""/a/<id>/ and its file, thumbnail and download: private files that leave only through views."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from grokstudio.studio import services
from grokstudio.studio.media.images import check_reference, check_result
from grokstudio.studio.models import Asset, Generation
from tests.factories import make_image

ROUTES = ["/a/{pk}/", "/a/{pk}/file", "/a/{pk}/thumb", "/a/{pk}/download"]


@pytest.fixture
def generation(owner):
    return Generation.objects.create(
        user=owner, prompt="A red fox at dawn", model="grok-imagine-image", status="completed",
        params={"aspect_ratio": "4:3", "resolution": "1k", "n": 1},
    )  # fmt: skip


@pytest.fixture
def png():
    return make_image("PNG", size=(800, 600))


@pytest.fixture
def asset(owner, generation, png):
    return services.store_image(
        user=owner, role=Asset.Role.OUTPUT, image=check_result(png), generation=generation, index=0
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("route", ROUTES)
def test_it_requires_login(client, asset, route):
    url = route.format(pk=asset.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("route", ROUTES)
def test_another_user_gets_404(stranger_client, asset, route):
    assert stranger_client.get(route.format(pk=asset.pk)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_a_missing_asset_is_404(owner_client, route):
    assert owner_client.get(route.format(pk=987654)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_it_refuses_post(owner_client, asset, route):
    assert owner_client.post(route.format(pk=asset.pk)).status_code == 405


def test_the_detail_page_shows_the_image_and_its_facts(owner_client, asset):
    response = owner_client.get(f"/a/{asset.pk}/")

    assert response.status_code == 200
    assert f'src="/a/{asset.pk}/file"' in response.text
    assert f'href="/a/{asset.pk}/download"' in response.text
    assert "A red fox at dawn" in response.text
    assert "800 \N{MULTIPLICATION SIGN} 600 px" in response.text


def test_file_serves_the_stored_bytes(owner_client, asset, png):
    response = owner_client.get(f"/a/{asset.pk}/file")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response) == png
    assert "attachment" not in response.get("Content-Disposition", "")


def test_file_is_private_and_not_sniffed(owner_client, asset):
    response = owner_client.get(f"/a/{asset.pk}/file")

    assert response["Cache-Control"].startswith("private")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_is_an_attachment_named_after_the_prompt(owner_client, asset, generation, png):
    response = owner_client.get(f"/a/{asset.pk}/download")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="grok-a-red-fox-at-dawn-{generation.pk}.png"'
    )
    assert body(response) == png


def test_thumb_is_a_small_webp(owner_client, asset):
    response = owner_client.get(f"/a/{asset.pk}/thumb")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    thumb = Image.open(io.BytesIO(body(response)))
    assert thumb.format == "WEBP"
    assert thumb.size == (512, 384)


def test_a_reference_upload_is_served_too(owner_client, owner):
    upload = services.store_image(
        user=owner, role=Asset.Role.UPLOAD, image=check_reference(make_image("JPEG"), "cat.jpg"),
        original_name="cat.jpg",
    )  # fmt: skip

    assert owner_client.get(f"/a/{upload.pk}/").status_code == 200
    assert owner_client.get(f"/a/{upload.pk}/file")["Content-Type"] == "image/jpeg"
    download = owner_client.get(f"/a/{upload.pk}/download")
    assert download["Content-Disposition"] == 'attachment; filename="cat.jpg"'


def test_the_file_exists_in_storage_but_no_public_url_serves_it(owner_client, asset, settings, media_root):
    assert (media_root / asset.file.name).is_file()

    assert owner_client.get(f"/media/{asset.file.name}").status_code == 404
    assert owner_client.get(f"{settings.MEDIA_URL}{asset.file.name}").status_code == 404
    assert owner_client.get(f"/{asset.file.name}").status_code == 404

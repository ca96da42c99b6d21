"""GET /g/<id>/: one generation with its options, references and results."""

from __future__ import annotations

import pytest

from grokstudio.studio import services
from grokstudio.studio.media.images import check_reference, check_result
from grokstudio.studio.models import Asset, Generation, Reference, Status
from tests.factories import make_image


@pytest.fixture
def generation(owner):
    return Generation.objects.create(
        user=owner, prompt="A red fox at dawn", model="grok-imagine-image-2.0", status=Status.COMPLETED,
        params={"aspect_ratio": "16:9", "resolution": "2k", "n": 2, "mode": "edit"},
        cost_usd_ticks=400_000_000,
    )  # fmt: skip


def output(generation: Generation, index: int) -> Asset:
    image = check_result(make_image())
    return services.store_image(
        user=generation.user, role=Asset.Role.OUTPUT, image=image, generation=generation, index=index
    )


def test_it_requires_login(client, generation):
    response = client.get(f"/g/{generation.pk}/")

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/g/{generation.pk}/"


def test_another_user_gets_404(stranger_client, generation):
    assert stranger_client.get(f"/g/{generation.pk}/").status_code == 404


def test_a_missing_generation_is_404(owner_client):
    assert owner_client.get("/g/987654/").status_code == 404


def test_it_refuses_post(owner_client, generation):
    assert owner_client.post(f"/g/{generation.pk}/").status_code == 405


def test_it_shows_the_prompt_options_and_cost(owner_client, generation):
    response = owner_client.get(f"/g/{generation.pk}/")

    assert response.status_code == 200
    assert "A red fox at dawn" in response.text
    assert "grok-imagine-image-2.0" in response.text
    assert "2 images, 16:9, 2k" in response.text
    assert "$0.0400" in response.text


def test_it_shows_references_and_results(owner_client, owner, generation):
    reference = services.store_image(
        user=owner, role=Asset.Role.UPLOAD, image=check_reference(make_image(), "fox.png")
    )
    Reference.objects.create(generation=generation, asset=reference, position=0)
    results = [output(generation, index) for index in range(2)]

    response = owner_client.get(f"/g/{generation.pk}/")

    assert f'src="/a/{reference.pk}/thumb"' in response.text
    for result in results:
        assert f'href="/a/{result.pk}/download"' in response.text


def test_a_failed_generation_shows_its_message_and_code(owner_client, owner):
    failed = Generation.objects.create(
        user=owner, prompt="p", model="grok-imagine-image", status=Status.FAILED,
        message="xAI is not accepting this key.", error_code="permission_denied",
        params={"n": 1, "resolution": "1k"},
    )  # fmt: skip

    response = owner_client.get(f"/g/{failed.pk}/")

    assert "xAI is not accepting this key." in response.text
    assert "<code>permission_denied</code>" in response.text

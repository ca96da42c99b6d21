"""Share links: made by an item's owner, opened by anyone holding the token, until revoked or expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.models import ShareLink
from tests.factories import make_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(owner):
    return make_generation(owner, prompt="A lighthouse in a storm").outputs.get()


@pytest.fixture
def link(owner, asset):
    return services.share(owner, asset, "week", show_prompt=True)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_makes_an_unguessable_link_that_expires_in_a_week(owner_client, asset):
    response = owner_client.post(f"/a/{asset.pk}/share", {"expiry": "week"}, headers={"HX-Request": "true"})
    link = ShareLink.objects.get()
    assert response.status_code == 200
    assert f"/s/{link.token}/" in response.content.decode()
    assert len(link.token) >= 40 and link.show_prompt
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)


def test_it_makes_a_link_that_never_expires_and_hides_the_prompt(owner_client, asset):
    response = owner_client.post(f"/a/{asset.pk}/share", {"expiry": "never", "hide_prompt": "1"})
    assert response.status_code == 302
    link = ShareLink.objects.get()
    assert link.expires_at is None and not link.show_prompt


def test_other_user_gets_404_sharing_my_item(stranger_client, asset):
    assert stranger_client.post(f"/a/{asset.pk}/share", {"expiry": "day"}).status_code == 404
    assert not ShareLink.objects.exists()


def test_other_user_gets_404_revoking_my_link(stranger_client, link):
    assert stranger_client.post(f"/shared/{link.pk}/revoke").status_code == 404
    assert ShareLink.objects.filter(pk=link.pk).exists()


def test_the_shared_links_page_lists_only_my_links(owner_client, stranger_client, link):
    assert link.token in owner_client.get("/shared/").content.decode()
    assert link.token not in stranger_client.get("/shared/").content.decode()


def test_anyone_with_the_link_sees_the_item_and_its_prompt_and_nothing_else(link, owner):
    response = Client().get(f"/s/{link.token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in page
    assert "A lighthouse in a storm" in page
    assert f"/s/{link.token}/file" in page and f"/s/{link.token}/download" in page
    assert owner.username not in page
    assert 'href="/"' not in page and "/a/" not in page and "/g/" not in page


def test_the_file_and_the_download_open_with_the_token(link, asset):
    stranger = Client()
    file = stranger.get(f"/s/{link.token}/file")
    assert file.status_code == 200 and body(file) == asset.file.open("rb").read()
    download = stranger.get(f"/s/{link.token}/download")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"] and "lighthouse" in download["Content-Disposition"]
    assert download["X-Robots-Tag"].startswith("noindex")


def test_a_hidden_prompt_is_neither_shown_nor_in_the_file_name(owner, asset):
    link = services.share(owner, asset, "day", show_prompt=False)
    page = Client().get(f"/s/{link.token}/").content.decode()
    assert "lighthouse" not in page.lower()
    download = Client().get(f"/s/{link.token}/download")
    assert "lighthouse" not in download["Content-Disposition"]


def test_the_file_goes_to_nginx_when_it_serves_media(link, settings):
    settings.STUDIO_ACCEL_REDIRECT_PREFIX = "/protected/"
    response = Client().get(f"/s/{link.token}/file")
    assert response["X-Accel-Redirect"].startswith("/protected/")


def test_a_revoked_link_answers_404(owner_client, link):
    assert owner_client.post(f"/shared/{link.pk}/revoke").status_code == 302
    for path in ("", "file", "download"):
        assert Client().get(f"/s/{link.token}/{path}").status_code == 404


def test_an_expired_link_answers_404(link):
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for path in ("", "file", "download"):
        assert Client().get(f"/s/{link.token}/{path}").status_code == 404


def test_a_link_a_day_old_has_expired(owner, asset):
    link = services.share(owner, asset, "day", show_prompt=True)
    assert Client().get(f"/s/{link.token}/").status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(created_at=timezone.now() - timedelta(days=1))
    link.refresh_from_db()
    link.expires_at -= timedelta(days=1)
    link.save()
    assert Client().get(f"/s/{link.token}/").status_code == 404


def test_a_made_up_token_answers_404():
    assert Client().get("/s/not-a-real-token/").status_code == 404


def test_sharing_switched_off_hides_the_button_and_closes_every_link(owner_client, link, asset, settings):
    assert "Share</summary>" in owner_client.get(f"/a/{asset.pk}/").content.decode()
    settings.STUDIO_ALLOW_SHARING = False
    assert Client().get(f"/s/{link.token}/").status_code == 404
    assert Client().get(f"/s/{link.token}/file").status_code == 404
    assert "Share</summary>" not in owner_client.get(f"/a/{asset.pk}/").content.decode()
    assert owner_client.get("/shared/").status_code == 404
    assert owner_client.post(f"/a/{asset.pk}/share", {"expiry": "day"}).status_code == 404


def test_deleting_the_item_ends_its_links(owner, link):
    services.delete_generations(owner, [link.asset.generation_id])
    assert Client().get(f"/s/{link.token}/").status_code == 404

"""GET /healthz: the database, the broker and storage answer; no sign-in, no secrets."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_ok_without_sign_in_when_every_part_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_leaves_nothing_in_storage(client, media_root):
    client.get("/healthz")
    client.get("/healthz")

    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_broken_storage_answers_503_naming_the_part_but_not_the_error(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker / "media"
    settings.SECRET_KEY = "a-secret-that-must-not-leak-0123456789"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "ok", "broker": "ok", "storage": "failing"}
    assert "not-a-directory" not in response.text and settings.SECRET_KEY not in response.text


def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405

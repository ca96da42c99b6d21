"""Every call to xAI that has an end-user field says which studio account asked, without saying who.

Run through the real pipeline and SDK; the emulator's call record shows what xAI would see.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from grokstudio.studio import services
from grokstudio.studio.models import Status
from tests.integration.drive import drive

# The poller starts generations on its own threads, with their own connections: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def generate(user, prompt: str) -> None:
    generation = services.submit_image_generation(
        user,
        {"prompt": prompt, "model": "grok-imagine-image", "aspect_ratio": "1:1", "resolution": "1k", "n": 1},
    )
    generation = drive(generation)
    assert generation.status == Status.COMPLETED, generation.message


def test_two_accounts_send_two_ids_and_one_account_always_the_same(owner, stranger, xai):
    generate(owner, "a lighthouse")
    generate(stranger, "a windmill")
    generate(owner, "a lighthouse again")

    users = [call["request"].get("user") for call in xai.calls("GenerateImage")]
    assert len(users) == 3
    assert users[0] == users[2]
    assert users[0] != users[1]
    assert all(re.fullmatch(r"[0-9a-f]{64}", u) for u in users)


def test_the_id_names_neither_the_username_nor_the_email(xai):
    person = get_user_model().objects.create_user(
        "margaret", email="margaret@example.com", password="a-long-test-password"
    )
    generate(person, "a harbour")

    sent = xai.calls("GenerateImage")[0]["user"]
    assert "margaret" not in sent and "example.com" not in sent
    assert sent != str(person.pk)


def test_the_id_depends_on_the_secret_key(owner, xai, settings):
    from grokstudio.studio.attribution import xai_user_id

    before = xai_user_id(owner.pk)
    settings.SECRET_KEY = "another-secret-key-for-another-studio-installation"
    assert xai_user_id(owner.pk) != before

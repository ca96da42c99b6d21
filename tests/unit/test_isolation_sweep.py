"""Every route that takes an object id answers 404 to anyone but the object's owner.

The routes are read from the URLconf, so a route added later is covered without
anyone remembering to: a new kind of id fails here until it has an owner's object.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from grokstudio.studio import services
from grokstudio.studio.media.images import check_result
from grokstudio.studio.models import (
    Asset,
    Collection,
    Generation,
    Kind,
    Preset,
    PromptHelp,
    ShareLink,
    Status,
)
from tests.factories import make_image

pytestmark = pytest.mark.django_db


def routes_with_ids(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):  # the admin is for staff, behind its own checks
                yield from routes_with_ids(pattern.url_patterns, route)
        # An invitation link is named by its unguessable secret and belongs to no one.
        elif isinstance(pattern, URLPattern) and set(pattern.pattern.converters) - {"secret"}:
            yield route, list(pattern.pattern.converters)


@pytest.fixture
def owners_objects(owner) -> dict[str, int]:
    generation = Generation.objects.create(
        user=owner, kind=Kind.IMAGE, prompt="mine", model="grok-imagine-image", status=Status.PROCESSING,
        params={"n": 1, "aspect_ratio": "1:1", "resolution": "1k"},
    )  # fmt: skip
    asset = services.store_image(
        user=owner, role=Asset.Role.OUTPUT, image=check_result(make_image()), generation=generation
    )
    collection = Collection.objects.create(user=owner, name="mine")
    collection.generations.add(generation)
    from grokstudio.api.models import ApiToken

    token, _ = ApiToken.issue(owner, "mine")
    help = PromptHelp.objects.create(user=owner, kind=PromptHelp.Kind.DESCRIBE)
    link = services.share(owner, asset, "week", show_prompt=True)
    # A live link opens for whoever holds it, by design; what no one may reach is one past its
    # expiry (a revoked link's row is gone, so it looks like one that never was).
    expired = services.share(owner, asset, "day", show_prompt=True)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    preset = Preset.objects.create(user=owner, name="mine", options={"model": "grok-imagine-image"})
    return {
        "generation_id": generation.pk, "asset_id": asset.pk, "collection_id": collection.pk,
        "token_id": token.pk, "help_id": help.pk, "link_id": link.pk, "token": expired.token,
        "preset_id": preset.pk,
    }  # fmt: skip


def test_the_sweep_finds_the_routes_it_is_meant_to_guard():
    routes = [route for route, _ in routes_with_ids()]
    assert "g/<int:generation_id>/" in routes
    assert "a/<int:asset_id>/download" in routes
    assert "xai/tasks/<task_id>" in routes
    assert "s/<str:token>/file" in routes


def test_every_route_with_an_id_answers_404_to_another_user(stranger_client, stranger, owners_objects):
    from django.test import Client

    from grokstudio.api.models import ApiToken

    # The task API signs scripts in with a token, not a session: the stranger has one too.
    stranger_script = Client(headers={"Authorization": f"Bearer {ApiToken.issue(stranger, 'theirs')[1]}"})
    objects = {**owners_objects, "task_id": owners_objects["generation_id"]}
    for route, names in routes_with_ids():
        missing = [name for name in names if name not in objects]
        assert not missing, f"{route}: give this test an owner's object for {missing}"
        path = "/" + route
        for name in names:
            path = re.sub(rf"<(?:\w+:)?{name}>", str(objects[name]), path)
        client = stranger_script if route.startswith("xai/") else stranger_client
        answers = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
        # A method the route does not take may answer 405 before anything is looked up.
        assert set(answers.values()) <= {404, 405} and 404 in answers.values(), (route, answers)
    # Nothing the stranger tried changed the owner's objects.
    generation = Generation.objects.get(pk=owners_objects["generation_id"])
    assert generation.status == Status.PROCESSING and not generation.favorite
    assert Collection.objects.get(pk=owners_objects["collection_id"]).name == "mine"
    assert generation.collections.count() == 1
    assert Asset.objects.filter(pk=owners_objects["asset_id"]).exists()
    assert ShareLink.objects.filter(pk=owners_objects["link_id"]).exists()
    assert Preset.objects.get(pk=owners_objects["preset_id"]).name == "mine"
    from grokstudio.api.models import ApiToken

    assert ApiToken.objects.get(pk=owners_objects["token_id"]).revoked_at is None

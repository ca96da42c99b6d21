"""Length-limited text fields: the browser is told the limit to count against, never
`maxlength` (which silently cuts pasted text), and the server says how far over it is."""

from __future__ import annotations

import re

import pytest

from grokstudio.api.models import ApiToken
from grokstudio.studio.models import Collection, Preset

PAGES = ["/", "/?kind=video", "/collections/", "/accounts/api-tokens/", "/presets/"]


@pytest.mark.parametrize("url", PAGES)
def test_no_page_cuts_what_is_typed_with_maxlength(owner_client, owner, url):
    Collection.objects.create(user=owner, name="Foxes")  # its rename box is limited too
    Preset.objects.create(user=owner, name="Wide", options={"model": "grok-imagine-image"})

    html = owner_client.get(url).content.decode()

    assert "maxlength" not in html
    assert re.search(r'data-limit="\d+"', html)


def test_the_prompt_box_says_its_limit_without_a_script(owner_client):
    html = owner_client.get("/").content.decode()

    assert '<p class="char-count" id="id_prompt_count">At most 1,000 characters.</p>' in html


def test_a_token_name_over_the_limit_is_refused_with_how_far_over(owner_client, owner):
    response = owner_client.post("/accounts/api-tokens/", {"name": "n" * 95})

    assert response.status_code == 400
    assert "15 characters over the 80 limit." in response.content.decode()
    assert not ApiToken.objects.filter(user=owner).exists()


def test_a_collection_name_over_the_limit_is_refused_with_how_far_over(owner_client, owner):
    response = owner_client.post("/collections/", {"name": "c" * 82})

    assert response.status_code == 400
    assert "2 characters over the 80 limit." in response.content.decode()
    assert not Collection.objects.filter(user=owner).exists()


def test_a_prompt_over_the_limit_is_refused_and_kept_in_the_box(owner_client):
    prompt = "A very long prompt. " * 100  # 2,000 characters, 1,999 once stripped

    data = {"kind": "image", "prompt": prompt, "model": "grok-imagine-image", "resolution": "1k", "n": "1"}

    response = owner_client.post("/generate/", data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "999 characters over the 1,000 limit." in html
    assert prompt.strip() in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("via", ["preset", "suggestion"])
def test_a_prompt_brought_in_the_address_is_kept_whole_for_the_count_to_refuse(owner_client, owner, via):
    """A preset applied to a long prompt, or a long suggestion, shows every character: the count
    marks what is over and Generate refuses it, as for typing; nothing is cut on the way."""
    long_prompt = "a heron in the reeds " * 75  # 1,575 characters
    query = {"prompt": long_prompt}
    if via == "preset":
        query["preset"] = Preset.objects.create(
            user=owner, name="Wide", options={"model": "grok-imagine-image"}
        ).pk

    html = owner_client.get("/", query).content.decode()

    assert f"{long_prompt.strip()}</textarea>" in html

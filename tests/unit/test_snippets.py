"""Each repeated piece of markup is written once: a result's picture or player, and the
links that start new work from it. The pages that show them include the snippet."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import make_generation

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize(
    ("markup", "snippet"),
    [("<video", "_media.html"), ("asset-file", "_media.html"), ("reference_asset=", "_reuse.html"),
     ("mode=image&amp;image_asset=", "_reuse.html"), ("mode=extend", "_reuse.html")],
)  # fmt: skip
def test_the_markup_is_written_in_one_snippet_only(markup, snippet):
    holders = sorted(p.name for p in TEMPLATES.rglob("*.html") if markup in p.read_text())

    assert holders == [snippet]


def test_the_card_the_generation_page_and_the_item_page_show_the_same_player(owner_client, owner):
    video = make_generation(owner, prompt="Waves on a breakwater", kind="video")
    asset = video.outputs.get()
    player = (
        f'src="/a/{asset.pk}/file" width="{asset.width}" height="{asset.height}" '
        'aria-label="Waves on a breakwater"'
    )

    for page in ("/", f"/g/{video.pk}/", f"/a/{asset.pk}/"):
        assert player in owner_client.get(page).content.decode(), page


def test_the_card_and_the_item_page_offer_the_same_way_to_extend(owner_client, owner):
    asset = make_generation(owner, kind="video").outputs.get()
    extend = f'href="/?kind=video&amp;mode=extend&amp;video_asset={asset.pk}">Extend</a>'

    for page in ("/", f"/a/{asset.pk}/"):
        assert extend in owner_client.get(page).content.decode(), page

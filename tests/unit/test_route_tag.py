"""`{% route %}` gives exactly what `{% url %}` gives, for every one-id route the cards use."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix

NAMES = [
    "studio:generation", "studio:favorite", "studio:cancel", "studio:card-menu", "studio:asset",
    "studio:asset-thumb", "studio:asset-file", "studio:asset-download",
]  # fmt: skip


def render(text: str, **context) -> str:
    return engines["django"].from_string("{% load studio_urls %}" + text).render(context)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 42, 918273645, 10**15])
def test_it_matches_url_for_each_route(name, pk):
    assert render("{% route name pk %}", name=name, pk=pk) == reverse(name, args=[pk])


def test_it_follows_the_script_prefix_of_a_studio_served_under_a_path():
    try:
        set_script_prefix("/studio/")
        assert render("{% route 'studio:asset' 7 as u %}{{ u }}") == "/studio/a/7/"
    finally:
        set_script_prefix("/")
    assert render("{% route 'studio:asset' 7 %}") == "/a/7/"


def test_a_route_without_exactly_one_id_is_refused():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        render("{% route 'studio:gallery' 1 %}")  # takes no id at all
    with pytest.raises(ValueError):
        render("{% route 'studio:generation' 'x' %}")  # an id must be a number

"""A signed-out page that asks htmx for a part of itself reloads into sign-in, on every route."""

import pytest
from django.urls import reverse

from grokstudio.studio.web.urls import urlpatterns

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
SIGN_IN = "/accounts/login/"


def _routes() -> list:
    routes = [
        pytest.param(
            reverse(
                f"studio:{p.name}",
                kwargs={name: "x" if name == "token" else 1 for name in p.pattern.converters},
            ),
            id=p.name,
        )
        for p in urlpatterns
    ]
    return [
        *routes,
        pytest.param(reverse("api-tokens"), id="api-tokens"),
        pytest.param(reverse("invite"), id="invite"),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", _routes())
def test_a_signed_out_htmx_request_reloads_the_page_instead_of_swapping_sign_in_into_it(
    client, db, url, method
):
    plain = getattr(client, method)(url)
    asked = getattr(client, method)(url, headers=HTMX)

    if plain.status_code == 302 and plain.url.startswith(SIGN_IN):
        assert asked.status_code == 200 and asked["HX-Refresh"] == "true"
    else:  # a share link, or a method the route refuses: what it answers anyone
        assert asked.status_code == plain.status_code and "HX-Refresh" not in asked


def test_a_signed_out_browser_is_still_sent_to_sign_in_with_its_page_to_come_back_to(client, db):
    response = client.get("/g/1/menu")

    assert response.status_code == 302 and response.url == f"{SIGN_IN}?next=/g/1/menu"


def test_a_signed_out_redirect_elsewhere_is_left_alone(client, db):
    """Only the way to sign-in becomes a reload: an address that moved still moves."""
    response = client.get("/accounts/password/", headers=HTMX)

    assert response.status_code == 302 and not response.url.startswith(SIGN_IN)
    assert "HX-Refresh" not in response


def test_a_signed_in_persons_redirect_for_htmx_is_left_alone(owner_client, owner):
    """Like the no-JS path of a form, it goes where it always went."""
    response = owner_client.post("/collections/", {"name": "Boards"}, headers=HTMX)

    assert "HX-Refresh" not in response

"""The studio's URLs plus `/_bench/bare`: the cheapest answer this server can give, as a yardstick."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from grokstudio.urls import urlpatterns as studio_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """The full middleware stack but no session, user or database: what any page costs at least."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("_bench/bare", bare), *studio_urlpatterns]

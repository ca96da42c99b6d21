from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from grokstudio import admin_views
from grokstudio.accounts.mfa import mfa_required, with_mfa_required
from grokstudio.api import views as api_views
from grokstudio.api.api import api
from grokstudio.health import healthz
from grokstudio.studio.web import urls as studio_urls


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Pages without an icon link of their own (the admin's) make browsers ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# The admin signs in through allauth's form (its lockout, the second factor), and its pages
# ask for a second factor when an administrator requires one, as the studio's do.
admin.site.login = secure_admin_login(admin.site.login)
_admin_view = admin.site.admin_view
admin.site.admin_view = lambda view, cacheable=False: mfa_required(_admin_view(view, cacheable))

# The studio's own routes come first: the gallery's poll is the most frequent
# request, and URL resolution tries patterns in order.
urlpatterns = [
    # Behind MFA when an administrator requires it (the task API has its own tokens).
    path("", include((with_mfa_required(studio_urls.urlpatterns), studio_urls.app_name))),
    path("xai/", api.urls),
    path("accounts/api-tokens/", mfa_required(api_views.tokens), name="api-tokens"),
    path(
        "accounts/api-tokens/<int:token_id>/revoke", mfa_required(api_views.revoke), name="api-token-revoke"
    ),
    path("accounts/", include("grokstudio.accounts.urls")),
    path("admin/workers/", admin.site.admin_view(admin_views.workers), name="admin-workers"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
]

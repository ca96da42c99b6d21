from django.contrib import admin
from django.urls import include, path

from grokstudio import admin_views
from grokstudio.health import healthz

# The studio's own routes come first: the gallery's poll is the most frequent
# request, and URL resolution tries patterns in order.
urlpatterns = [
    path("", include("grokstudio.studio.urls")),
    path("accounts/", include("grokstudio.accounts.urls")),
    path("admin/workers/", admin.site.admin_view(admin_views.workers), name="admin-workers"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

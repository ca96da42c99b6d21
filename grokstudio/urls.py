from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("grokstudio.accounts.urls")),
    path("", include("grokstudio.studio.urls")),
]

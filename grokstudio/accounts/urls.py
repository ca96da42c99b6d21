from django.urls import include, path
from django.views.generic import RedirectView

from grokstudio.accounts import views
from grokstudio.accounts.mfa import mfa_required

urlpatterns = [
    path("invite/", mfa_required(views.invite), name="invite"),
    path("invitation/<str:secret>/", views.accept_invitation, name="accept-invitation"),
    # The address of the password change page before allauth.
    path("password/", RedirectView.as_view(pattern_name="account_change_password"), name="password_change"),
    path("", include("allauth.urls")),
]

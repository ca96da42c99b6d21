"""The studio's own accounts pages: staff invite people, and an invitation link opens sign-up.

Sign-in, sign-up, sign-out, password reset and change, e-mail, MFA and SSO are allauth's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grokstudio.accounts.adapters import INVITATION_SESSION_KEY, invitation_refused
from grokstudio.accounts.forms import InvitationForm
from grokstudio.accounts.models import Invitation


@staff_member_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    link = None
    if request.method == "POST" and form.is_valid():
        _invitation, secret = Invitation.issue(request.user, note=form.cleaned_data["note"])
        # Shown on this answer only: the studio keeps no copy of the secret.
        link = request.build_absolute_uri(reverse("accept-invitation", args=[secret]))
        form = InvitationForm()
    context = {
        "form": form,
        "link": link,
        "invite_days": settings.STUDIO_INVITE_DAYS,
        "invitations": Invitation.objects.select_related("created_by", "used_by")[:50],
    }
    return render(request, "accounts/invite.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def accept_invitation(request: HttpRequest, secret: str) -> HttpResponse:
    invitation = Invitation.find(secret)
    if invitation is None or invitation.state != "usable":
        return invitation_refused(request, invitation)
    if request.user.is_authenticated:
        messages.info(request, "You are already signed in; the invitation is left for someone else.")
        return redirect("studio:gallery")
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return redirect("account_signup")

"""The API tokens page: make a named token (its secret shown once), see when each was used, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grokstudio.api.models import ApiToken
from grokstudio.studio.web.lengths import LimitedCharField

NEW_SECRET_KEY = "api_token_just_made"


class TokenForm(forms.Form):
    name = LimitedCharField(
        label="Name", max_length=80, strip=True,
        error_messages={"required": "Name the token after what will use it, e.g. “nightly batch”."},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, secret = ApiToken.issue(request.user, form.cleaned_data["name"])
        # Shown by the page the browser is sent to, once: a reload makes no second token.
        request.session[NEW_SECRET_KEY] = secret
        return redirect("api-tokens")
    secret = request.session.pop(NEW_SECRET_KEY, None) if request.method == "GET" else None
    context = {"form": form, "secret": secret, "tokens": ApiToken.objects.filter(user=request.user)}
    response = render(request, "api/tokens.html", context, status=400 if form.errors else 200)
    # The secret is on this page once: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    token.revoke()
    messages.success(request, f"Revoked “{token.name}”: scripts using it now get 401.")
    return redirect("api-tokens")

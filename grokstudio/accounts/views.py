"""Sign-up; sign-in, sign-out and password change are Django's own views."""

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from grokstudio.accounts.forms import SignUpForm


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.STUDIO_ALLOW_SIGNUP:
        raise Http404("Sign-up is closed on this studio; ask an administrator for an account.")
    if request.user.is_authenticated:
        return redirect("studio:gallery")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect("studio:gallery")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)

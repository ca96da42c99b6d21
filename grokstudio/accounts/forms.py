"""Forms of the accounts pages: allauth's sign-up with labels that name each field once,
and the staff's invitation form."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings

from grokstudio.accounts.adapters import domains_message
from grokstudio.studio.web.lengths import LimitedCharField


class SignUpForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "Password (again)" would also answer to a search for "Password".
        if "password2" in self.fields:
            self.fields["password2"].label = "Confirmation"
            self.fields["password2"].help_text = "Type the same password again."
        if "email" in self.fields:
            self.fields["email"].label = "E-mail"
            if settings.STUDIO_SIGNUP_DOMAINS:
                self.fields["email"].required = True
                self.fields["email"].error_messages["required"] = domains_message()
                self.fields["email"].help_text = "An address at " + ", ".join(settings.STUDIO_SIGNUP_DOMAINS)
            elif not self.fields["email"].required:
                self.fields["email"].help_text = "Optional: for resetting a forgotten password."
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class InvitationForm(forms.Form):
    note = LimitedCharField(
        max_length=200, required=False, label="For whom",
        help_text="A name or address, so that you recognise this invitation in the list.",
    )  # fmt: skip


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail"
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)

"""Sign-up form: Django's, with labels that name each field once."""

from django.contrib.auth.forms import UserCreationForm


class SignUpForm(UserCreationForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "Password confirmation" would also answer to a search for "Password".
        self.fields["password2"].label = "Confirmation"
        self.fields["password2"].help_text = "Type the same password again."

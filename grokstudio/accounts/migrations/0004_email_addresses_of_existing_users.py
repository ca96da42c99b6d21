"""Accounts made before allauth get an allauth e-mail address from their user's e-mail.

allauth reads addresses from its own table for sign-in by e-mail, password resets and
verification. Addresses are kept unverified (nobody has proved them), and an address two
users share goes to neither, so that neither can take over the other's account by it.
"""

from collections import Counter

from django.conf import settings
from django.db import migrations


def forward(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    users = list(User.objects.exclude(email="").values_list("pk", "email"))
    counts = Counter(email.lower() for _pk, email in users)
    taken = {email.lower() for email in EmailAddress.objects.values_list("email", flat=True)}
    with_address = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=pk, email=email.lower(), primary=True, verified=False)
        for pk, email in users
        if counts[email.lower()] == 1 and email.lower() not in taken and pk not in with_address
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_invitation"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

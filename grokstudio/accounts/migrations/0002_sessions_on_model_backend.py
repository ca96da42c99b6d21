"""Sessions signed in through the studio's former backend name Django's ModelBackend instead.

Django drops a session whose backend is no longer in AUTHENTICATION_BACKENDS, so
without this everyone would be signed out once. The database rows are the record;
a cached copy is dropped so that the next request reads the rewritten row.
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.db import migrations
from django.utils import timezone

OLD = "grokstudio.accounts.backends.StudioModelBackend"
NEW = "django.contrib.auth.backends.ModelBackend"


def _rename(apps, before: str, after: str) -> None:
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if data.get("_auth_user_backend") == before:
            data["_auth_user_backend"] = after
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])
            caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + session.session_key)


def forward(apps, schema_editor):
    _rename(apps, OLD, NEW)


def backward(apps, schema_editor):
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_budget"), ("sessions", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]

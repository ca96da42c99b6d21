"""WSGI entry point (gunicorn in production, runserver in development)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grokstudio.settings")
application = get_wsgi_application()

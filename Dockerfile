# Grok Studio: one image for the web server, the workers and migrations
# (docker/entrypoint.sh web | worker | migrate). See compose.yaml.

# --- build: dependencies into a virtualenv, static files collected -----------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /app
COPY pyproject.toml README.md ./
COPY grokstudio ./grokstudio
RUN /venv/bin/pip install .
COPY . .
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only-not-secret STUDIO_VAR_DIR=/tmp/build-var \
    /venv/bin/python manage.py collectstatic --noinput --verbosity 0

# --- run: the virtualenv, the code and the collected static files, as a user --
FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_DEBUG=false STUDIO_VAR_DIR=/var/lib/grokstudio PORT=8000
# The media folder exists, owned by the studio's user, so that a volume mounted
# there starts with that owner.
RUN useradd --system --uid 10001 --home-dir /var/lib/grokstudio --create-home studio \
    && mkdir -p /var/lib/grokstudio/media && chown -R studio /var/lib/grokstudio
COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app
USER studio
EXPOSE 8000
# Asks as the first allowed host: any other Host header is refused by Django.
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import os, sys, urllib.request as u; \
host = os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0].strip(); \
r = u.urlopen(u.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'Host': host})); \
sys.exit(r.status != 200)"
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]

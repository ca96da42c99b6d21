#!/bin/sh
# The one entry point of the studio's image, and of any other way to run it:
#   entrypoint.sh web       gunicorn on $PORT (default 8000), $WEB_CONCURRENCY processes of
#                           $WEB_THREADS threads (threads keep long downloads and ZIPs alive)
#   entrypoint.sh worker    the django-q2 cluster (STUDIO_WORKERS processes)
#   entrypoint.sh migrate   apply migrations, then exit
#   entrypoint.sh <cmd...>  anything else, e.g. `manage.py createsuperuser`
# It runs unchanged outside a container (tests/integration/test_entrypoint.py).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

case "${1:-web}" in
  web)
    exec "$PYTHON" -m gunicorn grokstudio.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --worker-class gthread --threads "${WEB_THREADS:-4}" \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
      --access-logfile - --error-logfile - \
      --timeout 120 --graceful-timeout 30
    ;;
  worker)
    exec "$PYTHON" manage.py qcluster
    ;;
  migrate)
    exec "$PYTHON" manage.py migrate --noinput
    ;;
  *)
    exec "$@"
    ;;
esac

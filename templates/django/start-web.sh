#!/bin/sh
# The web service's command (mounted read-only by berth): gunicorn on the project's WSGI module in production,
# runserver with live reload in development. WSGI_MODULE empty: the first */wsgi.py under /app.
set -eu
cd /app
module=${WSGI_MODULE:-}
if [ -z "$module" ]; then
  found=$(find . -maxdepth 3 -name wsgi.py -not -path './.*' | sort | head -n 1)
  if [ -z "$found" ]; then
    echo "berth: no wsgi.py under /app; answer --wsgi-module (like mysite.wsgi)" >&2
    exit 1
  fi
  module=$(echo "${found#./}" | sed 's/\.py$//; s#/#.#g')
  echo "berth: WSGI module $module (found $found)"
fi
if [ "${DJANGO_MODE:-production}" = development ]; then
  exec python3 manage.py runserver 0.0.0.0:8000
fi
exec gunicorn "$module:application" --bind 0.0.0.0:8000 --workers "${GUNICORN_WORKERS:-3}" --access-logfile -

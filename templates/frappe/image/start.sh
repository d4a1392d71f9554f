#!/bin/bash
# The custom image's default command (as frappe/erpnext's): gunicorn serving Frappe on port 8000, sized by
# GUNICORN_WORKERS, GUNICORN_THREADS and GUNICORN_TIMEOUT (compose.yaml sets them).
set -e
exec /home/frappe/frappe-bench/env/bin/gunicorn \
  --chdir=/home/frappe/frappe-bench/sites \
  --bind=0.0.0.0:8000 \
  --threads="${GUNICORN_THREADS:-4}" \
  --workers="${GUNICORN_WORKERS:-2}" \
  --worker-class=gthread \
  --worker-tmp-dir=/dev/shm \
  --timeout="${GUNICORN_TIMEOUT:-120}" \
  --preload \
  frappe.app:application

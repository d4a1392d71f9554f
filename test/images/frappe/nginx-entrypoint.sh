#!/bin/bash
# STAND-IN nginx (see Dockerfile): passes requests to $BACKEND for the site $FRAPPE_SITE_NAME_HEADER, port 8080.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/standin.sh
# shellcheck disable=SC2034 # read by standin.sh
NAME=frontend
need_env BACKEND SOCKETIO FRAPPE_SITE_NAME_HEADER
retry 30 http_answers "http://$BACKEND/" || fail "the backend at $BACKEND does not answer"
log "backend at $BACKEND answers; serving port 8080 for the site $FRAPPE_SITE_NAME_HEADER"
nc -ll -p 8080 -e /usr/local/bin/http-frontend &
trap 'kill $!; exit 0' TERM INT
wait

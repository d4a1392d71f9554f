#!/bin/sh
# shellcheck shell=dash
# Stand-in reflector web server (see Dockerfile).
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/standin.sh
need_env HOSTNAME PORT NEXTAUTH_SECRET NEXTAUTH_URL SITE_URL API_URL WEBSOCKET_URL SERVER_API_URL KV_URL
hostport=${KV_URL#redis://}
hostport=${hostport%%/*}
need_redis "${hostport%:*}" "${hostport#*:}"
retry 20 http_ok "$SERVER_API_URL/health" || fail "the API at $SERVER_API_URL/health does not answer 200"
log "API at $SERVER_API_URL answers /health"
mkdir -p /srv/www
echo '<h1>Reflector</h1>' >/srv/www/index.html
# Binds to $HOSTNAME like Next.js standalone: the recipe must set it to 0.0.0.0 for the healthcheck to reach it.
# shellcheck disable=SC3028 # set by docker and by the recipe
serve_static /srv/www "$HOSTNAME:$PORT" /api/health '{"status":"healthy"}'

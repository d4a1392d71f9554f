#!/bin/bash
# STAND-IN gunicorn (see Dockerfile): needs the configurator's common_site_config.json, then serves port 8000.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/standin.sh
# shellcheck disable=SC2034 # read by standin.sh
NAME=backend
need_env GUNICORN_WORKERS
config=/home/frappe/frappe-bench/sites/common_site_config.json
for key in db_host db_port redis_cache redis_queue; do
  [ -n "$(jq -r --arg k "$key" '.[$k] // empty' "$config")" ] || fail "$key is not in $config"
done
retry 30 wait-for-it -q -t 2 "$(jq -r .db_host "$config"):$(jq -r .db_port "$config")" ||
  fail "the database at $(jq -r .db_host "$config") does not accept connections"
retry 20 redis-cli -u "$(jq -r .redis_cache "$config")" ping || fail "the Redis cache does not answer"
log "database and Redis cache reachable; gunicorn on 0.0.0.0:8000 ($GUNICORN_WORKERS workers)"
nc -ll -p 8000 -e /usr/local/bin/http-backend &
trap 'kill $!; exit 0' TERM INT
wait

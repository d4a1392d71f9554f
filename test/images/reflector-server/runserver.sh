#!/bin/sh
# shellcheck shell=dash
# Stand-in runserver.sh: picks the role from $ENTRYPOINT as upstream's does (see Dockerfile).
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/standin.sh

# check_database: logs in with DATABASE_URL and finds the migration's table (server/worker/beat start after it).
check_database() {
  local url
  url=$(printf '%s' "$DATABASE_URL" | sed 's|^postgresql+asyncpg://|postgresql://|')
  retry 20 psql "$url" -Atc 'select 1' || fail "cannot log in to PostgreSQL: $(psql "$url" -c 'select 1' 2>&1 | tail -n 1)"
  [ "$(psql "$url" -Atc 'select version_num from alembic_version' 2>/dev/null)" = berth_test_head ] ||
    fail "the migration has not run (no alembic_version row)"
  log "PostgreSQL: logged in, migrations applied"
}

# check_broker: CELERY_BROKER_URL's Redis answers.
check_broker() {
  local hostport="${CELERY_BROKER_URL#redis://}"
  hostport=${hostport%%/*}
  need_redis "${hostport%:*}" "${hostport#*:}"
}

need_env ENTRYPOINT DATABASE_URL REDIS_HOST REDIS_PORT CELERY_BROKER_URL CELERY_RESULT_BACKEND SECRET_KEY \
  BASE_URL UI_BASE_URL CORS_ORIGIN AUTH_BACKEND TRANSCRIPT_BACKEND TRANSCRIPT_STORAGE_BACKEND LLM_URL LLM_MODEL \
  DATA_DIR
check_database
need_redis "$REDIS_HOST" "$REDIS_PORT"
case "$ENTRYPOINT" in
  server)
    serve_static /srv/www 0.0.0.0:1250 /health '{"status":"healthy"}'
    ;;
  worker)
    check_broker
    exec celery -A reflector.worker.app worker --loglevel=info
    ;;
  beat)
    check_broker
    exec celery -A reflector.worker.app beat --loglevel=info
    ;;
  *) fail "unknown ENTRYPOINT=$ENTRYPOINT" ;;
esac

#!/bin/sh
# shellcheck shell=dash
# Stand-in magec server (see Dockerfile).
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/standin.sh
STORE=/app/data/store.json

# store_value KEY: the first "KEY": "value" in the store whose value starts with $2.
store_value() {
  sed -n "s|.*\"$1\": *\"\\($2[^\"]*\\)\".*|\\1|p" "$STORE" | head -n 1
}

# The model of the JSON block that starts with "$1": {.
block_model() {
  grep -A 3 "\"$1\": *{" "$STORE" | sed -n 's/.*"model": *"\([^"]*\)".*/\1/p' | head -n 1
}

check_files() {
  grep -q "adminPassword: '\${MAGEC_ADMIN_PASSWORD}'" /app/config.yaml || fail "/app/config.yaml missing or without adminPassword"
  [ -s "$STORE" ] || fail "$STORE was not seeded (magec-seed)"
  grep -q '"clients"' "$STORE" || fail "$STORE is not a magec store"
  log "config.yaml and the seeded store.json are there"
}

check_env() {
  local refs
  need_env MAGEC_ADMIN_PASSWORD MAGEC_ENCRYPTION_KEY POSTGRES_PASSWORD
  # Every ${VAR} the store references must reach the container (e.g. OPENAI_API_KEY in openai mode).
  # shellcheck disable=SC2016 # literal ${VAR} references
  refs=$(grep -o '\${[A-Z_][A-Z0-9_]*}' "$STORE" | tr -d '${}' | sort -u)
  # shellcheck disable=SC2086
  [ -z "$refs" ] || need_env $refs
}

check_postgres() {
  local url
  url=$(store_value connectionString postgres://)
  [ -n "$url" ] || fail "no postgres connectionString in the store"
  url=$(printf '%s' "$url" | sed "s|\${POSTGRES_PASSWORD}|$POSTGRES_PASSWORD|")
  retry 20 psql "$url" -Atc 'select 1' || fail "cannot log in to PostgreSQL with the store's connection string: $(psql "$url" -c 'select 1' 2>&1 | tail -n 1)"
  log "logged in to PostgreSQL as the store says"
  if psql "$url" -qc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null 2>&1; then
    log "pgvector: CREATE EXTENSION vector works"
  else
    log "pgvector: not available in this PostgreSQL (the test image has none when Debian ships none)"
  fi
}

check_redis() {
  local url hostport
  url=$(store_value connectionString redis://)
  hostport=${url#redis://}
  hostport=${hostport%%/*}
  [ -n "$hostport" ] || fail "no redis connectionString in the store"
  need_redis "${hostport%:*}" "${hostport#*:}"
}

check_backends() {
  local url model tags
  # shellcheck disable=SC2013 # URLs have no spaces
  for url in $(sed -n 's/.*"url": *"\(http:[^"]*\)".*/\1/p' "$STORE"); do
    retry 20 http_answers "$url/" || fail "backend $url does not answer HTTP"
    log "backend $url answers"
  done
  if grep -q '"url": *"http://ollama:11434' "$STORE"; then
    tags=$(timeout 5 wget -q -O - http://ollama:11434/api/tags) || fail "ollama /api/tags failed"
    for model in "$(block_model llm)" "$(block_model embedding)"; do
      case "$model" in
        gpt-* | claude-* | gemini-* | text-embedding-*) ;;
        *) printf '%s' "$tags" | grep -q "\"name\":\"$model\"" || fail "model $model is not pulled in ollama ($tags)" ;;
      esac
    done
    log "ollama has the models the agent uses"
  fi
}

main() {
  check_files
  check_env
  check_postgres
  check_redis
  check_backends
  mkdir -p /srv/admin
  echo 'magec admin' >/srv/admin/index.html
  httpd -p 0.0.0.0:8081 -h /srv/admin
  serve_static /srv/www 0.0.0.0:8080 /api/v1/health '{"status":"ok"}'
}

main "$@"

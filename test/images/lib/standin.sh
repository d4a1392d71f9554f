# shellcheck shell=dash
# standin.sh: shared shell helpers of the stand-in images (copied into each build context by
# scripts/build-test-images.sh, sourced as /usr/local/lib/standin.sh). A stand-in checks the wiring the recipe
# promises (environment, files, reachable dependencies) and fails loudly, so a green test proves the wiring.

NAME=${STANDIN_NAME:-standin}

log() { printf '%s: %s\n' "$NAME" "$*"; }
fail() {
  printf '%s: FAIL: %s\n' "$NAME" "$*" >&2
  exit 1
}

# need_env VAR...: each variable must be set and non-empty.
need_env() {
  local var val
  for var in "$@"; do
    eval "val=\${$var:-}"
    [ -n "$val" ] || fail "environment variable $var is not set"
  done
  log "environment has: $*"
}

# retry SECONDS CMD...: runs CMD once a second until it succeeds or SECONDS pass.
retry() {
  local left="$1"
  shift
  while ! "$@" >/dev/null 2>&1; do
    left=$((left - 1))
    [ "$left" -gt 0 ] || return 1
    sleep 1
  done
}

# redis_ping HOST PORT: a real PING over the Redis protocol (busybox nc has no -z).
redis_ping() {
  printf 'PING\r\n' | nc -w 3 "$1" "$2" 2>/dev/null | grep -q PONG
}

need_redis() {
  retry 20 redis_ping "$1" "$2" || fail "Redis at $1:$2 does not answer PING"
  log "Redis at $1:$2 answers PING"
}

# http_answers URL: the server answers HTTP at all (any status).
http_answers() {
  timeout 5 wget -S -O /dev/null "$1" 2>&1 | grep -q 'HTTP/'
}

# http_ok URL: a 2xx answer.
http_ok() {
  timeout 5 wget -q -O /dev/null "$1"
}

# serve ROOT [IP:]PORT: busybox httpd in the foreground. Not exec'd: as PID 1 httpd would ignore SIGTERM and
# every `docker compose down` would wait out the stop timeout.
serve() {
  httpd -f -p "$2" -h "$1" &
  # shellcheck disable=SC2064 # the pid is known now
  trap "kill $!; exit 0" TERM INT
  wait
}

# serve_static ROOT [IP:]PORT PATH CONTENT: writes ROOT/PATH and serves ROOT.
serve_static() {
  mkdir -p "$1$(dirname "$3")"
  printf '%s\n' "$4" >"$1$3"
  log "serving $3 on $2"
  serve "$1" "$2"
}

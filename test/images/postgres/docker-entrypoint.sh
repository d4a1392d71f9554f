#!/bin/sh
# shellcheck shell=dash
# Like the official postgres image's entrypoint, in small: on first start (no $PGDATA/PG_VERSION) initdb with
# POSTGRES_USER / POSTGRES_PASSWORD and then POSTGRES_INITDB_ARGS (later options win, so
# --auth-local=scram-sha-256 replaces the default trust), then, with a temporary server that listens on the
# socket only and PGPASSWORD set from POSTGRES_PASSWORD, create POSTGRES_DB and run
# /docker-entrypoint-initdb.d/ in sorted order (*.sql with psql -v ON_ERROR_STOP=1 into POSTGRES_DB as
# POSTGRES_USER, *.sql.gz and *.sql.xz unpacked into it, *.sh executed when executable, else sourced). Any
# failure exits non-zero. Then the server runs on all addresses with POSTGRES_HOST_AUTH_METHOD (scram-sha-256)
# over TCP. PGDATA may be a folder inside a mounted one (PGDATA=/var/lib/postgresql/data/pgdata). *_FILE
# variants of POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB and POSTGRES_INITDB_ARGS are read as the official
# image does.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

# file_env VAR [DEFAULT]: VAR from $VAR or the file $VAR_FILE (not both), else DEFAULT; exported.
file_env() {
  local var=$1 def=${2:-} val file
  eval "val=\${$var:-}"
  eval "file=\${${var}_FILE:-}"
  if [ -n "$val" ] && [ -n "$file" ]; then
    echo "postgres: error: both $var and ${var}_FILE are set (but are exclusive)" >&2
    exit 1
  fi
  if [ -n "$file" ]; then
    val=$(cat "$file")
  elif [ -z "$val" ]; then
    val=$def
  fi
  export "$var=$val"
  unset "${var}_FILE"
}

# sql_into DB [psql options]: psql into DB as POSTGRES_USER over the socket, stopping at the first error.
sql_into() {
  local db=$1
  shift
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$db" "$@"
}

process_sql() {
  sql_into "$POSTGRES_DB" "$@"
}

# init_files: /docker-entrypoint-initdb.d/* in the shell's sorted order, as the official image runs them.
init_files() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          echo "postgres: running $f"
          "$f"
        else
          echo "postgres: sourcing $f"
          # Sourced scripts are written for the official image's shell, which has no set -u.
          set +u
          # shellcheck source=/dev/null
          . "$f"
          set -u
        fi
        ;;
      *.sql)
        echo "postgres: running $f"
        process_sql -f "$f"
        ;;
      *.sql.gz)
        echo "postgres: running $f"
        gunzip -c "$f" | process_sql
        ;;
      *.sql.xz)
        echo "postgres: running $f"
        xzcat "$f" | process_sql
        ;;
      *) echo "postgres: ignoring $f" ;;
    esac
  done
}

if [ "${1:-}" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  # PGDATA's parent may be a host folder owned by 999 with mode 0750: root creates PGDATA inside it.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  # shellcheck disable=SC2016 # expanded by su's shell
  exec su -s /bin/sh postgres -c 'exec "$0" "$@"' "$0" "$@"
fi
mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || :

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
    echo "postgres: error: POSTGRES_PASSWORD is not set (the official image refuses to start too)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  locale=C
  [ -d /usr/lib/locale/C.utf8 ] && locale=C.UTF-8
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is split into options, as the official image does
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale="$locale" $POSTGRES_INITDB_ARGS
  rm -f "$pwfile"
  echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  # The socket may need the password (POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256): the official image
  # exports it for the init steps, and unsets it after.
  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
  if [ "$POSTGRES_DB" != postgres ] &&
    [ -z "$(sql_into postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" ]; then
    sql_into postgres -q -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  init_files
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
  echo "postgres: init done (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec "$@" -D "$PGDATA"

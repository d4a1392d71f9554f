#!/bin/sh
# shellcheck shell=dash
# Like the official postgres image's entrypoint, in small: on first start (empty $PGDATA) initdb with
# POSTGRES_USER / POSTGRES_PASSWORD, create POSTGRES_DB with a temporary server that listens on the socket
# only, then run the server on all addresses with password (scram) auth over TCP.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [ "${1:-}" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  # shellcheck disable=SC2016 # expanded by su's shell
  exec su -s /bin/sh postgres -c 'exec "$0" "$@"' "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: error: POSTGRES_PASSWORD is not set (the official image refuses to start too)" >&2
    exit 1
  fi
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  locale=C
  [ -d /usr/lib/locale/C.utf8 ] && locale=C.UTF-8
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale="$locale"
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \"$db\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "postgres: init done (user $user, database $db)"
fi

exec "$@" -D "$PGDATA"

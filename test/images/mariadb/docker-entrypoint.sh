#!/bin/sh
# shellcheck shell=dash
# Like the official mariadb image's entrypoint, in small: on first start (no mysql/ in the data folder) run
# mariadb-install-db, then with a temporary server on the socket only set root's password (root@% and
# root@localhost) and create the healthcheck user, then run the server. Arguments starting with - go to mariadbd.
set -eu
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

case "${1:-}" in
  -*) set -- mariadbd "$@" ;;
esac
if [ "${1:-}" != mariadbd ]; then
  exec "$@"
fi

if [ ! -d "$DATADIR/mysql" ]; then
  password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
  if [ -z "$password" ]; then
    echo "mariadb: error: MARIADB_ROOT_PASSWORD is not set (the official image refuses to start too)" >&2
    exit 1
  fi
  mkdir -p "$DATADIR" /run/mysqld
  chown -R mysql:mysql "$DATADIR" /run/mysqld
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db --skip-name-resolve \
    --auth-root-authentication-method=normal >/dev/null
  mariadbd --user=mysql --datadir="$DATADIR" --skip-networking --socket="$SOCKET" &
  pid=$!
  i=0
  until mariadb --protocol=socket --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 60 ] || { echo "mariadb: the temporary server did not start" >&2; exit 1; }
    sleep 1
  done
  quoted=$(printf '%s' "$password" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g")
  health=$(head -c 24 /dev/urandom | md5sum | cut -c1-32)
  mariadb --protocol=socket --socket="$SOCKET" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$quoted';
CREATE USER 'root'@'%' IDENTIFIED BY '$quoted';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE USER 'healthcheck'@'127.0.0.1' IDENTIFIED BY '$health';
CREATE USER 'healthcheck'@'::1' IDENTIFIED BY '$health';
CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '$health';
FLUSH PRIVILEGES;
SQL
  umask 077
  printf '[mariadb-client]\nport=3306\nuser=healthcheck\npassword=%s\n' "$health" >"$DATADIR/.my-healthcheck.cnf"
  chown mysql:mysql "$DATADIR/.my-healthcheck.cnf"
  kill "$pid"
  wait "$pid" || true
  echo "mariadb: init done (root password set, healthcheck user created)"
fi

exec "$@" --user=mysql --datadir="$DATADIR" --socket="$SOCKET" --bind-address=0.0.0.0 --port=3306

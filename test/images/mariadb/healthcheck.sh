#!/bin/sh
# shellcheck shell=dash
# A small version of the official mariadb image's healthcheck.sh, for the options frappe_docker's compose file
# uses: --connect (the server accepts TCP connections: even "Access denied" means it does) and
# --innodb_initialized (InnoDB is up, checked as the healthcheck user the entrypoint created).
set -u
cnf=/var/lib/mysql/.my-healthcheck.cnf
for arg in "$@"; do
  case "$arg" in
    --connect)
      if mariadb --no-defaults -h 127.0.0.1 --protocol tcp -e 'SELECT 1' 2>&1 | grep -qF "Can't connect"; then
        echo "healthcheck: cannot connect" >&2
        exit 1
      fi
      ;;
    --innodb_initialized)
      out=$(mariadb --defaults-extra-file="$cnf" -h 127.0.0.1 --protocol tcp -N -e \
        "SELECT 1 FROM information_schema.ENGINES WHERE engine='innodb' AND support IN ('YES','DEFAULT','ENABLED')" 2>&1)
      [ "$out" = 1 ] || { echo "healthcheck: InnoDB not initialized: $out" >&2; exit 1; }
      ;;
    *)
      echo "healthcheck: unknown option $arg" >&2
      exit 2
      ;;
  esac
done
exit 0

#!/bin/bash
# Creates the Frappe site: bench new-site, then bench install-app for the chosen apps. berth runs it once
# (hook create_site, in the site-setup service) after the stack is healthy; a site that exists already is left
# alone. Usage: create-site.sh SITE "APP APP…"
#
# No password is ever on a command line (any user of the host can read those in ps). bench reads the
# database root credentials and the Administrator password from the bench configuration when no option gives
# them (root_login, root_password, admin_password: the keys frappe_docker's configurator sets for PostgreSQL).
# This script puts them into sites/common_site_config.json from its environment for the time of new-site
# only, and takes them out again on every exit; the configurator also drops them on every start.
set -euo pipefail

site=$1
apps=${2:-}
cd /home/frappe/frappe-bench
config=sites/common_site_config.json

if [ -f "sites/$site/site_config.json" ]; then
  echo "The site $site exists already: it is not created again."
  exit 0
fi

umask 077
# Rewrites the configuration through jq in place (cat keeps the file's owner and mode).
edit_config() {
  jq "$1" "$config" >"$config.berth-tmp"
  cat "$config.berth-tmp" >"$config"
  rm -f "$config.berth-tmp"
}
forget_credentials() { edit_config 'del(.root_login, .root_password, .admin_password)'; }
trap forget_credentials EXIT
edit_config '.root_login = env.DB_ROOT_USER | .root_password = env.DB_PASSWORD | .admin_password = env.ADMIN_PASSWORD'

args=(new-site "$site" --db-type "$DB_TYPE" --set-default)
if [ "$DB_TYPE" = mariadb ]; then
  # The site's database user logs in from the other containers, not only from localhost.
  args+=(--mariadb-user-host-login-scope=%)
fi
echo "Creating the site $site ($DB_TYPE)"
bench "${args[@]}"

if [ -n "$apps" ]; then
  # shellcheck disable=SC2086 # one app per word
  set -- $apps
  echo "Installing $* on $site"
  bench --site "$site" install-app "$@"
fi
echo "The site $site is ready."

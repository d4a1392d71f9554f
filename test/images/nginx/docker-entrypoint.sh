#!/bin/sh
# shellcheck shell=dash
# The official nginx image's entrypoint: when the command is nginx or nginx-debug, the files of
# /docker-entrypoint.d/ in version order: *.envsh sourced and *.sh run when executable, others ignored; then the
# command. NGINX_ENTRYPOINT_QUIET_LOGS quiets its messages.
set -e

entrypoint_log() {
  if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
    echo "$@"
  fi
}

if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
  list=$(find /docker-entrypoint.d/ -follow -type f 2>/dev/null | sort -V)
  if [ -n "$list" ]; then
    entrypoint_log "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    entrypoint_log "$0: Looking for shell scripts in /docker-entrypoint.d/"
    # Not a pipeline: what an .envsh exports reaches the scripts after it and nginx.
    while read -r f; do
      case "$f" in
        *.envsh)
          if [ -x "$f" ]; then
            entrypoint_log "$0: Sourcing $f"
            # shellcheck source=/dev/null
            . "$f"
          else
            entrypoint_log "$0: Ignoring $f, not executable"
          fi
          ;;
        *.sh)
          if [ -x "$f" ]; then
            entrypoint_log "$0: Launching $f"
            "$f"
          else
            entrypoint_log "$0: Ignoring $f, not executable"
          fi
          ;;
        *) entrypoint_log "$0: Ignoring $f" ;;
      esac
    done <<LIST
$list
LIST
    entrypoint_log "$0: Configuration complete; ready for start up"
  else
    entrypoint_log "$0: No files found in /docker-entrypoint.d/, skipping configuration"
  fi
fi

exec "$@"

#!/bin/sh
# shellcheck shell=dash
# As the official redis image's entrypoint: options alone run redis-server with them, and redis-server without a
# configuration file gets --protected-mode no unless it is given (the server only ever listens inside the stack's
# network; without it Redis refuses every client from another container when no password is set).
set -eu
if [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  protected=1
  case "${2:-}" in
    *.conf) protected=0 ;;
  esac
  for arg in "$@"; do
    [ "$arg" = --protected-mode ] && protected=0
  done
  if [ "$protected" = 1 ]; then
    set -- "$@" --protected-mode no
  fi
fi
exec "$@"

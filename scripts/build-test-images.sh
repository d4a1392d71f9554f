#!/usr/bin/env bash
# build-test-images.sh: the local images berth's real-engine stack tests use
# (test/engine/stacks.test.ts). No registry is reachable, so nothing is pulled:
#
#   berth-test/postgres:1   real PostgreSQL 15 from Debian (+ pgvector when
#                           Debian has it), host binaries and their ldd
#                           libraries on the busybox base, with an entrypoint
#                           that honours POSTGRES_USER/PASSWORD/DB like the
#                           official image;
#   berth-test/redis:1      real redis-server and redis-cli from Debian;
#   berth-test/mariadb:1    real MariaDB 10.11 from Debian, with an entrypoint
#                           and healthcheck.sh like the official image's;
#   berth-test/django:1     real Python 3.11, Django 3.2, gunicorn 20.1 and
#                           psycopg2 2.9 from Debian: the base a Django
#                           project's Dockerfile builds FROM in tests (as it
#                           would build FROM python:3.11-slim);
#   berth-test/nginx:1      real nginx 1.22 from Debian (nginx-light: ssl and
#                           http2 built in), laid out like the official image
#                           (user nginx 101, entrypoint running
#                           /docker-entrypoint.d/ with its envsubst templates
#                           step, logs to stdout/stderr);
#   berth-test/certbot:1    real certbot 2.1 from Debian with its Python, the
#                           real openssl and the CA bundle, with the official
#                           certbot/certbot image's entrypoint and folders (no
#                           ACME server is reachable in tests);
#   berth-test/swarm-node:1 Debian's dockerd 20.10 (+ containerd, runc,
#                           iptables) copied from the host's packages, ~12 s
#                           to build: one engine per node of a real
#                           multi-node swarm (test/engine/swarm-nodes.ts);
#   berth-test/<app>:1      small busybox stand-ins (test/images/<app>/) for
#                           the application images of the magec, reflector,
#                           frappe, django (tailwind) and lustores recipes
#                           (lustores and its mock OIDC server replitauth),
#                           answering the recipes' health checks.
#
# Needs root, a running engine and berth-test/busybox:1 (all three from
# scripts/setup-test-engine.sh). Installs postgresql-15, redis, mariadb,
# nginx-light, certbot and the Python/Django packages on the host (apt) when
# missing, to copy their files (server packages with service starts denied).
# Idempotent: an image that exists is kept unless --force is given.
#
# Usage: scripts/build-test-images.sh [--force] [NAME...]
set -eu

PROG=build-test-images
BASE=berth-test/busybox:1
PG_VERSION=15
SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
IMAGES_DIR="$SCRIPT_DIR/../test/images"
# Build order matters: magec, reflector-server, frappe and lustores start FROM berth-test/postgres:1 (for psql).
ALL_IMAGES="postgres redis django mariadb magec ollama parakeet tts reflector-server reflector-web frappe traefik node"
ALL_IMAGES="$ALL_IMAGES nginx certbot lustores replitauth swarm-node"
FORCE=0
WORK=""
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

has_candidate() {
  case "$(apt_candidate "$1")" in
    '' | '(none)') return 1 ;;
  esac
}

# Installs Debian packages on the host (their binaries are copied into images).
ensure_packages() {
  local pkg missing="" need_update=0
  for pkg in "$@"; do
    pkg_installed "$pkg" || missing="$missing $pkg"
  done
  [ -n "$missing" ] || return 0
  [ "$(id -u)" -eq 0 ] || die "packages$missing are missing; run as root to install them"
  for pkg in $missing; do
    has_candidate "$pkg" || need_update=1
  done
  if [ "$need_update" -eq 1 ]; then
    say "apt-get update (package lists do not know:$missing)"
    run_logged apt-get update
  fi
  say "apt-get install$missing (on the host, to copy the binaries)"
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive run_logged apt-get install -y --no-install-recommends $missing
}

image_exists() {
  docker image inspect "$1" >/dev/null 2>&1
}

# Copies one host file (symlinks resolved) to the same path under the root $1.
copy_host_file() {
  local root=$1 file=$2
  [ -e "$root$file" ] && return 0
  mkdir -p "$root$(dirname "$file")"
  cp -L "$file" "$root$file"
}

# Copies ELF files and every shared library ldd says they load into root $1.
copy_with_libs() {
  local root=$1 file lib
  shift
  for file in "$@"; do
    copy_host_file "$root" "$file"
    for lib in $(ldd "$file" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
      copy_host_file "$root" "$lib"
    done
  done
}

stage_postgres() {
  local root=$1 bin=/usr/lib/postgresql/$PG_VERSION/bin lib=/usr/lib/postgresql/$PG_VERSION/lib
  local libs
  # JIT (llvmjit, libLLVM ~100 MB) is left out: PostgreSQL runs without it.
  libs=$(find "$lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*')
  # shellcheck disable=SC2086 # one path per word
  copy_with_libs "$root" "$bin/postgres" "$bin/initdb" "$bin/pg_ctl" "$bin/pg_isready" "$bin/psql" \
    "$bin/pg_dump" "$bin/pg_dumpall" "$bin/pg_restore" $libs
  mkdir -p "$root/usr/share/postgresql"
  cp -a "/usr/share/postgresql/$PG_VERSION" "$root/usr/share/postgresql/"
  cp -a /usr/share/zoneinfo "$root/usr/share/"
  if [ -d /usr/lib/locale/C.utf8 ]; then
    mkdir -p "$root/usr/lib/locale"
    cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
  fi
}

build_postgres_context() {
  local ctx=$1 packages="postgresql-$PG_VERSION" pgvector="postgresql-$PG_VERSION-pgvector"
  if has_candidate "$pgvector"; then
    packages="$packages $pgvector"
  else
    say "no $pgvector candidate in the apt sources (apt-cache policy): building without pgvector"
  fi
  # shellcheck disable=SC2086
  ensure_packages $packages
  stage_postgres "$ctx/rootfs"
}

build_redis_context() {
  local ctx=$1
  ensure_packages redis-server redis-tools
  copy_with_libs "$ctx/rootfs" "$(command -v redis-server)" "$(command -v redis-cli)"
}

# Installs packages whose postinst would start a server on the host (mariadb-server): service starts are denied
# for the install (policy-rc.d), as in a docker build.
ensure_server_packages() {
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added=1
  fi
  ensure_packages "$@" || { [ "$added" -eq 0 ] || rm -f "$policy"; return 1; }
  [ "$added" -eq 0 ] || rm -f "$policy"
}

build_mariadb_context() {
  local ctx=$1
  ensure_server_packages mariadb-server mariadb-client
  copy_with_libs "$ctx/rootfs" /usr/sbin/mariadbd /usr/bin/mariadb /usr/bin/mariadb-dump /usr/bin/my_print_defaults \
    /usr/bin/resolveip
  cp /usr/bin/mariadb-install-db "$ctx/rootfs/usr/bin/"
  mkdir -p "$ctx/rootfs/usr/share"
  cp -a /usr/share/mysql "$ctx/rootfs/usr/share/"
}

# The frappe stand-in runs frappe_docker's own commands (bash, jq, curl, wait-for-it, the mariadb and redis
# clients; psql comes from its postgres base), so it gets the real tools.
build_frappe_context() {
  local ctx=$1
  ensure_packages bash jq curl wait-for-it mariadb-client redis-tools
  # wait-for-it runs under /usr/bin/env bash and wants coreutils timeout (busybox timeout has no -t).
  copy_with_libs "$ctx/rootfs" /bin/bash /usr/bin/env /usr/bin/timeout /usr/bin/jq /usr/bin/curl /usr/bin/mariadb \
    "$(command -v redis-cli)"
  cp /usr/bin/wait-for-it "$ctx/rootfs/usr/bin/"
  mkdir -p "$ctx/rootfs/etc/ssl/certs"
}

# The installed python3-* packages that the packages $@ need, themselves included, following Depends (the first
# installed alternative of each). python3 itself (the interpreter and its standard library) is not listed: it is
# staged whole.
python_closure() {
  local todo="$*" next seen=" " pkg dep alt
  while [ -n "$todo" ]; do
    next=""
    for pkg in $todo; do
      case "$seen" in *" $pkg "*) continue ;; esac
      seen="$seen$pkg "
      echo "$pkg"
      # Depends is "a (>= 1), b | c, d:any": one group per line, then the first installed alternative of each.
      for dep in $(dpkg-query -W -f='${Depends}\n' "$pkg" | tr ',' '\n' | sed 's/([^)]*)//g; s/:any//g; s/ //g'); do
        for alt in $(echo "$dep" | tr '|' ' '); do
          pkg_installed "$alt" || continue
          case "$alt" in
            python3 | python3-minimal | python3.* | libpython*) ;;
            python3-*) next="$next $alt" ;;
          esac
          break
        done
      done
    done
    todo=$next
  done
}

# The python3 interpreter, its standard library (without tests, IDLE, Tk, the static libpython and byte code)
# and the packages $2... with their Python dependencies, as Debian installed them, on root $1. Every shared
# library the interpreter and the C extensions load comes along (psycopg2's _psycopg needs libpq).
stage_python() {
  local root=$1 version pkg file
  shift
  # Debian 12's python3 is 3.11, and its library folder is named after the version (/usr/bin's python3: a pyenv
  # or venv one first on PATH may be another).
  version=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  copy_with_libs "$root" "/usr/bin/python$version"
  ln -sf "python$version" "$root/usr/bin/python3"
  tar -C / -cf - --exclude=__pycache__ --exclude=test --exclude=tests --exclude=idlelib --exclude=tkinter \
    --exclude=turtledemo --exclude=ensurepip --exclude='config-*' "usr/lib/python$version" "etc/python$version" |
    tar -C "$root" -xf -
  # The package files under the Python paths and /usr/bin (gunicorn, django-admin); dpkg -L lists directories
  # too, and --no-recursion keeps tar from descending into them: only the listed files come along. -h copies
  # what symlinks point to: Debian's Django links the admin's jquery.js to /usr/share/javascript (libjs-jquery).
  for pkg in $(python_closure "$@"); do
    dpkg -L "$pkg"
  done | grep -E '^/usr/(lib/python3(\.[0-9]+)?|bin)/' | grep -v -E '/(__pycache__|tests)(/|$)' | sed 's:^/::' |
    tar -C / -chf - --no-recursion -T - | tar -C "$root" -xf -
  # C extensions of the standard library and of the packages.
  find "$root/usr/lib" -name '*.so' -type f | while read -r file; do
    copy_with_libs "$root" "${file#"$root"}"
  done
  # pytz reads the system time zone data (Debian's python3-tz does not bundle its own); /etc/localtime at UTC as
  # in Debian's images (zoneinfo/localtime links to it).
  mkdir -p "$root/usr/share"
  cp -a /usr/share/zoneinfo "$root/usr/share/"
  ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
}

build_django_context() {
  local ctx=$1
  # libjs-jquery: only recommended by python3-django, but the admin's jquery.js links to it (collectstatic fails
  # without). passwd: the real useradd/groupadd a python:*-slim based Dockerfile creates its user with (the
  # busybox base has no adduser).
  ensure_packages python3 python3-django gunicorn python3-psycopg2 libjs-jquery passwd
  stage_python "$ctx/rootfs" python3-django gunicorn python3-psycopg2
  copy_with_libs "$ctx/rootfs" /usr/sbin/useradd /usr/sbin/groupadd
  cp /etc/login.defs "$ctx/rootfs/etc/"
}

# glibc's name lookups as on Debian: /etc/hosts before DNS (the busybox base has no nsswitch.conf, and glibc's
# default then asks DNS first).
write_nsswitch() {
  mkdir -p "$1/etc"
  cat >"$1/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
EOF
}

# Real nginx from Debian's nginx-light (its postinst would start the service: denied), and envsubst for the
# official image's templates step. ssl and http2 are built into Debian's binary; no dynamic module is staged.
build_nginx_context() {
  local ctx=$1 file
  ensure_server_packages nginx-light gettext-base
  copy_with_libs "$ctx/rootfs" /usr/sbin/nginx /usr/bin/envsubst
  mkdir -p "$ctx/rootfs/etc/nginx"
  for file in mime.types fastcgi_params scgi_params uwsgi_params; do
    cp "/etc/nginx/$file" "$ctx/rootfs/etc/nginx/"
  done
  write_nsswitch "$ctx/rootfs"
}

# Real certbot from Debian (python3-certbot and its Python dependencies, staged like the django image's Python),
# the real openssl with Debian's openssl.cnf and libssl3's legacy provider, and the CA bundle.
# python3-cffi-backend is named because python3-cryptography depends on it through virtual packages
# (python3-cffi-backend-api-*), which python_closure does not follow.
build_certbot_context() {
  local ctx=$1 root=$1/rootfs
  ensure_packages python3 certbot python3-cffi-backend openssl ca-certificates
  stage_python "$root" certbot python3-cffi-backend
  # libssl3's legacy provider: cryptography loads it at import and fails without it.
  copy_with_libs "$root" /usr/bin/openssl "$(openssl version -m | sed 's/^MODULESDIR: "\(.*\)"$/\1/')/legacy.so"
  # Debian's layout: OPENSSLDIR is /usr/lib/ssl, whose openssl.cnf, certs and private link into /etc/ssl.
  mkdir -p "$root/etc/ssl/certs" "$root/etc/ssl/private" "$root/usr/lib/ssl"
  cp -L /etc/ssl/openssl.cnf "$root/etc/ssl/openssl.cnf"
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  ln -s /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
  ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
  ln -s /etc/ssl/private "$root/usr/lib/ssl/private"
  write_nsswitch "$root"
}

# Debian's Docker engine as installed on the host (docker.io, containerd, runc, iptables: setup-test-engine.sh's
# packages) with its ldd libraries, for the swarm-node image: one inner engine per node of a test swarm. iptables
# is the nft backend with its extension modules, as on the host. Copying the host's files takes seconds where an
# apt-get install in a docker build (debootstrap base, then the packages' ~60 MB download) takes minutes.
build_swarm_node_context() {
  local root=$1/rootfs xtables loader lib tool
  ensure_packages docker.io containerd runc iptables
  copy_with_libs "$root" /usr/sbin/dockerd /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/sbin/runc \
    /usr/sbin/docker-proxy /usr/sbin/xtables-nft-multi
  # docker-init (docker.io's static tini) runs `--init` containers.
  copy_host_file "$root" /usr/bin/docker-init
  # The extensions folder next to libxtables, by its real path (/lib is a link to /usr/lib on the host only).
  xtables=$(ldd /usr/sbin/xtables-nft-multi | awk '$1 ~ /^libxtables/ { print $3 }')
  xtables=$(readlink -f "$(dirname "$xtables")/xtables")
  [ -d "$xtables" ] || die "no iptables extensions folder at $xtables"
  mkdir -p "$root$xtables"
  cp -a "$xtables/." "$root$xtables/"
  # The libraries the ~120 extensions load, listed by the dynamic loader itself: ldd (a script) takes 20 s for them.
  loader=$(ldd /usr/sbin/xtables-nft-multi | awk '$1 ~ /^\// { print $1 }')
  for tool in $(for lib in "$xtables"/*.so; do LD_TRACE_LOADED_OBJECTS=1 "$loader" "$lib"; done |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
    copy_host_file "$root" "$tool"
  done
  for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf xtables-nft-multi "$root/usr/sbin/$tool"
  done
}

# Builds berth-test/$1:1 from test/images/$1 (plus a staged rootfs for real servers).
build_image() {
  local name=$1 tag="berth-test/$1:1" ctx start
  [ -f "$IMAGES_DIR/$name/Dockerfile" ] || die "no Dockerfile in $IMAGES_DIR/$name"
  if [ "$FORCE" -eq 0 ] && image_exists "$tag"; then
    say "$tag exists (--force rebuilds it)"
    return 0
  fi
  start=$(now_ms)
  ctx="$WORK/$name"
  mkdir -p "$ctx/rootfs"
  cp -a "$IMAGES_DIR/$name/." "$ctx/"
  cp "$IMAGES_DIR/lib/standin.sh" "$ctx/standin.sh"
  case "$name" in
    postgres) build_postgres_context "$ctx" ;;
    redis) build_redis_context "$ctx" ;;
    mariadb) build_mariadb_context "$ctx" ;;
    django) build_django_context "$ctx" ;;
    frappe) build_frappe_context "$ctx" ;;
    nginx) build_nginx_context "$ctx" ;;
    certbot) build_certbot_context "$ctx" ;;
    swarm-node) build_swarm_node_context "$ctx" ;;
  esac
  # Legacy builder: the engine is 20.10 and the CLI may lack the buildx plugin.
  DOCKER_BUILDKIT=0 run_logged docker build --label berth-test=1 -t "$tag" "$ctx" ||
    die "docker build of $tag failed"
  rm -rf -- "$ctx"
  say "built $tag in $(($(now_ms) - start)) ms"
}

usage() {
  printf 'usage: %s [--force] [NAME...]\nNAME: one of %s (default: all)\n' "$0" "$ALL_IMAGES"
}

main() {
  local arg names="" name start
  for arg in "$@"; do
    case "$arg" in
      --force) FORCE=1 ;;
      -h | --help)
        usage
        return 0
        ;;
      -*) die "unknown option $arg ($(usage))" ;;
      *) names="$names $arg" ;;
    esac
  done
  [ -n "$names" ] || names=$ALL_IMAGES
  command -v docker >/dev/null 2>&1 || die "docker not found; run scripts/setup-test-engine.sh"
  timeout 5 docker info >/dev/null 2>&1 || die "no Docker engine answers; run scripts/setup-test-engine.sh"
  image_exists "$BASE" || die "$BASE is missing; run scripts/setup-test-engine.sh"
  start=$(now_ms)
  WORK=$(mktemp -d)
  trap cleanup EXIT
  for name in $names; do
    build_image "$name"
  done
  say "done in $(($(now_ms) - start)) ms"
}

main "$@"

#!/usr/bin/env bash
# install-compose.sh: make `docker compose` (Compose v2) available on Debian 12+.
#
# Debian 12 (bookworm) only packages Compose v1 (python). Debian 13 (trixie)
# packages Compose 2.26 as a Go binary that needs only libc6 >= 2.34, so on
# bookworm this script fetches that one .deb with apt through a *separate*,
# temporary sources list (the system's own sources, lists and caches are not
# touched) and installs it with dpkg. The mirror is taken from the machine's
# own apt sources.
#
# Idempotent: if `docker compose version` already works it exits 0 quietly.
# Run as root. Environment overrides:
#   BERTH_DEBIAN_MIRROR   mirror URL to use instead of the one in apt sources
#   BERTH_COMPOSE_SUITE   suite that carries Compose v2 (default: trixie)
set -eu

PROG=install-compose
APT_ETC=${BERTH_APT_ETC:-/etc/apt} # for tests
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PLUGIN_DIRS="/usr/libexec/docker/cli-plugins /usr/local/lib/docker/cli-plugins"
WORK=""
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

check_platform() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
  [ -r /etc/os-release ] || die "/etc/os-release not found; this script supports Debian 12 or newer only"
  local id version
  id=$(os_field ID)
  version=$(os_field VERSION_ID)
  [ "$id" = debian ] || die "unsupported OS '${id:-unknown}'; this script supports Debian 12 or newer only"
  case "$version" in
    '' | *[!0-9]*) die "cannot read Debian's major version (VERSION_ID='$version'); Debian 12 or newer is required" ;;
  esac
  [ "$version" -ge 12 ] || die "Debian $version is too old; Debian 12 or newer is required"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found"
  command -v dpkg >/dev/null 2>&1 || die "dpkg not found"
}

compose_works() {
  docker compose version >/dev/null 2>&1
}

# apt-get install from the system's own sources; `apt-get update` only when
# the package is unknown to the current lists or the install fails (stale lists).
apt_install() {
  local pkg need_update=0
  for pkg in "$@"; do
    case "$(apt_candidate "$pkg")" in
      '' | '(none)') need_update=1 ;;
    esac
  done
  if [ "$need_update" -eq 1 ]; then
    say "apt-get update (package lists do not know: $*)"
    run_logged apt-get update
  fi
  say "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive run_logged apt-get install -y --no-install-recommends "$@"; then
    say "install failed; refreshing package lists and retrying"
    run_logged apt-get update
    DEBIAN_FRONTEND=noninteractive run_logged apt-get install -y --no-install-recommends "$@"
  fi
}

ensure_docker_cli() {
  if command -v docker >/dev/null 2>&1; then
    return 0
  fi
  say "docker CLI not found; installing Debian's docker.io (client)"
  apt_install docker.io
  command -v docker >/dev/null 2>&1 || die "docker.io installed but no 'docker' command on PATH"
}

# Fetch docker-compose from suite $2 of mirror $1 with a private apt state and
# install it with dpkg.
install_from_side_suite() {
  local mirror=$1 suite=$2 deb version
  [ -r "$KEYRING" ] || die "$KEYRING missing (package debian-archive-keyring)"
  WORK=$(mktemp -d)
  trap cleanup EXIT
  mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/download"
  printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$mirror" "$suite" >"$WORK/sources.list"
  set -- \
    -o "Dir::Etc::SourceList=$WORK/sources.list" \
    -o "Dir::Etc::SourceParts=-" \
    -o "Dir::State::Lists=$WORK/lists" \
    -o "Dir::Cache=$WORK/cache" \
    -o "APT::Sandbox::User=root"
  say "reading the $suite package list from $mirror (private apt state in $WORK)"
  run_logged apt-get --error-on=any "$@" update ||
    die "could not read '$suite' from $mirror; set BERTH_DEBIAN_MIRROR to a Debian mirror that carries $suite"
  version=$(apt-cache "$@" policy docker-compose | awk '$1 == "Candidate:" { print $2; exit }')
  case "$version" in
    '' | '(none)') die "$suite at $mirror has no docker-compose package for $(dpkg --print-architecture)" ;;
  esac
  say "downloading docker-compose $version from $suite"
  (cd "$WORK/download" && run_logged apt-get "$@" download docker-compose) ||
    die "could not download docker-compose from $suite at $mirror"
  for deb in "$WORK"/download/docker-compose_*.deb; do
    [ -f "$deb" ] || die "apt-get download produced no .deb"
    say "dpkg -i $(basename "$deb")"
    run_logged dpkg -i "$deb" || die "dpkg -i $deb failed"
  done
}

# Make sure the docker CLI finds the plugin: if not, link it into the plugin
# directories the CLI searches.
ensure_plugin_visible() {
  local bin="" dir
  if compose_works; then
    return 0
  fi
  for dir in $PLUGIN_DIRS; do
    if [ -x "$dir/docker-compose" ]; then
      bin="$dir/docker-compose"
      break
    fi
  done
  if [ -z "$bin" ]; then
    bin=$(dpkg -L docker-compose 2>/dev/null | grep '/docker-compose$' | while read -r f; do
      if [ -f "$f" ] && [ ! -L "$f" ]; then
        echo "$f"
        break
      fi
    done)
  fi
  [ -n "$bin" ] || die "docker-compose is installed but its binary was not found"
  for dir in $PLUGIN_DIRS; do
    if [ ! -e "$dir/docker-compose" ]; then
      mkdir -p "$dir"
      ln -s "$bin" "$dir/docker-compose"
      say "linked $dir/docker-compose -> $bin"
    fi
  done
}

main() {
  check_platform
  ensure_docker_cli
  if compose_works; then
    exit 0
  fi

  local codename suite mirror candidate
  codename=$(os_field VERSION_CODENAME)
  suite=${BERTH_COMPOSE_SUITE:-trixie}
  candidate=$(apt_candidate docker-compose)
  case "$candidate" in
    [2-9].* | [1-9][0-9]*.*)
      say "the system's apt sources offer docker-compose $candidate (Compose v2)"
      apt_install docker-compose
      ;;
    *)
      mirror=${BERTH_DEBIAN_MIRROR:-$(detect_mirror "$codename")}
      [ -n "$mirror" ] ||
        die "no http(s) Debian mirror for '$codename' found in /etc/apt/sources.list{,.d/}; set BERTH_DEBIAN_MIRROR=http://deb.debian.org/debian (or your mirror)"
      install_from_side_suite "$mirror" "$suite"
      ;;
  esac

  ensure_plugin_visible
  compose_works || die "docker compose still does not work: $(docker compose version 2>&1 | head -n 1)"
  say "installed: $(docker compose version) ($(command -v docker) finds the plugin)"
}

main "$@"

#!/bin/sh
# berth's installer.
#
#   curl -fsSL <release>/install.sh | bash                    # asks on the terminal
#   curl -fsSL <release>/install.sh | bash -s -- --yes --mode openai …   # every option goes to `berth install`
#   ./install.sh [options]                                    # from a checkout: builds dist/berth.mjs and runs it
#
# Both ways it does the same set-up first. Docker: it checks for the engine, the docker command and Compose v2
# and, with consent, installs what is missing from the distribution's packages; an engine that is installed but
# not running is started (`systemctl start docker`, or without systemd `dockerd` in the background with its log in
# berth's folder). Node.js: 20+ from PATH, else a private copy downloaded and checked against its SHA256 sum.
# From a release it then downloads berth.mjs, verifies it, installs a `berth` command for later and runs
# `berth install`; from a checkout it builds dist/berth.mjs (npm ci and npm run build, when the sources changed)
# and runs that. Nothing is installed when a download does not match its sum, and an existing Docker daemon
# configuration is never changed. Everything is in functions and only the last line runs anything, so a
# half-downloaded copy of this file does nothing.
#
# Options of its own (the rest go to `berth install`):
#   --install-docker       install missing Docker parts and start a stopped engine without asking
#                          (env BERTH_INSTALL_DOCKER=1)
#   --bundle FILE          install offline from a bundle made by `berth bundle`: every SHA256 in it is checked
#                          first (nothing is installed from a damaged or altered one), then Node.js (when PATH has
#                          no 20+), berth and the images come from it, and the stack starts with --pull never.
#                          Nothing is downloaded. Start it from the bundle itself:
#                            tar -xOf FILE berth-bundle/install.sh | sh -s -- --bundle FILE [options]
# Environment:
#   BERTH_BASE_URL         where berth.mjs and SHA256SUMS are (default: the release this file came from)
#   BERTH_NODE_BASE_URL    Node.js downloads in nodejs.org's layout (default https://nodejs.org/dist)
#   BERTH_NODE_VERSION     the Node.js to download when PATH has no Node.js 20+ (default below)
#   BERTH_HOME             berth's own files (default ${XDG_DATA_HOME:-~/.local/share}/berth)
#   BERTH_BIN_DIR          where the `berth` command goes (default /usr/local/bin as root, else ~/.local/bin)
set -eu

# scripts/release.sh writes the release's address here.
RELEASE_URL=''
DEFAULT_NODE_VERSION='v20.20.2'
MIN_NODE_MAJOR=20

say() {
    printf 'install.sh: %s\n' "$1" >&2
}

err() {
    say "error: $1"
    exit 1
}

need_cmd() {
    if ! check_cmd "$1"; then
        err "need '$1' (command not found)${2:+. $2}"
    fi
}

check_cmd() {
    command -v "$1" >/dev/null 2>&1
}

ensure() {
    if ! "$@"; then
        err "command failed: $*"
    fi
}

cleanup() {
    if [ -n "${TMP_DIR:-}" ] && [ -d "$TMP_DIR" ]; then
        rm -rf "$TMP_DIR"
    fi
}

usage() {
    cat >&2 <<'EOF'
install.sh: installs berth and runs `berth install` with the options given (listed below).
  --install-docker   install missing Docker parts from the distribution's packages, and start a stopped
                     Docker engine, without asking
  --bundle FILE      install offline from a bundle made by `berth bundle` (checked against its SHA256SUMS
                     first; nothing is downloaded; the stack starts with --pull never)
  Environment: BERTH_BASE_URL, BERTH_NODE_BASE_URL, BERTH_NODE_VERSION, BERTH_HOME, BERTH_BIN_DIR
EOF
}

# --- where we run ----------------------------------------------------------------------------------------------

# Prints the checkout's folder when this file was run from a checkout of berth (under `curl | bash`, $0 is the
# shell, never install.sh).
checkout_dir() {
    case "$0" in
        *install.sh) ;;
        *) return 1 ;;
    esac
    _dir=$(cd "$(dirname "$0")" 2>/dev/null && pwd) || return 1
    if [ -f "$_dir/package.json" ] && [ -f "$_dir/src/cli.ts" ]; then
        printf '%s\n' "$_dir"
        return 0
    fi
    return 1
}

detect_platform() {
    _os=$(uname -s)
    _machine=$(uname -m)
    if [ "$_os" != Linux ]; then
        err "berth installs on Linux (amd64 or arm64); this is $_os $_machine. On macOS or Windows, run berth inside a Linux VM."
    fi
    case "$_machine" in
        # ARCH names it as Node.js does, DOCKER_ARCH as Docker and `berth bundle --arch` do.
        x86_64 | amd64) ARCH=x64 DOCKER_ARCH=amd64 ;;
        aarch64 | arm64) ARCH=arm64 DOCKER_ARCH=arm64 ;;
        *) err "berth installs on Linux amd64 or arm64; this machine is $_machine." ;;
    esac
    if [ "$(id -u)" = 0 ]; then
        SUDO=''
    elif check_cmd sudo; then
        SUDO=sudo
    else
        SUDO='-'
    fi
}

# Whether a terminal can be opened for questions (not under CI, setsid or a plain pipe without one).
have_tty() {
    (: </dev/tty) 2>/dev/null
}

# Reads y/N from the terminal. $1: the question.
confirm() {
    printf '%s [y/N] ' "$1" >/dev/tty
    _answer=''
    read -r _answer </dev/tty || true
    case "$_answer" in
        y | Y | yes | Yes | YES) return 0 ;;
        *) return 1 ;;
    esac
}

# --- downloads -------------------------------------------------------------------------------------------------

# Downloads $1 to $2. From an https address, redirects may not drop to plain http.
download() {
    case "$1" in
        https://*) _protocols='=https' ;;
        *) _protocols='http,https' ;;
    esac
    if ! curl --proto "$_protocols" --fail --silent --show-error --location --retry 3 --output "$2" "$1"; then
        err "could not download $1"
    fi
}

# Checks $1/$2 against the line for $2 in the sums file $1/$3; on a mismatch nothing has been installed yet.
verify_sha256() {
    _expected=$(awk -v f="$2" '$2 == f || $2 == "*" f { print $1; exit }' "$1/$3")
    if [ -z "$_expected" ]; then
        err "$3 lists no SHA256 for $2; refusing to install it."
    fi
    _actual=$(sha256sum "$1/$2" | awk '{ print $1 }')
    if [ "$_actual" != "$_expected" ]; then
        err "SHA256 mismatch for $2 (expected $_expected, got $_actual): the download is damaged or was tampered with. Nothing was installed."
    fi
}

fetch_berth() {
    _base=${BERTH_BASE_URL:-$RELEASE_URL}
    if [ -z "$_base" ]; then
        err "BERTH_BASE_URL is not set and this copy of install.sh names no release (run the install.sh of a release, or ./install.sh from a checkout)."
    fi
    _base=${_base%/}
    say "downloading berth from $_base"
    download "$_base/SHA256SUMS" "$TMP_DIR/SHA256SUMS"
    download "$_base/berth.mjs" "$TMP_DIR/berth.mjs"
    verify_sha256 "$TMP_DIR" berth.mjs SHA256SUMS
}

# --- Node.js ---------------------------------------------------------------------------------------------------

node_major() {
    "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

# Sets NODE to a Node.js 20+ from PATH, or to the private copy when it is already there; else returns 1.
find_node() {
    if check_cmd node; then
        _major=$(node_major node)
        case "$_major" in
            '' | *[!0-9]*) _major=0 ;;
        esac
        if [ "$_major" -ge "$MIN_NODE_MAJOR" ]; then
            NODE=$(command -v node)
            return 0
        fi
        say "Node.js $(node --version 2>/dev/null) on PATH is older than $MIN_NODE_MAJOR: berth gets its own copy."
    fi
    if [ -x "$BERTH_HOME/node/bin/node" ] &&
        [ "$("$BERTH_HOME/node/bin/node" --version 2>/dev/null)" = "$NODE_VERSION" ]; then
        NODE="$BERTH_HOME/node/bin/node"
        return 0
    fi
    return 1
}

fetch_node() {
    need_cmd curl
    need_cmd sha256sum
    need_cmd tar
    _name="node-$NODE_VERSION-linux-$ARCH"
    _base="${BERTH_NODE_BASE_URL:-https://nodejs.org/dist}"
    _base="${_base%/}/$NODE_VERSION"
    say "no Node.js $MIN_NODE_MAJOR+ on PATH: downloading Node.js $NODE_VERSION for berth's own use"
    download "$_base/SHASUMS256.txt" "$TMP_DIR/SHASUMS256.txt"
    download "$_base/$_name.tar.gz" "$TMP_DIR/$_name.tar.gz"
    verify_sha256 "$TMP_DIR" "$_name.tar.gz" SHASUMS256.txt
    NODE_TARBALL="$TMP_DIR/$_name.tar.gz"
}

# Unpacks the verified tarball straight into berth's folder: a temporary folder may be on another file system,
# and moving 100 MB from there would copy it.
install_node() {
    ensure mkdir -p "$BERTH_HOME"
    rm -rf "$BERTH_HOME/node.new"
    ensure mkdir "$BERTH_HOME/node.new"
    ensure tar -xzf "$NODE_TARBALL" -C "$BERTH_HOME/node.new" --strip-components=1 --no-same-owner
    if ! "$BERTH_HOME/node.new/bin/node" --version >/dev/null 2>&1; then
        rm -rf "$BERTH_HOME/node.new"
        err "the downloaded Node.js does not run on this machine."
    fi
    rm -rf "$BERTH_HOME/node"
    ensure mv "$BERTH_HOME/node.new" "$BERTH_HOME/node"
    NODE="$BERTH_HOME/node/bin/node"
}

# --- Docker ----------------------------------------------------------------------------------------------------

# Sets MISSING_ENGINE, MISSING_CLI and MISSING_COMPOSE (1 or empty) and MISSING (their names, in words); and
# START_ENGINE to 1 when an engine is (or, once installed, will be) here but not running.
plan_docker() {
    MISSING_ENGINE=''
    MISSING_CLI=''
    MISSING_COMPOSE=''
    if check_cmd docker; then
        docker compose version >/dev/null 2>&1 || MISSING_COMPOSE=1
    else
        MISSING_CLI=1
        compose_plugin_file || MISSING_COMPOSE=1
    fi
    if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && ! check_cmd dockerd; then
        MISSING_ENGINE=1
    fi
    MISSING=''
    [ -z "$MISSING_ENGINE" ] || MISSING="$MISSING, the Docker engine"
    [ -z "$MISSING_CLI" ] || MISSING="$MISSING, the docker command"
    [ -z "$MISSING_COMPOSE" ] || MISSING="$MISSING, Docker Compose v2"
    MISSING=${MISSING#, }
    START_ENGINE=''
    if [ -n "$MISSING_ENGINE" ]; then
        # The package starts it where systemd runs; elsewhere install.sh does.
        has_systemd || START_ENGINE=1
    else
        engine_probe
        [ "$ENGINE_STATE" != down ] || START_ENGINE=1
    fi
}

# Whether the Compose v2 plugin is in one of the CLI's plugin folders (read when there is no docker command yet).
compose_plugin_file() {
    for _d in "${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" /usr/local/lib/docker/cli-plugins \
        /usr/local/libexec/docker/cli-plugins /usr/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins; do
        [ -x "$_d/docker-compose" ] && return 0
    done
    return 1
}

# Whether systemd runs this machine (sd_booted's test): not so in most containers, nor on WSL2 by default.
has_systemd() {
    [ -d /run/systemd/system ]
}

is_wsl() {
    grep -qi microsoft /proc/sys/kernel/osrelease 2>/dev/null
}

# Sets ENGINE_STATE to up, down (the local engine is not running), denied (it runs, but this user may not use it)
# or other (an engine elsewhere, or an error install.sh does not fix; berth's own checks explain it), and
# ENGINE_ERROR to the first line of what docker said.
engine_probe() {
    ENGINE_ERROR=''
    if check_cmd docker; then
        # `docker version`, not `docker info`: some clients' info exits 0 with an empty version, or a template
        # error, when nothing answers. Only a version means it is up.
        _out=$(docker version --format '{{.Server.Version}}' 2>&1) || true
        if printf '%s\n' "$_out" | grep -Eq '^[0-9]+\.[0-9]+'; then
            ENGINE_STATE=up
            return 0
        fi
        ENGINE_ERROR=$(printf '%s\n' "$_out" | grep -v '^ *$' | head -n 1)
        case "$_out" in
            *'permission denied'*) ENGINE_STATE=denied ;;
            *'unix:///var/run/docker.sock'* | *'/var/run/docker.sock: connect'*)
                if [ -n "${DOCKER_HOST:-}" ]; then ENGINE_STATE=other; else ENGINE_STATE=down; fi
                ;;
            *) ENGINE_STATE=other ;;
        esac
        return 0
    fi
    # No docker command yet: ask the default socket directly.
    if [ -n "${DOCKER_HOST:-}" ]; then
        ENGINE_STATE=other
    elif [ ! -S /var/run/docker.sock ]; then
        ENGINE_STATE=down
    elif [ ! -w /var/run/docker.sock ]; then
        ENGINE_STATE=denied
    elif check_cmd curl && ! curl --silent --max-time 5 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; then
        ENGINE_STATE=down
    else
        ENGINE_STATE=up
    fi
}

engine_state() {
    engine_probe
    echo "$ENGINE_STATE"
}

# Asks (or takes --install-docker) before anything is downloaded or started. $1: 1 to go ahead without asking;
# $2: 1 when berth runs with --yes (never asks); $3: 1 when berth needs a running engine (not for --dry-run or
# --no-start: then a stopped engine is started only with --install-docker, or when Docker is being installed).
decide_docker() {
    plan_docker
    _start_how=$(start_command)
    if [ -z "$MISSING" ] && [ -n "$START_ENGINE" ] && [ "$3" != 1 ] && [ "$1" != 1 ]; then
        say "the Docker engine is not running; --dry-run and --no-start do not need it (to start it: $_start_how)."
        START_ENGINE=''
    fi
    [ -n "$MISSING" ] || [ -n "$START_ENGINE" ] || return 0
    if [ -n "$MISSING" ]; then
        say "berth needs Docker with Compose v2; missing here: $MISSING."
        if [ -n "${BUNDLE:-}" ]; then
            err "an install from a bundle downloads nothing, so it cannot install Docker: install Docker Engine with Compose v2 first (offline: your distribution's .deb packages and their dependencies, with dpkg -i), then run this again."
        fi
        if ! check_cmd apt-get; then
            err "install Docker Engine with the Compose plugin (https://docs.docker.com/engine/install/), then run this again."
        fi
        _what="install them now from your distribution's packages (apt-get)"
        if [ -n "$MISSING_COMPOSE" ] && next_debian_compose_possible; then
            _what="install them now from your distribution's packages (apt-get; Compose v2 from Debian 13's docker-compose package, as Debian 12 has none)"
        fi
        _not_done="Run this again with --install-docker to install $MISSING from your distribution's packages, or install Docker yourself (https://docs.docker.com/engine/install/)."
        [ -z "$START_ENGINE" ] || _what="$_what and start the engine ($_start_how)"
    else
        say "the Docker engine is installed but not running${ENGINE_ERROR:+ (docker says: $ENGINE_ERROR)}."
        has_systemd || say "this machine does not run systemd$(is_wsl && echo ' (WSL2 without systemd)'), so nothing starts the engine by itself."
        _what="start it now ($_start_how)"
        _not_done="Run this again with --install-docker to let install.sh start it, or start it yourself: $_start_how"
    fi
    if [ "$SUDO" = - ]; then
        err "that needs root: run this as root or install sudo. $_not_done"
    fi
    if [ "$1" = 1 ]; then
        return 0
    fi
    if [ "$2" != 1 ] && have_tty && confirm "install.sh: $_what?"; then
        return 0
    fi
    err "nothing was changed. $_not_done"
}

# How install.sh starts the engine here, as the user would type it.
start_command() {
    _sudo=''
    [ -z "$SUDO" ] || _sudo='sudo '
    if has_systemd; then
        echo "${_sudo}systemctl start docker"
    else
        echo "${_sudo}setsid -f dockerd >>$BERTH_HOME/dockerd.log 2>&1"
    fi
}

apt_candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }'
}

has_candidate() {
    case "$(apt_candidate "$1")" in
        '' | '(none)') return 1 ;;
    esac
}

# The package that gives `docker compose` (v2): Docker's own repository if configured, else Ubuntu's or Debian's.
compose_package() {
    if has_candidate docker-compose-plugin; then
        echo docker-compose-plugin
    elif has_candidate docker-compose-v2; then
        echo docker-compose-v2
    else
        case "$(apt_candidate docker-compose)" in
            [2-9].* | [1-9][0-9]*.*) echo docker-compose ;;
        esac
    fi
}

# The packages for what plan_docker found missing, from the lists apt-get update just read.
docker_packages() {
    _pkgs=''
    if has_candidate docker-ce; then
        [ -z "$MISSING_ENGINE" ] || _pkgs="$_pkgs docker-ce"
        [ -z "$MISSING_CLI" ] || _pkgs="$_pkgs docker-ce-cli"
    else
        [ -z "$MISSING_ENGINE" ] || _pkgs="$_pkgs docker.io"
        if [ -n "$MISSING_CLI" ]; then
            # Debian 13 ships the client on its own; elsewhere docker.io carries it.
            if has_candidate docker-cli; then
                _pkgs="$_pkgs docker-cli"
            elif [ -z "$MISSING_ENGINE" ]; then
                _pkgs="$_pkgs docker.io"
            fi
        fi
    fi
    if [ -n "$MISSING_COMPOSE" ]; then
        _compose=$(compose_package)
        [ -n "$_compose" ] || return 1
        _pkgs="$_pkgs $_compose"
    fi
    echo "${_pkgs# }"
}

as_root() {
    if [ -n "$SUDO" ]; then
        "$SUDO" "$@"
    else
        "$@"
    fi
}

# apt-get as root, quiet unless it fails (then the end of its output). stdin is the script under `curl | bash`.
apt_logged() {
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" </dev/null >"$TMP_DIR/apt.log" 2>&1; then
        tail -n 20 "$TMP_DIR/apt.log" >&2
        err "apt-get $* failed"
    fi
}

install_docker() {
    [ -n "$MISSING" ] || return 0
    say "apt-get update"
    apt_logged update
    _from_next=''
    if ! _packages=$(docker_packages); then
        next_debian_compose_possible ||
            err "$(os_name) has no package with Docker Compose v2 (its docker-compose is the old v1). Install Docker from Docker's own apt repository, which includes the Compose plugin (https://docs.docker.com/engine/install/), then run this again."
        _from_next=1
        _packages=$(MISSING_COMPOSE='' docker_packages)
    fi
    if [ -n "$_packages" ]; then
        say "apt-get install $_packages"
        # shellcheck disable=SC2086 # one package per word
        apt_logged install -y --no-install-recommends $_packages
    fi
    [ -z "$_from_next" ] || compose_from_next_debian
    if ! docker compose version >/dev/null 2>&1; then
        err "Docker was installed but \`docker compose version\` still fails."
    fi
    say "installed: $(docker --version), $(docker compose version)"
}

# Debian 12 packages only Compose v1. Debian 13 (trixie) packages Compose v2 as a Go binary that needs only libc6,
# so on Debian 12 that one package is fetched from the same mirror with a private package list.
next_debian_compose_possible() {
    [ "$(os_field ID)" = debian ] && [ "$(os_field VERSION_ID)" = 12 ] && check_cmd dpkg
}

os_field() {
    sed -n "s/^$1=//p" /etc/os-release 2>/dev/null | tr -d '"' | head -n 1
}

# Installs docker-compose from Debian 13 with apt's own signature checks, through a sources list, package lists
# and cache of its own in TMP_DIR: the system's apt sources, lists and caches are not touched.
compose_from_next_debian() {
    _keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -r "$_keyring" ] || err "$_keyring is missing (package debian-archive-keyring): cannot check Debian 13's packages."
    _mirror=${BERTH_DEBIAN_MIRROR:-$(debian_mirror "$(os_field VERSION_CODENAME)")}
    [ -n "$_mirror" ] || err "no Debian mirror found in /etc/apt's sources; set BERTH_DEBIAN_MIRROR to one (e.g. http://deb.debian.org/debian)."
    _apt="$TMP_DIR/apt-trixie"
    ensure mkdir -p "$_apt/lists/partial" "$_apt/cache/archives/partial" "$_apt/download"
    printf 'deb [signed-by=%s] %s trixie main\n' "$_keyring" "$_mirror" >"$_apt/sources.list"
    say "$(os_name) has no Compose v2 package: installing docker-compose from Debian 13 (trixie) at $_mirror, with a package list of its own (your apt sources stay as they are)"
    set -- -o "Dir::Etc::SourceList=$_apt/sources.list" -o "Dir::Etc::SourceParts=-" \
        -o "Dir::State::Lists=$_apt/lists" -o "Dir::Cache=$_apt/cache" -o "APT::Sandbox::User=root"
    apt_logged --error-on=any "$@" update
    (cd "$_apt/download" && apt_logged "$@" download docker-compose)
    for _deb in "$_apt"/download/docker-compose_*.deb; do
        [ -f "$_deb" ] || err "apt-get download docker-compose gave no package file."
        say "dpkg -i $(basename "$_deb")"
        if ! as_root dpkg -i "$_deb" >"$TMP_DIR/dpkg.log" 2>&1; then
            tail -n 20 "$TMP_DIR/dpkg.log" >&2
            err "dpkg -i $_deb failed"
        fi
    done
}

# The first http(s) mirror in this machine's apt sources (one-line and deb822 formats) that serves suite $1.
debian_mirror() {
    {
        for _f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$_f" ] || continue
            awk -v cn="$1" '
                /^[[:space:]]*#/ { next }
                $1 == "deb" {
                    i = 2
                    if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == cn && $i ~ /^https?:\/\//) print $i
                }' "$_f"
        done
        for _f in /etc/apt/sources.list.d/*.sources; do
            [ -f "$_f" ] || continue
            awk -v cn="$1" '
                BEGIN { RS = ""; FS = "\n" }
                {
                    types = ""; uris = ""; suites = ""; enabled = "yes"
                    for (i = 1; i <= NF; i++) {
                        line = $i
                        if (line ~ /^[[:space:]]*#/) continue
                        p = index(line, ":"); if (p == 0) continue
                        key = tolower(substr(line, 1, p - 1)); val = substr(line, p + 1)
                        gsub(/^[[:space:]]+|[[:space:]]+$/, "", val)
                        if (key == "types") types = val
                        else if (key == "uris") uris = val
                        else if (key == "suites") suites = val
                        else if (key == "enabled") enabled = tolower(val)
                    }
                    if (enabled == "no" || (" " types " ") !~ / deb /) next
                    ok = 0
                    ns = split(suites, s, /[[:space:]]+/)
                    for (j = 1; j <= ns; j++) if (s[j] == cn) ok = 1
                    if (!ok) next
                    nu = split(uris, u, /[[:space:]]+/)
                    for (j = 1; j <= nu; j++) if (u[j] ~ /^https?:\/\//) print u[j]
                }' "$_f"
        done
    } | head -n 1 | sed 's:/*$::'
}

# Starts the engine when decide_docker planned it (after install_docker: a package may have started it already).
# Never writes a daemon configuration: dockerd starts with the one it has.
start_engine() {
    [ -n "$START_ENGINE" ] || return 0
    engine_probe
    case "$ENGINE_STATE" in
        up) return 0 ;;
        down) ;;
        *) say "the Docker engine does not answer: $ENGINE_ERROR" && return 0 ;;
    esac
    if has_systemd; then
        say "starting the Docker engine: systemctl start docker"
        if ! as_root systemctl start docker </dev/null >&2; then
            engine_failed "systemctl start docker failed; see: journalctl -u docker --no-pager | tail -n 30"
            return 0
        fi
        if ! wait_engine; then
            engine_failed "the Docker engine started but does not answer within 60 s; see: journalctl -u docker"
            return 0
        fi
        if [ "$(systemctl is-enabled docker 2>/dev/null)" = enabled ]; then
            say "the Docker engine is running; systemd starts it at boot."
        else
            say "the Docker engine is running, but systemd does not start it at boot: sudo systemctl enable docker"
        fi
        return 0
    fi
    if ! check_cmd dockerd; then
        engine_failed "the Docker engine does not run and there is no dockerd here to start."
        return 0
    fi
    ensure mkdir -p "$BERTH_HOME"
    _log="$BERTH_HOME/dockerd.log"
    _logged=0
    [ ! -f "$_log" ] || _logged=$(wc -c <"$_log")
    say "starting the Docker engine in the background (no systemd): dockerd, its log in $_log"
    # Its own session: Ctrl-C in the wizard, or closing this terminal, does not stop it.
    if check_cmd setsid; then
        as_root setsid -f dockerd </dev/null >>"$_log" 2>&1 || true
    else
        as_root nohup dockerd </dev/null >>"$_log" 2>&1 &
    fi
    if ! wait_engine "$_log" "$_logged"; then
        tail -n 5 "$_log" >&2
        engine_failed "dockerd did not start (the end of its log is above; all of it is in $_log)."
        return 0
    fi
    if is_wsl; then
        say "the Docker engine is running. Nothing starts it after WSL restarts: turn on systemd ([boot] systemd=true in /etc/wsl.conf, then wsl --shutdown), or start it again with: $(start_command)"
    else
        say "the Docker engine is running. Nothing here starts it after a reboot; start it again with: $(start_command)"
    fi
}

# A start that failed stops install.sh, unless berth will not need the engine (--dry-run, --no-start).
engine_failed() {
    if [ "${NEED_ENGINE:-1}" = 1 ]; then
        err "$1"
    fi
    say "warning: $1 --dry-run and --no-start do not need the engine, so berth goes on."
}

# Waits up to 60 s for the engine to answer. $1, $2 (optional): dockerd's log and its size before this start; a
# dockerd that says it failed to start is not waited for.
wait_engine() {
    _tries=0
    while [ "$_tries" -lt 120 ]; do
        [ "$(engine_state)" = up ] && return 0
        if [ -n "${1:-}" ] && tail -c "+$((${2:-0} + 1))" "$1" 2>/dev/null | grep -q 'failed to start daemon'; then
            return 1
        fi
        _tries=$((_tries + 1))
        sleep 0.5
    done
    return 1
}


os_name() {
    if [ -r /etc/os-release ]; then
        sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"' | grep . || echo "this system"
    else
        echo "this system"
    fi
}

# --- installing and running berth ------------------------------------------------------------------------------

shell_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

install_berth() {
    ensure mkdir -p "$BERTH_HOME" "$BIN_DIR"
    ensure cp "$TMP_DIR/berth.mjs" "$BERTH_HOME/berth.mjs.new"
    ensure mv -f "$BERTH_HOME/berth.mjs.new" "$BERTH_HOME/berth.mjs"
    {
        echo '#!/bin/sh'
        echo '# berth, installed by install.sh: runs berth with its Node.js.'
        echo "exec $(shell_quote "$NODE") $(shell_quote "$BERTH_HOME/berth.mjs") \"\$@\""
    } >"$TMP_DIR/berth"
    ensure chmod 755 "$TMP_DIR/berth"
    ensure mv -f "$TMP_DIR/berth" "$BIN_DIR/berth"
    say "installed the berth command: $BIN_DIR/berth (berth status, berth logs, berth install to reconfigure)"
    case ":$PATH:" in
        *":$BIN_DIR:"*) ;;
        *) say "$BIN_DIR is not on your PATH: add it (e.g. in ~/.profile) to run berth by name." ;;
    esac
}

# Runs `berth install` in place of this shell. Under `curl | bash` stdin is the script: questions are asked on
# the terminal instead when there is one; with none, berth lists the answers it misses (exit 2).
run_berth() {
    _node=$1
    _bundle=$2
    shift 2
    if [ ! -t 0 ] && have_tty; then
        exec "$_node" "$_bundle" install "$@" </dev/tty
    fi
    exec "$_node" "$_bundle" install "$@"
}

# Builds the checkout's bundle with the Node.js chosen above, when it is missing or older than its sources.
build_checkout() {
    _dir=$1
    needs_build "$_dir" || return 0
    _bin=$(dirname "$NODE")
    if [ -x "$_bin/npm" ]; then
        _npm="$_bin/npm"
    elif check_cmd npm; then
        _npm=$(command -v npm)
    else
        err "need 'npm' to build berth from this checkout; it comes with Node.js (https://nodejs.org/en/download)."
    fi
    say "building berth from this checkout (first run, or the sources changed)"
    # npm and the build run with the chosen Node.js first on PATH, so both use it.
    if needs_packages "$_dir"; then
        (cd "$_dir" && PATH="$_bin:$PATH" "$_npm" ci --no-audit --no-fund --loglevel=error >&2) ||
            err "npm ci failed in $_dir (its output is above)"
    fi
    (cd "$_dir" && PATH="$_bin:$PATH" "$_npm" run --silent build >&2) || err "building berth failed (npm run build in $_dir)"
}

# Rebuild when the bundle is missing or older than any source, template, the build script or the lockfile.
needs_build() {
    [ ! -f "$1/dist/berth.mjs" ] && return 0
    [ -n "$(cd "$1" && find src templates scripts/build.ts package-lock.json -newer dist/berth.mjs -print 2>/dev/null | head -n 1)" ]
}

# npm ci only when node_modules is missing or older than the lockfile.
needs_packages() {
    [ ! -f "$1/node_modules/.package-lock.json" ] ||
        [ -n "$(find "$1/package-lock.json" -newer "$1/node_modules/.package-lock.json" -print 2>/dev/null)" ]
}

# Sets NODE: Node.js 20+ from PATH, the private copy, or a download of it (installed into berth's folder).
node_step() {
    NODE_TARBALL=''
    if find_node; then
        say "using Node.js $("$NODE" --version) ($NODE)"
        return 0
    fi
    if [ -n "${BUNDLE:-}" ]; then
        bundle_node
        install_node
        say "using Node.js $NODE_VERSION from the bundle, berth's own copy ($NODE)"
        return 0
    fi
    fetch_node
    install_node
    say "using Node.js $NODE_VERSION, berth's own copy ($NODE)"
}

# Whether the arguments for `berth install` only ask for help or the version, or never start the stack.
args_without_engine() {
    for _a do
        case "$_a" in
            -h | --help | -V | --version | --dry-run | --no-start) return 0 ;;
        esac
    done
    return 1
}

# Whether option $1 is among the rest of the arguments (as `--x V` or `--x=V`).
has_arg() {
    _want=$1
    shift
    for _a do
        case "$_a" in
            "$_want" | "$_want"=*) return 0 ;;
        esac
    done
    return 1
}

args_only_info() {
    for _a do
        case "$_a" in
            -h | --help | -V | --version) return 0 ;;
        esac
    done
    return 1
}

# --- installing from a bundle (berth bundle) ----------------------------------------------------------------------

BUNDLE_ROOT=berth-bundle

bundle_refused() {
    err "$BUNDLE: $1 Nothing was installed."
}

# Checks every file of the bundle against its SHA256SUMS before anything is used: the small files are unpacked
# into TMP_DIR/bundle, the images are hashed straight from the archive (they are loaded from there later).
verify_bundle() {
    [ -f "$BUNDLE" ] || err "--bundle $BUNDLE: no such file."
    say "checking every SHA256 sum in $BUNDLE"
    if ! tar -tf "$BUNDLE" >"$TMP_DIR/bundle.list" 2>"$TMP_DIR/tar.log"; then
        bundle_refused "not a tar archive, or damaged ($(head -n 1 "$TMP_DIR/tar.log"))."
    fi
    _sums="$TMP_DIR/bundle/$BUNDLE_ROOT/SHA256SUMS"
    while IFS= read -r _member; do
        case "$_member" in
            "$BUNDLE_ROOT"/*/../* | "$BUNDLE_ROOT"/../*) bundle_refused "it holds an unexpected file, $_member." ;;
            "$BUNDLE_ROOT"/*) ;;
            *) bundle_refused "it holds an unexpected file, $_member: it is not a berth bundle." ;;
        esac
    done <"$TMP_DIR/bundle.list"
    ensure mkdir "$TMP_DIR/bundle"
    if ! tar -xf "$BUNDLE" -C "$TMP_DIR/bundle" --no-same-owner --exclude "$BUNDLE_ROOT/images.tar.gz" 2>"$TMP_DIR/tar.log"; then
        bundle_refused "it could not be unpacked ($(head -n 1 "$TMP_DIR/tar.log"))."
    fi
    [ -f "$_sums" ] || bundle_refused "it has no SHA256SUMS."
    for _need in install.sh berth.mjs manifest.json images.tar.gz; do
        awk -v f="$_need" '$2 == f { found = 1 } END { exit !found }' "$_sums" ||
            bundle_refused "its SHA256SUMS lists no $_need."
    done
    # Every file is listed, and every listed file is there and matches.
    while IFS= read -r _member; do
        _name=${_member#"$BUNDLE_ROOT"/}
        [ "$_name" = SHA256SUMS ] && continue
        awk -v f="$_name" '$2 == f { found = 1 } END { exit !found }' "$_sums" ||
            bundle_refused "$_name is not in its SHA256SUMS."
    done <"$TMP_DIR/bundle.list"
    while read -r _expected _name; do
        if [ "$_name" = images.tar.gz ]; then
            _actual=$(tar -xOf "$BUNDLE" "$BUNDLE_ROOT/images.tar.gz" | sha256sum | awk '{ print $1 }')
        elif [ -f "$TMP_DIR/bundle/$BUNDLE_ROOT/$_name" ]; then
            _actual=$(sha256sum "$TMP_DIR/bundle/$BUNDLE_ROOT/$_name" | awk '{ print $1 }')
        else
            bundle_refused "$_name, listed in its SHA256SUMS, is missing."
        fi
        if [ "$_actual" != "$_expected" ]; then
            bundle_refused "SHA256 mismatch for $_name (expected $_expected, got $_actual): the bundle is damaged or was tampered with."
        fi
    done <"$_sums"
    say "the bundle is intact: $(wc -l <"$_sums") files checked"
    cp "$TMP_DIR/bundle/$BUNDLE_ROOT/berth.mjs" "$TMP_DIR/berth.mjs" || err "could not copy berth.mjs out of the bundle"
}

# The bundle's images are for one architecture (its manifest's arch): another machine's would not run here.
check_bundle_arch() {
    _for=$(sed -n 's/^  "arch": "\([a-z0-9]*\)",$/\1/p' "$TMP_DIR/bundle/$BUNDLE_ROOT/manifest.json")
    if [ -n "$_for" ] && [ "$_for" != "$DOCKER_ARCH" ]; then
        bundle_refused "it is for $_for machines and this one is $DOCKER_ARCH: its images would not run here. Make the bundle for this machine with berth bundle --arch $DOCKER_ARCH."
    fi
}

# The Node.js runtime in the bundle, for when PATH has no Node.js 20+ (it must be for this machine).
bundle_node() {
    for _tarball in "$TMP_DIR/bundle/$BUNDLE_ROOT"/node-v*-linux-*.tar.gz; do
        [ -f "$_tarball" ] || break
        case "$_tarball" in
            *-linux-"$ARCH".tar.gz) ;;
            *) err "the bundle's Node.js is $(basename "$_tarball"), not for this machine ($ARCH): make the bundle with --arch $DOCKER_ARCH, or install Node.js 20+ here." ;;
        esac
        NODE_VERSION=$(basename "$_tarball" | sed 's/^node-\(v[0-9.]*\)-.*/\1/')
        NODE_TARBALL=$_tarball
        return 0
    done
    err "this machine has no Node.js $MIN_NODE_MAJOR+ and the bundle carries none (it was made with --no-node): install Node.js $MIN_NODE_MAJOR+ here, or make the bundle without --no-node."
}

# A field of the bundle's manifest, read with the Node.js chosen above. $1: a JavaScript expression over `m`.
manifest_field() {
    "$NODE" -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = ('"$1"'); if (v != null) console.log(v)' \
        "$TMP_DIR/bundle/$BUNDLE_ROOT/manifest.json"
}

# docker load of the images, straight from the archive, with the bytes read so far as progress (GNU dd).
load_bundle_images() {
    _count=$(manifest_field 'm.images.length')
    _bytes=$(manifest_field 'm.imagesFile.bytes')
    say "loading $_count image(s) into the Docker engine ($((_bytes / 1000000)) MB compressed)"
    _meter='cat'
    if dd if=/dev/null of=/dev/null status=progress 2>/dev/null; then
        _meter='dd bs=1M status=progress'
    fi
    # shellcheck disable=SC2086 # the meter's words
    if ! tar -xOf "$BUNDLE" "$BUNDLE_ROOT/images.tar.gz" | $_meter | docker load >&2; then
        err "docker load failed (its output is above)."
    fi
    for _image in $(manifest_field 'm.images.map((i) => i.name).join(" ")'); do
        docker image inspect "$_image" >/dev/null 2>&1 || err "the image $_image is not in the engine after docker load."
    done
}

# Keeps what a later `berth install` needs from the bundle in berth's folder: install.sh (so `berth bundle` works
# here too), the answers and the recipe folder. Sets BUNDLE_ANSWERS and BUNDLE_RECIPE when the bundle has them.
keep_bundle_files() {
    _from="$TMP_DIR/bundle/$BUNDLE_ROOT"
    ensure mkdir -p "$BERTH_HOME/bundle"
    ensure cp "$_from/install.sh" "$BERTH_HOME/install.sh"
    if [ -f "$_from/answers.yaml" ]; then
        ensure cp "$_from/answers.yaml" "$BERTH_HOME/bundle/answers.yaml"
        BUNDLE_ANSWERS="$BERTH_HOME/bundle/answers.yaml"
    fi
    if [ -d "$_from/recipe" ]; then
        _name=$(manifest_field 'm.recipe.name')
        case "$_name" in '' | *[!a-z0-9_-]*) err "the bundle's recipe name is not a plain name: $_name" ;; esac
        rm -rf "$BERTH_HOME/recipes/$_name"
        ensure mkdir -p "$BERTH_HOME/recipes"
        ensure cp -R "$_from/recipe" "$BERTH_HOME/recipes/$_name"
        BUNDLE_RECIPE="$BERTH_HOME/recipes/$_name"
    fi
}

main() {
    _install_docker=${BERTH_INSTALL_DOCKER:-0}
    _yes=0
    BUNDLE=''
    _next_is_bundle=''
    for _arg do
        shift
        if [ -n "$_next_is_bundle" ]; then
            BUNDLE=$_arg
            _next_is_bundle=''
            continue
        fi
        case "$_arg" in
            --install-docker) _install_docker=1 ;;
            --bundle=*) BUNDLE=${_arg#--bundle=} ;;
            --bundle) _next_is_bundle=1 ;;
            -y | --yes) _yes=1 && set -- "$@" "$_arg" ;;
            -h | --help) usage && set -- "$@" "$_arg" ;;
            *) set -- "$@" "$_arg" ;;
        esac
    done
    [ -z "$_next_is_bundle" ] || err "--bundle needs the bundle's file: --bundle FILE"
    _checkout=''
    _checkout=$(checkout_dir) || _checkout=''

    detect_platform
    need_cmd mktemp
    BERTH_HOME=${BERTH_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/berth}
    if [ -z "${BERTH_BIN_DIR:-}" ]; then
        if [ -z "$SUDO" ]; then BIN_DIR=/usr/local/bin; else BIN_DIR="$HOME/.local/bin"; fi
    else
        BIN_DIR=$BERTH_BIN_DIR
    fi
    NODE_VERSION=${BERTH_NODE_VERSION:-$DEFAULT_NODE_VERSION}

    if [ -n "$BUNDLE" ]; then
        # Every sum is checked before anything else; a bundle always installs this bundle's berth.
        case "$BUNDLE" in /*) ;; *) BUNDLE="$PWD/$BUNDLE" ;; esac
        need_cmd tar
        need_cmd sha256sum
        TMP_DIR=$(mktemp -d)
        trap cleanup EXIT
        verify_bundle
        check_bundle_arch
        _checkout=''
    fi
    # Docker first: it asks before anything is downloaded. --help and --version need no Docker at all.
    NEED_ENGINE=1
    ! args_without_engine "$@" || [ -n "$BUNDLE" ] || NEED_ENGINE=0
    if ! args_only_info "$@"; then
        decide_docker "$_install_docker" "$_yes" "$NEED_ENGINE"
    else
        MISSING=''
        START_ENGINE=''
    fi
    [ -n "${TMP_DIR:-}" ] || TMP_DIR=$(mktemp -d)
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ -z "$_checkout" ] && [ -z "$BUNDLE" ]; then
        need_cmd curl
        need_cmd sha256sum
        need_cmd tar
        fetch_berth
    fi
    node_step
    install_docker
    start_engine
    if [ -n "$BUNDLE" ]; then
        load_bundle_images
        keep_bundle_files
        install_berth
        cleanup
        trap - EXIT INT TERM
        # The bundle's answers and recipe come first: options given here win over them.
        set -- --pull never "$@"
        [ -z "${BUNDLE_ANSWERS:-}" ] || has_arg --answers "$@" || set -- --answers "$BUNDLE_ANSWERS" "$@"
        [ -z "${BUNDLE_RECIPE:-}" ] || has_arg --recipe "$@" || set -- --recipe "$BUNDLE_RECIPE" "$@"
        run_berth "$NODE" "$BERTH_HOME/berth.mjs" "$@"
    fi
    if [ -n "$_checkout" ]; then
        build_checkout "$_checkout"
        cleanup
        trap - EXIT INT TERM
        run_berth "$NODE" "$_checkout/dist/berth.mjs" "$@"
    fi
    install_berth
    cleanup
    trap - EXIT INT TERM
    run_berth "$NODE" "$BERTH_HOME/berth.mjs" "$@"
}

main "$@" || exit 1

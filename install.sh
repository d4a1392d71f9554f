#!/bin/sh
# berth installer, run from a checkout of berth: builds the bundle if needed and starts `berth install`.
# Usage: ./install.sh [berth install options]   (see ./install.sh --help)
set -eu

say() {
    printf 'install.sh: %s\n' "$1"
}

err() {
    say "$1" >&2
    exit 1
}

need_cmd() {
    if ! command -v "$1" >/dev/null 2>&1; then
        err "need '$1' (command not found). $2"
    fi
}

ensure() {
    if ! "$@"; then
        err "command failed: $*"
    fi
}

check_node() {
    need_cmd node "Install Node.js 20 or newer (https://nodejs.org/en/download)."
    need_cmd npm "Install npm (it comes with Node.js)."
    major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$major" -lt 20 ]; then
        err "Node.js $(node --version) is too old: berth needs Node.js 20 or newer."
    fi
}

# Rebuild when the bundle is missing or older than any source, template or the lockfile.
needs_build() {
    [ ! -f dist/berth.mjs ] && return 0
    [ -n "$(find src templates package-lock.json -newer dist/berth.mjs -print 2>/dev/null | head -n 1)" ]
}

main() {
    cd "$(dirname "$0")"
    check_node
    if needs_build; then
        say "building berth (first run, or the sources changed)…"
        ensure npm ci --no-audit --no-fund --loglevel=error
        ensure npm run --silent build
    fi
    exec node dist/berth.mjs install "$@"
}

main "$@" || exit 1

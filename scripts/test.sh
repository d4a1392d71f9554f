#!/usr/bin/env bash
# Runs every check berth has, on a fresh machine too: dependencies, a Docker engine with Compose v2 (on
# Debian as root it is installed and started), typecheck, lint, build, and all tests — unit, golden,
# `docker compose config` round trips and stacks brought up on the real engine.
set -euo pipefail

main() {
    cd "$(dirname "$0")/.."
    ensure_engine
    step "npm ci" npm ci --no-audit --no-fund
    step "typecheck" npm run --silent typecheck
    step "lint" npm run --silent lint
    if command -v shellcheck >/dev/null 2>&1; then
        step "shellcheck" shellcheck install.sh scripts/*.sh .ci/run
    fi
    step "recipe schema up to date" npx tsx scripts/export-schema.ts --check
    step "build" npm run --silent build
    step "tests" npx vitest run
}

step() {
    local name=$1
    shift
    printf '\n== %s\n' "$name"
    "$@"
}

# The tests need `docker compose` and a running engine. Install them where we can (Debian, root);
# elsewhere say what is missing.
ensure_engine() {
    if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
        step "test engine" scripts/setup-test-engine.sh
        return 0
    fi
    echo "test.sh: the tests need Docker Compose v2 and a running Docker engine." >&2
    echo "  On Debian as root, scripts/setup-test-engine.sh installs and starts both." >&2
    exit 1
}

main "$@"

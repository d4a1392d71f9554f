#!/usr/bin/env bash
# Runs every check berth has, on a fresh machine too: dependencies, a Docker engine with Compose v2 (on
# Debian as root it is installed and started), typecheck, lint, build, `berth recipe test` on each shipped
# recipe, and all tests — unit, golden, `docker compose config` round trips and stacks brought up on the real
# engine.
set -euo pipefail

main() {
    cd "$(dirname "$0")/.."
    ensure_engine
    step "npm ci" npm ci --no-audit --no-fund
    step "typecheck" npm run --silent typecheck
    step "lint" npm run --silent lint
    if command -v shellcheck >/dev/null 2>&1; then
        step "shellcheck" shellcheck -x install.sh scripts/*.sh scripts/lib/*.sh .ci/run
    fi
    step "recipe schema up to date" npx tsx scripts/export-schema.ts --check
    step "build" npm run --silent build
    recipe_tests
    step "tests" npx vitest run
}

# Every shipped recipe through `berth recipe test`, as a recipe author runs it: each combination of its answers
# rendered and checked (Compose JSON Schema, the real `docker compose config`, the practices of docs/recipes.md).
recipe_tests() {
    local dir
    for dir in templates/*/; do
        step "berth recipe test ${dir%/}" node dist/berth.mjs recipe test "${dir%/}"
    done
}

step() {
    local name=$1
    shift
    printf '\n== %s\n' "$name"
    "$@"
}

# The tests need `docker compose`, a running engine and the local test images. Where we can (Debian, root)
# the setup script makes sure of all three (it is idempotent: about a second when all is there already);
# elsewhere say what is missing.
ensure_engine() {
    if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
        step "test engine and images" scripts/setup-test-engine.sh
        ensure_tools
        step "fresh-VM image for the install.sh tests" scripts/build-fresh-vm-image.sh
        step "fresh-VM image, Debian 12" scripts/build-fresh-vm-image.sh --suite bookworm
        return 0
    fi
    if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        return 0
    fi
    echo "test.sh: the tests need Docker Compose v2, a running Docker engine and the test images." >&2
    echo "  On Debian as root, scripts/setup-test-engine.sh installs, starts and builds them." >&2
    exit 1
}

# tmux drives the interactive tests in a real terminal; shellcheck lints the shell scripts; debootstrap makes
# the fresh-VM image install.sh is tested in.
ensure_tools() {
    local missing=""
    command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
    command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
    command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
    [ -z "$missing" ] && return 0
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    step "tools:$missing" apt-get install -y --no-install-recommends $missing ||
        { apt-get update -qq && apt-get install -y --no-install-recommends $missing; }
}

main "$@"

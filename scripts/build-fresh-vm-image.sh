#!/usr/bin/env bash
# build-fresh-vm-image.sh: the "fresh VM" image the install.sh tests run `curl … | bash` in
# (test/install-sh/): a minimal Debian 13 (trixie) made with `debootstrap --variant=minbase`, plus bash, curl and
# ca-certificates; no Node.js, no Docker CLI. Imported as berth-test/fresh-vm:1. With `--suite bookworm`, the same
# from Debian 12 as berth-test/fresh-vm-bookworm:1 (Debian 12 has no Compose v2 package: install.sh handles that).
# The apt sources point at the same mirror as this machine's own (or BERTH_DEBIAN_MIRROR), so apt works inside it.
#
# Cached by tag: the image carries a label with this script's SHA256 and is rebuilt only when the script changes
# (or with --force). Building takes about a minute. Needs root, debootstrap and a running Docker engine.
#
# Usage: scripts/build-fresh-vm-image.sh [--suite trixie|bookworm] [--force]
set -euo pipefail

PROG=build-fresh-vm-image
IMAGE=berth-test/fresh-vm:1
SUITE=trixie
LABEL=berth.fresh-vm.recipe
WORK=""
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

main() {
    local force=0 recipe current mirror start
    while [ $# -gt 0 ]; do
        case "$1" in
            --force) force=1 ;;
            --suite)
                [ $# -ge 2 ] || die "--suite needs a value: trixie or bookworm"
                SUITE=$2
                shift
                ;;
            *) die "unknown option $1 (usage: $0 [--suite trixie|bookworm] [--force])" ;;
        esac
        shift
    done
    case "$SUITE" in
        trixie) IMAGE=berth-test/fresh-vm:1 ;;
        bookworm) IMAGE=berth-test/fresh-vm-bookworm:1 ;;
        *) die "--suite $SUITE: only trixie and bookworm are built" ;;
    esac
    recipe=$( (cat "$0" && echo "$SUITE") | sha256sum | cut -c1-16)
    current=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)
    if [ "$force" = 0 ] && [ "$current" = "$recipe" ]; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap)"
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found (apt-get install debootstrap)"
    mirror=${BERTH_DEBIAN_MIRROR:-$(detect_mirror "$(os_field VERSION_CODENAME)")}
    [ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources*; set BERTH_DEBIAN_MIRROR"
    start=$(date +%s)
    WORK=$(mktemp -d)
    trap cleanup EXIT
    say "debootstrap --variant=minbase $SUITE from $mirror (about a minute)"
    if ! debootstrap --variant=minbase --include=bash,curl,ca-certificates "$SUITE" "$WORK/rootfs" "$mirror" \
        >"$WORK/debootstrap.log" 2>&1; then
        tail -n 25 "$WORK/debootstrap.log" >&2
        die "debootstrap failed"
    fi
    # A fresh VM has no cached packages; apt-get update fills the lists when needed.
    rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
    printf 'deb %s %s main\n' "$mirror" "$SUITE" >"$WORK/rootfs/etc/apt/sources.list"
    tar -C "$WORK/rootfs" -c . | docker import \
        --change "LABEL $LABEL=$recipe" --change 'LABEL berth-test=1' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
    docker run --rm "$IMAGE" sh -c '! command -v node && ! command -v docker && curl --version' >/dev/null ||
        die "$IMAGE: expected curl and no node or docker"
    say "built $IMAGE in $(($(date +%s) - start)) s"
}

main "$@"

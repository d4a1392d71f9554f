#!/bin/sh
# release.sh: the files of a berth release, exactly what install.sh downloads: berth.mjs (the bundle),
# install.sh with the release's address written in, and SHA256SUMS for both. Publish the folder's three files at
# that address; then `curl -fsSL <address>/install.sh | bash` installs this release.
#
# Usage: scripts/release.sh --base-url URL [--out DIR] [--no-build]
#   --base-url URL   where the files will be served (install.sh downloads berth.mjs and SHA256SUMS from there)
#   --out DIR        output folder (default dist/release; emptied first)
#   --no-build       use the existing dist/berth.mjs instead of running `npm run build`
set -eu

say() {
    printf 'release.sh: %s\n' "$1"
}

err() {
    say "error: $1" >&2
    exit 1
}

usage() {
    sed -n 's/^# \{0,1\}//; 2,9p' "$0" >&2
}

# install.sh with RELEASE_URL='…' set; refuses addresses that would need quoting.
stamp_install_sh() {
    case "$1" in
        *\'* | *\\* | *'|'*) err "the base URL must not contain quotes, backslashes or '|': $1" ;;
    esac
    sed "s|^RELEASE_URL=''\$|RELEASE_URL='$1'|" install.sh >"$2"
    grep -q "^RELEASE_URL='$1'\$" "$2" || err "install.sh has no RELEASE_URL='' line to fill in"
    chmod 755 "$2"
}

main() {
    _base='' _out='' _build=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --base-url) _base=${2:-} && shift 2 ;;
            --out) _out=${2:-} && shift 2 ;;
            --no-build) _build=0 && shift ;;
            -h | --help) usage && return 0 ;;
            *) usage && err "unknown option: $1" ;;
        esac
    done
    [ -n "$_base" ] || { usage && err "--base-url is required"; }
    case "$_out" in
        '') ;;
        /*) ;;
        *) _out="$PWD/$_out" ;;
    esac
    cd "$(dirname "$0")/.."
    [ -n "$_out" ] || _out=dist/release
    if [ "$_build" = 1 ]; then
        npm run --silent build
    fi
    [ -f dist/berth.mjs ] || err "dist/berth.mjs is missing (run npm run build)"
    rm -rf "$_out"
    mkdir -p "$_out"
    cp dist/berth.mjs "$_out/berth.mjs"
    stamp_install_sh "${_base%/}" "$_out/install.sh"
    (cd "$_out" && sha256sum berth.mjs install.sh >SHA256SUMS)
    say "$_out: berth.mjs ($(wc -c <"$_out/berth.mjs") bytes, $(gzip -9c "$_out/berth.mjs" | wc -c) gzip), install.sh, SHA256SUMS for ${_base%/}"
}

main "$@" || exit 1

#!/usr/bin/env bash
# setup-test-engine.sh: a real Docker engine for berth's integration tests on
# Debian 12+, as root, without systemd.
#
#   1. apt-get install docker.io busybox-static (Debian's engine 20.10), with
#      `apt-get update` only when needed;
#   2. install-compose.sh (Compose v2 as a docker CLI plugin);
#   3. start dockerd with nohup unless a daemon already answers or is starting
#      (never a second one), and wait until `docker info` answers;
#   4. build the local base image berth-test/busybox:1 (FROM scratch +
#      busybox-static) unless it exists. No registry is needed.
#
# Idempotent: a second run checks and exits within about a second.
# Environment: BERTH_DOCKERD_TIMEOUT (seconds to wait for dockerd, default 30).
set -eu

PROG=setup-test-engine
IMAGE=berth-test/busybox:1
DOCKERD_LOG=/var/log/dockerd.log
PACKAGES="docker.io busybox-static"
SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=""
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

check_platform() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
  if [ ! -r /etc/os-release ] || [ "$(os_field ID)" != debian ]; then
    die "unsupported OS; this script supports Debian 12 or newer only"
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found"
}

install_packages() {
  local pkg missing="" need_update=0
  for pkg in $PACKAGES; do
    pkg_installed "$pkg" || missing="$missing $pkg"
  done
  if [ -z "$missing" ]; then
    return 0
  fi
  for pkg in $missing; do
    case "$(apt_candidate "$pkg")" in
      '' | '(none)') need_update=1 ;;
    esac
  done
  if [ "$need_update" -eq 1 ]; then
    say "apt-get update (package lists do not know:$missing)"
    run_logged apt-get update
  fi
  say "apt-get install$missing"
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  if ! DEBIAN_FRONTEND=noninteractive run_logged apt-get install -y --no-install-recommends $missing; then
    say "install failed; refreshing package lists and retrying"
    run_logged apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive run_logged apt-get install -y --no-install-recommends $missing
  fi
}

engine_answers() {
  # `docker info` with a format exits non-zero when no daemon answers; the
  # timeout covers a daemon that accepts connections but hangs.
  timeout 3 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

dockerd_running() {
  local pid
  if pgrep -x dockerd >/dev/null 2>&1; then
    return 0
  fi
  if [ -s /var/run/docker.pid ]; then
    pid=$(cat /var/run/docker.pid)
    case "$pid" in
      '' | *[!0-9]*) return 1 ;;
    esac
    [ -d "/proc/$pid" ] && return 0
  fi
  return 1
}

start_engine() {
  local timeout=${BERTH_DOCKERD_TIMEOUT:-30} start deadline
  if engine_answers; then
    return 0
  fi
  start=$(now_ms)
  deadline=$((start + timeout * 1000))
  if dockerd_running; then
    say "dockerd is already running but not answering yet; waiting (no second daemon)"
  else
    command -v dockerd >/dev/null 2>&1 || die "dockerd not found (package docker.io)"
    say "starting dockerd (log: $DOCKERD_LOG)"
    # setsid: not in this shell's process group, so it outlives the caller.
    setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  # Poll every 0.25 s for at most $timeout seconds (wall clock).
  while ! engine_answers; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "the Docker engine did not answer 'docker info' within ${timeout}s (see $DOCKERD_LOG)"
    fi
    if ! dockerd_running; then
      sleep 0.5 # a daemon that is exiting may still hold the socket
      engine_answers && break
      tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "dockerd exited (see $DOCKERD_LOG)"
    fi
    sleep 0.25
  done
  say "engine answers after $(($(now_ms) - start)) ms: $(docker version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}} (API {{.Client.APIVersion}})')"
}

build_base_image() {
  local busybox
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  busybox=$(command -v busybox || true)
  [ -n "$busybox" ] || busybox=/bin/busybox
  [ -x "$busybox" ] || die "busybox not found (package busybox-static)"
  WORK=$(mktemp -d)
  trap cleanup EXIT
  cp "$busybox" "$WORK/busybox"
  cat >"$WORK/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /tmp /etc /root && chmod 1777 /tmp \
 && echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd \
 && echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >>/etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group
CMD ["sh"]
EOF
  say "building $IMAGE (FROM scratch + $busybox)"
  # Legacy builder: the engine is 20.10 and the CLI may lack the buildx plugin.
  DOCKER_BUILDKIT=0 run_logged docker build -t "$IMAGE" "$WORK" ||
    die "docker build of $IMAGE failed"
}

main() {
  check_platform
  install_packages
  [ -x "$SCRIPT_DIR/install-compose.sh" ] || die "$SCRIPT_DIR/install-compose.sh not found or not executable"
  "$SCRIPT_DIR/install-compose.sh"
  start_engine
  build_base_image
  docker run --rm "$IMAGE" true >/dev/null 2>&1 ||
    die "smoke test failed: docker run --rm $IMAGE true: $(docker run --rm "$IMAGE" true 2>&1 | tail -n 1)"
  "$SCRIPT_DIR/build-test-images.sh"
}

main "$@"

# shellcheck shell=bash
# Helpers shared by the machine-setup scripts (install-compose.sh, setup-test-engine.sh, build-test-images.sh,
# build-fresh-vm-image.sh). Sourced, never run: the caller sets PROG (its name in messages) and WORK (a temporary
# folder that cleanup removes, or ""). install.sh stays self-contained: it is downloaded on its own.

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

cleanup() {
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    rm -rf -- "$WORK"
  fi
}

now_ms() {
  local ns
  ns=$(date +%s%N)
  echo $((ns / 1000000))
}

# Runs a command quietly; on failure says which and shows the end of its output.
run_logged() {
  local log rc=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '%s: command failed (exit %s): %s\n' "$PROG" "$rc" "$*" >&2
    tail -n 25 "$log" >&2
  fi
  rm -f -- "$log"
  return "$rc"
}

os_field() {
  sed -n "s/^$1=//p" /etc/os-release | tr -d '"' | head -n 1
}

pkg_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

apt_candidate() {
  apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }'
}

# The first http(s) mirror in this machine's apt sources (one-line and deb822 formats) that serves suite $1
# (this machine's own codename, so it is the distribution's mirror). The sources are read from
# ${APT_ETC:-/etc/apt}.
detect_mirror() {
  local codename=$1 etc=${APT_ETC:-/etc/apt} f
  {
    for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      awk -v cn="$codename" '
        /^[[:space:]]*#/ { next }
        $1 == "deb" {
          i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if ($(i + 1) == cn && $i ~ /^https?:\/\//) print $i
        }' "$f"
    done
    for f in "$etc"/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk -v cn="$codename" '
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
        }' "$f"
    done
  } | head -n 1 | sed 's:/*$::'
}

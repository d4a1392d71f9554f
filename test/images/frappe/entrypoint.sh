#!/bin/bash
# Stand-in frappe image (see Dockerfile): as the real entrypoint, link the image's assets into the sites volume.
set -e
# Every service of the stack runs this at the same moment on the one sites volume, so the link is never removed
# and made again: a new link replaces the path in one rename (a link another service made is equally right).
target=/home/frappe/frappe-bench/assets
link=/home/frappe/frappe-bench/sites/assets
if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
  # a folder of assets (an older volume) is removed first: a rename cannot replace a folder
  if [ -d "$link" ] && [ ! -L "$link" ]; then rm -rf "$link" 2>/dev/null || true; fi
  ln -sfn "$target" "$link.$$"
  mv -fT "$link.$$" "$link" || [ "$(readlink "$link" 2>/dev/null)" = "$target" ]
fi
exec "$@"

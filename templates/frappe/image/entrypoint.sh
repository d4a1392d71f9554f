#!/bin/bash
# The custom image's entrypoint (as frappe/erpnext's): the assets built into the image are linked into the
# shared sites volume, so a new image serves its own assets, then the command runs.
set -e
# Every service of the stack runs this at the same moment on the one sites volume, so the link is never removed
# and made again: a new link replaces the path in one rename (a link another service made is equally right).
target=/home/frappe/frappe-bench/assets
link=/home/frappe/frappe-bench/sites/assets
mkdir -p /home/frappe/frappe-bench/sites
if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
  # a folder of assets (an older volume) is removed first: a rename cannot replace a folder
  if [ -d "$link" ] && [ ! -L "$link" ]; then rm -rf "$link" 2>/dev/null || true; fi
  ln -sfn "$target" "$link.$$"
  mv -fT "$link.$$" "$link" || [ "$(readlink "$link" 2>/dev/null)" = "$target" ]
fi
exec "$@"

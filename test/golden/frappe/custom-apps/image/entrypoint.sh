#!/bin/bash
# The custom image's entrypoint (as frappe/erpnext's): the assets built into the image are linked into the
# shared sites volume, so a new image serves its own assets, then the command runs.
set -e
rm -rf /home/frappe/frappe-bench/sites/assets
mkdir -p /home/frappe/frappe-bench/sites
ln -s /home/frappe/frappe-bench/assets /home/frappe/frappe-bench/sites/assets
exec "$@"

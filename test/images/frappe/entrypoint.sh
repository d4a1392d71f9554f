#!/bin/bash
# Stand-in frappe image (see Dockerfile): as the real entrypoint, link the image's assets into the sites volume.
set -e
rm -rf /home/frappe/frappe-bench/sites/assets
ln -s /home/frappe/frappe-bench/assets /home/frappe/frappe-bench/sites/assets
exec "$@"

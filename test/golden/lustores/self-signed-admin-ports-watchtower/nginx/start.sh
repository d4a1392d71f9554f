#!/bin/sh
# nginx for LUStores (berth): runs nginx in the foreground, and reloads it when certbot has renewed the
# certificate (certbot's deploy hook touches /etc/letsencrypt/berth/renewed; checked every minute, or every
# RENEWAL_CHECK_SECONDS).
set -eu
flag=/etc/letsencrypt/berth/renewed
every=${RENEWAL_CHECK_SECONDS:-60}

mtime() {
  stat -c %Y "$flag" 2>/dev/null || echo 0
}

watch_renewals() {
  last=$(mtime)
  while sleep "$every"; do
    now=$(mtime)
    [ "$now" = "$last" ] && continue
    last=$now
    if nginx -s reload; then echo "nginx: the certificate was renewed; reloaded"; fi
  done
}

if [ -d /etc/letsencrypt/berth ]; then
  watch_renewals &
fi
exec nginx -g 'daemon off;'

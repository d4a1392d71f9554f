#!/bin/sh
# Certificates for LUStores (berth), run in the certbot image (it has certbot, openssl and python3):
#   init        tls-init, before nginx on every start: the certificate nginx starts with. With Let's Encrypt,
#               its certificate once certbot has one, else a temporary self-signed one (30 days); with
#               TLS_MODE=self-signed, a self-signed one for 10 years. Writes /etc/letsencrypt/berth/ssl.conf,
#               which nginx includes.
#   obtain      the obtain_certificate hook, once the stack is up: Let's Encrypt's certificate through the
#               webroot challenge nginx serves, then ssl.conf points at it (the next hook reloads nginx). Nothing
#               to do when it exists (renew-loop renews it). A failure names its cause (DNS, port 80, the ACME
#               server, a rate limit) and exits non-zero; nginx keeps the temporary certificate.
#   renew-loop  the certbot service: `certbot renew` every 12 hours (as the LUStores seed); a renewal touches
#               /etc/letsencrypt/berth/renewed, and nginx reloads.
#   health      the certbot service's healthcheck: the loop ran within the last 25 hours.
set -u
berth=/etc/letsencrypt/berth
webroot=/var/www/certbot
ran=/tmp/renew-loop-ran

say() { printf 'certbot: %s\n' "$*"; }

# valid DIR: DIR holds a certificate and its key, good for one more day.
valid() {
  [ -s "$1/fullchain.pem" ] && [ -s "$1/privkey.pem" ] &&
    openssl x509 -checkend 86400 -noout -in "$1/fullchain.pem" >/dev/null 2>&1
}

# names_domain DIR: the certificate in DIR is for $DOMAIN.
names_domain() {
  openssl x509 -noout -text -in "$1/fullchain.pem" 2>/dev/null | grep -q "DNS:$DOMAIN\(,\|\$\)"
}

# use DIR: nginx's include points at the certificate in DIR (replaced in one rename).
use() {
  printf 'ssl_certificate %s/fullchain.pem;\nssl_certificate_key %s/privkey.pem;\n' "$1" "$1" >"$berth/ssl.conf.new"
  mv -f "$berth/ssl.conf.new" "$berth/ssl.conf"
}

# self_signed DAYS ORGANIZATION: a new self-signed certificate for $DOMAIN in $berth/$DOMAIN.
self_signed() {
  own=$berth/$DOMAIN
  mkdir -p "$own"
  (umask 077 && openssl req -x509 -nodes -newkey rsa:2048 -days "$1" -subj "/O=$2/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout "$own/privkey.pem.new" -out "$own/fullchain.pem.new" 2>/dev/null) ||
    return 1
  mv -f "$own/privkey.pem.new" "$own/privkey.pem"
  mv -f "$own/fullchain.pem.new" "$own/fullchain.pem"
}

init() {
  : "${DOMAIN:?DOMAIN is not set}" "${TLS_MODE:?TLS_MODE is not set}"
  mkdir -p "$berth" "$webroot"
  live=/etc/letsencrypt/live/$DOMAIN
  own=$berth/$DOMAIN
  if [ "$TLS_MODE" != self-signed ] && valid "$live"; then
    use "$live"
    say "nginx uses Let's Encrypt's certificate for $DOMAIN"
    return 0
  fi
  if ! valid "$own" || ! names_domain "$own"; then
    case $TLS_MODE in
      self-signed) self_signed 3650 "LUStores self-signed" || return 1 ;;
      *) self_signed 30 "berth temporary certificate" || return 1 ;;
    esac
    say "made a self-signed certificate for $DOMAIN"
  fi
  use "$own"
  case $TLS_MODE in
    self-signed) say "nginx uses the self-signed certificate for $DOMAIN" ;;
    *) say "nginx starts on a temporary self-signed certificate for $DOMAIN until Let's Encrypt's is obtained" ;;
  esac
}

# cause TEXT: the diagnosis, last, where berth's final screen shows it.
cause() {
  say "no certificate for $DOMAIN from $ACME_SERVER."
  say "cause: $*"
}

obtain() {
  : "${DOMAIN:?DOMAIN is not set}" "${EMAIL:?EMAIL is not set}" "${ACME_SERVER:?ACME_SERVER is not set}"
  live=/etc/letsencrypt/live/$DOMAIN
  if valid "$live"; then
    use "$live"
    say "$DOMAIN has its certificate (the certbot service renews it)"
    return 0
  fi
  # Without an address for the name the ACME server cannot reach this server, and a failed validation counts
  # against Let's Encrypt's limit of failures per hour: look it up first (getaddrinfo, as certbot would).
  addresses=$(python3 -c 'import socket, sys
print(" ".join(sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[1], 80, proto=socket.IPPROTO_TCP)})))' \
    "$DOMAIN" 2>/dev/null) || addresses=""
  if [ -z "$addresses" ]; then
    cause "DNS: $DOMAIN has no address (looked up from this server). Add an A (or AAAA) record for $DOMAIN" \
      "pointing at this server's public address, wait for it to resolve, then run berth install again."
    return 3
  fi
  say "$DOMAIN resolves to $addresses; asking $ACME_SERVER (webroot challenge on port 80)"
  out=$(certbot certonly --webroot -w "$webroot" -d "$DOMAIN" --cert-name "$DOMAIN" --email "$EMAIL" \
    --agree-tos --no-eff-email --non-interactive --server "$ACME_SERVER" 2>&1)
  status=$?
  printf '%s\n' "$out"
  if [ "$status" -eq 0 ] && valid "$live"; then
    use "$live"
    say "obtained Let's Encrypt's certificate for $DOMAIN"
    return 0
  fi
  # Let's Encrypt's own verdicts first (they quote the URL it fetched), then certbot's failure to reach the CA.
  case $out in
    *"DNS problem"* | *NXDOMAIN*)
      cause "DNS: the ACME server could not look up $DOMAIN (above). Check its A/AAAA records at your DNS provider." ;;
    *"Fetching http"* | *"Timeout during connect"* | *"Invalid response from http"* | *":error:connection"* | \
      *":error:unauthorized"*)
      cause "port 80: the ACME server could not fetch http://$DOMAIN/.well-known/acme-challenge/ from this" \
        "server (above). Open port 80 to the internet (firewall, security group) and forward it here; $DOMAIN" \
        "resolves to $addresses." ;;
    *"too many"* | *rateLimited*)
      cause "Let's Encrypt's rate limit (above). Wait for the time it names, or try the staging CA first" \
        "(--tls letsencrypt-staging)." ;;
    *"Requesting "* | *"Failed to establish a new connection"* | *"Max retries exceeded"* | *"Connection refused"* | \
      *"Name or service not known"* | *"Temporary failure in name resolution"* | *"Network is unreachable"* | \
      *"timed out"*)
      cause "the ACME server $ACME_SERVER could not be reached from this server (no outbound HTTPS: a" \
        "firewall, a proxy, or no network). Let it reach the internet on port 443." ;;
    *)
      cause "certbot exited $status (its output is above)." ;;
  esac
  return 4
}

renew_loop() {
  trap 'exit 0' TERM INT
  mkdir -p "$berth" "$webroot"
  while :; do
    certbot renew --webroot -w "$webroot" --no-random-sleep-on-renew --deploy-hook "touch $berth/renewed" ||
      say "renewal failed; trying again in 12 hours"
    date +%s >"$ran"
    sleep 43200 &
    wait $!
  done
}

health() {
  last=$(cat "$ran" 2>/dev/null) || return 1
  [ $(($(date +%s) - last)) -lt 90000 ]
}

case ${1:-} in
  init) init ;;
  obtain) obtain ;;
  renew-loop) renew_loop ;;
  health) health ;;
  *)
    echo "usage: certbot.sh init|obtain|renew-loop|health" >&2
    exit 2
    ;;
esac

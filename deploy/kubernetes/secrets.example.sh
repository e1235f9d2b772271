#!/bin/sh
# The two Secrets that are not cert-manager's: made once per cluster, rotated by re-running with new values
# (the pods' file watch reloads them). Nothing secret is committed.
set -eu
ns=${1:-default}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# session-ticket keys: 80 random bytes each, the first encrypts. To rotate, put a new key first and keep the
# old one after it for a ticket lifetime, then drop it.
openssl rand 80 > "$tmp/tickets.key"
kubectl -n "$ns" create secret generic mtls-proxy-session-tickets --from-file=tickets.key="$tmp/tickets.key" \
  --dry-run=client -o yaml | kubectl -n "$ns" apply -f -
# the admin bearer token (also what the ServiceMonitor sends)
openssl rand -hex 32 | tr -d '\n' > "$tmp/admin.token"
kubectl -n "$ns" create secret generic mtls-proxy-admin --from-file=admin.token="$tmp/admin.token" \
  --dry-run=client -o yaml | kubectl -n "$ns" apply -f -

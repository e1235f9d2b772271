#!/usr/bin/env bash
# Makes the PKI that conf/mtls-proxy.conf and conf/routes.d/*.conf expect, under conf/pki/, with the
# `bin/mtls-proxy pki ...` commands. For trying the example out: these CAs are throwaway, their keys sit next to
# them (mode 0600), and conf/pki/ is in .gitignore. Never use them for anything real.
#
#   conf/make-example-pki.sh            # refuses to touch an existing conf/pki/
#   conf/make-example-pki.sh --force    # deletes conf/pki/ and makes a fresh one
#   bin/mtls-proxy check-config --config conf/mtls-proxy.conf
set -euo pipefail

conf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$conf/.." && pwd)"
pki="$conf/pki"
proxy="$root/bin/mtls-proxy"

if [ -e "$pki" ]; then
  if [ "${1:-}" = "--force" ]; then
    rm -rf -- "$pki"
  else
    echo "make-example-pki: $pki already exists (run with --force to replace it)" >&2
    exit 1
  fi
fi
mkdir -p "$pki"

run() { "$proxy" pki "$@" >/dev/null; }

# Four CAs, one job each, so that a route trusts only what it must:
#   edge-ca      issues the proxy's server certificates (in production: your public or corporate CA)
#   clients-ca   issues client certificates; the "public" listener's client-ca, with a CRL
#   origin-ca    issues the origins' server certificates and the proxy's client identity towards them
#   payments-ca  the payments team's own CA (routes.d/payments.conf trusts it and nothing else)
run init-ca --out "$pki/edge-ca" --cn "Example Edge CA"
run init-ca --out "$pki/clients-ca" --cn "Example Clients CA"
run init-ca --out "$pki/origin-ca" --cn "Example Origin CA"
run init-ca --out "$pki/payments-ca" --cn "Example Payments CA"

# The proxy's server certificates (listeners "public" and "web").
run issue --ca "$pki/edge-ca" --type server --cn api.example.com --dns api.example.com --out "$pki/server"
run issue --ca "$pki/edge-ca" --type server --cn ledger.example.com --dns ledger.example.com --out "$pki/server"
run issue --ca "$pki/edge-ca" --type server --cn www.example.com --dns www.example.com --dns example.com \
    --out "$pki/server"

# Client certificates for trying the "public" listener with curl, and one that is revoked at once so that
# clients-ca/crl.pem exists and has an entry to show.
run issue --ca "$pki/clients-ca" --type client --cn checkout \
    --uri spiffe://example.org/ns/prod/sa/checkout --out "$pki/clients"
run issue --ca "$pki/clients-ca" --type client --cn orders-batch --out "$pki/clients"
run issue --ca "$pki/clients-ca" --type client --cn partner.clients.example.com \
    --dns partner.clients.example.com --out "$pki/clients"
run issue --ca "$pki/clients-ca" --type client --cn old-partner --out "$pki/clients"
run revoke --ca "$pki/clients-ca" --cert "$pki/clients/old-partner.crt"

# The proxy's client identities towards mTLS origins, one per trust domain.
run issue --ca "$pki/origin-ca" --type client --cn proxy-to-orders \
    --uri spiffe://example.org/ns/edge/sa/mtls-proxy --out "$pki/proxy"
run issue --ca "$pki/payments-ca" --type client --cn proxy-to-payments \
    --uri spiffe://example.org/ns/edge/sa/mtls-proxy --out "$pki/proxy"

# Server certificates for the origins, for running stand-ins of them locally.
for origin in orders catalog legacy; do
  run issue --ca "$pki/origin-ca" --type server --cn "$origin.internal" --dns "$origin.internal" \
      --out "$pki/origins"
done
run issue --ca "$pki/payments-ca" --type server --cn payments.internal --dns payments.internal \
    --uri spiffe://example.org/ns/payments/sa/api --out "$pki/origins"
run issue --ca "$pki/payments-ca" --type server --cn ledger.internal --dns ledger.internal --out "$pki/origins"

echo "make-example-pki: wrote $pki"
echo "next: $proxy check-config --config $conf/mtls-proxy.conf"

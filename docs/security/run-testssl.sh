#!/usr/bin/env bash
# Scans every TLS listener mode of a freshly started proxy with testssl.sh and keeps the reports next to this
# script: testssl-tls.txt (mode = tls), testssl-mtls.txt (mode = mtls, client-auth = required, scanned with a
# client certificate) and testssl-mtls-optional.txt (client-auth = optional, scanned without one). Takes about ten
# minutes; not part of the Maven suite, whose TlsHardeningTest checks the essentials (no TLS 1.0/1.1, no weak
# cipher, no renegotiation) with openssl s_client.
#
#   docs/security/run-testssl.sh          (Debian: apt-get install testssl.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
testssl="$(command -v testssl.sh || command -v testssl || true)"
if [ -z "$testssl" ]; then
  echo "run-testssl: testssl.sh is not installed (Debian: apt-get install testssl.sh)" >&2
  exit 1
fi
proxy="$root/bin/mtls-proxy"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" && wait "$pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# a free loopback port below the usual ephemeral range (no fixed ports: another proxy may run here)
free_port() {
  local p
  while :; do
    p=$(( (RANDOM % 10000) + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

echo "run-testssl: making a throwaway PKI under $work" >&2
"$proxy" pki init-ca --out "$work/ca" --cn "testssl scan CA" >/dev/null
"$proxy" pki issue --ca "$work/ca" --type server --cn localhost --dns localhost --ip 127.0.0.1 \
  --out "$work/server" >/dev/null
"$proxy" pki init-ca --out "$work/clients" --cn "testssl scan clients CA" >/dev/null
"$proxy" pki issue --ca "$work/clients" --type client --cn scanner --out "$work/client" >/dev/null
cat "$work/client/scanner.crt" "$work/client/scanner.key" > "$work/client.pem"

admin=$(free_port); tls=$(free_port); mtls=$(free_port); optional=$(free_port)
cat > "$work/proxy.conf" <<CONF
admin { bind = "127.0.0.1", port = $admin }
reload { watch = false }
shutdown-grace = 2s
access-log = "off"
listeners = [
  { name = tls, bind = "127.0.0.1", port = $tls,
    tls { mode = tls, certificates = [{ cert = "server/localhost.crt", key = "server/localhost.key" }] } },
  { name = mtls, bind = "127.0.0.1", port = $mtls,
    tls { mode = mtls, client-auth = required, client-ca = "clients/ca.crt",
          certificates = [{ cert = "server/localhost.crt", key = "server/localhost.key" }] } },
  { name = mtls-optional, bind = "127.0.0.1", port = $optional,
    tls { mode = mtls, client-auth = optional, client-ca = "clients/ca.crt",
          certificates = [{ cert = "server/localhost.crt", key = "server/localhost.key" }] } }
]
# both listeners answer from the admin endpoint (GET /healthz), so testssl.sh sees real HTTP responses
routes = [
  { name = tls-health, listener = tls, match.path-prefix = "/", upstream.endpoints = ["127.0.0.1:$admin"] },
  { name = mtls-health, listener = mtls, match.path-prefix = "/", upstream.endpoints = ["127.0.0.1:$admin"] },
  { name = optional-health, listener = mtls-optional, match.path-prefix = "/",
    upstream.endpoints = ["127.0.0.1:$admin"] }
]
CONF

"$proxy" run --config "$work/proxy.conf" > "$work/proxy.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$admin/readyz" >/dev/null 2>&1; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/proxy.log" >&2; exit 1; }
  sleep 0.2
done

scan() {
  local name=$1 port=$2
  shift 2
  echo "run-testssl: scanning the $name listener (127.0.0.1:$port) ..." >&2
  {
    echo "# testssl.sh $("$testssl" --version 2>/dev/null | grep -m1 -o '3\.[0-9.]*' || true) against the $name" \
      "listener of mtls-proxy ($(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown))"
    echo "# produced by docs/security/run-testssl.sh; the CA is a throwaway one made for the scan${note:-}"
    "$testssl" --quiet --color 0 --warnings batch --add-ca "$work/ca/ca.crt" --jsonfile "$work/$name.json" "$@" \
      "https://127.0.0.1:$port/healthz" | sed -e "s#$work#<tmp>#g" || true
    echo
    echo "# Findings above LOW by testssl.sh's own severity (each is explained in docs/security.md):"
    python3 - "$work/$name.json" <<'PY'
import json, sys
findings = [f for f in json.load(open(sys.argv[1])) if f.get("severity") in ("MEDIUM", "HIGH", "CRITICAL")]
for f in findings:
    print("#   %s %s: %s" % (f["severity"], f["id"], f["finding"]))
if not findings:
    print("#   none")
PY
  } > "$here/testssl-$name.txt"
}
scan tls "$tls"
# testssl.sh 3.1 presents a client certificate with --mtls. 3.0 (Debian 12) cannot, but it runs every openssl
# through --openssl: a wrapper adds the client certificate to each `openssl s_client`, so those handshakes complete
# and the HTTP checks run. testssl's own socket checks (hand-made ClientHellos) still send none; they only need
# the ServerHello, which comes before the certificate request is answered.
if "$testssl" --help 2>&1 | grep -q -- '--mtls'; then
  note=$'\n# scanned with a client certificate (--mtls)'
  scan mtls "$mtls" --mtls "$work/client.pem"
else
  cat > "$work/openssl-with-client-cert" <<WRAP
#!/bin/sh
if [ "\$1" = s_client ]; then
  shift
  exec "$(command -v openssl)" s_client -cert "$work/client/scanner.crt" -key "$work/client/scanner.key" "\$@"
fi
exec "$(command -v openssl)" "\$@"
WRAP
  chmod +x "$work/openssl-with-client-cert"
  note=$'\n# this testssl.sh has no --mtls: its openssl s_client calls presented a client certificate through a'
  note+=$'\n# wrapper (--openssl); its own socket checks (hand-made ClientHellos) sent none'
  scan mtls "$mtls" --openssl "$work/openssl-with-client-cert"
fi
note=$'\n# client-auth = optional, scanned without a client certificate'
scan mtls-optional "$optional"
echo "run-testssl: wrote $here/testssl-tls.txt, testssl-mtls.txt and testssl-mtls-optional.txt" >&2

#!/usr/bin/env bash
# The caching proxy against an https:// upstream (python3's http.server wrapped in TLS, on loopback): files
# come across TLS when the upstream's certificate chains to ca_file and names the host it was asked by; with
# any other certificate nothing is fetched, the phone gets a 404 (or what is kept), and the log says why.
source "$(dirname "$0")/lib.sh"
PORT=18055
METRICS=18056
UPSTREAM_PORT=18057
URL=http://127.0.0.1:$PORT
UPSTREAM=$WORK/upstream
mkdir -p "$UPSTREAM"
UPSTREAM_PID=""
trap '[ -z "$UPSTREAM_PID" ] || kill "$UPSTREAM_PID" 2>/dev/null; cleanup' EXIT

# cert NAME SAN: a self-signed certificate and key in $WORK/NAME.{pem,key}
cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
    -addext "subjectAltName=$2" -keyout "$WORK/$1.key" -out "$WORK/$1.pem" 2>/dev/null
}
cert central "IP:127.0.0.1,DNS:localhost"
cert impostor "IP:127.0.0.1,DNS:localhost"   # the same names, but not the CA provisiond trusts
cert elsewhere "DNS:central.example"         # trusted below, but for another name

# start_upstream NAME: the upstream serving $UPSTREAM over TLS with certificate NAME.
start_upstream() {
  [ -z "$UPSTREAM_PID" ] || { kill "$UPSTREAM_PID"; wait "$UPSTREAM_PID" 2>/dev/null || true; }
  (cd "$UPSTREAM" && exec python3 -c "
import http.server, ssl, sys
server = http.server.ThreadingHTTPServer(('127.0.0.1', $UPSTREAM_PORT), http.server.SimpleHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain('$WORK/$1.pem', '$WORK/$1.key')
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()") >> "$WORK/upstream.log" 2>&1 &
  UPSTREAM_PID=$!
  for _ in $(seq 1 100); do
    curl -s -k -o /dev/null "https://127.0.0.1:$UPSTREAM_PORT/" && return 0
    sleep 0.05
  done
  echo "upstream did not start"; exit 1
}
upstream_gets() { grep -c "\"GET /$1 HTTP" "$WORK/upstream.log" || true; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# proxy_to URL CA: provisiond (restarted) with the proxy's upstream and ca_file.
proxy_to() {
  [ -z "$DAEMON_PID" ] || stop_daemon
  write_site "port = $PORT
metrics_port = $METRICS
https.enabled = false
tftp.enabled = false
[provisiond.proxy]
upstream = \"$1\"
ca_file = \"$2\"
retry_s = 1"
  start_daemon
}

echo "central over tls" > "$UPSTREAM/sip.cfg"
echo "per phone, with a SIP password" > "$UPSTREAM/0004f2aabbcc.cfg"
echo "another phone's password" > "$UPSTREAM/0004f2ddeeff.cfg"
head -c 300000 /dev/urandom > "$UPSTREAM/firmware.ld"
start_upstream central

proxy_to "https://127.0.0.1:$UPSTREAM_PORT/" "$WORK/central.pem"
"$PHONEBOOT_BIN/phoneboot" check -c "$CONF" | grep -q "other names from https://127.0.0.1:$UPSTREAM_PORT/" &&
  pass "check takes an https upstream" || fail "check summary"
check "a name the root lacks comes across TLS" "central over tls" "$(curl -s $URL/sip.cfg)"
check "a per-phone file too" "per phone, with a SIP password" "$(curl -s $URL/0004f2aabbcc.cfg)"
curl -s -o "$WORK/fw.out" $URL/firmware.ld
cmp -s "$WORK/fw.out" "$UPSTREAM/firmware.ld" && pass "a 300 kB file arrives whole" || fail "firmware differs"
check "the upstream's 404 is the phone's 404" "404" "$(code $URL/missing.cfg)"

# By name: the certificate names localhost, and SNI carries it.
proxy_to "https://localhost:$UPSTREAM_PORT/" "$WORK/central.pem"
check "by host name" "central over tls" "$(curl -s $URL/sip.cfg)"

# Another certificate with the same names: provisiond's ca_file does not vouch for it.
start_upstream impostor
proxy_to "https://127.0.0.1:$UPSTREAM_PORT/" "$WORK/central.pem"
check "an untrusted upstream: nothing is fetched" "404" "$(code $URL/0004f2ddeeff.cfg)"
check "and no request was sent to it" "0" "$(upstream_gets 0004f2ddeeff.cfg)"
grep -q "proxy: https://127.0.0.1:$UPSTREAM_PORT/ failed (TLS: the upstream's certificate: " "$WORK/daemon.log" &&
  pass "the log says the certificate was refused" || fail "no certificate failure in the log"
check "what was kept is still served" "central over tls" "$(curl -s $URL/sip.cfg)"

# A certificate the CA file trusts, for another name.
start_upstream elsewhere
proxy_to "https://localhost:$UPSTREAM_PORT/" "$WORK/elsewhere.pem"
check "a certificate for another name: nothing is fetched" "404" "$(code $URL/other.cfg)"
grep -q "failed (TLS: the upstream's certificate: hostname mismatch)" "$WORK/daemon.log" &&
  pass "the log says hostname mismatch" || fail "no hostname mismatch in the log"

finish

#!/usr/bin/env bash
# phoneboot-provisiond over HTTPS: a self-signed pair generated at first start and kept, TLS 1.2 and 1.3 only,
# and client certificates (phones' factory device certificates) verified against a vendor CA bundle,
# expired ones accepted only when the operator says so. Clients: curl and openssl s_client.
source "$(dirname "$0")/lib.sh"
PORT=18030
URL=https://provision.lab.voip:$PORT
RESOLVE="--resolve provision.lab.voip:$PORT:127.0.0.1"

site() {
  write_site "http = false
tftp.enabled = false
metrics_port = 18031
[provisiond.https]
port = $PORT
$1"
}

echo "<cfg/>" > "$ROOT/000000000000.cfg"
head -c 5000000 /dev/urandom > "$ROOT/sip.ld"

site ""
start_daemon
TLS=$STATE/tls
check "generated certificate" "yes" "$(test -s "$TLS/server.crt" && echo yes || echo no)"
check "generated key is private" "600" "$(stat -c %a "$TLS/server.key")"
check "GET over HTTPS, verified against the generated certificate" "<cfg/>" \
  "$(curl -s $RESOLVE --cacert "$TLS/server.crt" $URL/000000000000.cfg)"
curl -s $RESOLVE --cacert "$TLS/server.crt" $URL/sip.ld -o "$WORK/sip.ld"
cmp -s "$WORK/sip.ld" "$ROOT/sip.ld" && pass "5 MB over HTTPS" || fail "5 MB over HTTPS"
check "Range over HTTPS" "206 100" "$(curl -s $RESOLVE --cacert "$TLS/server.crt" -r 0-99 $URL/sip.ld -o /dev/null -w '%{http_code} %{size_download}')"
check "TLS 1.2" "200" "$(curl -s $RESOLVE -k --tlsv1.2 --tls-max 1.2 $URL/000000000000.cfg -o /dev/null -w '%{http_code}')"
check "TLS 1.3" "200" "$(curl -s $RESOLVE -k --tlsv1.3 $URL/000000000000.cfg -o /dev/null -w '%{http_code}')"
proto=$(openssl s_client -connect 127.0.0.1:$PORT -tls1_3 -brief < /dev/null 2>&1 | grep -m1 "Protocol version" | tr -d ' ' || true)
check "openssl s_client TLS 1.3" "Protocolversion:TLSv1.3" "$proto"
proto=$(openssl s_client -connect 127.0.0.1:$PORT -tls1_2 -brief < /dev/null 2>&1 | grep -m1 "Protocol version" | tr -d ' ' || true)
check "openssl s_client TLS 1.2" "Protocolversion:TLSv1.2" "$proto"
echo | openssl s_client -connect 127.0.0.1:$PORT -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' > "$WORK/tls11.txt" 2>&1 && fail "TLS 1.1 refused" || pass "TLS 1.1 refused"
check "keep-alive over TLS" "1" "$(curl -sv $RESOLVE -k $URL/000000000000.cfg $URL/000000000000.cfg -o /dev/null -o /dev/null 2>&1 | grep -c 'Re-using existing connection' || true)"
fingerprint=$(openssl x509 -in "$TLS/server.crt" -noout -fingerprint)
stop_daemon
start_daemon
check "the pair is kept across restarts" "$fingerprint" "$(openssl x509 -in "$TLS/server.crt" -noout -fingerprint)"
stop_daemon

# A vendor CA with a phone certificate, an expired phone certificate, and a stranger's certificate.
PKI=$WORK/pki
mkdir -p "$PKI/db"
touch "$PKI/db/index"
echo 01 > "$PKI/db/serial"
cat > "$PKI/ca.cnf" <<EOT
[ca]
default_ca = vendor
[vendor]
dir = $PKI
database = $PKI/db/index
serial = $PKI/db/serial
new_certs_dir = $PKI/db
certificate = $PKI/ca.crt
private_key = $PKI/ca.key
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
EOT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
  -subj "/CN=Polycom Root CA (test)" -days 3650 2>/dev/null
phone_cert() {  # name startdate enddate
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "/CN=$1" 2>/dev/null
  openssl ca -batch -config "$PKI/ca.cnf" -in "$PKI/$1.csr" -out "$PKI/$1.crt" -startdate "$2" -enddate "$3" >/dev/null 2>&1
}
phone_cert 0004f2aabbcc 20200101000000Z 20400101000000Z
phone_cert 0004f2ddeeff 20100101000000Z 20150101000000Z
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/stranger.key" -out "$PKI/stranger.crt" \
  -subj "/CN=stranger" -days 30 2>/dev/null

get() {  # extra curl args...
  curl -s $RESOLVE --cacert "$TLS/server.crt" "$@" $URL/000000000000.cfg -o /dev/null -w '%{http_code}' || true
}
site "client_ca = [\"$PKI/ca.crt\"]
verify_client = \"require\""
start_daemon
check "no client certificate refused" "000" "$(get)"
check "phone certificate accepted" "200" "$(get --cert "$PKI/0004f2aabbcc.crt" --key "$PKI/0004f2aabbcc.key")"
check "expired phone certificate refused" "000" "$(get --cert "$PKI/0004f2ddeeff.crt" --key "$PKI/0004f2ddeeff.key")"
check "stranger certificate refused" "000" "$(get --cert "$PKI/stranger.crt" --key "$PKI/stranger.key")"
stop_daemon

site "client_ca = [\"$PKI/ca.crt\"]
verify_client = \"optional\"
allow_expired_client = true"
start_daemon
check "optional: no certificate is fine" "200" "$(get)"
check "expired factory certificate tolerated" "200" "$(get --cert "$PKI/0004f2ddeeff.crt" --key "$PKI/0004f2ddeeff.key")"
check "stranger still refused" "000" "$(get --cert "$PKI/stranger.crt" --key "$PKI/stranger.key")"
stop_daemon

# A configured certificate and key are used as they are.
site "certificate = \"$PKI/0004f2aabbcc.crt\"
key = \"$PKI/0004f2aabbcc.key\""
start_daemon
subject=$(echo | openssl s_client -connect 127.0.0.1:$PORT 2>/dev/null | openssl x509 -noout -subject 2>/dev/null || true)
check "configured certificate served" "subject=CN = 0004f2aabbcc" "$subject"
check "GET with the configured certificate" "200" "$(curl -s $RESOLVE -k $URL/000000000000.cfg -o /dev/null -w '%{http_code}')"
grep -q "https 127.0.0.1:[0-9]* GET /000000000000.cfg 200 7 " "$WORK/daemon.log" && pass "HTTPS access log line" ||
  fail "HTTPS access log line"
finish

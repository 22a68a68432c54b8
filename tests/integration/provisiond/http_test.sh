#!/usr/bin/env bash
# phoneboot-provisiond over HTTP, driven by curl (and raw sockets for what curl cannot send):
# GET/HEAD/Range/304/keep-alive/pipelining/PUT, traversal refused, slowloris, slow and stalled uploads,
# oversized requests, connection caps, and what SIGHUP applies.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=18010
METRICS=18011
URL=http://127.0.0.1:$PORT

# site EXTRA: the test's site.toml; EXTRA holds the upload settings (and what a reload changes).
site() {
  write_site "port = $PORT
metrics_port = $METRICS
https.enabled = false
tftp.enabled = false
limits.header_timeout_ms = 1000
limits.max_connections_per_client = 8
$1"
}
site "upload.max_file_bytes = 1048576"

printf '<?xml version="1.0"?><cfg/>\n' > "$ROOT/small.cfg"
mkdir -p "$ROOT/polycom"
head -c 20000000 /dev/urandom > "$ROOT/polycom/sip.ld"
echo "top secret" > "$WORK/secret.txt"
echo "hidden" > "$ROOT/.hidden.cfg"
ln -s "$WORK/secret.txt" "$ROOT/escape.cfg"
ln -s ../secret.txt "$ROOT/escape-relative.cfg"
start_daemon

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# GET and HEAD
check "GET small file" "$(cat "$ROOT/small.cfg")" "$(curl -s $URL/small.cfg)"
check "GET Content-Type" "text/plain" "$(curl -s -o /dev/null -w '%{content_type}' $URL/small.cfg)"
curl -s $URL/polycom/sip.ld -o "$WORK/sip.ld"
cmp -s "$WORK/sip.ld" "$ROOT/polycom/sip.ld" && pass "GET 20 MB firmware (sendfile)" || fail "GET 20 MB firmware"
head=$(curl -sI $URL/polycom/sip.ld | tr -d '\r')
check "HEAD Content-Length" "Content-Length: 20000000" "$(echo "$head" | grep Content-Length)"
check "HEAD has no body" "0" "$(curl -s --head $URL/small.cfg -o /dev/null -w '%{size_download}')"
check "missing file" "404" "$(code $URL/nothing.cfg)"
check "directory is no file" "404" "$(code $URL/polycom/)"
check "POST is not allowed" "405" "$(code -X POST -d x $URL/small.cfg)"

# Range: the head of a firmware image, then the rest
check "Range 0-511 status" "206" "$(code -r 0-511 $URL/polycom/sip.ld)"
check "Range 0-511 length" "512" "$(curl -s -r 0-511 $URL/polycom/sip.ld | wc -c)"
check "Range bytes equal" "$(head -c 512 "$ROOT/polycom/sip.ld" | md5sum)" "$(curl -s -r 0-511 $URL/polycom/sip.ld | md5sum)"
check "Content-Range" "Content-Range: bytes 0-511/20000000" "$(curl -s -D - -o /dev/null -r 0-511 $URL/polycom/sip.ld | tr -d '\r' | grep Content-Range)"
check "suffix range" "$(tail -c 100 "$ROOT/polycom/sip.ld" | md5sum)" "$(curl -s -r -100 $URL/polycom/sip.ld | md5sum)"
check "unsatisfiable range" "416" "$(code -r 30000000- $URL/polycom/sip.ld)"
check "416 Content-Range" "Content-Range: bytes */20000000" "$(curl -s -D - -o /dev/null -r 30000000- $URL/polycom/sip.ld | tr -d '\r' | grep Content-Range)"

# Conditional GET
etag=$(curl -s -D - -o /dev/null $URL/small.cfg | tr -d '\r' | sed -n 's/^ETag: //p')
lastmod=$(curl -s -D - -o /dev/null $URL/small.cfg | tr -d '\r' | sed -n 's/^Last-Modified: //p')
check "If-None-Match 304" "304" "$(code -H "If-None-Match: $etag" $URL/small.cfg)"
check "If-None-Match other 200" "200" "$(code -H 'If-None-Match: "other"' $URL/small.cfg)"
check "If-Modified-Since 304" "304" "$(code -H "If-Modified-Since: $lastmod" $URL/small.cfg)"
check "If-Modified-Since old 200" "200" "$(code -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT' $URL/small.cfg)"
sleep 1.1
echo "<changed/>" > "$ROOT/small.cfg"
sleep 1.1
check "changed file seen (cache invalidated)" "<changed/>" "$(curl -s $URL/small.cfg)"
check "old ETag no longer matches" "200" "$(code -H "If-None-Match: $etag" $URL/small.cfg)"

# Keep-alive and pipelining
reuse=$(curl -sv $URL/small.cfg $URL/small.cfg -o /dev/null -o /dev/null 2>&1 | grep -c "Re-using existing connection" || true)
check "keep-alive reuses the connection" "1" "$reuse"
check "pipelining" "pipelined 4" "$(python3 "$HERE/raw_http.py" pipeline $PORT)"
check "pipelined requests answered after a half-close" "half-closed 32" "$(python3 "$HERE/raw_http.py" half-close $PORT)"

# PUT into the upload directory
echo "boot log" > "$WORK/boot.log"
check "PUT new file" "201" "$(code -T "$WORK/boot.log" $URL/0004f2aabbcc-boot.log)"
check "PUT stored" "boot log" "$(cat "$UPLOADS/0004f2aabbcc-boot.log")"
check "PUT replace" "204" "$(code -T "$WORK/boot.log" $URL/polycom/0004f2aabbcc-boot.log)"
head -c 2000000 /dev/zero > "$WORK/big.log"
check "PUT over the cap" "413" "$(code -T "$WORK/big.log" $URL/0004f2aabbcc-app.log)"
check "uploads are not served" "404" "$(code $URL/0004f2aabbcc-boot.log)"
check "DELETE not configured" "405" "$(code -X DELETE $URL/0004f2aabbcc-boot.log)"
check "no temporary files left" "0004f2aabbcc-boot.log" "$(ls -A "$UPLOADS")"
python3 "$HERE/raw_http.py" slow-upload $PORT > "$WORK/slow-upload.txt"
check "slow but steady upload is stored" "slow-upload 201 took-over-header-timeout True" "$(sed -n 1p "$WORK/slow-upload.txt")"
check "stalled upload gets 408" "stalled-upload 408 within-limit True" "$(sed -n 2p "$WORK/slow-upload.txt")"
check "trickling upload gets 408" "trickling-upload 408 within-limit True" "$(sed -n 3p "$WORK/slow-upload.txt")"
check "uploads after slow clients" "0004f2aabbcc-boot.log 0004f2aabbcc-slow.log" "$(ls -A "$UPLOADS" | xargs)"

# Traversal
check "dot-dot" "403" "$(code --path-as-is $URL/../secret.txt)"
check "encoded dot-dot" "403" "$(code --path-as-is $URL/%2e%2e/secret.txt)"
check "encoded slash dot-dot" "403" "$(code --path-as-is $URL/polycom%2f..%2f..%2fsecret.txt)"
check "absolute path stays in root" "404" "$(code --path-as-is "$URL/$WORK/secret.txt")"
check "absolute-form path stays in root" "404" "$(code --path-as-is $URL//etc/passwd)"
check "symlink out of root" "403" "$(code $URL/escape.cfg)"
check "relative symlink out of root" "403" "$(code $URL/escape-relative.cfg)"
check "hidden file" "404" "$(code $URL/.hidden.cfg)"
check "PUT traversal" "403" "$(code --path-as-is -T "$WORK/boot.log" $URL/../../evil.log)"
check "nothing escaped" "no" "$(test -e "$STATE/evil.log" && echo yes || echo no)"

# Limits: each with its status, while other clients are served
python3 "$HERE/raw_http.py" oversize $PORT > "$WORK/oversize.txt"
check "request line too long" "request-line 414" "$(sed -n 1p "$WORK/oversize.txt")"
check "head too large" "header-bytes 431" "$(sed -n 2p "$WORK/oversize.txt")"
check "too many headers" "header-count 431" "$(sed -n 3p "$WORK/oversize.txt")"
check "garbage" "garbage 400" "$(sed -n 4p "$WORK/oversize.txt")"
check "body too large" "body 413" "$(sed -n 5p "$WORK/oversize.txt")"
python3 "$HERE/raw_http.py" slowloris $PORT > "$WORK/slow.txt"
check "served during slowloris" "other-client 200" "$(sed -n 1p "$WORK/slow.txt")"
check "slowloris gets 408" "slowloris 408 within-limit True" "$(sed -n 2p "$WORK/slow.txt")"
python3 "$HERE/raw_http.py" conncap $PORT 8 > "$WORK/cap.txt"
check "connection cap 503, closed without a reset" "over-cap 503 reset False" "$(sed -n 1p "$WORK/cap.txt")"
check "served after the cap" "after-cap 200" "$(sed -n 2p "$WORK/cap.txt")"

# Metrics and the access log
metrics=$(curl -s http://127.0.0.1:$METRICS/metrics)
echo "$metrics" | grep -q 'provisiond_requests_total{protocol="http",status="206"}' && pass "metrics by status" || fail "metrics by status"
echo "$metrics" | grep -q 'provisiond_drops_total{protocol="http",reason="header-timeout"} 1' && pass "drop counted" || fail "drop counted"
grep -q "http 127.0.0.1:[0-9]* GET /polycom/sip.ld 200 20000000" "$WORK/daemon.log" && pass "access log line" || fail "access log line"

# SIGHUP: a valid change applies at once; an invalid one is refused and the running set stays
six_headers=(-H "A: 1" -H "B: 1" -H "C: 1" -H "D: 1" -H "E: 1" -H "F: 1")
check "before reload: 6 headers fine" "200" "$(code "${six_headers[@]}" $URL/small.cfg)"
echo 'limits.max_headers = 5' > "$CONF/provisiond.toml"
kill -HUP "$DAEMON_PID"
sleep 0.5
check "after reload: 6 headers is 431" "431" "$(code "${six_headers[@]}" $URL/small.cfg)"
echo 'limits.max_headers = 2' > "$CONF/provisiond.toml"
kill -HUP "$DAEMON_PID"
sleep 0.5
grep -q "reload refused" "$WORK/daemon.log" && pass "invalid reload refused" || fail "invalid reload refused"
check "still serving after a refused reload" "431" "$(code "${six_headers[@]}" $URL/small.cfg)"
rm "$CONF/provisiond.toml"

# SIGHUP: upload caps, the upload switch and the upload directory apply at once too
reload() {
  site "$1"
  kill -HUP "$DAEMON_PID"
  sleep 0.5
}
reload "upload.max_file_bytes = 4194304"
check "raised per-file cap applies" "201" "$(code -T "$WORK/big.log" $URL/0004f2aabbcc-app.log)"
check "raised cap: the whole file stored" "2000000" "$(stat -c %s "$UPLOADS/0004f2aabbcc-app.log")"
reload "upload.max_file_bytes = 4194304
upload.max_phone_bytes = 1000000"
check "lowered per-phone cap applies" "413" "$(code -T "$WORK/boot.log" $URL/0004f2aabbcc-more.log)"
reload "upload.enabled = false"
check "uploads turned off" "405" "$(code -T "$WORK/boot.log" $URL/0004f2aabbcc-boot.log)"
reload "upload.directory = \"$STATE/uploads2\""
check "uploads turned on in another directory" "201" "$(code -T "$WORK/boot.log" $URL/0004f2aabbcc-boot.log)"
check "stored in the new directory" "boot log" "$(cat "$STATE/uploads2/0004f2aabbcc-boot.log" 2>/dev/null)"

# The cap on connections in total (503), apart from the one per client: one connection from each address,
# once the server has closed every earlier connection (so that the cap counts ours only)
metric() { curl -s http://127.0.0.1:$METRICS/metrics | grep -F "$1" | awk '{print $2}'; }
reload "upload.max_file_bytes = 1048576
limits.max_connections = 4"
for _ in $(seq 1 40); do [ "$(metric 'provisiond_active{protocol="http"}')" = 0 ] && break; sleep 0.1; done
python3 "$HERE/raw_http.py" totalcap $PORT 4 > "$WORK/totalcap.txt"
check "total connection cap 503, closed without a reset" "over-total-cap 503 reset False" "$(sed -n 1p "$WORK/totalcap.txt")"
check "served after the total cap" "after-total-cap 200" "$(sed -n 2p "$WORK/totalcap.txt")"
check "total cap counted" "1" "$(metric 'provisiond_drops_total{protocol="http",reason="max-connections"}')"
finish

#!/usr/bin/env bash
# The caching proxy (provisiond.proxy) against a real upstream (python3's http.server on loopback): names the
# root lacks are fetched, kept and served over HTTP and TFTP; the root wins over the upstream; the upstream's
# 404 is remembered; phones asking at once share one fetch; a changed file is revalidated after fresh_s; when
# the upstream is down (refused, or silent past timeout_ms) the kept copies are served and the rest is 404.
source "$(dirname "$0")/lib.sh"
PORT=18050
METRICS=18051
TFTP_PORT=18052
UPSTREAM_PORT=18053
SILENT_PORT=18054
URL=http://127.0.0.1:$PORT
UPSTREAM=$WORK/upstream
mkdir -p "$UPSTREAM/polycom"
UPSTREAM_PID=""
SILENT_PID=""
stop_upstreams() {
  for p in $UPSTREAM_PID $SILENT_PID; do kill "$p" 2>/dev/null || true; done
}
trap 'stop_upstreams; cleanup' EXIT

start_upstream() {
  (cd "$UPSTREAM" && exec python3 -m http.server --bind 127.0.0.1 $UPSTREAM_PORT) >> "$WORK/upstream.log" 2>&1 &
  UPSTREAM_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/" && return 0
    sleep 0.05
  done
  echo "upstream did not start"; exit 1
}
upstream_gets() { grep -c "\"GET /$1 HTTP" "$WORK/upstream.log" || true; }
metric() {
  curl -s "http://127.0.0.1:$METRICS/metrics" | awk -v want="provisiond_proxy_total{result=\"$1\"}" \
    '$1 == want {print $2}'
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

echo "central common file" > "$UPSTREAM/sip.cfg"
echo "central copy" > "$UPSTREAM/local.cfg"
head -c 1500000 /dev/urandom > "$UPSTREAM/polycom/sip.ld"
echo "by tftp" > "$UPSTREAM/SEP001122334455.cnf.xml"
echo "changes" > "$UPSTREAM/phone1.cfg"
echo "local copy" > "$ROOT/local.cfg"
start_upstream

write_site "port = $PORT
metrics_port = $METRICS
https.enabled = false
tftp.port = $TFTP_PORT
[provisiond.proxy]
upstream = \"http://127.0.0.1:$UPSTREAM_PORT/\"
fresh_s = 2
retry_s = 3
timeout_ms = 700"
"$PHONEBOOT_BIN/phoneboot" check -c "$CONF" | grep -q "other names from http://127.0.0.1:$UPSTREAM_PORT/" &&
  pass "check names the upstream" || fail "check summary"
start_daemon
cd "$WORK" || exit 1

check "a name the root lacks comes from the upstream" "central common file" "$(curl -s $URL/sip.cfg)"
check "asked again within fresh_s: served kept, upstream not asked" "1" \
  "$(curl -s -o /dev/null $URL/sip.cfg; upstream_gets sip.cfg)"
check "the root wins over the upstream" "local copy" "$(curl -s $URL/local.cfg)"
check "the upstream's 404 is the phone's 404" "404" "$(code $URL/0004f2aabbcc.cfg)"
check "the 404 is remembered within fresh_s" "1" "$(code $URL/0004f2aabbcc.cfg >/dev/null; upstream_gets 0004f2aabbcc.cfg)"
check "kept in the proxy folder, not the root" "central common file" "$(cat "$STATE/proxy-cache/sip.cfg")"

# Twenty phones ask for one firmware image at once: one fetch, twenty whole copies.
pids=()
for i in $(seq 1 20); do curl -s -m 20 -o "fw.$i" $URL/polycom/sip.ld & pids+=($!); done
wait "${pids[@]}"
same=0
for i in $(seq 1 20); do cmp -s "fw.$i" "$UPSTREAM/polycom/sip.ld" && same=$((same + 1)); done
check "twenty concurrent downloads are whole" "20" "$same"
check "and cost the upstream one request" "1" "$(upstream_gets polycom/sip.ld)"
check "ranges work on kept files" "206" "$(code -r 0-99 $URL/polycom/sip.ld)"

tftp 127.0.0.1 $TFTP_PORT -m octet -c get SEP001122334455.cnf.xml tftp.out
check "TFTP: a name the root lacks comes from the upstream" "by tftp" "$(cat tftp.out 2>/dev/null)"

# A changed file is revalidated once fresh_s is over.
check "before the change" "changes" "$(curl -s $URL/phone1.cfg)"
sleep 1.1
echo "changed upstream" > "$UPSTREAM/phone1.cfg"
touch -d "+5 seconds" "$UPSTREAM/phone1.cfg"
sleep 1.2
check "after fresh_s the change is served" "changed upstream" "$(curl -s $URL/phone1.cfg)"
sleep 2.2
curl -s -o /dev/null $URL/phone1.cfg
check "an unchanged file is revalidated with If-Modified-Since (304)" "1" "$(metric not-modified)"

# The WAN goes down: the kept copies are served, names never fetched are 404, one failure is logged.
kill "$UPSTREAM_PID"; wait "$UPSTREAM_PID" 2>/dev/null || true; UPSTREAM_PID=""
sleep 2.2
check "upstream down: the kept copy is served" "central common file" "$(curl -s $URL/sip.cfg)"
check "upstream down: a name never fetched is 404" "404" "$(code $URL/never-fetched.cfg)"
check "upstream down: the kept firmware is served whole" "1500000" \
  "$(curl -s $URL/polycom/sip.ld | wc -c | tr -d ' ')"
grep -q "proxy: http://127.0.0.1:$UPSTREAM_PORT/ failed" "$WORK/daemon.log" && pass "the failure is logged" ||
  fail "failure log"
[ "$(grep -c "proxy: .* failed" "$WORK/daemon.log")" = "1" ] && pass "once" || fail "failure logged more than once"
[ "$(metric stale)" -ge 1 ] && pass "stale answers are counted" || fail "stale metric: $(metric stale)"
status=$("$PHONEBOOT_BIN/phoneboot" status -c "$CONF" | grep '^provisiond' || true)
echo "$status" | grep -Eq 'proxy fetched [1-9][0-9]*, unchanged 1, kept served [1-9][0-9]*, upstream failures 1$' &&
  pass "phoneboot status shows the proxy" || fail "status: $status"

# It comes back: after retry_s the upstream is asked again.
cp "$UPSTREAM/local.cfg" "$UPSTREAM/local2.cfg"
start_upstream
sleep 3.2
check "upstream back: a new name is fetched" "central copy" "$(curl -s $URL/local2.cfg)"
grep -q "proxy: http://127.0.0.1:$UPSTREAM_PORT/ answers again" "$WORK/daemon.log" && pass "the return is logged" ||
  fail "return log"
stop_daemon

# An upstream that accepts and never answers costs timeout_ms, then the phone gets what is kept.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $SILENT_PORT)); s.listen(16); time.sleep(60)" &
SILENT_PID=$!
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$SILENT_PORT) 2>/dev/null && break
  sleep 0.05
done
sed -i "s|upstream = .*|upstream = \"http://127.0.0.1:$SILENT_PORT\"|" "$CONF/site.toml"
start_daemon
t0=$(date +%s%N)
check "silent upstream: a kept copy after the timeout" "central common file" "$(curl -s -m 5 $URL/sip.cfg)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 600 ] && [ "$ms" -lt 3000 ] && pass "the timeout took ${ms} ms" || fail "timeout took ${ms} ms"
grep -q "no progress for 700 ms while receiving the answer" "$WORK/daemon.log" && pass "the timeout is logged" ||
  fail "timeout log"
t0=$(date +%s%N)
check "within retry_s nobody waits" "central common file" "$(curl -s -m 5 $URL/sip.cfg)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 300 ] && pass "answered in ${ms} ms" || fail "answered in ${ms} ms"

finish

#!/usr/bin/env bash
# The daemon skeleton's promises, through phoneboot-testd: --check-config, exit 78 on a bad set, privilege
# drop to site.user keeping only the named capability, metrics on loopback, SIGHUP reload (a bad set is
# refused and the old one keeps serving), SIGTERM stop in under 2 s.
set -euo pipefail
bin=${PHONEBOOT_BIN:?}
work=$(mktemp -d /tmp/pb-lifecycle.XXXXXX)
chmod 755 "$work"  # the daemon re-reads its configuration on SIGHUP after dropping to site.user
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/log" ] && sed 's/^/  log: /' "$work/log" >&2; exit 1; }

port=$((12390 + RANDOM % 9))
metrics=$((12380 + RANDOM % 9))
user=nobody
write_config() {
  cat > "$work/site.toml" <<TOML
[site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "lo"
user = "$user"

[sntpd]
port = $1
metrics_port = $metrics
TOML
}

echo_once() {  # sends a datagram to the test daemon and prints what came back
  python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))
print(s.recv(100).decode())
PY
}

write_config "$port"
"$bin/phoneboot-testd" -c "$work" --check-config || fail "--check-config on a valid set"
mkdir -p "$work/bad"
printf '[site]\ndomain = 7\n' > "$work/bad/site.toml"
rc=0; "$bin/phoneboot-testd" -c "$work/bad" 2> "$work/bad.err" || rc=$?
[ "$rc" -eq 78 ] || fail "a bad configuration must exit 78, got $rc"
grep -q "site.toml:2:10: site.domain: expected a string, got an integer" "$work/bad.err" || fail "diagnostic missing: $(cat "$work/bad.err")"

"$bin/phoneboot-testd" -c "$work" > "$work/log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q started "$work/log" && break; sleep 0.1; done
[ "$(echo_once)" = "ping" ] || fail "no echo"

# Privileges: running as nobody, with CAP_NET_BIND_SERVICE (bit 10) and nothing else effective.
uid=$(awk '/^Uid:/ {print $2}' /proc/$pid/status)
[ "$uid" = "$(id -u nobody)" ] || fail "still uid $uid after the drop"
capeff=$(awk '/^CapEff:/ {print $2}' /proc/$pid/status)
[ "$capeff" = "0000000000000400" ] || fail "effective capabilities $capeff, expected only CAP_NET_BIND_SERVICE"
capbnd=$(awk '/^CapBnd:/ {print $2}' /proc/$pid/status)
[ "$capbnd" = "0000000000000400" ] || fail "bounding set $capbnd, expected only CAP_NET_BIND_SERVICE"
groups=$(awk '/^Groups:/ {print $2}' /proc/$pid/status)
[ -z "$groups" ] || fail "supplementary groups kept: $groups"

# Metrics on loopback, counting the echo.
curl -sf "http://127.0.0.1:$metrics/metrics" | grep -q '^testd_echoed_total 1$' || fail "metrics do not count the echo"

# SIGHUP with a broken set: refused, logged with its position, old set keeps serving.
printf '[site]\ndomain = "lab.voip"\naddress = "10.250.0.300/24"\ninterface = "lo"\n' > "$work/site.toml"
kill -HUP "$pid"
for _ in $(seq 30); do grep -q "reload refused" "$work/log" && break; sleep 0.1; done
grep -q "reload refused" "$work/log" || fail "a bad reload was not refused"
grep -q "site.toml:3:11: site.address: '10.250.0.300/24' is not an IPv4 address" "$work/log" || fail "reload error lacks its position"
[ "$(echo_once)" = "ping" ] || fail "stopped serving after a refused reload"

# SIGHUP with a good set: applied.
write_config $((port + 1))
kill -HUP "$pid"
for _ in $(seq 30); do grep -q "reload: port in the new set is $((port + 1))" "$work/log" && break; sleep 0.1; done
grep -q "reloaded configuration" "$work/log" || fail "a good reload was not applied"

# SIGTERM: gone in under 2 s, exit 0, even with a metrics client connected that never sends its request.
exec 7<>"/dev/tcp/127.0.0.1/$metrics"
sleep 0.3  # accepted by the daemon
start=$(date +%s%N)
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
exec 7>&-
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
pid=""
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
[ "$elapsed" -lt 2000 ] || fail "took $elapsed ms to stop"
grep -q "testd: stopped" "$work/log" || fail "no stop line"
echo "daemon lifecycle: ok (stopped in $elapsed ms)"

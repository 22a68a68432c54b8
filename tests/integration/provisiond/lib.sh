# Shared by provisiond's integration tests: a temporary site, the real daemon, and checks.
# Every test uses its own ports inside provisiond's range (18000-18199) and removes what it made on exit.
set -euo pipefail

: "${PHONEBOOT_BIN:?PHONEBOOT_BIN must point at the bin folder of the build}"
WORK=$(mktemp -d /tmp/pbprov-test.XXXXXX)
CONF=$WORK/conf
STATE=$WORK/state
ROOT=$STATE/files
UPLOADS=$STATE/uploads
mkdir -p "$CONF" "$ROOT" "$UPLOADS"
DAEMON_PID=""
FAILURES=0

cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  if [ "$FAILURES" -ne 0 ] && [ -f "$WORK/daemon.log" ]; then
    echo "--- daemon log (last 40 lines)"
    tail -40 "$WORK/daemon.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# write_site EXTRA_TOML: site.toml for loopback, running as root, state in $STATE, plus the given lines (in
# [provisiond]).
write_site() {
  cat > "$CONF/site.toml" <<EOT
[site]
domain = "lab.voip"
address = "127.0.0.1/8"
interface = "lo"
user = "root"
state_dir = "$STATE"

# provisiond alone, no DHCP of ours: mac_files = "auto" then serves files named after a MAC to anyone.
[dhcpd]
enabled = false

[provisiond]
$1
EOT
}

start_daemon() {
  "$PHONEBOOT_BIN/phoneboot-provisiond" -c "$CONF" > "$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 100); do
    if grep -q "started with configuration" "$WORK/daemon.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then echo "daemon exited:"; cat "$WORK/daemon.log"; exit 1; fi
    sleep 0.05
  done
  echo "daemon did not start"; cat "$WORK/daemon.log"; exit 1
}

stop_daemon() {
  kill "$DAEMON_PID"
  wait "$DAEMON_PID" || true
  DAEMON_PID=""
}

pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; FAILURES=$((FAILURES + 1)); }
# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
finish() {
  if [ "$FAILURES" -ne 0 ]; then echo "$FAILURES check(s) failed"; exit 1; fi
  echo "all checks passed"
}

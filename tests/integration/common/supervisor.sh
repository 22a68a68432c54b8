#!/usr/bin/env bash
# `phoneboot run`: starts the enabled services, restarts one killed with SIGKILL (the reason logged, the wait
# doubling when it dies again soon), passes SIGHUP on, and stops everything on SIGTERM. phoneboot-testd
# stands in for sntpd, in a private bin folder,
# so the test depends on the supervisor alone.
set -euo pipefail
bin=${PHONEBOOT_BIN:?}
work=$(mktemp -d /tmp/pb-supervisor.XXXXXX)
chmod 755 "$work"
sup=""
cleanup() { [ -n "$sup" ] && kill -9 "$sup" 2>/dev/null; pkill -9 -f "$work/bin/" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; sed 's/^/  log: /' "$work/log" >&2; exit 1; }

mkdir -p "$work/bin" "$work/etc"
cp "$bin/phoneboot" "$work/bin/phoneboot"
cp "$bin/phoneboot-testd" "$work/bin/phoneboot-sntpd"
port=$((12370 + RANDOM % 9))
cat > "$work/etc/site.toml" <<TOML
[site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "lo"
user = "root"
[sntpd]
port = $port
metrics_port = 0
[dhcpd]
enabled = false
[dnsd]
enabled = false
[provisiond]
enabled = false
TOML

child_pid() { pgrep -f "^$work/bin/phoneboot-sntpd" | head -1; }
wait_for() { for _ in $(seq 100); do eval "$1" && return 0; sleep 0.1; done; return 1; }

"$work/bin/phoneboot" run -c "$work/etc" > "$work/log" 2>&1 &
sup=$!
wait_for '[ -n "$(child_pid)" ]' || fail "sntpd was not started"
first=$(child_pid)
wait_for 'grep -q "testd: started" "$work/log"' || fail "the child did not start serving"

kill -9 "$first"
wait_for '[ -n "$(child_pid)" ] && [ "$(child_pid)" != "$first" ]' || fail "a killed service was not restarted"
grep -q "service 'sntpd' killed by signal 9" "$work/log" || fail "the restart does not say why"

wait_for 'grep -c "testd: started" "$work/log" | grep -q 2' || fail "the restarted child did not serve"
# Dying again soon after a restart doubles the wait (exponential backoff, from 500 ms).
grep -q "service 'sntpd' killed by signal 9 after [0-9]* ms; restarting in 500 ms" "$work/log" ||
  fail "the first restart does not wait 500 ms"
second=$(child_pid)
kill -9 "$second"
wait_for '[ -n "$(child_pid)" ] && [ "$(child_pid)" != "$second" ]' || fail "a service killed twice was not restarted"
grep -q "restarting in 1000 ms" "$work/log" || fail "the second restart does not back off to 1000 ms"
second=$(child_pid)
wait_for 'grep -c "testd: started" "$work/log" | grep -q 3' || fail "the twice-restarted child did not serve"
kill -HUP "$sup"
wait_for 'grep -q "testd: reloaded configuration" "$work/log"' || fail "SIGHUP was not passed on"

kill -TERM "$sup"
rc=0; wait "$sup" || rc=$?
sup=""
[ "$rc" -eq 0 ] || fail "phoneboot run exited $rc"
kill -0 "$second" 2>/dev/null && fail "the service outlived the supervisor"
grep -q "all services stopped" "$work/log" || fail "no final line"

# A bad set never starts anything: exit 78.
printf '[site]\ndomain = "lab.voip"\n' > "$work/etc/site.toml"
rc=0; "$work/bin/phoneboot" run -c "$work/etc" > "$work/log" 2>&1 || rc=$?
[ "$rc" -eq 78 ] || fail "run on an invalid set exited $rc, expected 78"
echo "supervisor: ok"

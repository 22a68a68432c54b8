#!/usr/bin/env bash
# Switchover health: two fake call servers answer SIP OPTIONS on loopback addresses; stopping one moves it
# behind the live one in `provision` and the SRV answers within the fall count, and starting it again brings
# rotation back within the rise count.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=15320
METRICS=15322
export CS1=127.0.0.11 CS2=127.0.0.12 SIP_PORT=15321 SIPS_PORT=15323
DIR=$WORK/health
mkdir -p "$DIR"
site_toml $PORT '[dnsd.health]' 'check = "sip-udp"' 'interval_ms = 200' 'timeout_ms = 150' 'rise = 2' 'fall = 2' >"$DIR/site.toml"
sed -i "s/^metrics_port = 0/metrics_port = $METRICS/" "$DIR/site.toml"

"$HERE/fake_sip.py" $CS1 $SIP_PORT >/dev/null & SIP1=$!; PIDS+=("$SIP1")
"$HERE/fake_sip.py" $CS2 $SIP_PORT >"$DIR/sip2.log" & PIDS+=($!)
for _ in $(seq 50); do  # both responders listening before dnsd's first check
  [ "$(ss -Hlun "sport = :$SIP_PORT" | wc -l)" -ge 2 ] && break
  sleep 0.1
done
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=2 +tries=1 +short)

firsts() {  # how many distinct first records over 10 queries of NAME TYPE
  for _ in $(seq 10); do "${D[@]}" "$1" "$2" | head -1; done | sort -u | xargs
}
# wait_for DESCRIPTION SECONDS COMMAND EXPECTED: polls every 100 ms, reports how long it took.
wait_for() {
  local what=$1 limit=$2 expected=$4 start got
  start=$(date +%s%N)
  while true; do
    got=$(eval "$3")
    if [ "$got" == "$expected" ]; then ok "$what after $(( ($(date +%s%N) - start) / 1000000 )) ms"; return; fi
    if [ $(( ($(date +%s%N) - start) / 1000000 )) -gt $((limit * 1000)) ]; then fail "$what: got [$got]"; return; fi
    sleep 0.1
  done
}

sleep 0.5
expect_eq "both live: provision rotates" "$CS1 $CS2" "$(firsts provision.lab.voip A)"
expect_eq "both live: SRV rotates" "0 0 $SIP_PORT vm40ic1.lab.voip. 0 0 $SIP_PORT vm40ic2.lab.voip." "$(firsts _sip._udp.lab.voip SRV)"

kill "$SIP1"; wait "$SIP1" 2>/dev/null || true
# fall = 2 checks 200 ms apart: well inside 2 s.
wait_for "vm40ic1 down: provision lists vm40ic2 first" 2 'firsts provision.lab.voip A' "$CS2"
expect_eq "vm40ic1 down: still both addresses" "2" "$("${D[@]}" provision.lab.voip A | wc -l)"
expect_eq "vm40ic1 down: SRV lists vm40ic2 first" "0 0 $SIP_PORT vm40ic2.lab.voip." "$(firsts _sip._udp.lab.voip SRV)"
expect_eq "vm40ic1 down: _sips too" "0 0 $SIPS_PORT vm40ic2.lab.voip." "$(firsts _sips._tcp.lab.voip SRV)"
expect_eq "metric shows vm40ic1 down" 'dnsd_member_up{member="vm40ic1"} 0' "$(curl -s 127.0.0.1:$METRICS/metrics | grep 'dnsd_member_up{member="vm40ic1"}')"
expect_eq "state change logged once" "1" "$(grep -c "call server 'vm40ic1' (127.0.0.11) is down" "$DIR/dnsd.log")"

"$HERE/fake_sip.py" $CS1 $SIP_PORT >/dev/null & PIDS+=($!)
wait_for "vm40ic1 back: provision rotates again" 3 'firsts provision.lab.voip A' "$CS1 $CS2"
expect_eq "metric shows vm40ic1 up" 'dnsd_member_up{member="vm40ic1"} 1' "$(curl -s 127.0.0.1:$METRICS/metrics | grep 'dnsd_member_up{member="vm40ic1"}')"

# Checks stop when their records go away: a reload without health checks leaves the responder alone.
printf '[health]\ncheck = "none"\n' >"$DIR/dnsd.toml"
kill -HUP "$DNSD_PID"
sleep 0.5
before=$(wc -l <"$DIR/sip2.log")
sleep 1
expect_eq "no OPTIONS after the checks were removed" "$before" "$(wc -l <"$DIR/sip2.log")"
[ "$before" -gt 3 ] && ok "OPTIONS were seen while checking ($before)" || fail "only $before OPTIONS seen"
finish

#!/usr/bin/env bash
# Each TCP-based health check (tcp connect, SIP OPTIONS over TCP, HTTP GET) against a live call server (a fake
# service on its address) and a dead one (nothing listening): the live one is always listed first.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=15385
export CS1=127.0.0.21 CS2=127.0.0.22 SIP_PORT=15386 SIPS_PORT=15387
for kind in tcp sip-tcp http; do
  DIR=$WORK/$kind
  mkdir -p "$DIR"
  mode=$kind; [ "$kind" == "sip-tcp" ] && mode=sip
  "$HERE/fake_tcp.py" $CS1 $SIP_PORT "$mode" & FAKE=$!; PIDS+=("$FAKE")
  for _ in $(seq 50); do [ "$(ss -Hltn "sport = :$SIP_PORT" | wc -l)" -ge 1 ] && break; sleep 0.1; done
  site_toml $PORT '[dnsd.health]' "check = \"$kind\"" "port = $SIP_PORT" 'interval_ms = 200' 'timeout_ms = 150' \
    'rise = 1' 'fall = 2' 'only_live = true' >"$DIR/site.toml"
  start_dnsd "$DIR" $PORT
  got=""
  for _ in $(seq 30); do
    got=$(dig @127.0.0.1 -p $PORT +short provision.lab.voip A | xargs)
    [ "$got" == "$CS1" ] && break
    sleep 0.1
  done
  expect_eq "$kind check: only the live server" "$CS1" "$got"
  sleep 1  # five more rounds: a check that failed on the live server too would have taken it down by now
  expect_eq "$kind check: the live server stays up" "$CS1" "$(dig @127.0.0.1 -p $PORT +short provision.lab.voip A | xargs)"
  kill "$DNSD_PID" "$FAKE"; wait "$DNSD_PID" "$FAKE" 2>/dev/null || true
done
finish

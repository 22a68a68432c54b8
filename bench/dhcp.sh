#!/bin/bash
# bench/dhcp.sh: phoneboot-dhcpd against kea-dhcp4 (memfile, persistence on) in the same run.
#
# Both servers run in one network namespace pinned to CPU 0; perfdhcp runs in another pinned to CPU 1, the
# two joined by a veth pair. perfdhcp always poses as a relay (giaddr = its own address), so both servers
# get a subnet containing it. For each server: the highest rate of 4-way exchanges (DORA) per second with
# under 1% lost (doubling, then bisection, 3 s probes, 150 clients re-leasing as in bench-notes.md), the
# server CPU time per exchange, then a boot storm of 10,000 distinct clients, and (phoneboot only) the RSS
# with 100,000 leases. Every ACK from phoneboot-dhcpd is fsynced (group commit); Kea's memfile never fsyncs.
#
# perfdhcp runs out of its own core (8,500 to 18,000 DORA/s here, by the day's VM) before phoneboot-dhcpd
# does, so the highest rate is measured a second time with bench/dhcpd-load.cpp, a lean relay-posing generator
# that batches its system calls: there the server's core is the limit, and the ratio of the two rates is the
# servers' own.
#
# Usage: bench/dhcp.sh [build/bin]     (root; needs perfdhcp and kea-dhcp4: Debian kea-admin, kea-dhcp4-server)
set -euo pipefail
PHONEBOOT_SETUP_BENCH=1 "$(dirname "$0")/../scripts/setup.sh"  # the reference servers and load tools
BIN=$(realpath "${1:-build/bin}")
P=$$
S=pbdhcp-bs$P C=pbdhcp-bc$P A=pbdb${P}a B=pbdb${P}b
DIR=$(mktemp -d /tmp/pbdhcp-bench-XXXXXX)
PROBE_SECONDS=${PROBE_SECONDS:-3}
CLIENTS=${CLIENTS:-150}
FIXED_RATE=${FIXED_RATE:-2000}
LEAN_ONLY=${LEAN_ONLY:-0}  # 1: only the lean generator's rates (about a minute)
SERVER_PID=
ROOT=$(cd "$(dirname "$0")/.." && pwd)

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  ip netns del $S 2>/dev/null || true
  ip netns del $C 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

ip netns add $S
ip netns add $C
ip link add $A type veth peer name $B
ip link set $A netns $S
ip link set $B netns $C
ip -n $S addr add 10.0.0.2/8 dev $A
ip -n $C addr add 10.0.0.9/8 dev $B
for ns in $S $C; do ip -n $ns link set lo up; done
ip -n $S link set $A up
ip -n $C link set $B up

mkdir -p "$DIR/pb" "$DIR/kea"
flock /tmp/pb-build.lock g++ -std=c++20 -O2 -o "$DIR/dhcpd-load" "$ROOT/bench/dhcpd-load.cpp"
cat > "$DIR/pb/site.toml" <<TOML
[site]
domain = "lab.voip"
address = "10.0.0.2/8"
interface = "$A"
user = "root"
state_dir = "$DIR/pb/state"
[dhcpd]
rate_limit = 0
metrics_port = 16792
[[dhcpd.subnet]]
prefix = "10.0.0.0/8"
[[dhcpd.subnet.pool]]
start = "10.1.0.0"
end = "10.3.255.255"
TOML
cat > "$DIR/kea/kea.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "$A" ], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true, "name": "$DIR/kea/leases4.csv", "lfc-interval": 0 },
  "valid-lifetime": 86400, "renew-timer": 43200, "rebind-timer": 75600,
  "option-def": [ { "name": "provisioning-url", "code": 160, "type": "string" } ],
  "option-data": [
    { "name": "time-offset", "data": "0", "always-send": true },
    { "name": "time-servers", "data": "10.0.0.2", "always-send": true },
    { "name": "domain-name-servers", "data": "10.0.0.2", "always-send": true },
    { "name": "domain-name", "data": "lab.voip", "always-send": true },
    { "name": "ntp-servers", "data": "10.0.0.2", "always-send": true },
    { "name": "tftp-server-name", "data": "10.0.0.2", "always-send": true },
    { "name": "pcode", "data": "UTC0", "always-send": true },
    { "name": "tcode", "data": "UTC", "always-send": true },
    { "name": "provisioning-url", "data": "http://provision.lab.voip:8088", "always-send": true } ],
  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/8", "pools": [ { "pool": "10.1.0.0 - 10.3.255.255" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$DIR/kea/kea.log" } ], "severity": "ERROR" } ]
} }
JSON

start_server() {  # $1: phoneboot | kea
  rm -rf "$DIR/pb/state" "$DIR/kea/leases4.csv"*
  if [ "$1" = phoneboot ]; then
    ip netns exec $S taskset -c 0 "$BIN/phoneboot-dhcpd" -c "$DIR/pb" --log-level warning 2>"$DIR/pb.log" &
  else
    KEA_PIDFILE_DIR=$DIR/kea KEA_LOCKFILE_DIR=$DIR/kea ip netns exec $S taskset -c 0 kea-dhcp4 -c "$DIR/kea/kea.json" >"$DIR/kea.out" 2>&1 &
  fi
  SERVER_PID=$!
  sleep 1.5
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; }
cpu_ticks() { awk '{print $14 + $15}' /proc/"$SERVER_PID"/stat; }

# perfdhcp probe: prints "acks discovers achieved_rate client_cpu_percent" for a run at rate $1 with $2
# clients for $3 seconds. `-g single`: perfdhcp's default multi-thread mode puts its receiver thread on the
# same pinned core as its sender, and the two starve each other (its socket buffer overflows near 5k DORA/s
# whatever the server does).
perfdhcp_probe() {
  local out
  out=$(ip netns exec $C /usr/bin/time -f "client-cpu %U %S %e" taskset -c 1 perfdhcp -g single -4 -l $B -r "$1" -R "$2" \
        -p "$3" 10.0.0.2 2>&1 || true)
  echo "$out" > "$DIR/last-perfdhcp.txt"
  echo "$out" | awk '/sent packets:/ {s[++i]=$3} /received packets:/ {r[++j]=$3} /^Rate:/ {rate=$2}
                     /^client-cpu/ {cpu=($2 + $3) / $4 * 100}
                     END {printf "%d %d %.0f %.0f\n", r[2], s[1], rate, cpu}'
}

# The same with the lean generator: 150 clients re-leasing, $1 new exchanges a second for $3 seconds.
lean_probe() {
  local out
  out=$(ip netns exec $C /usr/bin/time -f "client-cpu %U %S %e" taskset -c 1 "$DIR/dhcpd-load" --rate "$1" \
        --clients "$2" --seconds "$3" --server 10.0.0.2 --local 10.0.0.9 2>&1 || true)
  echo "$out" > "$DIR/last-lean.txt"
  echo "$out" | awk '/^started=/ {for (i = 1; i <= NF; ++i) {split($i, kv, "="); v[kv[1]] = kv[2]}}
                     /^client-cpu/ {cpu=($2 + $3) / $4 * 100}
                     END {printf "%d %d %.0f %.0f\n", v["acks"], v["started"], v["dora_per_s"], cpu}'
}
PROBE=perfdhcp_probe

loss_ok() {  # acks discovers -> true when under 1% lost
  awk -v a="$1" -v d="$2" 'BEGIN { exit !(d > 0 && (d - a) / d < 0.01) }'
}

# Prints "achieved_rate client_cpu_percent" of the highest offered rate with under 1% lost. When perfdhcp
# cannot even send at the offered rate (its core is full), the achieved rate is the client's ceiling.
max_rate() {
  local lo=0 hi=1000 acks disc rate cpu best=0 best_cpu=0
  while :; do
    read -r acks disc rate cpu < <($PROBE $hi "$CLIENTS" "$PROBE_SECONDS")
    if loss_ok "$acks" "$disc"; then
      lo=$hi best=$rate best_cpu=$cpu
      # The client fell short of the offer: doubling again measures only perfdhcp.
      awk -v r="$rate" -v o="$hi" 'BEGIN { exit !(r < 0.9 * o) }' && { echo "$best $best_cpu"; return; }
      hi=$((hi * 2)); [ $hi -gt 128000 ] && break
    else break; fi
  done
  while [ $((hi - lo)) -gt $((hi / 16)) ]; do
    local mid=$(((lo + hi) / 2))
    read -r acks disc rate cpu < <($PROBE $mid "$CLIENTS" "$PROBE_SECONDS")
    if loss_ok "$acks" "$disc"; then lo=$mid best=$rate best_cpu=$cpu; else hi=$mid; fi
  done
  echo "$best $best_cpu"
}

cpu_per_dora() {  # $1: rate; prints server CPU microseconds per ACKed exchange over a 5 s run
  local t0 acks disc t1 hz
  t0=$(cpu_ticks)
  read -r acks disc _ _ < <($PROBE "$1" "$CLIENTS" 5)
  t1=$(cpu_ticks)
  hz=$(getconf CLK_TCK)
  awk -v t=$((t1 - t0)) -v hz="$hz" -v a="$acks" 'BEGIN { printf "%.0f", a ? t / hz * 1e6 / a : 0 }'
}

measure() {  # $1: server kind; prints "rate client_cpu% us_cpu_per_dora storm_acks us_at_fixed_rate"
  start_server "$1"
  local rate client_cpu; read -r rate client_cpu < <(max_rate)
  local us; us=$(cpu_per_dora "$rate")
  # The same offered load for both servers: CPU per exchange compares even when the client is the limit.
  local fixed; fixed=$(cpu_per_dora "$FIXED_RATE")
  stop_server
  # Boot storm: 10,000 distinct clients at the measured rate (avalanche: retransmit until all are bound).
  start_server "$1"
  local storm
  storm=$(ip netns exec $C taskset -c 1 perfdhcp -g single -4 -l $B --scenario avalanche -R 10000 -r "$rate" 10.0.0.2 2>&1 |
          tee "$DIR/storm-$1.txt" | awk '/received packets:/ {r[++j]=$3} END {print r[2]+0}')
  stop_server
  echo "$rate $client_cpu $us $storm $fixed"
}

if [ "$LEAN_ONLY" != 1 ]; then
  echo "== phoneboot-dhcpd (every ACK fsynced, group commit)"
  read -r pb_rate pb_client pb_us pb_storm pb_fixed < <(measure phoneboot)
  echo "   $pb_rate DORA/s at <1% loss (perfdhcp's core ${pb_client}% busy), $pb_us us server CPU per DORA there," \
       "$pb_fixed us at $FIXED_RATE/s, storm: $pb_storm/10000 clients ACKed"
  echo "== kea-dhcp4 (memfile, persist on, no fsync; the same options in every reply)"
  read -r kea_rate kea_client kea_us kea_storm kea_fixed < <(measure kea)
  echo "   $kea_rate DORA/s at <1% loss (perfdhcp's core ${kea_client}% busy), $kea_us us server CPU per DORA there," \
       "$kea_fixed us at $FIXED_RATE/s, storm: $kea_storm/10000 clients ACKed"
  awk -v a="$pb_rate" -v b="$kea_rate" 'BEGIN { if (b > 0) printf "ratio phoneboot/kea (rate at <1%% loss): %.2fx\n", a / b }'
  awk -v a="$pb_fixed" -v b="$kea_fixed" 'BEGIN { if (a > 0) printf "ratio kea/phoneboot (CPU per DORA at the same load): %.2fx\n", b / a }'
  # DORA per second one server core could carry (1 s of CPU / CPU per DORA at its highest measured rate):
  # what the rate ratio would be if the load generator had a core to spare.
  awk -v a="$pb_us" -v b="$kea_us" 'BEGIN { if (a > 0 && b > 0) printf "per server core: phoneboot %.0f, kea %.0f DORA/s: %.2fx\n", 1e6 / a, 1e6 / b, b / a }'
fi

# The highest rate again with the lean generator, whose core is not the limit (see the top of this file).
lean_measure() {  # $1: server kind; prints "rate client_cpu% us_cpu_per_dora"
  start_server "$1"
  local rate client_cpu; read -r rate client_cpu < <(PROBE=lean_probe max_rate)
  local us; us=$(PROBE=lean_probe cpu_per_dora "$rate")
  stop_server
  echo "$rate $client_cpu $us"
}
echo "== lean generator (bench/dhcpd-load.cpp): highest rate at <1% loss"
read -r pbl_rate pbl_client pbl_us < <(lean_measure phoneboot)
echo "   phoneboot-dhcpd: $pbl_rate DORA/s (generator's core ${pbl_client}% busy), $pbl_us us server CPU per DORA"
read -r keal_rate keal_client keal_us < <(lean_measure kea)
echo "   kea-dhcp4:       $keal_rate DORA/s (generator's core ${keal_client}% busy), $keal_us us server CPU per DORA"
awk -v a="$pbl_rate" -v b="$keal_rate" 'BEGIN { if (b > 0) printf "ratio phoneboot/kea (rate at <1%% loss, lean generator): %.2fx\n", a / b }'

[ "$LEAN_ONLY" = 1 ] && exit 0
# RSS with 100,000 leases: an avalanche of 100,000 distinct clients, then the daemon's own gauge.
start_server phoneboot
# perfdhcp's avalanche resends every unanswered DISCOVER each round; far above 4,000/s its own socket
# overflows and it resends millions (the server answers them all), so the fill is paced and bounded in time.
fill_rate=$(( ${pb_rate:-2000} < 4000 ? ${pb_rate:-2000} : 4000 ))
timeout 300 ip netns exec $C taskset -c 1 perfdhcp -g single -4 -l $B --scenario avalanche -R 100000 -r "$fill_rate" 10.0.0.2 \
  >"$DIR/rss-perfdhcp.txt" 2>&1 || true
sleep 6  # one maintenance tick updates the gauges
leases=$(ip netns exec $S curl -s http://127.0.0.1:16792/metrics | awk '/^dhcpd_leases_bound / {print $2}')
echo "== phoneboot-dhcpd RSS with ${leases:-?} leases: $(awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' /proc/$SERVER_PID/status)"
stop_server

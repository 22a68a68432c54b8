#!/usr/bin/env bash
# dnsd against its anchor, NSD, in one run on loopback: the same zone (NSD loads dnsd's own zone, fetched by
# AXFR) and the same query mix (A, SRV, PTR, NXDOMAIN, NODATA). The server is pinned to one core, dnsperf to
# the other. One dnsperf thread saturates its core before either server does on a 2-core machine, so the
# figure that matters is server CPU time per query, at the generator's ceiling and at a fixed 20k qps
# (reference/bench-notes.md). Prints queries/s, average and p99 latency, CPU per query, and the ratios.
#
# Usage: bench/dns.sh [build-dir] [seconds per run] [runs]   (ports 15390-15391; medians of the runs)
set -euo pipefail
PHONEBOOT_SETUP_BENCH=1 "$(dirname "$0")/../scripts/setup.sh"  # the reference servers and load tools
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-10}
RUNS=${3:-3}
BIN=$(cd "$BUILD/bin" && pwd)
WORK=$(mktemp -d /tmp/pbdns-bench.XXXXXX)
DNSD_PORT=15390
NSD_PORT=15391
SERVER_CPU=1
CLIENT_CPU=0
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v dnsperf >/dev/null || { echo "dnsperf is missing (apt-get install dnsperf)" >&2; exit 1; }

mkdir -p "$WORK/dnsd" "$WORK/nsd"
cat >"$WORK/dnsd/site.toml" <<TOML
[site]
domain    = "lab.voip"
address   = "10.250.0.2/24"
interface = "lo"
user      = "root"
state_dir = "$WORK/state"
[[site.call_server]]
name    = "vm40ic1"
address = "10.250.1.151"
[[site.call_server]]
name    = "vm40ic2"
address = "10.250.1.152"
[dnsd]
port = $DNSD_PORT
address = "127.0.0.1"
metrics_port = 0
secondaries = ["127.0.0.1"]
[dnsd.rrl]
rate = 0
TOML

taskset -c $SERVER_CPU "$BIN/phoneboot-dnsd" -c "$WORK/dnsd" >"$WORK/dnsd.log" 2>&1 &
DNSD_PID=$!
PIDS+=("$DNSD_PID")
for _ in $(seq 50); do
  [ -n "$(dig @127.0.0.1 -p $DNSD_PORT +short lab.voip SOA 2>/dev/null)" ] && break
  sleep 0.1
done
dig @127.0.0.1 -p $DNSD_PORT lab.voip AXFR +nocmd +nostats +nocomments | grep -v '^;' | awk 'NR==1 || $4!="SOA"' \
  >"$WORK/nsd/lab.voip.zone"
cat >"$WORK/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  zonesdir: "$WORK/nsd"
  zonelistfile: "$WORK/nsd/zone.list"
  database: ""
  pidfile: "$WORK/nsd/nsd.pid"
  xfrdfile: "$WORK/nsd/xfrd.state"
  xfrdir: "$WORK/nsd"
  username: ""
  chroot: ""
  logfile: "$WORK/nsd/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
  minimal-responses: yes
remote-control:
  control-enable: no
zone:
  name: lab.voip
  zonefile: lab.voip.zone
CONF
taskset -c $SERVER_CPU nsd -d -c "$WORK/nsd/nsd.conf" &
NSD_LAUNCH=$!
PIDS+=("$NSD_LAUNCH")
for _ in $(seq 50); do
  [ -n "$(dig @127.0.0.1 -p $NSD_PORT +short lab.voip SOA 2>/dev/null)" ] && break
  sleep 0.1
done
# NSD serves from a child process: measure every process of its group.
nsd_pids() { pgrep -f "nsd -d -c $WORK/nsd/nsd.conf" | xargs; }

# The query mix of a boot storm: switchover names, reverse lookups, misses.
for _ in $(seq 20); do
  cat <<Q
provision.lab.voip A
_sip._udp.lab.voip SRV
_sip._tcp.lab.voip SRV
_sips._tcp.lab.voip SRV
vm40ic1.lab.voip A
151.1.250.10.in-addr.arpa PTR
nothing.lab.voip A
provision.lab.voip AAAA
Q
done >"$WORK/queries.txt"

cpu_ticks() {  # summed utime+stime of the given pids, in clock ticks
  local t=0
  # After "pid (comm) ": comm may hold spaces ("nsd: server 1"), so cut at the last ')' first.
  for p in "$@"; do t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done
  echo $t
}
HZ=$(getconf CLK_TCK)

# run NAME PORT "PIDS" MODE -> prints one result line; MODE ceiling or fixed
run() {
  local name=$1 port=$2 pids=$3 mode=$4 out before after qps done_q p99 avg
  local args=(-s 127.0.0.1 -p "$port" -d "$WORK/queries.txt" -l "$SECONDS_PER_RUN" -c 10 -q 100)
  # shellcheck disable=SC2086
  before=$(cpu_ticks $pids)
  if [ "$mode" = fixed ]; then
    out=$(taskset -c $CLIENT_CPU dnsperf "${args[@]}" -Q 20000 -v 2>&1)
  else
    out=$(taskset -c $CLIENT_CPU dnsperf "${args[@]}" 2>&1)
  fi
  # shellcheck disable=SC2086
  after=$(cpu_ticks $pids)
  qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
  done_q=$(echo "$out" | awk '/Queries completed/ {print $3}')
  avg=$(echo "$out" | awk '/Average Latency/ {print $4}')
  if [ "$mode" = fixed ]; then
    p99=$(echo "$out" | awk '/^> / {print $NF}' | sort -g | awk '{a[NR]=$1} END {print a[int(NR*0.99)]}')
  else
    p99=-
  fi
  awk -v n="$name" -v m="$mode" -v q="$qps" -v d="$done_q" -v c=$((after - before)) -v hz="$HZ" -v a="$avg" -v p="$p99" \
    'BEGIN { cpu = c / hz; printf "%-4s %-7s qps=%.0f avg=%.1fus p99=%s cpu=%.2fs cpu/query=%.2fus\n",
             n, m, q, a * 1e6, (p == "-" ? "-" : sprintf("%.1fus", p * 1e6)), cpu, cpu / d * 1e6 }'
}

echo "zone: $(grep -c . "$WORK/nsd/lab.voip.zone") records; $RUNS x $SECONDS_PER_RUN s per case, interleaved;" \
  "server on CPU $SERVER_CPU, dnsperf on CPU $CLIENT_CPU"
results=()
for mode in ceiling fixed; do
  for _ in $(seq "$RUNS"); do
    results+=("$(run dnsd $DNSD_PORT "$DNSD_PID" $mode)")
    results+=("$(run nsd $NSD_PORT "$(nsd_pids)" $mode)")
  done
done
printf '%s\n' "${results[@]}"
# Medians per server and mode, then the ratios the issue asks for.
printf '%s\n' "${results[@]}" | awk '
  function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  { for (i = 3; i <= NF; ++i) { split($i, kv, "="); sub(/us$/, "", kv[2]); vals[$1 " " $2 " " kv[1]] = vals[$1 " " $2 " " kv[1]] " " kv[2] } }
  END {
    split("ceiling fixed", modes, " ")
    for (k = 1; k <= 2; ++k) {
      m = modes[k]
      for (s = 1; s <= 2; ++s) {
        srv = s == 1 ? "dnsd" : "nsd"
        printf "median %-5s %-8s qps=%9.0f  cpu/query=%6.2fus  p99=%s\n", srv, m, median(srv " " m " qps"),
               median(srv " " m " cpu/query"), (m == "fixed" ? median(srv " " m " p99") "us" : "-")
      }
      c = median("dnsd " m " cpu/query") / median("nsd " m " cpu/query")
      printf "ratio  %-8s dnsd/nsd CPU per query = %.2f (target <= 0.67)", m, c
      if (m == "fixed") printf "; p99 dnsd/nsd = %.2f", median("dnsd " m " p99") / median("nsd " m " p99")
      printf "\n"
    }
  }'
